"""The one rule for where a link on a page may point: an http(s) address, or a path on this site.

Every link a page shows from content goes through `is_safe_link`: Markdown links of each kind
(inline, reference, autolink, image) when they are checked and again when they are rendered,
and the `url:` fields of citations and the CTA.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SAFE_SCHEMES = ("http", "https")

SAFE_LINK_RULE = "an http:// or https:// address or a path on this site starting with /"
"""What the error for an unsafe link says was expected."""


def is_safe_link(href: str, *, site_paths: bool = True) -> bool:
    """Whether `href` is an absolute http(s) address (or, with `site_paths`, a path on this site such as /aetna/).

    Anything with a space, a control character or a backslash is refused before it is parsed:
    browsers drop tabs and newlines inside a scheme (java\\tscript:) and read a backslash as a
    slash (/\\evil.example is another site), so such a link could mean something other than
    what it looks like.
    """
    if not href or "\\" in href or not href.isprintable() or any(c.isspace() for c in href):
        return False
    if href.startswith("/"):
        return site_paths and not href.startswith("//")
    try:
        parts = urlsplit(href)
    except ValueError:  # an unbalanced [ in the host
        return False
    return parts.scheme.lower() in SAFE_SCHEMES and bool(parts.netloc) and href[len(parts.scheme) :].startswith("://")
