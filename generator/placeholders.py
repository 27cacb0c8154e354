"""The one placeholder vocabulary: `{payer}` and `{treatment}` in content text, plus `{reason}` in
URL patterns (the permalink and the CTA's query parameters). Validation checks text against
it, and pages, URLs and CTA links are filled from it."""

from __future__ import annotations

import re

from markupsafe import escape

TEXT_PLACEHOLDERS = ("payer", "treatment")
"""What content text may contain: filled per page with the payer's and the treatment's short names."""

URL_PLACEHOLDERS = ("payer", "treatment", "reason")
"""What a permalink or a CTA parameter may contain: filled with the guide's slugs."""

PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
"""A braced token, known or not."""


def unknown_placeholders(text: str, allowed: tuple[str, ...]) -> list[str]:
    """The braced tokens in `text` that are not in `allowed`, in order."""
    return [m.group(1) for m in PLACEHOLDER_RE.finditer(text) if m.group(1) not in allowed]


def fill_slugs(pattern: str, values: dict[str, str]) -> str:
    """A URL pattern with each `{name}` replaced by the slug `values` gives it."""
    for name, value in values.items():
        pattern = pattern.replace("{" + name + "}", value)
    return pattern


def fill_html(html: str, names: dict[str, str]) -> str:
    """Fill placeholders in HTML we rendered ourselves (a whole guide or hub page).

    A page has a few dozen braces at most (placeholders, and JSON-LD's), so it is walked
    from brace to brace with str.find (memchr) and each is matched with startswith. A regular
    expression reads every character of the page in its own loop: on the 1,000-page bench
    site that took 392,000 instructions a page against 264,000 (callgrind). Each brace is
    looked at in the page as rendered, so a name that itself contains "{treatment}" is left
    as written instead of being filled in turn.
    """
    find = html.find
    at = find("{")
    if at < 0:
        return html
    startswith = html.startswith
    tokens = [("{" + key + "}", str(escape(value))) for key, value in names.items()]
    pieces = []
    last = 0
    while at >= 0:
        for token, filled in tokens:
            if startswith(token, at):
                pieces += (html[last:at], filled)
                last = at + len(token)
                break
        at = find("{", at + 1)
    pieces.append(html[last:])
    return "".join(pieces)
