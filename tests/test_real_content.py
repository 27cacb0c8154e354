"""Tests over the real `content/` folder rather than the fixture: each name says so.

They check what only a site of the real size shows: near-copies and related guides worth
remembering between builds, a build long enough to kill halfway, and the exported schemas
against every file an editor has written. The one that builds the real site is marked slow.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema
import pytest
import yaml
from conftest import ROOT, tree_digest
from test_memo import counting
from test_render import between
from test_similarity import BARS, brute_force

from generator.checks import read_site
from generator.guide_gates import check_uniqueness
from generator.incremental.memo import Memo
from generator.load import load_content
from generator.model import Content
from generator.plan import SitePlan, plan_pages
from generator.schema import export_schemas
from generator.similarity import Bars, BlockTable, choose_noindex
from generator.uniqueness import measure_guides
from generator.validate import validate_content

if TYPE_CHECKING:
    from generator.render import Renderer

CONTENT = ROOT / "content"


@pytest.fixture(scope="module")
def real() -> Content:
    return validate_content(load_content(CONTENT))


@pytest.fixture(scope="module")
def real_plan(real: Content) -> SitePlan:
    """The real site's plan, made once for the tests that only read it (planning weighs every guide)."""
    return plan_pages(real)


@pytest.fixture(scope="module")
def real_renderer(real: Content, real_plan: SitePlan) -> Renderer:
    from generator.render import Renderer

    return Renderer(real, real_plan, ROOT / "templates")


# ----------------------------------------------------------------------------- building


@pytest.mark.slow
def test_real_content_build_killed_midway_leaves_the_previous_output_intact(tmp_path: Path) -> None:
    out = tmp_path / "public"
    command = [sys.executable, "-m", "generator", "build", "--content", str(CONTENT), "--out", str(out), "--jobs", "1"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    before = tree_digest(out)
    child = subprocess.Popen([*command, "--base-url", "https://changed.example.org"], cwd=ROOT)
    staging = tmp_path / ".public.state/builds/b"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if staging.is_dir() and sum(1 for _ in staging.rglob("*.html")) > 50:
            break
        time.sleep(0.01)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert tree_digest(out) == before
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    assert tree_digest(out) == before
    assert not staging.exists()


# ----------------------------------------------------------------------------- planning's memo


def test_real_content_unchanged_reuses_every_remembered_choice(real: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Memo()
    fresh = plan_pages(real, first)
    assert fresh.noindex, "the real content has near-copies, so this test means something"
    calls = counting(monkeypatch)
    again = plan_pages(real, Memo(previous=json.loads(json.dumps(first.current))))  # as read back from a manifest
    assert calls == {"noindex": [], "related": []}
    assert again.noindex == fresh.noindex and again.related == fresh.related


def test_real_content_editing_one_treatment_recomputes_only_its_choices_and_matches_a_fresh_plan(
    real: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Memo()
    plan_pages(real, first)
    slug = "ocrevus"
    documents = real.treatments[slug].documents
    # The records a guide lists to gather are one of its blocks (the body lives on the treatment's hub).
    longer = replace(real.treatments[slug], documents=(documents[0] + " and a few more words", *documents[1:]))
    edited = replace(real, treatments={**real.treatments, slug: longer})
    calls = counting(monkeypatch)
    remembered = plan_pages(edited, Memo(previous=first.current))
    assert calls == {"noindex": [slug], "related": []}
    unaided = plan_pages(edited)
    assert remembered.noindex == unaided.noindex and remembered.related == unaided.related


def test_real_content_with_a_new_page_chooses_related_guides_again(
    real: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Memo()
    plan_pages(real, first)
    payer = next(iter(real.payers.values()))
    renamed = replace(real, payers={**real.payers, "renamed-payer": replace(payer, slug="renamed-payer")})
    calls = counting(monkeypatch)
    remembered = plan_pages(renamed, Memo(previous=first.current))
    assert calls["related"] == [True]
    assert remembered.related == plan_pages(renamed).related


def test_real_content_planned_over_two_workers_matches_planning_in_one_process(real: Content) -> None:
    one, two = Memo(), Memo()
    serial = plan_pages(real, one)
    parallel = plan_pages(real, two, workers=2)
    assert parallel.noindex == serial.noindex and parallel.related == serial.related
    assert json.dumps(two.current, sort_keys=True) == json.dumps(one.current, sort_keys=True)
    assert len(two.current) > 2, "several requests, so they were shared out between the workers"


def test_real_content_planning_workers_are_sent_indices_not_the_requests(
    real: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The requests carry the whole content in their closures; pickling them for every task
    # made parallel planning slower than serial. Only indices may travel to the workers.
    import generator.incremental.memo as memo_module

    sent = []
    fork_map = memo_module.fork_map

    def spy(work, state, items, workers, chunk=1):
        sent.extend(items)
        return fork_map(work, state, items, workers, chunk)

    monkeypatch.setattr(memo_module, "fork_map", spy)
    plan_pages(real, Memo(), workers=2)
    assert len(sent) > 2 and all(isinstance(item, int) for item in sent)


# ----------------------------------------------------------------------------- near-copies


@pytest.mark.slow  # a brute-force pass over every pair of siblings, four times
@pytest.mark.parametrize("bars", BARS)
def test_real_content_windowed_near_copy_detection_matches_brute_force(real: Content, bars: Bars) -> None:
    plan = plan_pages(real)
    # the real site's brute force is quadratic; a slice of whole payers keeps it quick
    keep = {"aetna", "cigna", "humana", "medicaid"}
    plan.guides = [g for g in plan.guides if g.payer in keep]
    assert choose_noindex(bars, real, plan) == brute_force(bars, real, plan)


def test_real_content_block_table_listed_by_parts_is_the_plain_one(real: Content, real_plan: SitePlan) -> None:
    # The cached table lists each part of a page's blocks once per value of what decides it
    # (similarity.PARTS); the fixture has too few guides for many parts to repeat.
    plan = real_plan
    plain, cached = BlockTable(real, plan, cached=False), BlockTable(real, plan)
    assert (cached.keys, cached.weight, cached.rare) == (plain.keys, plain.weight, plain.rare)


@pytest.mark.slow
def test_real_content_the_build_bars_agree_with_the_built_pages(real: Content, tmp_path: Path) -> None:
    # The build decides noindex from the blocks it plans (similarity.py); make check measures the
    # built pages (uniqueness.py). Near the line they may differ by a shingle or two, no more.
    from conftest import build

    out = tmp_path / "public"
    build(CONTENT, out, workers=2)
    plan = plan_pages(real)
    pages = read_site(out, real.site.base_url)
    gate = check_uniqueness(pages, real, plan)
    indexable = gate.figures["indexable_guides"]
    assert indexable > 100 and gate.figures["failing"] <= 0.01 * indexable, gate.warnings
    built = {m.url: m.own_share for m in measure_guides({p.url: p.html for p in pages}, real, plan)}
    table = BlockTable(real, plan)
    estimates = {g.url: table.own_share(i) for i, g in enumerate(plan.guides)}
    close = sum(abs(estimates[url] - built[url]) <= 0.015 for url in estimates)
    assert close >= 0.95 * len(plan.guides)
    # An estimate above the page's own share is the error that can keep a thin page indexed.
    worst = max(estimates, key=lambda url: estimates[url] - built[url])
    assert estimates[worst] - built[worst] <= 0.02, (worst, estimates[worst], built[worst])


# ----------------------------------------------------------------------------- editor schemas


Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The C parser where there is one: the pure-Python one took most of this test's three seconds."""


def test_real_content_files_all_pass_the_exported_schemas(tmp_path: Path) -> None:
    validators = {}
    for path in export_schemas(tmp_path):
        schema = json.loads(path.read_text())
        validators[path.name.split(".")[0]] = jsonschema.validators.validator_for(schema)(schema)

    def check(kind: str, text: str) -> None:
        validators[kind].validate(json.loads(json.dumps(yaml.load(text, Loader=Loader), default=str)))

    checked = 0
    for kind, pattern in (
        ("payer", "payers/*.yaml"),
        ("reason", "reasons/*.yaml"),
        ("plan-type", "plan-types/*.yaml"),
        ("site", "site.yaml"),
    ):
        for path in sorted(CONTENT.glob(pattern)):
            check(kind, path.read_text())
            checked += 1
    for kind, pattern in (("treatment", "treatments/*.md"), ("pair", "payers/*/*.md")):
        for path in sorted(CONTENT.glob(pattern)):
            check(kind, path.read_text().split("---\n")[1])
            checked += 1
    assert checked > 100


FAST_APPEAL_KINDS = {
    # 42 CFR 405.1202-405.1206: fast reviews for hospital, nursing, home health, rehab and hospice care that is ending.
    "original-medicare": {"service"},
    # 32 CFR 199.10: expedited appeals for inpatient care and planned admissions or procedures.
    "tricare": {"service", "procedure", "device"},
}
NO_FAST_APPEAL_REASONS = {
    # 32 CFR 199.10: the fast appeal is part of the medical-necessity track; an exclusion or a network
    # denial is a factual one.
    "tricare": {"benefit-exclusion", "out-of-network"},
}
NO_FAST_APPEAL_TREATMENTS = {
    # 42 CFR 405.1202-405.1206 (reference: appeal-rights.md, fast-track QIO appeals): a hospital discharge
    # and skilled nursing, home health, CORF and hospice care that is ending; services given in sessions
    # or visits outside those, and gender-affirming care, have no fast review.
    "original-medicare": {
        "aba-therapy",
        "physical-therapy",
        "tms-therapy",
        "gender-affirming-care",
        "residential-treatment",
    },
    # 32 CFR 199.10 (tricare.kepro.com/appeals): concurrent inpatient, pre-admission and pre-procedure
    # denials only; outpatient therapy sessions, home health visits and equipment for home use are none of these.
    "tricare": {
        "physical-therapy",
        "aba-therapy",
        "tms-therapy",
        "home-health-care",
        "cpap",
        "wheelchair",
        "continuous-glucose-monitor",
        "insulin-pump",
        "hearing-aids",
    },
}


def test_real_content_guides_offer_a_fast_appeal_only_where_a_plan_type_has_one(
    real: Content, real_plan: SitePlan, real_renderer: Renderer
) -> None:
    plan = real_plan
    renderer = real_renderer
    for plan_type, kinds in FAST_APPEAL_KINDS.items():
        alone = [i for i, g in enumerate(plan.guides) if g.plan_types == (plan_type,)]
        shown = {real.treatments[plan.guides[i].treatment].kind for i in alone}
        assert shown & kinds and shown - kinds, (plan_type, shown)
        for i in alone:
            page = renderer.guides.render(i)
            offered = page.count("ask for a fast (expedited) appeal and say why") + page.count(
                "Please decide this fast"
            )
            # A claim for care already had (a missing approval, on the medical benefit) has no fast appeal anywhere.
            benefit = real.treatments[plan.guides[i].treatment].benefit
            pbm = real.payers[plan.guides[i].payer].kind == "pbm"
            after_care = real.reasons[plan.guides[i].reason].after_care and (
                benefit == "medical" or (benefit == "either" and not pbm)
            )
            fast = (
                real.treatments[plan.guides[i].treatment].kind in kinds
                and not after_care
                and plan.guides[i].reason not in NO_FAST_APPEAL_REASONS.get(plan_type, ())
                and plan.guides[i].treatment not in NO_FAST_APPEAL_TREATMENTS.get(plan_type, ())
            )
            expected = 2 if fast else 0
            assert offered == expected, (plan.guides[i].url, offered)


def test_real_content_external_review_on_exclusion_and_network_guides_says_it_needs_medical_judgment(
    real: Content, real_plan: SitePlan, real_renderer: Renderer
) -> None:
    # 45 CFR 147.136(d)(1)(ii): a denial that rests only on the contract's words, or only on the network, is not
    # eligible; one that took medical judgment or a surprise-billing rule is.
    plan = real_plan
    renderer = real_renderer
    checked = {"benefit-exclusion": 0, "out-of-network": 0}
    for i, g in enumerate(plan.guides):
        if g.reason not in ("benefit-exclusion", "out-of-network"):
            continue
        rows = between(renderer.guides.render(i), '<ul class="deadline-rows">', "</ul>").split("<li ")[1:]
        for row in rows:
            if "Next: External review" in row:
                assert "took medical judgment" in row, (g.url, row)
                checked[g.reason] += 1
    assert min(checked.values()) > 100, checked


MEDICAL_BILLING = re.compile(
    r"\bJ\d{4}\b|site-of-care|site of care rule|which (?:side|benefit) (?:denied|the denial)|was given before", re.I
)
"""Clinic billing codes and site rules, asking the payer which benefit denied the claim (a PBM's denial is
always the pharmacy's), and doses given before an approval (a pharmacy fills nothing without one)."""


def test_real_content_pharmacy_benefit_managers_guides_speak_of_no_clinic_billing(
    real: Content, real_plan: SitePlan, real_renderer: Renderer
) -> None:
    # A PBM pays for drugs at the pharmacy: doses billed by a clinic under medical-benefit codes are not its claims.
    plan = real_plan
    renderer = real_renderer
    pbm = [i for i, g in enumerate(plan.guides) if real.payers[g.payer].kind == "pbm"]
    assert len(pbm) > 30
    for i in pbm:
        said = between(renderer.guides.render(i), "<main", 'id="sources"')
        assert not MEDICAL_BILLING.findall(said), (plan.guides[i].url, MEDICAL_BILLING.findall(said))


CONTRACT_WORDS = re.compile(
    r"plan(?:&#39;|')s contract|plan booklet|Summary Plan Description|Evidence of Coverage", re.I
)


def test_real_content_original_medicare_and_tricare_guides_speak_of_no_plan_contract(
    real: Content, real_plan: SitePlan, real_renderer: Renderer
) -> None:
    # Their benefits are set by law, regulation and manuals (SSA §1862(a); 32 CFR Part 199), not a contract.
    plan = real_plan
    renderer = real_renderer
    alone = [i for i, g in enumerate(plan.guides) if g.plan_types in (("original-medicare",), ("tricare",))]
    assert len(alone) > 100
    for i in alone:
        # What the page says, up to its sources (a fact's citation may name the document it was read in).
        said = between(renderer.guides.render(i), "<main", 'id="sources"')
        assert not CONTRACT_WORDS.findall(said), (plan.guides[i].url, CONTRACT_WORDS.findall(said))


LAW = re.compile(r"\bCFR\b|U\.S\.C\.|\bAct\b|§|\bNCD\b|\bLCD\b|settlement|v\. ", re.I)
PROGRAM = re.compile(
    r"Medicare|Medicaid|TRICARE|FEHB|federal employee|job-based|employer|Marketplace|ERISA|self-funded|grandfathered"
    r"|CHIP|Part B|Part D|commercial|individual and small-group|insured plans|California|Washington",
    re.I,
)


def test_real_content_a_rule_shown_beside_plan_types_it_does_not_cover_names_its_program(
    real: Content, real_plan: SitePlan
) -> None:
    # A note or pitfall that cites a law and holds for some plan types only is shown on every guide with one of
    # them; where the guide shows others too, its own words must say whose rule it is.
    from generator.guide_records import guide_records

    unnamed = set()
    for g in real_plan.guides:
        r = guide_records(real, g)
        pitfall = [r.treatment.pitfall] if r.treatment.pitfall.text and r.treatment.pitfall.applies(r.audience) else []
        for fact in [f for _, f in r.note] + pitfall:
            scope = fact.scope.plan_types
            if (
                scope
                and not set(g.plan_types) <= set(scope)
                and LAW.search(fact.cite)
                and not PROGRAM.search(fact.text)
            ):
                unnamed.add((g.treatment, fact.text[:80]))
    assert not unnamed, sorted(unnamed)


def test_real_content_a_plan_type_that_never_pays_for_a_treatment_gets_no_row_on_its_guides(
    real: Content, real_plan: SitePlan
) -> None:
    # Medicare pays for a glucose monitor as equipment under Part B (LCD L33822): Part D's drug-appeal row
    # (7 days, and an independent review you must ask for) would give a Medicare Advantage member the wrong rules.
    plan = real_plan
    cgm = [g for g in plan.guides if g.treatment == "continuous-glucose-monitor"]
    assert cgm and any("medicare-advantage" in g.plan_types for g in cgm)
    assert not [g.url for g in cgm if "medicare-part-d" in g.plan_types]


NETWORK_RULES = re.compile(r"network adequacy|156\.230|422\.112|438\.206", re.I)
"""Rules that make a plan pay for care outside its network: state laws over insurers, the Marketplace's,
Medicare Advantage's and Medicaid managed care's. None binds TRICARE, the FEHB plan, Original Medicare or a self-funded plan."""


def test_real_content_network_gap_rules_show_only_to_plan_types_they_bind(real: Content, real_plan: SitePlan) -> None:
    # TRICARE's network guides once told its members to cite state network adequacy laws.
    from generator.guide_records import guide_records

    unbound = {
        "tricare",
        "fehb",
        "original-medicare",
        "medicaid-fee-for-service",
        "medicare-part-d",
        "employer-self-funded",
    }
    plan = real_plan
    outside = [g for g in plan.guides if g.reason == "out-of-network" and set(g.plan_types) <= unbound]
    assert len(outside) > 10
    shown = {(g.url, f.cite) for g in outside for _, f in guide_records(real, g).note if NETWORK_RULES.search(f.cite)}
    assert not shown, sorted(shown)


def test_real_content_tricare_formal_review_row_says_it_needs_50_dollars_in_dispute(
    real: Content, real_plan: SitePlan, real_renderer: Renderer
) -> None:
    # Under $50 in dispute the contractor's reconsideration is final (32 CFR 199.10; TRICARE's factual appeals page).
    plan = real_plan
    renderer = real_renderer
    factual = [i for i, g in enumerate(plan.guides) if g.payer == "tricare" and g.reason == "out-of-network"]
    assert factual
    for i in factual:
        rows = between(renderer.guides.render(i), 'id="rights"', "</section>")
        assert "Formal review" in rows and "if $50 or more is in dispute" in rows, plan.guides[i].url
