"""The sources list of a guide: every citation the page relies on, once each, in the order the page uses them."""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from ..model import Content
from .environment import ascii_html

if TYPE_CHECKING:
    from .guide import GuideRecords

SOURCE_PARTS_KEPT = 512
"""Citation parts kept at once; bounded so that memory stays flat however many records there are."""


class PageSources:
    """Citation <li> items per record and per group of records, each computed once."""

    def __init__(self, content: Content) -> None:
        self.content = content
        self._citations: dict[tuple, tuple[str, ...]] = {}
        self._citation_parts: dict[tuple, tuple[str, ...]] = {}

    def for_guide(self, r: GuideRecords) -> Markup:
        """Every citation the page relies on, once each, in the order the page uses them.

        In four parts, each shared by many pages and kept without repeats: the plan types'
        rules with the reason's notes on them, the pair note's and the treatment's, the
        reason's, and the payer's. A page then merges four tuples instead of asking for each
        record's citations in turn: 61,000 instructions a guide against 99,500 (callgrind).
        """
        payer, treatment, reason, slugs = r.payer.slug, r.treatment.slug, r.reason.slug, r.page.plan_types
        parts = self._citation_parts
        rules = parts.get(("rules", reason, slugs))
        if rules is None:
            keys = [("pt", s) for s in slugs] + [("rpt", reason, s) for s in slugs]
            rules = self._citation_part(("rules", reason, slugs), r, keys)
        pair_and_treatment = parts.get(("pair+treatment", payer, treatment))
        if pair_and_treatment is None:
            keys = ([("pair", payer, treatment)] if r.pair else []) + [("treatment", treatment)]
            pair_and_treatment = self._citation_part(("pair+treatment", payer, treatment), r, keys)
        records = self.record_citations(("reason", reason), r), self.record_citations(("payer", payer), r)
        return Markup("\n".join(dict.fromkeys(chain(rules, pair_and_treatment, *records))))

    def _citation_part(self, key: tuple, r: GuideRecords, record_keys: list[tuple]) -> tuple[str, ...]:
        """The citations of several records, without repeats; kept for the pages that come next in plan order."""
        if len(self._citation_parts) >= SOURCE_PARTS_KEPT:
            self._citation_parts.clear()
        cited = chain.from_iterable(self.record_citations(k, r) for k in record_keys)
        part = self._citation_parts[key] = tuple(dict.fromkeys(cited))
        return part

    def record_citations(self, key: tuple, r: GuideRecords) -> tuple[str, ...]:
        """The <li> of each citation one record uses, computed once per record."""
        cached = self._citations.get(key)
        if cached is not None:
            return cached
        payer, treatment, reason, pair = r.payer, r.treatment, r.reason, r.pair
        kind = key[0]
        if kind == "pt":
            pt = self.content.plan_types[key[1]]
            items = [s.file_within for s in pt.steps if s.file_within]
            items += [d for s in pt.steps for d in s.decisions] + [pt.expedited]
        elif kind == "rpt":
            items = list(reason.plan_type_notes.get(key[2], ()))
        elif kind == "pair":
            items = [pair.policy, *pair.criteria, *pair.sources]
        elif kind == "treatment":
            items = [treatment.approved_use, *treatment.criteria, treatment.pitfall, *treatment.sources]
        elif kind == "reason":
            items = [*reason.levers, *reason.sources]
        else:
            items = [*payer.facts, payer.policy_library, *payer.sources]
        cached = self._citations[key] = tuple(
            dict.fromkeys(ascii_html(_citation_item(i.cite, i.url)) for i in items if i.cite)
        )
        return cached


def _citation_item(cite: str, url: str | None) -> str:
    """One <li> of the sources list."""
    if url:
        return f'<li><a href="{escape(url)}" rel="nofollow noopener">{escape(cite)}</a></li>'
    return f"<li>{escape(cite)}</li>"
