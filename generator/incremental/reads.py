"""What a page reads while it renders, recorded as it happens (as lektor's build context records a
page's dependencies): the records it looks up, named as tokens such as "payer:aetna". The next build
computes the page's key from the fingerprints of exactly those tokens, so no second list of what a
page shows is kept by hand beside the renderer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_open: list[set[str]] = []
"""The reads of the page being rendered in this process; empty outside a page."""


def read(*tokens: str) -> None:
    """Note that the page being rendered shows what these tokens name; nothing outside a page."""
    if _open:
        _open[-1].update(tokens)


@contextmanager
def reading() -> Iterator[set[str]]:
    """Collect the tokens read while rendering one page."""
    found: set[str] = set()
    _open.append(found)
    try:
        yield found
    finally:
        _open.pop()
