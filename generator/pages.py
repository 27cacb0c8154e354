"""The plan as plain data: every page of the site, what each shows and where it goes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")


@dataclass(frozen=True, slots=True)
class GuidePage:
    """One guide page, as plain data: which records it shows and where it goes."""

    payer: str
    treatment: str
    reason: str
    plan_types: tuple[str, ...]
    url: str


@dataclass(frozen=True, slots=True)
class HubPage:
    """A site page that lists guides: home, payer, treatment, reason, plan type, A–Z, 404."""

    kind: str
    slug: str
    url: str


@dataclass(frozen=True, slots=True)
class Redirect:
    """An old URL that now points at a new one."""

    url: str
    target: str


@dataclass
class SitePlan:
    """Every page of the site and the related guides of each guide page."""

    guides: list[GuidePage]
    hubs: list[HubPage]
    redirects: list[Redirect]
    related: list[list[int]] = field(default_factory=list)
    noindex: set[int] = field(default_factory=set)
    by_record: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    fingerprint: str = ""
    """The guide list and everything related guides are chosen from: while it is the same, so
    are the related guides at each index."""

    def guides_for(self, kind: str, slug: str) -> list[GuidePage]:
        """Guide pages showing one payer, treatment or reason, in plan order."""
        return [self.guides[i] for i in self.by_record.get((kind, slug), [])]

    def guide_parts(
        self, of_pair: Callable[[str, str], A], of_rules: Callable[[str, tuple[str, ...]], B]
    ) -> Iterator[tuple[A, B]]:
        """For each guide in plan order, `of_pair(payer, treatment)` and `of_rules(reason, plan_types)`.

        What a guide shows splits into two parts that many guides share: its payer and
        treatment (with their pair note), and its reason and plan types. A 100,000-page plan
        has a few thousand of each, so each is computed once per distinct key, not per guide.
        """
        pairs: dict[tuple[str, str], A] = {}
        rules: dict[tuple[str, tuple[str, ...]], B] = {}
        for g in self.guides:
            pair = pairs.get((g.payer, g.treatment))
            if pair is None:
                pair = pairs[g.payer, g.treatment] = of_pair(g.payer, g.treatment)
            rule = rules.get((g.reason, g.plan_types))
            if rule is None:
                rule = rules[g.reason, g.plan_types] = of_rules(g.reason, g.plan_types)
            yield pair, rule


UNLISTED = ("404", "search")
"""Site pages that are tools, not answers: `noindex` and out of the sitemap."""
