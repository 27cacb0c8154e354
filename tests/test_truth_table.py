"""The truth table: for each plan type, the deadlines a page that shows it must state, step by step,
and what it must never say. Written by hand from the regulations (each row cites its rule), not from
content/, and read off the built real site through the markup hooks pages keep for it:
`data-plan-type` on an element (space-separated when plan types share a row), `data-step` on the
step inside it, and `data-file-within` with the step's number, which the element's text must state.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, build
from lxml import html as lxml_html

TRUTH: dict[str, dict[str, str]] = {
    # 29 CFR 2560.503-1(h)(3)(i), (h)(4); 45 CFR 147.136(b), (c)-(d); 29 CFR 2590.715-2719(d)
    "employer-insured": {"internal-appeal": "180 days", "external-review": "4 months"},
    "employer-self-funded": {"internal-appeal": "180 days", "external-review": "4 months"},
    "government-employer": {"internal-appeal": "180 days", "external-review": "4 months"},
    "individual-marketplace": {"internal-appeal": "180 days", "external-review": "4 months"},
    "grandfathered": {"internal-appeal": "180 days"},
    # 5 CFR 890.105(b)(1), (e)
    "fehb": {"carrier-reconsideration": "6 months", "opm-review": "90 days"},
    # 42 CFR 438.402(c)(2)(ii); 438.408(f)(2)
    "medicaid-managed-care": {"plan-appeal": "60 days", "state-fair-hearing": "120 days"},
    # 42 CFR 431.221(d): the most a state may allow
    "medicaid-fee-for-service": {"state-fair-hearing": "up to 90 days"},
    # 42 CFR 422.582(b); 422.602(b); 422.608 with 405.1102; 422.612
    "medicare-advantage": {
        "plan-reconsideration-first-appeal": "65 days",
        "hearing-with-a-judge-alj": "60 days",
        "medicare-appeals-council": "60 days",
        "federal-court": "60 days",
    },
    # 42 CFR 423.582(b): 60 days after receipt, presumed 5 days after the notice's date
    "medicare-part-d": {"redetermination-first-appeal": "65 days"},
    # 42 CFR 405.942(a); 405.962; 405.1014; 405.1102
    "original-medicare": {
        "redetermination-first-appeal": "120 days",
        "reconsideration": "180 days",
        "hearing-with-a-judge-alj": "60 days",
        "medicare-appeals-council": "60 days",
    },
    # 32 CFR 199.10
    "tricare": {
        "reconsideration": "90 days",
        "formal-review-factual-denials-only": "60 days",
        "independent-hearing": "60 days",
    },
}

DECIDE: dict[str, dict[bool, str]] = {
    # 42 CFR 422.590(a), (c): 30 days for care, 7 days (no extension) for a Part B drug
    "medicare-advantage": {False: "30 days", True: "7 days"},
    # 42 CFR 423.590(a): 7 days for a drug
    "medicare-part-d": {False: "7 days", True: "7 days"},
}
"""The standard decision time a guide's deadline row states (`data-decide`), by whether the guide is about
a drug or biologic (its JSON-LD is about a schema.org Drug)."""

DECIDE_PAID: dict[str, str] = {
    # 29 CFR 2560.503-1(i)(2)(iii): a claim for care already had, one appeal level
    "employer-insured": "60 days",
    "employer-self-funded": "60 days",
    "grandfathered": "60 days",
    # 45 CFR 147.136(b)(2), (b)(3): non-federal government and individual plans follow the same rule
    "government-employer": "60 days",
    "individual-marketplace": "60 days",
    # 42 CFR 422.590(b): a request to pay for care already had
    "medicare-advantage": "60 days",
    # 42 CFR 423.590(b): a request to pay back a drug already bought
    "medicare-part-d": "14 days",
}
"""The decision time a row states where it gives the time for a claim for care already had: as its
decision time (its `data-decide-kind` says post-service or payment, with no fast time beside it), or
beside the time for a request where the denial may be of either (`data-decide-claim`)."""

NEXT_BY_REASON: dict[tuple[str, str], str] = {
    # 32 CFR 199.10: a denial that a treatment is excluded is a factual one, which goes to the Defense
    # Health Agency's formal review (60 days, $50 or more in dispute), not the medical-necessity track.
    ("tricare", "benefit-exclusion"): "formal-review-factual-denials-only",
    # TRICARE's factual appeals page: a denial not about medical need, such as a network one, takes the same track.
    ("tricare", "out-of-network"): "formal-review-factual-denials-only",
    ("tricare", "not-medically-necessary"): "second-reconsideration-medical-necessity",
}
"""The next step a guide's deadline row names, by plan type and the guide's reason (its URL's last part)."""

FORWARDED = {("medicare-advantage", "independent-review-entity-ire")}
"""Steps the plan starts itself (42 CFR 422.590(a)(2), 422.592(a)); every other step the person files."""

NEVER: dict[str, list[str]] = {
    "medicaid-managed-care": [r"fair hearing[^.]{0,80}within 90 days", r"may allow up to 120"],
    "medicare-advantage": [r"72 hours for either one"],
    "tricare": [r"ask for (an )?external review"],
}
"""Phrases a page must not say where it shows the plan type: known past mistakes."""

NEVER_IN_A_STEP_YOU_FILE = [r"starts on its own", r"(?<!not )\bautomatic"]
"""A step the person must start is never shown as one that happens by itself."""


def check_page(page: str, where: str) -> list[str]:
    """Every stated step's number against the truth table, and the phrases never to say."""
    problems = []
    tree = lxml_html.fromstring(page)
    shown: set[str] = set()
    for el in tree.xpath("//*[@data-step]"):
        owner = el if el.get("data-plan-type") else next(a for a in el.iterancestors() if a.get("data-plan-type"))
        step, within = el.get("data-step"), el.get("data-file-within")
        for plan_type in owner.get("data-plan-type").split():
            shown.add(plan_type)
            expected = TRUTH.get(plan_type, {}).get(step)
            forwarded = el.get("data-who-files") == "forwarded"
            if (plan_type, step) in FORWARDED and not forwarded:
                problems.append(f"{where}: {plan_type} {step}: the plan forwards this step; the page says you file it")
            if not forwarded:
                own = " ".join(el.text_content().split())
                problems += [
                    f"{where}: {plan_type} {step}: a step you file says {m!r}"
                    for m in NEVER_IN_A_STEP_YOU_FILE
                    if re.search(m, own, re.I)
                ]
            if expected is None:
                continue
            if within != expected:
                problems.append(f"{where}: {plan_type} {step}: states {within!r}; the rule says {expected!r}")
            elif expected not in " ".join(el.text_content().split()):
                problems.append(f"{where}: {plan_type} {step}: {expected!r} is not in the step's own text")
    parts = where.split("/")
    reason = parts[-2] if len(parts) >= 4 else ""
    for el in tree.xpath("//*[contains(concat(' ', @class, ' '), ' next ')][@data-step]"):
        owner = next(a for a in el.iterancestors() if a.get("data-plan-type"))
        for plan_type in owner.get("data-plan-type").split():
            expected = NEXT_BY_REASON.get((plan_type, reason))
            if expected and el.get("data-step") != expected:
                problems.append(
                    f"{where}: {plan_type}: next step {el.get('data-step')!r}; a {reason} denial takes {expected!r}"
                )
    drug = '"about":{"@type":"Drug"' in page
    for el in tree.xpath("//*[@data-decide]"):
        owner = el if el.get("data-plan-type") else next(a for a in el.iterancestors() if a.get("data-plan-type"))
        row = " ".join(owner.text_content().split())
        paid = el.get("data-decide-kind") in ("post-service", "payment")
        if paid and el.get("data-decide-fast"):
            problems.append(f"{where}: a claim for care already had is given a fast decision time")
        for plan_type in owner.get("data-plan-type").split():
            expected = DECIDE_PAID.get(plan_type) if paid else DECIDE.get(plan_type, {}).get(drug)
            if expected and (el.get("data-decide") != expected or f"Decision {expected}" not in row):
                problems.append(f"{where}: {plan_type}: decision {el.get('data-decide')!r}; the rule says {expected!r}")
            claim, paid_time = el.get("data-decide-claim"), DECIDE_PAID.get(plan_type)
            if claim and (claim != paid_time or f"{claim} for" not in _uncited(_claim_times(tree))):
                problems.append(f"{where}: {plan_type}: care already had {claim!r}; the rule says {paid_time!r}")
    text = " ".join(tree.text_content().split())
    for plan_type in shown:
        problems += [f"{where}: {plan_type}: says {m!r}" for m in NEVER.get(plan_type, []) if re.search(m, text, re.I)]
    return problems


def _claim_times(tree) -> str:
    """The sentence below the rows that gives the times for a claim for care already had."""
    return " ".join(" ".join(p.text_content().split()) for p in tree.xpath("//*[@class='claim-times']"))


def _uncited(text: str) -> str:
    """A row's words without its source numbers ("60 days11,12 for" as "60 days for")."""
    return re.sub(r"(?<=[a-z])[\d,\[\]]+(?= )", "", text)


def checked_pages(out: Path) -> list[Path]:
    """Every guide and plan-type page."""
    return sorted(out.glob("*/*/*/index.html")) + sorted(out.glob("plan-types/*/index.html"))


@pytest.mark.slow
def test_real_content_every_guide_and_plan_type_page_states_the_rules_right(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(ROOT / "content", out)
    pages = checked_pages(out)
    problems = [p for path in pages for p in check_page(path.read_text("utf-8"), path.relative_to(out).as_posix())]
    assert problems == [], "\n".join(problems[:40])
    plan_type_pages = {p.parent.name for p in out.glob("plan-types/*/index.html")}
    assert set(TRUTH) <= plan_type_pages


def test_the_check_catches_a_wrong_number_a_number_outside_its_step_and_a_banned_phrase() -> None:
    right = (
        '<li data-plan-type="medicaid-managed-care"><p data-step="plan-appeal" data-file-within="60 days">60 days</p>'
        '<span data-step="state-fair-hearing" data-file-within="120 days">State fair hearing within 120 days</span></li>'
    )
    assert check_page(right, "ok") == []
    wrong = right.replace(
        'data-file-within="120 days">State fair hearing within 120 days',
        'data-file-within="90 days">State fair hearing within 90 days',
    )
    assert check_page(wrong, "p") == [
        "p: medicaid-managed-care state-fair-hearing: states '90 days'; the rule says '120 days'",
        "p: medicaid-managed-care: says 'fair hearing[^.]{0,80}within 90 days'",
    ]
    elsewhere = right.replace("State fair hearing within 120 days", "State fair hearing") + "<p>120 days</p>"
    assert check_page(elsewhere, "p") == [
        "p: medicaid-managed-care state-fair-hearing: '120 days' is not in the step's own text"
    ]
    banned = right.replace("State fair hearing within", "State fair hearing (it starts on its own) within")
    banned += "<p>Your state may allow up to 120 days.</p>"
    assert check_page(banned, "p") == [
        "p: medicaid-managed-care state-fair-hearing: a step you file says 'starts on its own'",
        "p: medicaid-managed-care: says 'may allow up to 120'",
    ]


def test_a_forwarded_step_shown_as_one_you_file_is_caught() -> None:
    page = (
        '<ol><li data-plan-type="medicare-advantage" data-step="independent-review-entity-ire" data-who-files="you">'
        "IRE</li></ol>"
    )
    assert check_page(page, "p") == [
        "p: medicare-advantage independent-review-entity-ire: the plan forwards this step; the page says you file it"
    ]


def test_a_decision_time_that_does_not_fit_the_treatment_is_caught() -> None:
    row = (
        '<li data-plan-type="medicare-advantage"><p data-step="plan-reconsideration-first-appeal" '
        'data-file-within="65 days" data-decide="30 days">65 days</p><p>Decision 30 days, fast 72 hours.</p></li>'
    )
    drug = '<script type="application/ld+json">{"about":{"@type":"Drug","name":"Keytruda"}}</script>'
    assert check_page(row, "device") == []
    assert check_page(drug + row, "drug") == ["drug: medicare-advantage: decision '30 days'; the rule says '7 days'"]
    seven = row.replace('data-decide="30 days"', 'data-decide="7 days"').replace("Decision 30", "Decision 7")
    assert check_page(drug + seven, "drug") == []


def test_a_next_step_the_reason_does_not_take_is_caught() -> None:
    row = (
        '<li class="deadline-row" data-plan-type="tricare"><p data-step="reconsideration" data-file-within="90 days">'
        '90 days</p><span class="next" data-step="second-reconsideration-medical-necessity" data-who-files="you">'
        "Next: Second reconsideration (medical necessity)</span></li>"
    )
    assert check_page(row, "tricare/ivf/not-medically-necessary/index.html") == []
    assert check_page(row, "tricare/ivf/benefit-exclusion/index.html") == [
        "tricare/ivf/benefit-exclusion/index.html: tricare: next step 'second-reconsideration-medical-necessity'; "
        "a benefit-exclusion denial takes 'formal-review-factual-denials-only'"
    ]


def test_a_claim_time_beside_a_request_s_is_checked_against_the_rule() -> None:
    row = (
        '<div><ul><li data-plan-type="employer-insured"><p data-step="internal-appeal" data-file-within="180 days" '
        'data-decide="30 days" data-decide-kind="pre-service" data-decide-fast="72 hours" data-decide-claim="60 days">'
        "180 days</p><p>Decision 30 days, fast 72 hours.</p></li></ul>"
        '<p class="claim-times">Already had the care? The plan has longer to decide: 60 days<sup><a href="#s2">2</a>'
        "</sup> for job-based plans.</p></div>"
    )
    assert check_page(row, "either") == []
    short = row.replace('data-decide-claim="60 days"', 'data-decide-claim="45 days"')
    assert check_page(short, "short") == [
        "short: employer-insured: care already had '45 days'; the rule says '60 days'"
    ]
    unsaid = row.replace("60 days<sup>", "<sup>")
    assert check_page(unsaid, "unsaid") == [
        "unsaid: employer-insured: care already had '60 days'; the rule says '60 days'"
    ]


def test_a_claim_for_care_already_had_is_checked_against_its_own_time() -> None:
    row = (
        '<li data-plan-type="medicare-advantage"><p data-step="plan-reconsideration-first-appeal" '
        'data-file-within="65 days" data-decide="60 days" data-decide-kind="payment">65 days</p>'
        "<p>Decision 60 days.</p></li>"
    )
    assert check_page(row, "paid") == []
    fast = row.replace('data-decide-kind="payment"', 'data-decide-kind="payment" data-decide-fast="72 hours"')
    assert check_page(fast, "fast") == ["fast: a claim for care already had is given a fast decision time"]
    short = row.replace('data-decide="60 days"', 'data-decide="30 days"').replace("Decision 60", "Decision 30")
    assert check_page(short, "short") == ["short: medicare-advantage: decision '30 days'; the rule says '60 days'"]
