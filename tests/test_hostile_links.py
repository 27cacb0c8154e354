"""Hostile text on the page: every Markdown link passes one URL check, and names never break JSON-LD."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, build
from hostile import build_errors, edit
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from generator.markdown import may_link, render_markdown, unsafe_links
from generator.placeholders import fill_html
from generator.render.environment import make_environment
from generator.safe_links import is_safe_link

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


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="[<"), max_size=200))
def test_text_without_a_bracket_or_angle_holds_no_link_so_validation_skips_its_parse(text: str) -> None:
    # may_link is the plain way's shortcut: the full parse of such text finds nothing to report.
    assert not may_link(text)
    env: dict = {}
    tokens = MarkdownIt("commonmark", {"html": False}).enable("table").parse(text, env)
    kinds = {child.type for block in tokens for child in block.children or ()}
    assert not kinds & {"link_open", "image"} and not env.get("references")


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
    # The question uses the short name (capitalised at the start), as the page's H1 does.
    assert web_page["name"] == (
        f"{HOSTILE_TREATMENT} denied as not medically necessary by {HOSTILE_PAYER} for {HOSTILE_TREATMENT} by {payer_as_written}?"
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
