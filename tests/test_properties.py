"""Property tests over names, text and Markdown: nothing reaches HTML unescaped (slugs: test_urls.py)."""

from __future__ import annotations

import json
import re

from conftest import ROOT, fill
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup, escape
from test_urls import SEEDS

from generator.markdown import render_markdown
from generator.placeholders import fill_html
from generator.render.environment import _jsonld, escape_output, make_environment

DANGEROUS = re.compile(
    r"<(?!/?(p|em|strong|code|pre|h[1-6]|ul|ol|li|a|blockquote|hr|br|table|thead|tbody|tr|th|td|img)\b)[a-zA-Z!/]"
)


@settings(max_examples=300)
@given(st.text(max_size=200), st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_filled_text_never_contains_markup(text: str, payer: str, treatment: str) -> None:
    html = str(fill(text, {"payer": payer, "treatment": treatment}))
    assert "<" not in html and ">" not in html and '"' not in html


@settings(max_examples=300)
@given(
    st.text(max_size=300),
    st.sampled_from(["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "&amp; <b>", "{payer}"]),
)
def test_markdown_never_passes_raw_html(text: str, payload: str) -> None:
    html = render_markdown(text + "\n\n" + payload + "\n")
    assert "<script" not in html.lower()
    assert "<img src=x" not in html.lower()
    assert not DANGEROUS.search(html), html
    filled = str(fill_html(html, {"payer": payload, "treatment": payload}))
    assert "<script" not in filled.lower() and "<img src=x" not in filled.lower()


@given(st.text(max_size=100))
def test_javascript_links_never_render_as_links(label: str) -> None:
    html = render_markdown(f"[{label}](javascript:alert(1))")
    assert 'href="javascript' not in html.lower()


# Names as they reach JSON-LD: any text, including </script>, quotes, non-ASCII and controls.
json_text = st.one_of(
    st.sampled_from([*SEEDS, "</script><script>alert(1)</script>", 'a "b" & c']), st.text(max_size=60)
)


@settings(max_examples=300)
@given(json_text, json_text)
def test_jsonld_is_ascii_json_that_cannot_close_its_script_tag(name: str, other: str) -> None:
    value = {"@type": "MedicalWebPage", "name": name, "about": {"name": other}, "position": 3}
    text = str(_jsonld(value))
    assert text.isascii()
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == value


outputs = st.one_of(
    st.text(max_size=80),
    st.text(max_size=80).map(Markup),
    st.integers(),
    st.none(),
    st.sampled_from(["<script>", "a & b", "\"quoted\" 'single'", Markup("<em>kept</em>")]),
)


@given(outputs)
def test_output_escaping_is_markupsafes(value: object) -> None:
    escaped = escape_output(value)
    assert type(escaped) is Markup
    assert escaped == escape(value)


OUTPUT = make_environment(ROOT / "templates").from_string("{{ text }}|{{ html }}")
"""Compiled once, as the build compiles its templates, not once per example."""


@given(st.text(max_size=80), st.text(max_size=80))
def test_templates_escape_text_and_keep_markup(text: str, html: str) -> None:
    page = OUTPUT.render(text=text, html=Markup(html))
    assert page == f"{escape(text)}|{html}"


PLACEHOLDER = re.compile(r"\{(payer|treatment)\}")
braced = st.lists(st.sampled_from(["{", "}", "payer", "treatment", "{payer}", "{treatment}", "a", "<&"])).map("".join)


@given(braced, braced, braced)
def test_fill_is_one_left_to_right_pass_over_the_page(html: str, payer: str, treatment: str) -> None:
    names = {"payer": payer, "treatment": treatment}
    expected = PLACEHOLDER.sub(lambda m: str(escape(names[m[1]])), html)
    assert fill_html(html, names) == expected
