"""One MarkdownIt instance with raw HTML off: Markdown → safe HTML."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from .safe_links import is_safe_link

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
# markdown-it drops links it deems unsafe without a word, and its idea of unsafe (javascript:,
# data: and a few more) is not ours. Every link reaches the tokens instead, where is_safe_link
# decides for rendering and for validation alike.
_md.validateLink = lambda url: True


def _shift_headings(tokens: list[Token], shift: int) -> None:
    """Body headings sit inside a page section, so `##` in content becomes <h3> on the page."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(6, int(token.tag[1]) + shift)
            token.tag = f"h{level}"


def _links(tokens: list[Token]) -> Iterator[tuple[Token, int, str]]:
    """Every link and image the renderer would emit, with its line (0-based, in the text) and its address."""
    for block in tokens:
        line = block.map[0] if block.map else 0
        for token in block.children or ():
            if token.type in ("softbreak", "hardbreak"):
                line += 1
            elif token.type == "link_open":
                yield token, line, str(token.attrGet("href") or "")
            elif token.type == "image":
                yield token, line, str(token.attrGet("src") or "")


def _unlink(tokens: list[Token]) -> None:
    """Render each unsafe link as its bare text and each unsafe image as its description."""
    for block in tokens:
        unsafe_open = False
        for token in block.children or ():
            if token.type == "link_open" and not is_safe_link(str(token.attrGet("href") or "")):
                token.type, token.content, unsafe_open = "text", "", True
            elif token.type == "link_close" and unsafe_open:  # links never nest, so this closes that one
                token.type, token.content, unsafe_open = "text", "", False
            elif token.type == "image" and not is_safe_link(str(token.attrGet("src") or "")):
                token.type, token.children = "text", None


@lru_cache(maxsize=4096)
def render_markdown(text: str, heading_shift: int = 1) -> str:
    """Render Markdown to HTML; raw HTML in content shows as text, never as markup, and unsafe links as text."""
    tokens = _md.parse(text)
    _shift_headings(tokens, heading_shift)
    _unlink(tokens)
    return _md.renderer.render(tokens, _md.options, {})


def may_link(text: str) -> bool:
    """Whether `text` could hold a link or an image: with raw HTML and linkify off, every link, image and
    reference definition starts with "[", "![" or "<". Most content text has none, and validation then
    need not parse it."""
    return "[" in text or "<" in text


def unsafe_links(text: str) -> list[tuple[int, str]]:
    """Links, images and link reference definitions that is_safe_link refuses, with their line offset in `text`.

    Rendering shows such a link as plain text; the author should hear about it instead.
    A reference definition is reported where it is written, used or not.
    """
    if not may_link(text):
        return []
    env: dict = {}
    found = [(line, href) for _, line, href in _links(_md.parse(text, env)) if not is_safe_link(href)]
    for definition in env.get("references", {}).values():
        href = str(definition.get("href", ""))
        if not is_safe_link(href):
            found.append((definition["map"][0] if definition.get("map") else 0, href))
    return sorted(set(found))
