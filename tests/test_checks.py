"""Quality gates: pass on a good site, fail with a message naming the cause on each broken case."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT, build, fixture_paths

from generator import checks
from generator.build import load_and_plan
from generator.checks import (
    check_canonicals,
    check_facts,
    check_html,
    check_jsonld,
    check_links,
    check_readability,
    check_sitemap,
    check_titles,
    check_uniqueness,
    read_site,
    run_checks,
)
from generator.plan import plan_pages
from generator.uniqueness import measure_guides

BASE = "https://fixture.example.org"
GUIDE = "northwind/entresto/not-medically-necessary/index.html"
HAS_VNU = bool(shutil.which("java")) and (ROOT / checks.VNU_JAR).is_file()


@pytest.fixture
def site(built_site: Path, tmp_path: Path) -> Path:
    """A writable copy of the built fixture site."""
    out = tmp_path / "public"
    shutil.copytree(built_site, out)
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_every_gate_passes_on_the_fixture_site(site: Path, content) -> None:
    pages = read_site(site, BASE)
    for gate in (
        check_links(pages, site),
        check_canonicals(pages, BASE),
        check_sitemap(pages, site, BASE),
        check_titles(pages, content.site.gates),
        check_jsonld(pages),
        check_facts(content, date(2026, 11, 25)),
    ):
        assert gate.errors == [], gate.name


def test_broken_link_and_anchor_fail(site: Path) -> None:
    edit(site / GUIDE, 'href="#timeline"', 'href="#nowhere"')
    edit(site / GUIDE, 'href="/northwind/"', 'href="/no-such-payer/"')
    errors = check_links(read_site(site, BASE), site).errors
    assert "/northwind/entresto/not-medically-necessary/: link to /no-such-payer/ does not resolve" in errors
    assert "/northwind/entresto/not-medically-necessary/: anchor #nowhere has no element with id 'nowhere'" in errors


def test_wrong_canonical_fails(site: Path) -> None:
    edit(site / GUIDE, f'href="{BASE}/northwind/entresto/not-medically-necessary/">', f'href="{BASE}/elsewhere/">')
    errors = check_canonicals(read_site(site, BASE), BASE).errors
    assert errors == [
        f"/northwind/entresto/not-medically-necessary/: canonical is ['{BASE}/elsewhere/']; expected {BASE}/northwind/entresto/not-medically-necessary/"
    ]


def test_sitemap_problems_fail(site: Path) -> None:
    edit(site / "sitemap.xml", f"<url><loc>{BASE}/northwind/</loc>", "<url><loc>/northwind/</loc>")
    edit(site / "sitemap.xml", "<lastmod>2026-11-22</lastmod>", "<lastmod>22/11/2026</lastmod>")
    (site / "robots.txt").write_text("User-agent: *\n")
    errors = check_sitemap(read_site(site, BASE), site, BASE).errors
    assert any("lastmod" in e and "22/11/2026" in e for e in errors), errors
    assert f"sitemap URL is not absolute on {BASE}: /northwind/" in errors
    assert f"indexable page missing from the sitemap: {BASE}/northwind/" in errors
    assert f"robots.txt does not name the sitemap ({BASE}/sitemap.xml)" in errors


def test_noindex_page_listed_in_sitemap_fails(site: Path) -> None:
    edit(site / GUIDE, '<meta name="viewport"', '<meta name="robots" content="noindex, follow">\n<meta name="viewport"')
    errors = check_sitemap(read_site(site, BASE), site, BASE).errors
    assert errors == [f"sitemap lists a page that is not indexable: {BASE}/northwind/entresto/not-medically-necessary/"]


def test_duplicate_and_long_titles_fail(site: Path, content) -> None:
    other = "northwind/entresto/step-therapy/index.html"
    title = "Entresto denied as not medically necessary by Northwind?"
    edit(
        site / other,
        "<title>Entresto denied under step therapy rules by Northwind?</title>",
        f"<title>{title}</title>",
    )
    edit(site / GUIDE, 'name="description" content="', 'name="description" content="' + "x" * 200)
    errors = check_titles(read_site(site, BASE), content.site.gates).errors
    assert (
        f"/northwind/entresto/step-therapy/: same title as /northwind/entresto/not-medically-necessary/: {title!r}"
        in errors
    )
    assert any(e.startswith("/northwind/entresto/not-medically-necessary/: description is 3") for e in errors), errors


def test_broken_json_ld_fails(site: Path) -> None:
    edit(site / GUIDE, '"lastReviewed":"2026-11-20",', "")
    edit(site / "northwind/entresto/step-therapy/index.html", '{"@context"', '{"@context" oops')
    errors = check_jsonld(read_site(site, BASE)).errors
    assert "/northwind/entresto/not-medically-necessary/: MedicalWebPage lacks lastReviewed" in errors
    assert any(e.startswith("/northwind/entresto/step-therapy/: JSON-LD does not parse") for e in errors)


@pytest.mark.slow  # the Nu checker's Java start-up: `make test-all` and CI run it
@pytest.mark.skipif(
    not HAS_VNU and not os.environ.get("CI"), reason="Nu checker not installed (make check installs it)"
)
def test_invalid_html_fails(site: Path) -> None:
    edit(site / GUIDE, '<main id="main">', '<main id="main"><p><div>')
    gate = check_html(read_site(site, BASE), site, sample=None)
    assert gate.figures["pages_checked"] > 20
    assert any(e.startswith("/northwind/entresto/not-medically-necessary/index.html:") for e in gate.errors), (
        gate.errors
    )


def test_uniqueness_measures_names_as_tokens_and_finds_the_nearest_sibling(content) -> None:
    plan = plan_pages(content)
    a, b, c = plan.guides[0], plan.guides[1], plan.guides[2]
    words = " ".join(f"word{i}" for i in range(60))

    def page(text: str) -> str:
        return f"<html><main><p>{text}</p></main></html>"

    payer_a, payer_b = content.payers[a.payer].short_name, content.payers[b.payer].short_name
    pages = {a.url: page(f"{payer_a} said {words}"), b.url: page(f"{payer_b} said {words}"), c.url: page("other " * 80)}
    measures = {m.url: m for m in measure_guides(pages, content, plan)}
    # Only the payer's name differs: once names are tokens, the two pages are the same text.
    if a.payer != b.payer and (a.treatment == b.treatment or a.payer == b.payer):
        assert measures[a.url].nearest == 1.0
    assert measures[c.url].words == 80


def test_the_uniqueness_gate_reports_its_figures(site: Path, content) -> None:
    gate = check_uniqueness(read_site(site, BASE), content, plan_pages(content))
    assert gate.errors == []
    assert {"indexable_guides", "passing_both_bars", "own_share", "nearest_sibling"} <= set(gate.figures)


def test_thin_pages_are_noindex_and_out_of_the_sitemap(content, tmp_path: Path) -> None:
    strict = replace(content, site=replace(content.site, gates=replace(content.site.gates, own_share_min=0.02)))
    plan = plan_pages(strict)
    # the first page of each group of near-copies stays indexed, every other one is noindex
    assert 0 < len(plan.noindex) < len(plan.guides)


def test_stale_and_future_review_dates(content) -> None:
    gate = check_facts(content, date(2028, 1, 1))
    assert "plan type medicare-part-d: last reviewed 2026-11-20 (407 days ago)" in gate.warnings
    assert check_facts(content, date(2026, 11, 1)).errors[0].endswith("is in the future")


def test_readability_limit(content) -> None:
    strict = replace(content, site=replace(content.site, gates=replace(content.site.gates, max_grade_level=1.0)))
    gate = check_readability(strict)
    assert gate.figures["blocks"] >= 1
    assert gate.errors and gate.errors[0].startswith("median grade")


@pytest.mark.slow  # every gate over the fixture site, the Nu checker's included
@pytest.mark.skipif(
    not HAS_VNU and not os.environ.get("CI"), reason="Nu checker not installed (make check installs it)"
)
def test_run_checks_passes_on_fixture_and_writes_a_report(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(ROOT)
    out = tmp_path / "public"
    code = run_checks(
        fixture_paths(FIXTURE, out), None, quick=False, report=tmp_path / "check.json", today=date(2026, 11, 25)
    )
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "0 failed." in printed
    assert (tmp_path / "check.json").is_file()
    build(FIXTURE, out)  # nothing to do: the check built it already
    assert load_and_plan(fixture_paths(FIXTURE, out))[1].guides


def test_pairs_are_counted_per_payer_and_a_copy_must_say_so(content) -> None:
    from generator.guide_gates import check_pairs

    plan = plan_pages(content)
    gate = check_pairs(content, plan, date(2026, 12, 1))
    assert gate.figures["pairs"] == 1 and gate.figures["guides_with_pair_by_payer"]["northwind"].startswith("2/")
    pair = content.pairs["northwind", "entresto"]
    copied = replace(pair, policy=replace(pair.policy, copy="a mirror"))
    stale = replace(content, pairs={("northwind", "entresto"): copied})
    warnings = check_pairs(stale, plan, date(2027, 12, 1)).warnings
    assert any("read in a copy, but a criterion's cite does not say so" in w for w in warnings)
    assert any(w.startswith("pair northwind/entresto: read 2026-") and "days ago" in w for w in warnings)
    assert "payer northwind: processes.step-therapy read 2026-11-21 (375 days ago)" in warnings
    assert gate.figures["process_blocks"] == 1
