"""The prose lint: each rule catches its slip and stays quiet on the text that does it right."""

from __future__ import annotations

import pytest
from conftest import FIXTURE

from generator.lint import PageFacts, lint_content, lint_page
from generator.load import load_content
from generator.model import Fact, Scope
from generator.validate import validate_content


def page(body: str) -> str:
    return f"<html><body><main><section id='s'>{body}</section></main></body></html>"


@pytest.mark.parametrize(
    ("bad", "good", "message"),
    [
        ("<p>See its The Medical Policy Manual.</p>", "<p>See its Medical Policy Manual.</p>", "broken join 'its The'"),
        ("<p>Appeal within by December 31.</p>", "<p>Appeal by December 31.</p>", "broken join 'within by'"),
        ("<p>Appeal within up to 90 days.</p>", "<p>Appeal within 90 days.</p>", "broken join 'within up to'"),
        (
            "<p>Ask for an in- network exception.</p>",
            "<p>Pre- and post-surgery, medium- or long-term.</p>",
            "broken join 'in- network'",
        ),
        (
            '<li data-plan-type="x"><p data-step="lawsuit">Lawsuit: starts on its own</p></li>',
            '<li data-plan-type="x"><p data-step="ire" data-who-files="forwarded">Sent on automatically</p></li>',
            "step 'lawsuit', which you file, reads as automatic",
        ),
        (
            "<h2>Alone</h2><h2>Next</h2><p>x</p>",
            "<h2>Has text</h2><p>x</p><h2>Next</h2><p>y</p>",
            "heading 'Alone' has nothing under it",
        ),
        (
            "<p>Follow the instructions in that decision letter. Follow the instructions in that decision letter.</p>",
            "<p>Follow the instructions in that decision letter.</p>",
            "section 's' says twice: 'Follow the instructions in that decision letter.'",
        ),
        ("<p>File with a employer plan.</p>", "<p>File with an employer plan.</p>", "'a employer': use an"),
        ("<p>This is a Aetna denial.</p>", "<p>This is an Aetna denial.</p>", "'a Aetna': use an"),
        ("<p>You need a MRI first.</p>", "<p>You need an MRI first.</p>", "'a MRI': use an"),
        ("<p>It is a HMO plan.</p>", "<p>It is an HMO plan.</p>", "'a HMO': use an"),
        ("<p>Ask a HCSC plan.</p>", "<p>Ask an HCSC plan.</p>", "'a HCSC': use an"),
        (
            "<p>It is an UnitedHealthcare plan.</p>",
            "<p>It is a UnitedHealthcare plan.</p>",
            "'an UnitedHealthcare': use a",
        ),
        ("<p>See below.</p>", "<p>See the steps above.</p>", "'See below' with nothing below it"),
        (
            "<h3>tirzepatide with other payers</h3><p>x</p>",
            "<h3>Tirzepatide with other payers</h3><p>x</p>",
            "h3 starts lower-case: 'tirzepatide with other payers'",
        ),
    ],
)
def test_each_rule_catches_its_slip(bad: str, good: str, message: str) -> None:
    assert message in lint_page(page(bad))
    assert lint_page(page(good)) == []


def test_a_letter_name_mid_sentence_is_not_an_article() -> None:
    assert lint_page(page("<p>Medicare Part A is one part. A REMS program applies.</p>")) == []


def test_plural_names_take_a_plural_verb() -> None:
    facts = PageFacts(plural_name="wheelchairs")
    assert lint_page(page("<p>Wheelchairs is covered.</p>"), facts) == [
        "plural name with a singular verb: 'Wheelchairs is'"
    ]
    assert lint_page(page("<p>Wheelchairs are covered.</p>"), facts) == []


def test_the_label_is_named_only_for_drugs() -> None:
    text = page("<p>Ask for the same things as the label.</p>")
    assert lint_page(text, PageFacts(has_label=False)) == [
        "'the same things as the label' on a page for a treatment with no label"
    ]
    assert lint_page(text, PageFacts(has_label=True)) == []


def test_sources_are_listed_once_and_each_is_cited() -> None:
    cited = '<p>x<sup class="ref"><a href="#s1">1</a></sup></p>'
    sources = '<ol class="sources"><li id="s1">A</li><li id="s2">A</li></ol>'
    assert lint_page(page(cited + sources)) == ["source listed twice: 'A'", "source s2 is not cited on the page"]


def test_a_program_rule_outside_its_program_is_named() -> None:
    content = validate_content(load_content(FIXTURE))
    reason = content.reasons["not-medically-necessary"]
    stray = Fact("Plans must use Medicare's rules.", "42 CFR 422.101(b)")
    scoped = Fact(
        "Plans must use Medicare's rules.", "42 CFR 422.101(b)", scope=Scope(plan_types=("medicare-advantage",))
    )
    for fact, expected in ((stray, 1), (scoped, 0)):
        changed = type(reason)(**{**{f: getattr(reason, f) for f in reason.__slots__}, "levers": (fact,)})
        found = lint_content(type(content)(**{**content.__dict__, "reasons": {"not-medically-necessary": changed}}))
        assert len(found) == expected, found


def test_a_note_is_long_enough_when_every_plan_type_s_guide_shows_enough_of_it() -> None:
    # A note may speak to Original Medicare in facts of its own and to the plans in others.
    from generator.lint import note_words
    from generator.model import Fact, Scope

    shared = Fact(" ".join(["word"] * 30), "c")
    medicare = Fact(" ".join(["word"] * 100), "c", scope=Scope(plan_types=("original-medicare",)))
    plans = Fact(" ".join(["word"] * 95), "c", scope=Scope(plan_types=("employer-insured", "fehb")))
    pbm_only = Fact(" ".join(["word"] * 500), "c", scope=Scope(plan_types=("fehb",), payer_kinds=("pbm",)))
    facts = (shared, medicare, plans, pbm_only)
    assert note_words(facts, ["original-medicare", "employer-insured", "fehb"]) == 125
    assert note_words(facts, ["original-medicare", "tricare"]) == 30  # TRICARE's guides show the shared fact only
    assert note_words(facts) == 30  # with no plan types: the unscoped facts


def test_notes_must_be_long_cited_and_their_own(content) -> None:
    from dataclasses import replace

    from generator.lint import lint_notes
    from generator.model import Fact

    long = " ".join(["Entresto needs an echo report that shows the ejection fraction."] * 13)
    shared = "Show each ACE inhibitor or ARB you tried, with dates and why it stopped."
    entresto = content.treatments["entresto"]
    ocrevus = content.treatments["ocrevus"]
    notes = {
        "entresto": replace(entresto, reason_notes={"not-medically-necessary": (Fact(long, "label"),), "step-therapy": (Fact(shared, None),)}),
        "ocrevus": replace(ocrevus, reason_notes={"not-medically-necessary": (Fact(long.replace("Entresto", "Ocrevus"), "label"),), "step-therapy": (Fact(shared + " " + long, "label"),)}),
    }  # fmt: skip
    found = lint_notes(replace(content, treatments={**content.treatments, **notes}))
    assert "treatment entresto: reason_notes.step-therapy: 14 words; expected at least 120" in found
    assert any(
        m.startswith("treatment entresto: reason_notes.step-therapy: 'Show each ACE") and "has no cite" in m
        for m in found
    )
    assert any(
        m.startswith("treatment ocrevus: reason_notes.step-therapy: the sentence 'show each ace inhibitor")
        and m.endswith("is also in treatment entresto: reason_notes.step-therapy")
        for m in found
    )
    assert not [m for m in found if "not-medically-necessary" in m and "words" in m and "lumbar" not in m]
    assert lint_notes(replace(content, treatments={**content.treatments, **notes}), min_words=0) == [
        m for m in found if "words; expected" not in m
    ]


def test_any_page_is_linted_for_broken_joins_and_only_for_them() -> None:
    # A plan-type page once read "File within by Dec 31 of the 3rd year"; its list of steps repeats
    # "You must ask for this step" by design, which the guide-only repeat rule would flag.
    from generator.lint import lint_any_page

    steps = "<p>You must ask for this step.</p>" * 2
    assert lint_any_page(page(f"<p>File within by Dec 31 of the 3rd year.</p>{steps}")) == ["broken join 'within by'"]
    assert lint_any_page(page(f"<p>File by Dec 31 of the 3rd year.</p>{steps}")) == []


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("90 days", "within 90 days"),
        ("by Dec 31 of the 3rd year", "by Dec 31 of the 3rd year"),
        ("up to 90 days", "up to 90 days"),
    ],
)
def test_a_filing_time_reads_after_file_or_next(value: str, said: str) -> None:
    from generator.render.environment import within

    assert within(value) == said
