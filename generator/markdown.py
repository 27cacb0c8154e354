"""One MarkdownIt instance with raw HTML off: Markdown → safe HTML."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
SAFE_LINK_SCHEMES = ("http", "https", "mailto", "")


def _shift_headings(tokens: list[Token], shift: int) -> None:
    """Body headings sit inside a page section, so `##` in content becomes <h3> on the page."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + shift)
            token.tag = f"h{level}"


@lru_cache(maxsize=4096)
def render_markdown(text: str, heading_shift: int = 1) -> str:
    """Render Markdown to HTML; raw HTML in content shows as text, never as markup."""
    tokens = _md.parse(text)
    _shift_headings(tokens, heading_shift)
    return _md.renderer.render(tokens, _md.options, {})


def render_inline(text: str) -> str:
    """Render one paragraph of Markdown without the surrounding <p>."""
    return _md.renderInline(text)


def unsafe_links(text: str) -> list[tuple[int, str]]:
    """Links whose scheme is not http(s) or mailto, with their line offset within `text`."""
    found = []
    for token in _md.parse(text):
        for child in [token, *(token.children or [])]:
            href = child.attrGet("href") if child.type == "link_open" else None
            if child.type == "inline":
                continue
            if href is None and child.type == "image":
                href = child.attrGet("src")
            if href is not None and urlsplit(str(href)).scheme.lower() not in SAFE_LINK_SCHEMES:
                line = token.map[0] if token.map else 0
                found.append((line, str(href)))
    return found + _raw_unsafe(text)


def _raw_unsafe(text: str) -> list[tuple[int, str]]:
    """markdown-it drops javascript: links silently; we want to tell the author instead."""
    found = []
    for number, line in enumerate(text.split("\n")):
        lowered = line.lower().replace(" ", "")
        for scheme in ("javascript:", "vbscript:", "data:", "file:"):
            if f"]({scheme}" in lowered or f"<{scheme}" in lowered:
                found.append((number, scheme))
    return found
