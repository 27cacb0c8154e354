"""What a quality gate reports, and what it reads of a built page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TITLE = re.compile(r"<title>(.*?)</title>", re.S)
META = re.compile(r'<meta (?:name|property)="([^"]+)" content="([^"]*)">')


@dataclass
class Gate:
    """One quality gate's outcome."""

    name: str
    threshold: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    figures: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        """FAIL when any error, WARN when only warnings, else PASS."""
        return "FAIL" if self.errors else "WARN" if self.warnings else "PASS"


@dataclass
class Page:
    """What the gates read from one built HTML file."""

    rel: str
    url: str
    html: str
    redirect: bool
    noindex: bool

    def meta(self, name: str) -> str | None:
        """The content of a <meta name|property=...> tag."""
        for key, value in META.findall(self.html):
            if key == name:
                return value
        return None


def spread(values: list[float]) -> dict:
    """Min, quartiles, p90 and max of a list of numbers."""
    if not values:
        return {}
    v = sorted(values)

    def at(q: float) -> float:
        return v[min(len(v) - 1, int(q * len(v)))]

    return {
        "min": v[0],
        "p10": at(0.1),
        "p25": at(0.25),
        "median": at(0.5),
        "p75": at(0.75),
        "p90": at(0.9),
        "max": v[-1],
    }
