"""One MarkdownIt instance with raw HTML off: Markdown → safe HTML."""

from __future__ import annotations

import re
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


def unsafe_links(text: str) -> list[tuple[int, str]]:
    """Links and images whose scheme is not http(s) or mailto, with their line offset in `text`.

    markdown-it already refuses to render javascript: and similar links, but it drops them
    silently; the author should hear about it instead.
    """
    found = []
    for number, line in enumerate(text.split("\n")):
        for match in _LINK_TARGET.finditer(line):
            target = (match.group(1) or match.group(2)).strip().strip("<>")
            scheme = urlsplit(target).scheme.lower() if ":" in target else ""
            if scheme not in SAFE_LINK_SCHEMES:
                found.append((number, target))
    return found


_LINK_TARGET = re.compile(r"\]\(\s*(<[^>]*>|[^)\s]+)|<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>")
