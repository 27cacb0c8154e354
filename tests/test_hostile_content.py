"""Hostile content: every input a build reads is held to a stated limit, and each fault is reported as
`path:line: field: expected …; got …`, never as a traceback, a hang or a published surprise."""

from __future__ import annotations

import html
import json
import os
import pickle
import re
import signal
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from conftest import ROOT, build, tree_digest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from generator import load as load_module
from generator.errors import BuildError
from generator.fields import INVISIBLE_RE, MAX_SLUG_BYTES, check_slug
from generator.load import CACHE_FORMAT, ParseCache, RawContent, load_content, load_markdown_file, load_yaml_file
from generator.markdown import render_markdown, unsafe_links
from generator.paths import cache_path
from generator.placeholders import fill_html
from generator.render.environment import make_environment
from generator.safe_links import is_safe_link
from generator.yaml_reader import MAX_DEPTH, MAX_EXPANDED_CHARS, MAX_TEXT_CHARS, MAX_VALUES


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: a YAML bomb that is expanded never finishes."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def build_errors(content: Path, out: Path) -> list[str]:
    """The error lines of a build that must fail, checking that it left `out` as it was."""
    before = tree_digest(out) if out.exists() else None
    with deadline(60), pytest.raises(BuildError) as caught:
        build(content, out, workers=1)
    lines = str(caught.value).splitlines()
    assert re.fullmatch(r"\d+ errors? in \d+ files?\. Nothing was written; the output folder is unchanged\.", lines[-1])
    assert (tree_digest(out) if out.exists() else None) == before
    return lines[:-1]


def yaml_errors(tmp_path: Path, text: str) -> list[str]:
    """What loading `text` as content/payers/x.yaml reports."""
    path = tmp_path / "content" / "payers" / "x.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    with deadline(10):
        return [str(e) for e in load_yaml_file(path, tmp_path).errors]


X = "content/payers/x.yaml"


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


# ---- Links: never followed anywhere in the content folder, each one named in its own error

LINK = "links are not followed in the content folder"


def _outside_payer(content: Path) -> Path:
    """A valid payer file outside the content folder: what a link could publish."""
    outside = content.parent / "outside" / "secret.yaml"
    outside.parent.mkdir(exist_ok=True)
    outside.write_text((content / "payers/contoso.yaml").read_text("utf-8").replace("Contoso Care", "Secret Care"))
    return outside


LINK_CASES = {
    "file leaving the folder": (
        lambda c: (c / "payers/secret.yaml").symlink_to(_outside_payer(c)),
        lambda c: [
            f"content/payers/secret.yaml: expected a file or folder; got a symbolic link to '{_outside_payer(c)}'; {LINK}"
        ],
    ),
    "file inside the folder": (
        lambda c: (c / "payers/contoso-care.yaml").symlink_to("contoso.yaml"),
        lambda c: [
            f"content/payers/contoso-care.yaml: expected a file or folder; got a symbolic link to 'contoso.yaml'; {LINK}"
        ],
    ),
    "folder looping to its parent": (
        lambda c: (c / "payers/loop").symlink_to(".."),
        lambda c: [f"content/payers/loop: expected a file or folder; got a symbolic link to '..'; {LINK}"],
    ),
    "links pointing at each other": (
        lambda c: ((c / "reasons/a.yaml").symlink_to("b.yaml"), (c / "reasons/b.yaml").symlink_to("a.yaml")),
        lambda c: [
            f"content/reasons/a.yaml: expected a file or folder; got a symbolic link to 'b.yaml'; {LINK}",
            f"content/reasons/b.yaml: expected a file or folder; got a symbolic link to 'a.yaml'; {LINK}",
        ],
    ),
    "dangling link": (
        lambda c: (c / "treatments/gone.md").symlink_to("nowhere.md"),
        lambda c: [
            f"content/treatments/gone.md: expected a file or folder; got a symbolic link to 'nowhere.md'; {LINK}"
        ],
    ),
    "pair note": (
        lambda c: (c / "payers/contoso/ocrevus.md").symlink_to("../northwind/ocrevus.md"),
        lambda c: [
            f"content/payers/contoso/ocrevus.md: expected a file or folder; got a symbolic link to '../northwind/ocrevus.md'; {LINK}"
        ],
    ),
    "site settings": (
        lambda c: (
            (c / "site.yaml").rename(c.parent / "site.yaml"),
            (c / "site.yaml").symlink_to(c.parent / "site.yaml"),
        ),
        lambda c: [
            f"content/site.yaml: expected the site settings file; got a symbolic link to '{c.parent / 'site.yaml'}'; {LINK}"
        ],
    ),
    "named pipe": (
        lambda c: os.mkfifo(c / "payers/pipe.yaml"),
        lambda c: ["content/payers/pipe.yaml: expected a file or folder; got a named pipe"],
    ),
}


@pytest.mark.parametrize("built_before", [False, True], ids=["no output yet", "output exists"])
@pytest.mark.parametrize("case", sorted(LINK_CASES))
def test_a_link_in_the_content_folder_is_refused_by_name(
    content_dir: Path, tmp_path: Path, monkeypatch, case: str, built_before: bool
) -> None:
    monkeypatch.chdir(content_dir.parent)
    out = tmp_path / "public"
    if built_before:
        build(content_dir, out, workers=1)
    make, expected = LINK_CASES[case]
    (content_dir / "payers/contoso").mkdir(exist_ok=True)
    make(content_dir)
    assert build_errors(content_dir, out) == expected(content_dir)


def test_a_linked_content_folder_is_refused_and_the_others_still_load(
    content_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(content_dir.parent)
    elsewhere = tmp_path / "elsewhere"
    (content_dir / "reasons").rename(elsewhere)
    (content_dir / "reasons").symlink_to(elsewhere)
    errors = build_errors(content_dir, tmp_path / "public")
    assert f"content/reasons: expected a folder; got a symbolic link to '{elsewhere}'; {LINK}" in errors


def test_the_content_folder_itself_may_be_a_link(content_dir: Path, tmp_path: Path) -> None:
    link = tmp_path / "linked-content"
    link.symlink_to(content_dir)
    assert build(link, tmp_path / "public", workers=1).pages > 0


# ---- Markdown links: every kind of link goes through is_safe_link, when checked and when rendered

BAD_LINKS = {
    "inline": ("[x](javascript:alert(1))", ["javascript:alert(1)"]),
    "inline, upper case": ("[x](JAVASCRIPT:alert(1))", ["JAVASCRIPT:alert(1)"]),
    "inline, entity-encoded": ("[x](&#106;avascript:alert(1))", ["javascript:alert(1)"]),
    "inline, tab in the scheme": ("[x](<java\tscript:alert(1)>)", ["java%09script:alert(1)"]),
    "inline, other site without a scheme": ("[x](//evil.example/)", ["//evil.example/"]),
    "inline, relative": ("[x](evil.html)", ["evil.html"]),
    "inline, ftp": ("[x](ftp://files.example/a)", ["ftp://files.example/a"]),
    "inline, scheme without a host": ("[x](https:evil.example)", ["https:evil.example"]),
    "reference": ("[x][1]\n\n[1]: javascript:alert(1)", ["javascript:alert(1)", "javascript:alert(1)"]),
    "reference, collapsed": ("[x][]\n\n[x]: data:text/html,hi", ["data:text/html,hi", "data:text/html,hi"]),
    "reference, unused": ("text\n\n[1]: vbscript:msgbox", ["vbscript:msgbox"]),
    "autolink": ("<javascript:alert(1)>", ["javascript:alert(1)"]),
    "email autolink": ("<someone@example.org>", ["mailto:someone@example.org"]),
    "image": ("![x](javascript:alert(1))", ["javascript:alert(1)"]),
    "image, data": ("![x](data:image/svg+xml,<svg/onload=alert(1)>)", ["data:image/svg+xml,%3Csvg/onload=alert(1)%3E"]),
    "image, reference": ("![x][i]\n\n[i]: data:image/png;base64,AAAA", ["data:image/png;base64,AAAA"] * 2),
    "link in a table": ("| a |\n| - |\n| [x](javascript:alert(1)) |", ["javascript:alert(1)"]),
}
GOOD_LINKS = [
    "[x](/contoso/)",
    "[x](https://example.org/a?b=c#d)",
    "[x](HTTP://EXAMPLE.ORG)",
    "<https://example.org/>",
    "![x](/img/a.png)",
    "[x][1]\n\n[1]: https://example.org/",
    "[x](/%5Cevil.example)",
]


@pytest.mark.parametrize("case", sorted(BAD_LINKS))
def test_every_kind_of_unsafe_link_is_reported_and_never_rendered(case: str) -> None:
    text, hrefs = BAD_LINKS[case]
    assert [href for _, href in unsafe_links(text)] == sorted(hrefs)
    for href in re.findall(r'(?:href|src)="([^"]*)"', render_markdown(text)):
        assert is_safe_link(html.unescape(href)), (case, href)


@pytest.mark.parametrize("text", GOOD_LINKS)
def test_safe_links_are_kept(text: str) -> None:
    assert unsafe_links(text) == []
    assert re.search(r'(?:href|src)="[^"]+"', render_markdown(text))


def test_an_unsafe_link_renders_as_its_text() -> None:
    assert render_markdown("see [the form][1]\n\n[1]: javascript:alert(1)") == "<p>see the form</p>\n"
    assert render_markdown("![a chart](javascript:alert(1))") == "<p>a chart</p>\n"


def test_unsafe_links_are_reported_at_their_own_lines(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(content_dir.parent)
    edit(
        content_dir / "treatments/ocrevus.md",
        "Plans want the MS",
        "See [the form][form] and\n<someone@example.org>.\n\n[form]: javascript:alert(1)\n\nPlans want the MS",
    )
    edit(
        content_dir / "payers/contoso.yaml",
        "notes: Contoso is an independent plan with its own policies.",
        'notes: "![x](//evil.example/x.png) Contoso is an independent plan."',
    )
    rule = "expected a link to an http:// or https:// address or a path on this site starting with /"
    assert build_errors(content_dir, tmp_path / "public") == [
        f"content/payers/contoso.yaml:8: notes: {rule}; got '//evil.example/x.png'",
        f"content/treatments/ocrevus.md:32: body: {rule}; got 'javascript:alert(1)'",
        f"content/treatments/ocrevus.md:33: body: {rule}; got 'mailto:someone@example.org'",
        f"content/treatments/ocrevus.md:35: body: {rule}; got 'javascript:alert(1)'",
    ]


SCHEMES = ["http", "https", "HTTPS", "javascript", "JaVaScRiPt", "data", "vbscript", "mailto", "ftp", "file", ""]
hrefs = st.builds(
    lambda scheme, sep, rest: f"{scheme}{sep}{rest}",
    st.sampled_from(SCHEMES),
    st.sampled_from([":", "://", ":/", "//", "/", "/\\", "&#58;", "&colon;", "\t:", ""]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
)
link_forms = st.sampled_from(
    [
        "[t]({h})",
        "[t](<{h}>)",
        "<{h}>",
        "![t]({h})",
        "[t][r]\n\n[r]: {h}",
        "[t][r]\n\n[r]: <{h}>",
        "| a |\n| - |\n| [t]({h}) |",
    ]
)


@settings(max_examples=500, deadline=None)
@given(hrefs, link_forms, st.text(max_size=30))
def test_no_unsafe_href_is_rendered_and_every_dropped_link_is_reported(href: str, form: str, around: str) -> None:
    text = around + " " + form.replace("{h}", href)
    rendered = [html.unescape(h) for h in re.findall(r'(?:href|src)="([^"]*)"', render_markdown(text))]
    assert all(is_safe_link(h) for h in rendered), rendered
    # Whatever markdown-it would have linked, had every link been allowed, is either rendered or reported.
    permissive = MarkdownIt("commonmark", {"html": False}).enable("table")
    permissive.validateLink = lambda url: True
    everything = [html.unescape(h) for h in re.findall(r'(?:href|src)="([^"]*)"', permissive.render(text))]
    reported = {h for _, h in unsafe_links(text)}
    assert all(h in rendered or h in reported for h in everything), (everything, rendered, reported)


# ---- JSON-LD: names are filled into its values before encoding, and the page-wide fill never reaches inside it

HOSTILE_PAYER = 'Con"to\\so & </script> Ünï {treatment}'
HOSTILE_TREATMENT = "O'c\\\"r<e>v&us \\u0041"


def _yaml_text(value: str) -> str:
    """`value` as a YAML double-quoted scalar (JSON's string syntax is YAML's)."""
    return json.dumps(value, ensure_ascii=False)


def _hostile_site(content: Path) -> None:
    """The fixture site with quotes, backslashes, </script>, non-ASCII and placeholders in the names JSON-LD shows."""
    edit(content / "payers/contoso.yaml", "short_name: Contoso", f"short_name: {_yaml_text(HOSTILE_PAYER)}")
    edit(content / "treatments/ocrevus.md", "short_name: Ocrevus", f"short_name: {_yaml_text(HOSTILE_TREATMENT)}")
    edit(content / "treatments/ocrevus.md", "name: Ocrevus (ocrelizumab)", 'name: "Ocrevus \\\\ {payer} \\"x\\""')
    edit(content / "treatments/ocrevus.md", "reviewed_by: Dr. Fixture Reviewer", 'reviewed_by: "Dr. {payer} \\\\"')
    for reason in (content / "reasons").glob("*.yaml"):
        text = reason.read_text("utf-8")
        reason.write_text(re.sub(r"(?m)^title_phrase: (.*)$", r"title_phrase: \1 by {payer} for {treatment}", text))
    edit(content / "site.yaml", "language: en", 'language: en\npublisher: "Pub \\" & \\\\ </script>"')


def jsonld_blocks(page: str) -> list[str]:
    return re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)


def test_hostile_names_never_break_the_jsonld_of_any_page(content_dir: Path, tmp_path: Path) -> None:
    _hostile_site(content_dir)
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    blocks = [b for page in sorted(out.rglob("*.html")) for b in jsonld_blocks(page.read_text("utf-8"))]
    assert len(blocks) > 10
    parsed = [json.loads(block) for block in blocks]
    guide = json.loads(jsonld_blocks((out / "contoso/ocrevus/not-medically-necessary/index.html").read_text())[0])
    crumbs, web_page = guide["@graph"][0]["itemListElement"], guide["@graph"][1]
    # As on the page itself: a placeholder written in a text is filled, one inside a filled-in name is not.
    payer_as_written = HOSTILE_PAYER.replace("{treatment}", HOSTILE_TREATMENT)
    assert [c["name"] for c in crumbs[1:3]] == [payer_as_written, HOSTILE_TREATMENT]
    treatment_name = f'Ocrevus \\ {HOSTILE_PAYER} "x"'
    assert web_page["about"]["name"] == treatment_name
    assert web_page["name"] == (
        f"{treatment_name} denied as not medically necessary by {HOSTILE_PAYER} for {HOSTILE_TREATMENT} by {payer_as_written}?"
    )
    assert web_page["reviewedBy"]["name"] == f"Dr. {HOSTILE_PAYER} \\"
    assert web_page["publisher"]["name"] == 'Pub " & \\ </script>'
    assert not any("&amp;" in block or "&#" in block or "{payer}" in block for block in blocks)
    assert parsed


def test_the_jsonld_filter_fills_names_first_and_leaves_nothing_for_the_page_fill() -> None:
    value = {"name": "{treatment} denied by {payer}", "list": ["{payer}", 3, None], "other": "{reason}"}
    env = make_environment(ROOT / "templates")
    text = env.from_string("{{ v | jsonld }}").render(v=value, names={"payer": "Aetna", "treatment": "Ocrevus"})
    assert text == '{"name":"Ocrevus denied by Aetna","list":["Aetna",3,null],"other":"{reason}"}'
    assert fill_html(text, {"payer": "X", "treatment": "Y"}) == text


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


# ---- The parse cache is plain JSON: a planted file is at worst data, and nothing in it ever runs


class _Bomb:
    """A pickle that, when loaded, creates the file `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (open, (str(self.marker), "w"))


def test_a_pickle_at_the_cache_path_is_never_unpickled(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    marker = tmp_path / "unpickled"
    cache = cache_path(out)
    cache.parent.mkdir(parents=True)
    cache.write_bytes(pickle.dumps((ParseCache().stamp, {"x": _Bomb(marker)})))
    build(content_dir, out, workers=1)
    assert not marker.exists()
    assert orjson.loads(cache.read_bytes())["stamp"][0] == CACHE_FORMAT


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = load_module.parse_yaml
    monkeypatch.setattr(
        load_module, "parse_yaml", lambda text, shown, offset=0: parsed.append(shown) or real(text, shown, offset)
    )
    return parsed


def test_a_cached_parse_gives_the_same_error_lines_as_a_fresh_one(
    content_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(content_dir.parent)
    # Mistakes validation finds (not loading), so the files parse cleanly and are cached: nested, in lists, in front matter.
    edit(
        content_dir / "payers/contoso.yaml",
        "  - cite: Contoso coverage guideline index",
        "  - cite: Contoso index\n    colour: 1",
    )
    edit(content_dir / "treatments/ocrevus.md", "kind: biologic", "kind: biologics")
    edit(content_dir / "plan-types/medicare-part-d.yaml", "last_reviewed: 2026-11-20", "last_reviewed: 20/11/2026")
    out = tmp_path / "public"
    fresh = build_errors(content_dir, out)
    parsed = _parses(monkeypatch)
    assert build_errors(content_dir, out) == fresh
    assert parsed == [], "the second build read every file from the cache"
    assert len(fresh) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e[0].update(line=0),  # a line number a parse never gives
        lambda e: e[0]["keys"][0].__setitem__(1, "1"),
        lambda e: e[0]["keys"][0].__setitem__(2, "x" * (MAX_TEXT_CHARS + 1)),
        lambda e: e[0]["keys"][0].__setitem__(2, json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))),
        lambda e: e[0]["keys"].append(list(e[0]["keys"][0])),  # a key twice
        lambda e: e[0].update(extra=1),
        lambda e: e.__setitem__(0, ["not", "a", "mapping"]),
        lambda e: e.__setitem__(2, "7"),
        lambda e: e.pop(),
    ],
    ids=[
        "line 0",
        "line as text",
        "long text",
        "too deep",
        "repeated key",
        "extra field",
        "list",
        "body line",
        "short",
    ],
)
def test_a_malformed_cache_entry_is_parsed_afresh(content_dir: Path, tmp_path: Path, monkeypatch, damage) -> None:
    cache = tmp_path / "parsed.json"
    fresh = load_content(content_dir, ParseCache(cache))
    document = orjson.loads(cache.read_bytes())
    key = next(iter(document["files"]))
    damage(document["files"][key])
    cache.write_bytes(orjson.dumps(document))
    parsed = _parses(monkeypatch)
    again = load_content(content_dir, ParseCache(cache))
    assert len(parsed) == 1
    assert [(f.shown, f.data, f.data.lines) for f in _files(again)] == [
        (f.shown, f.data, f.data.lines) for f in _files(fresh)
    ]
    parsed.clear()
    load_content(content_dir, ParseCache(cache))
    assert parsed == [], "the damaged entry was replaced"


def _files(raw: RawContent) -> list:
    return [raw.site, *raw.plan_types, *raw.reasons, *raw.treatments, *raw.payers, *raw.pairs]
