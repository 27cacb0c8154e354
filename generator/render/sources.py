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
    ref: int

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
    used: list[str] | None = None
    """While a reusable piece renders (reuse), every citation it uses."""

    def cite(self, item: object) -> Cited:
        """The item with the number of its citation, adding the citation the first time it is used."""
        cite = getattr(item, "cite", None)
        if not cite:
            return Cited(item, 0)
        if self.used is not None:
            self.used.append(cite)
        number = self.numbers.get(cite)
        if number is None:
            number = self.numbers[cite] = len(self.numbers) + 1
        url = getattr(item, "url", None)
        if url and cite not in self.urls:
            self.urls[cite] = url
        return Cited(item, number)

    def cite_all(self, items: tuple | list) -> list[Cited]:
        """Each item with its source number, in order."""
        return [self.cite(item) for item in items]

    def html(self) -> Markup:
        """The <li> of each source, in number order, each with the id its markers link to."""
        return Markup("\n".join([_source_item(n, cite, self.urls.get(cite)) for cite, n in self.numbers.items()]))


def marks(cited: list[Cited]) -> Markup:
    """Several source numbers as one superscript: 1,2,3, each linking to its source."""
    links = [f'<a href="#s{c.ref}" aria-label="source {c.ref}">{c.ref}</a>' for c in cited if c.ref]
    return Markup(f'<sup class="ref">{",".join(links)}</sup>') if links else Markup("")


@lru_cache(maxsize=256)
def _mark(ref: int) -> Markup:
    """One source number's superscript: pages use the same few numbers thousands of times."""
    return marks([Cited(None, ref)])


@lru_cache(maxsize=65536)
def _source_item(number: int, cite: str, url: str | None) -> str:
    """One <li> of the sources list; sibling guides list the same source under the same number."""
    text = f'<a href="{escape(url)}" rel="nofollow noopener">{escape(cite)}</a>' if url else escape(cite)
    return ascii_html(f'<li id="s{number}">{text}</li>')


@dataclass(frozen=True, slots=True)
class _Piece:
    html: Markup
    added: tuple[tuple[str, str | None], ...]
    """The citations the piece numbered, in order, with their addresses."""
    used: frozenset[str]


def reuse(cache: dict, key: tuple, sources: PageSources, make: Callable[[], Markup]) -> Markup:
    """A piece of a page that cites sources (the deadline rows, say), rendered once for every page that
    reaches it with as many sources numbered and none of the piece's own among them: there it gets the
    same numbers, so the same HTML. The page's sources then take the piece's citations as if it had
    rendered them. Anywhere else the piece is rendered afresh, the plain way."""
    offset = len(sources.numbers)
    piece = cache.get((*key, offset))
    if piece is not None and piece.used.isdisjoint(sources.numbers):
        for cite, url in piece.added:
            sources.numbers[cite] = len(sources.numbers) + 1
            if url is not None:
                sources.urls.setdefault(cite, url)
        return piece.html
    before, outer = set(sources.numbers), sources.used
    sources.used = []
    try:
        html = make()
        used = frozenset(sources.used)
    finally:
        sources.used = outer
    if outer is not None:
        outer.extend(used)
    if used.isdisjoint(before):
        added = tuple((cite, sources.urls.get(cite)) for cite in list(sources.numbers)[offset:])
        cache[(*key, offset)] = _Piece(html, added, used)
    return html
