"""generator/fields.py: each checker returns a value, or records a ContentError with the file, line, field and message."""

from __future__ import annotations

import unicodedata
from datetime import date
from textwrap import dedent

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.errors import ContentError
from generator.fields import Fields, check_slug, check_url, invisible_problem
from generator.load import LineDict, parse_yaml

SHOWN = "content/payers/example.yaml"
EPOCH = date(1970, 1, 1)
"""What day() returns for a missing or bad date."""


def read(text: str) -> tuple[Fields, list[ContentError]]:
    """Fields over a YAML mapping whose first key is on line 1, and the list its errors go to."""
    data, problems = parse_yaml(dedent(text).lstrip("\n"), SHOWN)
    assert not problems, problems
    errors: list[ContentError] = []
    return Fields(data, SHOWN, errors), errors


def error(line: int, field: str, message: str) -> ContentError:
    return ContentError(SHOWN, line, field, message)


# ----------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("yaml", "value"),
    [
        ("name: Contoso Care", "Contoso Care"),
        ('name: "  padded  "', "padded"),
        ("name: '{payer} covers {treatment}'", "{payer} covers {treatment}"),
        ("name: 2026-11-22", "2026-11-22"),  # the loader keeps dates as text
        ("name: |\n  Two\n  lines\n", "Two\nlines"),
    ],
)
def test_text_returns_the_stripped_string(yaml: str, value: str) -> None:
    fields, errors = read("kind: x\n" + yaml)
    assert fields.text("name") == value
    assert errors == []


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("name: 3", "expected text, got a number (3); put it in quotes"),
        ("name: 1.5", "expected text, got a number (1.5); put it in quotes"),
        ("name: true", "expected text, got a true/false value (true); put it in quotes"),
        ("name: [a, b]", "expected text, got a list"),
        ("name: {a: 1}", "expected text, got a mapping"),
        ('name: "   "', "expected text, got an empty string"),
        ("name: '{state} plans'", "unknown placeholder '{state}'; expected {payer} or {treatment}"),
        ("name: '{Payer}'", "unknown placeholder '{Payer}'; expected {payer} or {treatment}"),
        ("name: 'a {} b'", "unknown placeholder '{}'; expected {payer} or {treatment}"),
        ("name: '{payer'", "unbalanced '{' or '}'; braces are only for {payer} and {treatment}"),
        ("name: 'a } b'", "unbalanced '{' or '}'; braces are only for {payer} and {treatment}"),
    ],
)
def test_bad_text_is_reported_on_its_line(yaml: str, message: str) -> None:
    fields, errors = read("kind: x\n" + yaml)
    fields.text("name")
    assert errors == [error(2, "name", message)]


def test_text_that_is_not_a_string_gives_an_empty_string() -> None:
    fields, _ = read("name: 3")
    assert fields.text("name") == ""


def test_placeholders_can_be_refused() -> None:
    fields, errors = read("cite: 'Policy for {treatment}'")
    assert fields.text("cite", placeholders=False) == "Policy for {treatment}"
    assert errors == [error(1, "cite", "unknown placeholder '{treatment}'; expected no placeholders here")]


def test_every_unknown_placeholder_is_reported() -> None:
    fields, errors = read("name: '{a} and {b}'")
    fields.text("name")
    assert [e.message for e in errors] == [
        "unknown placeholder '{a}'; expected {payer} or {treatment}",
        "unknown placeholder '{b}'; expected {payer} or {treatment}",
    ]


def test_a_missing_required_field_is_reported_at_its_mapping() -> None:
    fields, errors = read("kind: x\nother: y\n")
    assert fields.text("name") == ""
    assert errors == [error(1, "name", "required field is missing")]


@pytest.mark.parametrize("yaml", ["name:", "name: ~", "name: null"])
def test_an_empty_required_field_is_reported_on_its_line(yaml: str) -> None:
    fields, errors = read("kind: x\n" + yaml)
    assert fields.text("name") == ""
    assert errors == [error(2, "name", "required field is empty")]


def test_an_optional_field_may_be_left_out() -> None:
    fields, errors = read("kind: x")
    assert fields.text("name", required=False) == ""
    assert fields.optional_text("reviewed_by") is None
    assert errors == []


def test_optional_text() -> None:
    fields, errors = read("reviewed_by: ' Dr. Reviewer '\nnumber: ''\n")
    assert fields.optional_text("reviewed_by") == "Dr. Reviewer"
    assert fields.optional_text("number") is None
    assert errors == [error(2, "number", "expected text, got an empty string")]


@given(
    st.text().filter(
        lambda s: (
            s.strip()
            and "{" not in s
            and "}" not in s
            and invisible_problem(s) is None
            and unicodedata.normalize("NFC", s) == s
        )
    )
)
def test_any_visible_text_without_braces_is_accepted_as_it_is(text: str) -> None:
    # Invisible and direction-changing characters are refused (test_hostile_content.py); text is NFC.
    fields, errors = read("kind: x")
    assert fields.check_text("name", text) == text.strip()
    assert errors == []


@given(st.text(max_size=20), st.text(alphabet=st.characters(exclude_characters="{}"), max_size=12))
def test_a_braced_token_other_than_payer_or_treatment_is_always_reported(text: str, token: str) -> None:
    fields, errors = read("kind: x")
    fields.check_text("name", f"{text}{{{token}}}")
    if token in ("payer", "treatment") and "{" not in text and "}" not in text:
        assert errors == []
    else:
        assert errors and all(e.field == "name" and e.path == SHOWN for e in errors)


# ----------------------------------------------------------------------------- lists of text


def test_text_list() -> None:
    fields, errors = read("aliases: [NW Health, ' Northwind ']")
    assert fields.text_list("aliases") == ("NW Health", "Northwind")
    assert errors == []


@pytest.mark.parametrize(
    ("yaml", "kwargs", "messages"),
    [
        ("aliases: NW", {}, ["expected a list, got text ('NW')"]),
        ("aliases: {a: 1}", {}, ["expected a list, got a mapping"]),
        ("aliases: []", {"min_items": 1}, ["expected at least 1 items, got 0"]),
        ("aliases: [ok, 3]", {}, ["expected text, got a number (3); put it in quotes"]),
        ("aliases: [ok, '{x}']", {}, ["unknown placeholder '{x}'; expected {payer} or {treatment}"]),
    ],
)
def test_bad_text_lists_are_reported(yaml: str, kwargs: dict, messages: list[str]) -> None:
    fields, errors = read("kind: x\n" + yaml)
    fields.text_list("aliases", **kwargs)
    assert errors == [error(2, "aliases", m) for m in messages]


def test_a_text_list_keeps_a_place_for_a_bad_item() -> None:
    fields, _ = read("aliases: [ok, 3, also]")
    assert fields.text_list("aliases") == ("ok", "", "also")


def test_a_missing_text_list() -> None:
    fields, errors = read("kind: x")
    assert fields.text_list("aliases", required=False) == ()
    assert errors == []
    assert fields.text_list("documents") == ()
    assert errors == [error(1, "documents", "required field is missing")]


# ----------------------------------------------------------------------------- one of a fixed set


OPTIONS = ("insurer", "pbm")


def test_choice() -> None:
    fields, errors = read("kind: pbm")
    assert fields.choice("kind", OPTIONS) == "pbm"
    assert errors == []


@pytest.mark.parametrize(
    ("yaml", "got"), [("kind: PBM", "'PBM'"), ("kind: 'pbm '", "'pbm '"), ("kind: 3", "3"), ("kind: [pbm]", "['pbm']")]
)
def test_a_choice_outside_the_set_is_reported_and_gives_the_default(yaml: str, got: str) -> None:
    fields, errors = read("name: x\n" + yaml)
    assert fields.choice("kind", OPTIONS, default="insurer") == "insurer"
    assert errors == [error(2, "kind", f"expected one of insurer, pbm; got {got}")]


def test_an_optional_choice_left_out_gives_the_default() -> None:
    fields, errors = read("name: x")
    assert fields.choice("on_thin_page", ("noindex", "fail"), required=False, default="noindex") == "noindex"
    assert errors == []
    assert fields.choice("kind", OPTIONS) == ""
    assert errors == [error(1, "kind", "required field is missing")]


def test_choices() -> None:
    fields, errors = read("kinds: [drug, device]")
    assert fields.choices("kinds", ("drug", "biologic", "device")) == ("drug", "device")
    assert errors == []


@pytest.mark.parametrize(
    ("yaml", "kept", "messages"),
    [
        ("kinds: [drug, pill]", ("drug",), ["expected each item to be one of drug, device; got 'pill'"]),
        ("kinds: [drug, drug]", ("drug", "drug"), ["lists an item twice"]),
        ("kinds: []", (), ["expected at least 1 items, got 0"]),
        ("kinds: drug", (), ["expected a list, got text ('drug')"]),
        ("kinds: [drug, 3]", ("drug",), ["expected text, got a number (3); put it in quotes"]),
    ],
)
def test_bad_choices_are_reported(yaml: str, kept: tuple, messages: list[str]) -> None:
    fields, errors = read("name: x\n" + yaml)
    assert fields.choices("kinds", ("drug", "device")) == kept
    assert errors == [error(2, "kinds", m) for m in messages]


def test_optional_choices_may_be_left_out_or_empty() -> None:
    fields, errors = read("covers_kinds: []")
    assert fields.choices("covers_kinds", ("drug",), required=False) == ()
    assert fields.choices("benefits", ("medical",), required=False) == ()
    assert errors == []


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize("yaml", ["last_reviewed: 2026-11-22", "last_reviewed: '2026-11-22'"])
def test_day(yaml: str) -> None:
    fields, errors = read(yaml)
    assert fields.day("last_reviewed") == date(2026, 11, 22)
    assert errors == []


@pytest.mark.parametrize(
    ("yaml", "got"),
    [
        ("last_reviewed: 2026-13-01", "'2026-13-01'"),
        ("last_reviewed: 2026-02-30", "'2026-02-30'"),
        ("last_reviewed: 2026-1-2", "'2026-1-2'"),
        ("last_reviewed: 22/11/2026", "'22/11/2026'"),
        ("last_reviewed: yesterday", "'yesterday'"),
        ("last_reviewed: 2026-11-22T10:00:00", "'2026-11-22T10:00:00'"),
        ("last_reviewed: [2026-11-22]", "['2026-11-22']"),
    ],
)
def test_a_bad_date_is_reported_and_gives_the_epoch(yaml: str, got: str) -> None:
    fields, errors = read("name: x\n" + yaml)
    assert fields.day("last_reviewed") == EPOCH
    assert errors == [error(2, "last_reviewed", f"expected a date written YYYY-MM-DD, got {got}")]


@pytest.mark.parametrize("yaml", ["last_reviewed: 20261122", "last_reviewed: 2026-W47-1"])
def test_only_yyyy_mm_dd_is_a_date(yaml: str) -> None:
    fields, errors = read(yaml)
    fields.day("last_reviewed")
    assert errors


def test_a_missing_date() -> None:
    fields, errors = read("name: x")
    assert fields.day("last_reviewed", required=False) == EPOCH
    assert errors == []
    assert fields.day("last_reviewed") == EPOCH
    assert errors == [error(1, "last_reviewed", "required field is missing")]


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(2026, 1, 1)))
def test_every_date_written_yyyy_mm_dd_reads_back(day: date) -> None:
    # Up to the build date: later ones are refused (test_hostile_content.py). Years before 1000 are
    # not written with four digits by isoformat.
    fields, errors = read(f"last_reviewed: '{day.isoformat()}'")
    assert fields.day("last_reviewed") == day
    assert errors == []


# ----------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    "address", ["https://example.org", "http://example.org/a?b=c#d", "HTTPS://EXAMPLE.ORG/A", "https://x.org:8443/a/"]
)
def test_url(address: str) -> None:
    fields, errors = read(f"url: '{address}'")
    assert fields.url("url") == address
    assert errors == []


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("javascript:alert(1)", "expected an absolute http:// or https:// address, got 'javascript:alert(1)'"),
        ("JavaScript://example.org/%0aalert(1)", "expected an absolute http:// or https:// address"),
        ("data:text/html,hi", "expected an absolute http:// or https:// address"),
        ("ftp://example.org/a", "expected an absolute http:// or https:// address"),
        ("mailto:a@example.org", "expected an absolute http:// or https:// address"),
        ("example.org/a", "expected an absolute http:// or https:// address"),
        ("//example.org/a", "expected an absolute http:// or https:// address"),
        ("/relative/", "expected an absolute http:// or https:// address"),
        ("https://", "expected an absolute http:// or https:// address, got 'https://'"),
        ("https://x.org/a b", "address contains spaces, quotes or angle brackets: 'https://x.org/a b'"),
        ("https://x.org/a\tb", "address contains spaces, quotes or angle brackets"),
        ('https://x.org/"onmouseover="x', "address contains spaces, quotes or angle brackets"),
        ("https://x.org/<script>", "address contains spaces, quotes or angle brackets"),
    ],
)
def test_a_bad_url_is_reported_and_gives_none(address: str, message: str) -> None:
    fields, errors = read("name: x\nurl: placeholder\n")
    fields.data["url"] = address
    assert fields.url("url") is None
    assert len(errors) == 1 and (errors[0].path, errors[0].line, errors[0].field) == (SHOWN, 2, "url")
    assert errors[0].message.startswith(message)


def test_a_url_may_not_hold_placeholders() -> None:
    fields, errors = read("url: 'https://x.org/{payer}'")
    fields.url("url")
    assert error(1, "url", "unknown placeholder '{payer}'; expected no placeholders here") in errors


def test_a_url_that_is_not_text() -> None:
    fields, errors = read("url: 3")
    assert fields.url("url") is None
    assert errors[0] == error(1, "url", "expected text, got a number (3); put it in quotes")


def test_a_url_is_optional_unless_required() -> None:
    fields, errors = read("name: x")
    assert fields.url("url") is None
    assert errors == []
    assert fields.url("base_url", required=True) is None
    assert errors == [error(1, "base_url", "required field is missing")]


def test_check_url_reports_through_its_callback() -> None:
    said: list[str] = []
    assert check_url("https://example.org/a", said.append) is True
    assert said == []
    assert check_url("javascript:alert(1)", said.append) is False
    assert said == ["expected an absolute http:// or https:// address, got 'javascript:alert(1)'"]


# ----------------------------------------------------------------------------- slugs


@pytest.mark.parametrize("slug", ["a", "0", "aetna", "not-medically-necessary", "a1-2b-c3"])
def test_good_slugs(slug: str) -> None:
    assert check_slug(slug) is None


@pytest.mark.parametrize(
    "slug",
    [
        "",
        "A",
        "Aetna",
        "a_b",
        "a--b",
        "-a",
        "a-",
        "a b",
        "a.b",
        "ä",
        "a/b",
        "..",
        "a\n",
    ],
)
def test_bad_slugs_say_how_to_fix_them(slug: str) -> None:
    assert check_slug(slug) == (
        f"slug {slug!r} must be lower-case letters, digits and single hyphens ([a-z0-9-]+); rename the file"
    )


# ----------------------------------------------------------------------------- true/false and numbers


@pytest.mark.parametrize(("yaml", "value"), [("name: x", False), ("draft: true", True), ("draft: false", False)])
def test_flag(yaml: str, value: bool) -> None:
    fields, errors = read(yaml)
    assert fields.flag("draft") is value
    assert errors == []


@pytest.mark.parametrize(("yaml", "got"), [("draft: 'yes'", "'yes'"), ("draft: 1", "1"), ("draft: 'true'", "'true'")])
def test_a_flag_must_be_true_or_false(yaml: str, got: str) -> None:
    fields, errors = read(yaml)
    assert fields.flag("draft") is False
    assert errors == [error(1, "draft", f"expected true or false, got {got}")]


@pytest.mark.parametrize(("yaml", "value"), [("name: x", 3), ("n: 1", 1), ("n: 10", 10), ("n: 7", 7)])
def test_integer(yaml: str, value: int) -> None:
    fields, errors = read(yaml)
    assert fields.integer("n", 3, 1, 10) == value
    assert errors == []


@pytest.mark.parametrize(
    ("yaml", "got"), [("n: 0", "0"), ("n: 11", "11"), ("n: true", "True"), ("n: 2.0", "2.0"), ("n: '3'", "'3'")]
)
def test_an_integer_out_of_bounds_or_of_another_type_gives_the_default(yaml: str, got: str) -> None:
    fields, errors = read(yaml)
    assert fields.integer("n", 3, 1, 10) == 3
    assert errors == [error(1, "n", f"expected a whole number from 1 to 10, got {got}")]


@pytest.mark.parametrize(("yaml", "value"), [("name: x", 0.95), ("n: 0", 0.0), ("n: 1", 1.0), ("n: 0.5", 0.5)])
def test_number(yaml: str, value: float) -> None:
    fields, errors = read(yaml)
    result = fields.number("n", 0.95, 0.0, 1.0)
    assert result == value and type(result) is float
    assert errors == []


@pytest.mark.parametrize(
    ("yaml", "got"), [("n: -0.1", "-0.1"), ("n: 1.01", "1.01"), ("n: false", "False"), ("n: '0.5'", "'0.5'")]
)
def test_a_number_out_of_bounds_or_of_another_type_gives_the_default(yaml: str, got: str) -> None:
    fields, errors = read(yaml)
    assert fields.number("n", 0.95, 0.0, 1.0) == 0.95
    assert errors == [error(1, "n", f"expected a number from 0.0 to 1.0, got {got}")]


# ----------------------------------------------------------------------------- nesting


NESTED = """
name: Northwind
policy:
  name: Northwind Medical Policies
  url: javascript:alert(1)
criteria:
  - text: First
    cite: A
  - cite: B
  - just text
"""


def test_nested_fields_are_named_and_placed_inside_their_parent() -> None:
    fields, errors = read(NESTED)
    policy = fields.nested("policy")
    assert policy is not None
    assert policy.text("name") == "Northwind Medical Policies"
    assert policy.url("url") is None
    policy.text("cite")
    assert errors == [
        error(4, "policy.url", "expected an absolute http:// or https:// address, got 'javascript:alert(1)'"),
        error(3, "policy.cite", "required field is missing"),
    ]


def test_nested_list_items_are_numbered_from_zero_and_placed_on_their_own_lines() -> None:
    fields, errors = read(NESTED)
    items = fields.nested_list("criteria")
    assert [item.text("text") for item in items] == ["First", ""]
    assert errors == [
        error(5, "criteria", "item 3: expected a mapping of fields, got text ('just text')"),
        error(8, "criteria[1].text", "required field is missing"),
    ]


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("policy: Northwind", "expected a mapping of fields, got text ('Northwind')"),
        ("policy: [a]", "expected a mapping of fields, got a list"),
        ("policy: 3", "expected a mapping of fields, got a number (3)"),
    ],
)
def test_nested_needs_a_mapping(yaml: str, message: str) -> None:
    fields, errors = read(yaml)
    assert fields.nested("policy") is None
    assert errors == [error(1, "policy", message)]


@pytest.mark.parametrize(
    ("yaml", "kwargs", "message"),
    [
        ("criteria: {text: a}", {}, "expected a list of mappings, got a mapping"),
        ("criteria: a", {}, "expected a list of mappings, got text ('a')"),
        ("criteria: []", {"min_items": 1}, "expected at least 1 items, got 0"),
    ],
)
def test_bad_nested_lists_are_reported(yaml: str, kwargs: dict, message: str) -> None:
    fields, errors = read(yaml)
    assert fields.nested_list("criteria", **kwargs) == []
    assert errors == [error(1, "criteria", message)]


def test_optional_nesting_may_be_left_out() -> None:
    fields, errors = read("name: x")
    assert fields.nested("file_within", required=False) is None
    assert fields.nested_list("decisions", required=False) == []
    assert fields.mapping("reason_notes") is None
    assert errors == []
    assert fields.nested("policy") is None
    assert fields.nested_list("criteria") == []
    assert errors == [
        error(1, "policy", "required field is missing"),
        error(1, "criteria", "required field is missing"),
    ]


def test_mapping_returns_the_raw_mapping_with_its_lines() -> None:
    fields, errors = read("reason_notes:\n  step-therapy: Show each drug tried.\n")
    notes = fields.mapping("reason_notes")
    assert isinstance(notes, LineDict) and notes == {"step-therapy": "Show each drug tried."}
    assert notes.line_of("step-therapy") == 2
    assert errors == []


def test_mapping_needs_a_mapping() -> None:
    fields, errors = read("reason_notes: [a]")
    assert fields.mapping("reason_notes") is None
    assert errors == [error(1, "reason_notes", "expected a mapping, got a list")]


# ----------------------------------------------------------------------------- unknown fields


def test_finish_reports_each_field_nobody_read_on_its_line() -> None:
    fields, errors = read("name: x\ncolour: blue\nkind: pbm\nsize: 3\n")
    fields.text("name")
    fields.choice("kind", OPTIONS)
    fields.text("notes", required=False)  # asked for but absent: still a known field
    fields.finish()
    assert errors == [
        error(2, "colour", "unknown field; expected one of: kind, name, notes"),
        error(4, "size", "unknown field; expected one of: kind, name, notes"),
    ]


def test_finish_names_unknown_fields_inside_their_parent() -> None:
    fields, errors = read("policy:\n  name: P\n  colour: blue\n")
    policy = fields.nested("policy")
    policy.text("name")
    policy.finish()
    fields.finish()
    assert errors == [error(3, "policy.colour", "unknown field; expected one of: name")]


def test_error_can_name_another_line() -> None:
    fields, errors = read("name: x")
    fields.error("name", "something else", line=9)
    assert errors == [error(9, "name", "something else")]
    assert str(errors[0]) == f"{SHOWN}:9: name: something else"
