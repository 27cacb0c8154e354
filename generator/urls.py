"""Slugs, the permalink pattern and url ↔ output path: the only place URLs are built."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from slugify import slugify as _slugify

from .placeholders import URL_PLACEHOLDERS, fill_slugs

HUB_PATTERNS = {
    "payer": "/{payer}/",
    "treatment": "/treatments/{treatment}/",
    "reason": "/reasons/{reason}/",
    "plan_type": "/plan-types/{plan_type}/",
}
_TOKEN_RE = re.compile(r"\{([a-z_]+)\}")
_SAFE_SEGMENT = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_BASE_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$")


def slugify(text: str) -> str:
    """Turn a display name into the slug it would get as a file name."""
    return _slugify(text, lowercase=True, separator="-")


def check_permalink(pattern: str) -> str | None:
    """Why `pattern` cannot be used, or None when it is a safe pattern naming all three tokens."""
    tokens = _TOKEN_RE.findall(pattern)
    if not pattern.startswith("/") or not pattern.endswith("/"):
        return f"expected a pattern that starts and ends with '/', such as /{{payer}}/{{treatment}}/{{reason}}/; got {pattern!r}"
    unknown = sorted(set(tokens) - set(URL_PLACEHOLDERS))
    if unknown:
        return f"unknown token {{{unknown[0]}}}; expected {{payer}}, {{treatment}} and {{reason}}"
    missing = [t for t in URL_PLACEHOLDERS if t not in tokens]
    if missing:
        return f"pattern must use {{{missing[0]}}} so every page gets its own URL; got {pattern!r}"
    literal = _TOKEN_RE.sub("x", pattern)
    # Only the one leading and trailing slash go: "//x/" keeps an empty part, which would make
    # links protocol-relative (href="//aetna/..." names a host).
    if any(not _SAFE_SEGMENT.match(seg) for seg in literal[1:-1].split("/")):
        return (
            f"each part between slashes must be lower-case letters, digits, '.', '_' or '-' (no '..'); got {pattern!r}"
        )
    return None


def guide_url(pattern: str, payer: str, treatment: str, reason: str) -> str:
    """The public path of one guide page."""
    return fill_slugs(pattern, {"payer": payer, "treatment": treatment, "reason": reason})


def hub_url(kind: str, slug: str) -> str:
    """The public path of a hub page (payer, treatment, reason or plan type)."""
    return HUB_PATTERNS[kind].replace("{" + kind + "}", slug)


def out_path(url: str) -> PurePosixPath:
    """The file under the output folder for `url`: /a/b/ → a/b/index.html; /x.xml → x.xml."""
    parts = [p for p in url.split("/") if p]
    if any(p in (".", "..") or "\\" in p for p in parts):
        raise ValueError(f"URL {url!r} would write outside the output folder")
    if url.endswith("/"):
        return PurePosixPath(*parts, "index.html")
    return PurePosixPath(*parts)


def rel_path(url: str) -> str:
    """out_path as a string, for URLs the plan has already checked: the fast path."""
    return url[1:] + "index.html" if url.endswith("/") else url[1:]


def absolute(base_url: str, url: str) -> str:
    """The canonical address of a public path."""
    return base_url.rstrip("/") + url


def base_url_problem(base_url: str) -> str | None:
    """Why `base_url` cannot be the site's address, or None: http(s), a host, and at most a plain path.

    A query or fragment would be copied into every canonical link and sitemap entry, and a
    user name or password into every page; a path is fine, and becomes the links' prefix.
    """
    try:
        parts = urlsplit(base_url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return f"not a valid address ({exc})"
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return "expected an absolute http:// or https:// address such as https://example.org/guides/"
    if parts.username is not None or parts.password is not None:
        return "a user name or password in the address would be published on every page"
    if parts.query or "?" in base_url:
        return f"a query (?{parts.query}) would end up in every canonical link and sitemap entry"
    if parts.fragment or "#" in base_url:
        return f"a fragment (#{parts.fragment}) would end up in every canonical link and sitemap entry"
    segments = [s for s in parts.path.split("/") if s]
    if "//" in parts.path.rstrip("/") or any(not _BASE_PATH_SEGMENT.match(s) for s in segments):
        return "each part of the path must be letters, digits, '.', '_', '~' or '-' (no '..', no empty parts)"
    return None


def path_prefix(base_url: str) -> str:
    """The path the site is served under, without a trailing slash: '' at a host's root, '/guides' under a folder."""
    return urlsplit(base_url).path.rstrip("/")


def href(prefix: str, url: str) -> str:
    """A public path as pages link to it, under the base URL's path: ('/guides', '/a/') → '/guides/a/'.

    Every root-relative link, asset and redirect the site writes goes through here, so a site
    served from a folder (a GitHub Pages project site, say) links inside that folder.
    """
    return prefix + url
