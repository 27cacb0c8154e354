"""A page's sources: each citation the page shows, numbered once in the order the page first uses it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from markupsafe import Markup, escape

from .environment import ascii_html


@dataclass(frozen=True, slots=True)
class Cited:
    """Something the page shows (a fact, a deadline, a decision time) with its source number; 0 when uncited."""

    item: object
    ref: int | str
    """The page's number for the citation; while a piece renders for reuse, the piece's own in LOCAL marks."""

    @property
    def mark(self) -> Markup:
        """The source number as a superscript link to the sources list; empty when uncited."""
        return _mark(self.ref)

    def __getattr__(self, name: str) -> object:
        # Templates read the item's own fields (text, value, url...) through the pair.
        return getattr(self.item, name)


@dataclass
class PageSources:
    """The numbered sources of one page: a citation used twice gets one number."""

    numbers: dict[str, int] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    """A citation's address: the first one given, when any use of it gives one."""
    local: bool = False
    """While a reusable piece renders (reuse): its marks show its own numbers between LOCAL marks."""

    def cite(self, item: object) -> Cited:
        """The item with the number of its citation, adding the citation the first time it is used."""
        cite = getattr(item, "cite", None)
        if not cite:
            return Cited(item, 0)
        return Cited(item, self.number(cite, getattr(item, "url", None)))

    def number(self, cite: str, url: str | None = None) -> int | str:
        """The citation's number on this page, added the first time; a piece's own number while one renders."""
        number = self.numbers.get(cite)
        if number is None:
            number = self.numbers[cite] = len(self.numbers) + 1
        if url and cite not in self.urls:
            self.urls[cite] = url
        return f"{LOCAL}{number}{LOCAL}" if self.local else number

    def cite_all(self, items: tuple | list) -> list[Cited]:
        """Each item with its source number, in order."""
        return [self.cite(item) for item in items]

    def html(self) -> Markup:
        """The <li> of each source, in number order, each with the id its markers link to."""
        return Markup("\n".join([_source_item(n, cite, self.urls.get(cite)) for cite, n in self.numbers.items()]))


def marks(cited: list[Cited]) -> Markup:
    """Several source numbers as one superscript: 1,2,3, each linking to its source."""
    links = [_link(c.ref) for c in cited if c.ref]
    return Markup(f'<sup class="ref">{",".join(links)}</sup>') if links else Markup("")


@lru_cache(maxsize=1024)
def _link(ref: int | str) -> str:
    """One source number, linking to its source; a piece's own number, rendering for reuse, as it is."""
    return ref if isinstance(ref, str) else f'<a href="#s{ref}" aria-label="source {ref}">{ref}</a>'


@lru_cache(maxsize=256)
def _mark(ref: int) -> Markup:
    """One source number's superscript: pages use the same few numbers thousands of times."""
    return marks([Cited(None, ref)])


@lru_cache(maxsize=65536)
def _source_item(number: int, cite: str, url: str | None) -> str:
    """One <li> of the sources list; sibling guides list the same source under the same number."""
    text = f'<a href="{escape(url)}" rel="nofollow noopener">{escape(cite)}</a>' if url else escape(cite)
    return ascii_html(f'<li id="s{number}">{text}</li>')


LOCAL = "\x01"
"""Brackets a piece's own source numbers while it renders for reuse: a control character, which no
content text holds (fields.py refuses them) and no template writes."""


@dataclass(frozen=True, slots=True)
class _Piece:
    texts: tuple[str, ...]
    """The piece's HTML around its source numbers."""
    slots: tuple[int, ...]
    """The piece's own number (from 1) for each source number in it, in order."""
    cites: tuple[tuple[str, str | None], ...]
    """The citations the piece numbered, in the order of its own numbers, each with the address it gave."""
    placed: dict[tuple[int | str, ...], Markup]
    """The HTML for each set of page numbers seen: most pages number a piece as a sibling did."""


def reuse(cache: dict, key: tuple, sources: PageSources, make: Callable[[], Markup]) -> Markup:
    """A piece of a page that cites sources (the deadline rows, say), rendered once per key with numbers of
    its own and given each page's numbers after: a citation the page has already numbered keeps its
    number, the others take the next ones in the order the piece cites them, as if the piece had been
    rendered on that page the plain way (`make`, citing through `sources` and showing numbers with marks)."""
    piece = cache.get(key)
    if piece is None:
        piece = cache[key] = _render_piece(sources, make)
    numbers = tuple([sources.number(cite, url) for cite, url in piece.cites])
    html = piece.placed.get(numbers)
    if html is None:
        html = piece.placed[numbers] = _place(piece, numbers)
    return html


def _render_piece(sources: PageSources, make: Callable[[], Markup]) -> _Piece:
    """Render `make` with `sources` numbering afresh, in LOCAL marks, then give the page its numbers back."""
    page = sources.numbers, sources.urls, sources.local
    sources.numbers, sources.urls, sources.local = {}, {}, True
    try:
        html = make()
        cites = tuple((cite, sources.urls.get(cite)) for cite in sources.numbers)
    finally:
        sources.numbers, sources.urls, sources.local = page
    cut = str(html).split(LOCAL)
    return _Piece(tuple(cut[::2]), tuple(map(int, cut[1::2])), cites, {})


def _place(piece: _Piece, numbers: tuple[int | str, ...]) -> Markup:
    parts: list[str] = [""] * (2 * len(piece.slots) + 1)
    parts[::2] = piece.texts
    parts[1::2] = [_link(numbers[slot - 1]) for slot in piece.slots]
    return Markup("".join(parts))
