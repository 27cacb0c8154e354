"""The Jinja environment every page is rendered with: autoescape, StrictUndefined, the filters,
and the fast escaping path (its code generator lives only here)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import MutableMapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2.compiler
import markupsafe
import orjson
from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    nodes,
    pass_context,
    select_autoescape,
)
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from markupsafe import Markup, escape

from ..errors import ContentError
from ..incremental.fingerprints import hash_parts
from ..markdown import render_markdown
from ..placeholders import PLACEHOLDER_RE, TEXT_PLACEHOLDERS
from ..search import names as search_names
from ..urls import href, hub_url

_escape_inner = getattr(markupsafe, "_escape_inner", None)
_new_str = str.__new__


def capitalized(text: str) -> str:
    """A name at the start of a heading or link text: its first letter upper-case ("tirzepatide" → "Tirzepatide")."""
    return text[:1].upper() + text[1:]


def escape_output(value: object) -> Markup:
    """What markupsafe.escape returns, sooner for the two kinds a page outputs: Markup and str.

    A guide page outputs about a hundred values, most of them Markup rendered once and
    reused. markupsafe.escape copies a Markup into a new one; a Markup cannot change, so
    this returns it as it is. A str is escaped by markupsafe's own routine, without
    Markup.__new__'s checks, which a plain str does not need. Rendering 300 guides of the
    1,000-page bench site twice took 11.5% fewer instructions with this (callgrind).
    """
    kind = type(value)
    if kind is Markup:
        return value
    if kind is str and _escape_inner is not None:
        return _new_str(Markup, _escape_inner(value))
    return escape(value)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with every {{ value }} escaped by escape_output."""

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(node, frame)
        # Output calls the module-level name `escape`, which the compiled module imports from
        # jinja2.runtime; rebinding it here leaves every other part of the code as Jinja made it.
        self.writeline("escape = environment.escape_output")


class SiteEnvironment(Environment):
    """A Jinja environment whose templates escape output with escape_output."""

    code_generator_class = _CodeGenerator
    escape_output = staticmethod(escape_output)
    path_prefix = ""
    """The base URL's path, which the `href` filter puts before every root-relative link."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one plain dict, where Jinja keeps a ChainMap over the environment's.

        Every render copies its template's globals into the new context, and copying a ChainMap
        walks both maps key by key, where a dict is copied in one step. The ChainMap would show a
        global added after the template loaded; make_environment adds them all before any loads.
        """
        return {**self.globals, **(d or {})}


@pass_context
def _href(context: Context, url: str) -> str:
    # Taking the context keeps Jinja from folding `'/style.css' | href` into a constant when it
    # compiles (it folds filters that take the environment): compiled templates are cached on
    # disk and shared by sites with other prefixes.
    return href(context.environment.path_prefix, url)


CODE_GENERATOR_KEY = hash_parts(
    *(Path(module.__file__).read_bytes() for module in (sys.modules[__name__], jinja2.compiler, markupsafe))
)[:16]
"""Jinja checks a cached compiled template against the template's source and Python's version
only; the code that compiled it (this module's code generator, Jinja, markupsafe) is part of
the cache file's name instead, so a change to any of them never reuses old bytecode."""

BYTECODE_PATTERN = f"__appeal_guides_{CODE_GENERATOR_KEY}_%s.cache"


def make_environment(templates: Path, prefix: str = "") -> Environment:
    """Autoescaping on, undefined variables are errors, one compile per template per process.

    `prefix` is the base URL's path: templates write every root-relative link as `url | href`.
    """
    env = SiteEnvironment(
        loader=FileSystemLoader(str(templates)),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        # Compiled templates are kept in Jinja's per-user cache folder (mode 0700, checked to be
        # the user's own), so a small rebuild does not compile two dozen templates again.
        bytecode_cache=FileSystemBytecodeCache(pattern=BYTECODE_PATTERN),
    )
    env.filters["md"] = lambda text: Markup(links_under(prefix, render_markdown(text)))
    env.filters["longdate"] = longdate
    env.filters["jsonld"] = _filled_jsonld
    env.path_prefix = prefix
    env.filters["href"] = _href
    env.globals["hub_url"] = hub_url
    env.globals["search_names"] = search_names
    env.filters["capitalized"] = capitalized
    env.filters["within"] = within
    return env


_ROOT_RELATIVE = re.compile(r'((?:href|src)=")/(?!/)')
"""A link or image to a path on this site (not //host, which names another site)."""


def links_under(prefix: str, html: str) -> str:
    """Root-relative links and images an editor wrote in Markdown ([x](/aetna/)), moved under the base URL's path."""
    if not prefix:
        return html
    return _ROOT_RELATIVE.sub(lambda m: m.group(1) + href(prefix, "/"), html)


def within(value: str) -> str:
    """A filing time after "file" or "next: …": "within 90 days", but a date ("by Dec 31 of the 3rd year")
    or a cap ("up to 90 days") as it is, which "within" would break."""
    return value if value.startswith(("by ", "up to ")) else f"within {value}"


@lru_cache(maxsize=4096)
def longdate(d: date) -> str:
    """November 22, 2026; cached because strftime is slow and every page shows a handful of the same dates."""
    return f"{d:%B} {d.day}, {d.year}"


def _jsonld(value: object) -> Markup:
    """JSON for a <script> block: <, > and & are escaped so content cannot close the tag.

    The braces of {payer} and {treatment} are escaped too: pages fill those in their finished
    HTML, HTML-escaped, and a name with a quote or a backslash filled into JSON text would
    break it. _filled_jsonld puts the names in first, as plain values, so none are left to fill.
    """
    return _script_safe(_dumps(value))


def _dumps(value: object) -> str:
    # orjson takes a tenth of json.dumps's time (2 against 19 µs for a guide's JSON-LD), but
    # cannot escape non-ASCII; a page stays ASCII (ascii_html says why) through json.dumps then.
    text = orjson.dumps(value).decode("utf-8")
    return text if text.isascii() else json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _script_safe(text: str) -> Markup:
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    for name in TEXT_PLACEHOLDERS:
        text = text.replace("{" + name + "}", "\\u007b" + name + "}")
    return Markup(text)


@pass_context
def _filled_jsonld(context: Context, value: object) -> Markup:
    """JSON-LD with the page's names (`names` in its context) filled into its values, then encoded.

    Most pages' JSON-LD holds no placeholder: the encoded text says so, and the values are walked
    only when it holds one."""
    text = _dumps(value)
    names = context.get("names")
    if names and any("{" + name + "}" in text for name in TEXT_PLACEHOLDERS):
        text = _dumps(_fill_values(value, names))
    return _script_safe(text)


def _fill_values(value: object, names: dict[str, str]) -> object:
    """`value` with {payer} and {treatment} in every text filled in one pass, as fill_html does, but not escaped."""
    if isinstance(value, str):
        return PLACEHOLDER_RE.sub(lambda m: names.get(m.group(1), m.group(0)), value) if "{" in value else value
    if isinstance(value, dict):
        return {key: _fill_values(item, names) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_fill_values(item, names) for item in value]
    return value


def ascii_html(html: str) -> str:
    """The same HTML with each non-ASCII character as a numeric reference (§ becomes &#167;).

    Used on every piece rendered once and reused (sections, fragments, Markdown, links,
    citations). A browser shows the same text, but a page built only from ASCII pieces is
    an ASCII string, which Python encodes to bytes as a plain copy instead of converting
    each character: about 50 µs of a 38 KB page's 0.9 ms on this machine. A page with a
    non-ASCII name in it is still right, only that much slower. Numeric references, not
    named ones, so the same text is valid in XML too.
    """
    return html if html.isascii() else html.encode("ascii", "xmlcharrefreplace").decode("ascii")


def template_error(exc: TemplateError, name: str, page: str | None = None) -> ContentError:
    """A template problem as a ContentError naming file, line and page."""
    path = getattr(exc, "filename", None) or f"templates/{name}"
    try:
        path = str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        pass
    line = getattr(exc, "lineno", 0) or _template_line(exc)
    where = f" while building {page}" if page else ""
    kind = type(exc).__name__
    return ContentError(path, line, "template", f"{kind}: {exc.message or exc}{where}")


def _template_line(exc: BaseException) -> int:
    """Jinja rewrites tracebacks so template frames carry the template's own line numbers."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
