"""Hostile content text: every file is held to a stated limit, and each fault is reported as
`path:line: field: expected …; got …`, never as a traceback or a hang."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import ROOT, build
from hostile import X, build_errors, edit, yaml_errors

from generator.fields import INVISIBLE_RE, MAX_SLUG_BYTES, check_slug
from generator.load import MAX_BODY_CHARS, load_markdown_file, load_yaml_file
from generator.yaml_reader import MAX_DEPTH, MAX_EXPANDED_CHARS, MAX_TEXT_CHARS, MAX_VALUES

# ---- YAML limits: nesting, text length, values and characters after aliases


def nested(levels: int) -> str:
    """`levels` mappings inside one another, the innermost holding one value."""
    return "".join("  " * i + "k:\n" for i in range(levels - 1)) + "  " * (levels - 1) + "k: v\n"


def test_nesting_at_the_limit_loads_and_one_deeper_is_refused(tmp_path: Path) -> None:
    assert yaml_errors(tmp_path, nested(MAX_DEPTH)) == []
    assert yaml_errors(tmp_path, nested(MAX_DEPTH + 1)) == [
        f"{X}:{MAX_DEPTH + 1}: expected lists and mappings nested at most {MAX_DEPTH} deep; got {MAX_DEPTH + 1}"
    ]


@pytest.mark.parametrize("levels", [500, 999])
def test_deep_flow_nesting_is_refused_without_a_traceback(tmp_path: Path, levels: int) -> None:
    errors = yaml_errors(tmp_path, "k: " + "[" * levels + "]" * levels + "\n")
    assert errors == [f"{X}:1: expected lists and mappings nested at most {MAX_DEPTH} deep; got {MAX_DEPTH + 1}"]


def test_nesting_through_an_alias_counts_what_the_alias_expands_to(tmp_path: Path) -> None:
    inner = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert yaml_errors(tmp_path, f"a: &x {inner}\nb: *x\n") == []
    assert yaml_errors(tmp_path, f"a: &x {inner}\nb: [*x]\n") == [
        f"{X}:1: expected lists and mappings nested at most {MAX_DEPTH} deep; got {MAX_DEPTH + 1}"
    ]


def test_front_matter_limits_count_lines_from_the_top_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "content" / "treatments" / "t.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nname: A\n" + nested(MAX_DEPTH + 1) + "---\nbody\n", "utf-8")
    assert [str(e) for e in load_markdown_file(path, tmp_path).errors] == [
        f"content/treatments/t.md:{MAX_DEPTH + 3}: expected lists and mappings nested at most {MAX_DEPTH} deep; got {MAX_DEPTH + 1}"
    ]


@pytest.mark.parametrize("where", ["value", "key"])
def test_a_text_at_the_limit_loads_and_one_character_more_is_refused(tmp_path: Path, where: str) -> None:
    def doc(length: int) -> str:
        text = "y" * length
        return f"name: A\n? {text}\n: v\n" if where == "key" else f"name: A\nnotes: {text}\n"

    assert yaml_errors(tmp_path, doc(MAX_TEXT_CHARS)) == []
    assert yaml_errors(tmp_path, doc(MAX_TEXT_CHARS + 1)) == [
        f"{X}:2: expected a value of at most {MAX_TEXT_CHARS:,} characters; got {MAX_TEXT_CHARS + 1:,}"
    ]


def test_values_at_the_limit_load_and_one_more_is_refused(tmp_path: Path) -> None:
    # The mapping, its key and the list are three values; the items make up the rest.
    items = MAX_VALUES - 3
    assert yaml_errors(tmp_path, "a:\n" + "- x\n" * items) == []
    assert yaml_errors(tmp_path, "a:\n" + "- x\n" * (items + 1)) == [
        f"{X}:{items + 2}: expected at most {MAX_VALUES:,} values after expanding aliases; got more"
    ]


def test_aliases_expanding_to_the_limit_load_and_one_more_is_refused(tmp_path: Path) -> None:
    # 5 values (mapping, two keys, two lists) + 3 items + 4 for each alias of the three-item list.
    def doc(aliases: int) -> str:
        return "a: &x [y, y, y]\nb: [" + ", ".join(["*x"] * aliases) + "]\n"

    assert 5 + 3 + 4 * 4998 == MAX_VALUES
    assert yaml_errors(tmp_path, doc(4998)) == []
    assert yaml_errors(tmp_path, doc(4999)) == [
        f"{X}:1: expected at most {MAX_VALUES:,} values after expanding aliases; got more (* aliases repeat the value here)"
    ]


def test_text_expanded_by_aliases_to_the_limit_loads_and_one_more_is_refused(tmp_path: Path) -> None:
    # The keys "a" and "b" are two characters; the text and each alias of it 6,993 more.
    def doc(aliases: int) -> str:
        return "a: &x " + "y" * 6993 + "\nb: [" + ", ".join(["*x"] * aliases) + "]\n"

    assert 2 + 6993 * 286 == MAX_EXPANDED_CHARS
    assert yaml_errors(tmp_path, doc(285)) == []
    assert yaml_errors(tmp_path, doc(286)) == [
        f"{X}:1: expected at most {MAX_EXPANDED_CHARS:,} characters of text after expanding aliases; got more (* aliases repeat the value here)"
    ]


def billion_laughs(levels: int = 10, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_before_it_expands(tmp_path: Path) -> None:
    assert yaml_errors(tmp_path, billion_laughs()) == [
        f"{X}:4: expected at most {MAX_VALUES:,} values after expanding aliases; got more (* aliases repeat the value here)"
    ]


def test_an_alias_inside_the_value_it_names_is_refused(tmp_path: Path) -> None:
    assert yaml_errors(tmp_path, "a: &x [1, *x]\n") == [
        f"{X}:1: expected an alias to a finished value; got an alias inside the value it names"
    ]


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        (
            10,
            f"4: expected at most {MAX_VALUES:,} values after expanding aliases; got more (* aliases repeat the value here)",
        ),
        (30, f"15: expected lists and mappings nested at most {MAX_DEPTH} deep; got {MAX_DEPTH + 1}"),
    ],
)
def test_a_billion_laughs_in_a_payer_fails_the_build_naming_the_file(
    content_dir: Path, tmp_path: Path, monkeypatch, levels: int, expected: str
) -> None:
    monkeypatch.chdir(content_dir.parent)
    (content_dir / "payers" / "contoso.yaml").write_text(billion_laughs(levels), "utf-8")
    assert build_errors(content_dir, tmp_path / "public") == [f"content/payers/contoso.yaml:{expected}"]


def test_a_body_at_the_limit_loads_and_one_character_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "content" / "treatments" / "t.md"
    path.parent.mkdir(parents=True)
    path.write_text("---\nname: A\n---\n" + "[" * MAX_BODY_CHARS, "utf-8")
    assert load_markdown_file(path, tmp_path).errors == []
    path.write_text("---\nname: A\n---\n" + "[" * (MAX_BODY_CHARS + 1), "utf-8")
    assert [str(e) for e in load_markdown_file(path, tmp_path).errors] == [
        f"content/treatments/t.md:4: body: expected a Markdown body of at most {MAX_BODY_CHARS:,} characters; got {MAX_BODY_CHARS + 1:,}"
    ]


def test_a_python_tag_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    assert yaml_errors(tmp_path, f'name: !!python/object/apply:os.system ["touch {marker}"]\n') == [
        f"{X}:1: YAML syntax error: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"
    ]
    assert not marker.exists()


# ---- Slugs: at most MAX_SLUG_BYTES, the whole name and nothing after it


def test_a_slug_at_the_limit_is_accepted_and_one_byte_more_is_refused() -> None:
    assert check_slug("a" * MAX_SLUG_BYTES) is None
    assert check_slug("a" * (MAX_SLUG_BYTES + 1)) == (
        f"expected a slug of at most {MAX_SLUG_BYTES} characters; got {MAX_SLUG_BYTES + 1}"
    )


def test_a_slug_ending_in_a_newline_is_refused() -> None:
    assert check_slug("aetna\n") == (
        "slug 'aetna\\n' must be lower-case letters, digits and single hyphens ([a-z0-9-]+); rename the file"
    )


def test_a_long_redirect_slug_is_an_error_not_a_traceback(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    edit(content_dir / "payers/contoso.yaml", "[contoso-health]", "[" + "b" * 300 + "]")
    assert build_errors(content_dir, tmp_path / "public") == [
        f"content/payers/contoso.yaml:12: redirect_from: expected a slug of at most {MAX_SLUG_BYTES} characters; got 300"
    ]


def test_a_long_file_name_is_an_error_not_a_traceback(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    long = "c" * (MAX_SLUG_BYTES + 1)
    (content_dir / "payers/contoso.yaml").rename(content_dir / f"payers/{long}.yaml")
    assert (
        f"content/payers/{long}.yaml: expected a slug of at most {MAX_SLUG_BYTES} characters; got {MAX_SLUG_BYTES + 1}"
        in (build_errors(content_dir, tmp_path / "public"))
    )


# ---- Dates: nothing reviewed after the build date (plus a day for time zones)

FIXTURE_DAY = 1795305600  # 2026-11-22 00:00 UTC, the fixture's newest last_reviewed

DATED_FILES = {
    "payer": ("payers/contoso.yaml", "last_reviewed: 2026-11-22"),
    "treatment": ("treatments/ocrevus.md", "last_reviewed: 2026-11-21"),
    "reason": ("reasons/step-therapy.yaml", "last_reviewed: 2026-11-22"),
    "plan type": ("plan-types/medicare-part-d.yaml", "last_reviewed: 2026-11-20"),
    "pair note": ("payers/northwind/entresto.md", "last_reviewed: 2026-11-22"),
}


def _line_of(path: Path, text: str) -> int:
    return path.read_text("utf-8").split("\n").index(text) + 1


@pytest.mark.parametrize("kind", sorted(DATED_FILES))
def test_a_review_date_after_the_build_date_is_refused(
    content_dir: Path, tmp_path: Path, monkeypatch, kind: str
) -> None:
    monkeypatch.chdir(content_dir.parent)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(FIXTURE_DAY))
    name, line_text = DATED_FILES[kind]
    path = content_dir / name
    line = _line_of(path, line_text)
    edit(path, line_text, "last_reviewed: 2026-11-23")  # the build date plus one day: still allowed
    build(content_dir, tmp_path / "public", workers=1)
    edit(path, "last_reviewed: 2026-11-23", "last_reviewed: 2026-11-24")
    assert build_errors(content_dir, tmp_path / "public") == [
        f"content/{name}:{line}: last_reviewed: expected a date no later than 2026-11-23 (the build date plus a day for time zones); got '2026-11-24'"
    ]


def test_without_source_date_epoch_the_build_date_is_today(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    latest = date.today() + timedelta(days=1)
    edit(content_dir / "payers/contoso.yaml", "last_reviewed: 2026-11-22", "last_reviewed: 9999-12-31")
    assert build_errors(content_dir, tmp_path / "public") == [
        f"content/payers/contoso.yaml:9: last_reviewed: expected a date no later than {latest} (the build date plus a day for time zones); got '9999-12-31'"
    ]


@pytest.mark.parametrize("epoch", ["soon", "-1", "1e9", "99999999999999999999"])
def test_a_source_date_epoch_that_is_not_a_time_is_an_error(
    content_dir: Path, tmp_path: Path, monkeypatch, epoch: str
) -> None:
    monkeypatch.chdir(content_dir.parent)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert build_errors(content_dir, tmp_path / "public") == [
        f"SOURCE_DATE_EPOCH: expected a whole number of seconds since 1970-01-01 UTC; got {epoch!r}"
    ]


# ---- Unicode: one normal form (NFC), and no invisible or direction-changing characters

INVISIBLES = [
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u2060",  # word joiner
    "\u00ad",  # soft hyphen
    "\ufeff",  # byte-order mark inside text
    "\u200e",  # left-to-right mark
    "\u200f",  # right-to-left mark
    "\u061c",  # arabic letter mark
    *map(chr, range(0x202A, 0x202F)),  # embeddings and overrides
    *map(chr, range(0x2066, 0x206A)),  # isolates
    "\U000e0041",  # a tag character
    "\u3164",  # hangul filler, a blank letter
]


@pytest.mark.parametrize("char", INVISIBLES, ids=lambda c: f"U+{ord(c):04X}")
def test_invisible_and_bidi_characters_in_a_name_are_refused(
    content_dir: Path, tmp_path: Path, monkeypatch, char: str
) -> None:
    monkeypatch.chdir(content_dir.parent)
    edit(content_dir / "payers/contoso.yaml", "name: Contoso Care", f"name: Cont{char}oso Care")
    assert build_errors(content_dir, tmp_path / "public") == [
        "content/payers/contoso.yaml:1: name: expected text without invisible or direction-changing characters; "
        f"got U+{ord(char):04X} ({unicodedata.name(char)}) at character 5"
    ]


def test_a_control_character_written_as_a_yaml_escape_is_refused(
    content_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(content_dir.parent)
    edit(content_dir / "payers/contoso.yaml", "short_name: Contoso", 'short_name: "Con\\x07toso"')
    assert build_errors(content_dir, tmp_path / "public") == [
        "content/payers/contoso.yaml:2: short_name: expected text without invisible or direction-changing characters; "
        "got U+0007 (a control character) at character 4"
    ]


def test_bidi_controls_in_a_body_are_refused_at_their_line(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    edit(content_dir / "treatments/ocrevus.md", "Plans want the MS", "Plans \u202ewant the MS")
    assert build_errors(content_dir, tmp_path / "public") == [
        "content/treatments/ocrevus.md:32: body: expected text without invisible or direction-changing characters; "
        "got U+202E (RIGHT-TO-LEFT OVERRIDE) at column 7"
    ]


def test_every_format_character_counts_as_invisible() -> None:
    missed = [
        f"U+{c:04X}"
        for c in range(0x110000)
        if unicodedata.category(chr(c)) in ("Cf", "Cc", "Zl", "Zp")
        and chr(c) not in "\t\n"
        and not INVISIBLE_RE.fullmatch(chr(c))
    ]
    assert missed == []
    assert not INVISIBLE_RE.search("Société Générale, Blue Cross & Blue Shield\tof 北京 — “quoted” é")


def test_text_is_read_in_nfc_whether_typed_decomposed_or_escaped(tmp_path: Path) -> None:
    path = tmp_path / "content" / "payers" / "x.yaml"
    path.parent.mkdir(parents=True)
    path.write_text('name: Socie\u0301te\u0301\nshort_name: "Socie\\u0301te\\u0301"\nSocie\u0301te\u0301: 1\n', "utf-8")
    data = load_yaml_file(path, tmp_path).data
    assert data["name"] == data["short_name"] == "Soci\u00e9t\u00e9"
    assert "Soci\u00e9t\u00e9" in data
    body = tmp_path / "content" / "treatments" / "t.md"
    body.parent.mkdir(parents=True)
    body.write_text("---\nname: A\n---\nCafe\u0301\n", "utf-8")
    assert load_markdown_file(body, tmp_path).body == "Caf\u00e9\n"


def test_names_that_differ_only_in_normal_form_are_one_name(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    edit(content_dir / "payers/contoso.yaml", "name: Contoso Care", "name: Soci\u00e9t\u00e9 Care")
    edit(content_dir / "payers/northwind.yaml", "name: Northwind Health", "name: Socie\u0301te\u0301 Care")
    assert build_errors(content_dir, tmp_path / "public") == [
        "content/payers/northwind.yaml:1: name: 'Soci\u00e9t\u00e9 Care' gives the same slug 'societe-care' as "
        "content/payers/contoso.yaml; names must be distinct"
    ]


@pytest.mark.parametrize(
    ("file_name", "shown"),
    [
        ("contoso\u200b.yaml", "contoso\\u200b.yaml"),
        ("contoso\u202egpj.yaml", "contoso\\u202egpj.yaml"),
        ("socie\u0301te\u0301.yaml", "socie\u0301te\u0301.yaml"),
    ],
)
def test_file_names_with_invisible_characters_or_not_in_nfc_are_refused(
    content_dir: Path, tmp_path: Path, monkeypatch, file_name: str, shown: str
) -> None:
    monkeypatch.chdir(content_dir.parent)
    (content_dir / "payers/contoso.yaml").rename(content_dir / "payers" / file_name)
    stem = file_name.removesuffix(".yaml")
    assert build_errors(content_dir, tmp_path / "public") == [
        f"content/payers/{shown}: slug {stem!r} must be lower-case letters, digits and single hyphens ([a-z0-9-]+); rename the file"
    ]


def test_a_field_name_with_a_bidi_control_is_shown_escaped(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    edit(content_dir / "payers/contoso.yaml", "kind: blue-plan", "kind: blue-plan\nnotes\u202e: x")
    errors = build_errors(content_dir, tmp_path / "public")
    assert errors[0].startswith("content/payers/contoso.yaml:4: notes\\u202e: unknown field; expected one of: ")


def test_a_file_name_that_is_not_utf8_is_an_error_naming_it(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    (content_dir / "payers/contoso.yaml").rename(os.fsdecode(bytes(content_dir / "payers") + b"/bad\xff.yaml"))
    assert build_errors(content_dir, tmp_path / "public") == [
        "content/payers/bad\\udcff.yaml: slug 'bad\\udcff' must be lower-case letters, digits and single hyphens ([a-z0-9-]+); rename the file"
    ]


# ---- All at once, through the command line: exit 1, one line per fault, no traceback


def test_the_command_line_reports_every_hostile_input_without_a_traceback(content_dir: Path, tmp_path: Path) -> None:
    (content_dir / "reasons/laughs.yaml").write_text(billion_laughs(), "utf-8")
    (content_dir / "reasons/deep.yaml").write_text("k: " + "[" * 500 + "]" * 500 + "\n", "utf-8")
    (content_dir / "payers/leak.yaml").symlink_to("/etc/passwd")
    edit(content_dir / "payers/contoso.yaml", "last_reviewed: 2026-11-22", "last_reviewed: 2026-11-24")
    edit(content_dir / "payers/contoso.yaml", "name: Contoso Care", "name: Contoso\u202e Care")
    edit(
        content_dir / "treatments/ocrevus.md",
        "Plans want the MS",
        "[x][1]\n\n[1]: javascript:alert(1)\n\nPlans want the MS",
    )
    command = [sys.executable, "-m", "generator", "build", "--content", "content", "--out", "public"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": "1795305600"}
    done = subprocess.run(command, cwd=content_dir.parent, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    link = "an http:// or https:// address or a path on this site starting with /"
    assert done.stderr.splitlines() == [
        "content/payers/contoso.yaml:1: name: expected text without invisible or direction-changing characters; got U+202E (RIGHT-TO-LEFT OVERRIDE) at character 8",
        "content/payers/contoso.yaml:9: last_reviewed: expected a date no later than 2026-11-23 (the build date plus a day for time zones); got '2026-11-24'",
        "content/payers/leak.yaml: expected a file or folder; got a symbolic link to '/etc/passwd'; links are not followed in the content folder",
        f"content/reasons/deep.yaml:1: expected lists and mappings nested at most {MAX_DEPTH} deep; got {MAX_DEPTH + 1}",
        f"content/reasons/laughs.yaml:4: expected at most {MAX_VALUES:,} values after expanding aliases; got more (* aliases repeat the value here)",
        f"content/treatments/ocrevus.md:32: body: expected a link to {link}; got 'javascript:alert(1)'",
        f"content/treatments/ocrevus.md:34: body: expected a link to {link}; got 'javascript:alert(1)'",
        "7 errors in 5 files. Nothing was written; the output folder is unchanged.",
    ]
