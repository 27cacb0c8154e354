"""Small field checkers that return a value or record an error, never stopping at one."""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .errors import ContentError
from .folders import printable
from .load import LineDict
from .placeholders import PLACEHOLDER_RE, TEXT_PLACEHOLDERS
from .safe_links import is_safe_link

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
"""Matched whole (fullmatch): `$` would also accept a trailing newline."""
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
"""YYYY-MM-DD only: date.fromisoformat also takes 20261122 and week dates."""
INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # control characters other than tab and newline
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
"""Characters that show as nothing or reorder what follows: every format character (Unicode's Cf, among
them zero-width spaces and joiners, the soft hyphen, a byte-order mark and the bidirectional
controls U+202A–U+202E, U+2066–U+2069, U+200E, U+200F and U+061C), controls, line and paragraph
separators, and blank letters such as U+3164. Text with them can look like other text: two
payers whose names read the same, or a name that displays backwards."""

MAX_SLUG_BYTES = 100
"""A slug is a folder name in every URL below it; file systems refuse names past 255 bytes."""


class Fields:
    """Read the fields of one YAML mapping, collecting errors with file, line and field."""

    def __init__(
        self,
        data: LineDict,
        shown: str,
        errors: list[ContentError],
        prefix: str = "",
        body: str = "",
        body_line: int = 0,
    ) -> None:
        self.data = data
        self.shown = shown
        self.errors = errors
        self.prefix = prefix
        self.seen: set[str] = set()
        self.body = body
        """The Markdown after the front matter, for files that have one."""
        self.body_line = body_line

    def name(self, key: str) -> str:
        """The dotted field name used in messages (a key with invisible characters shows them escaped)."""
        return printable(f"{self.prefix}{key}")

    def error(self, key: str, message: str, line: int | None = None) -> None:
        """Record a problem with field `key`."""
        self.errors.append(ContentError(self.shown, line or self.data.line_of(key), self.name(key), message))

    def raw(self, key: str, required: bool) -> Any:
        """The raw value of `key`, reporting it when required and missing."""
        self.seen.add(key)
        value = self.data.get(key)
        if value is None and required:
            self.error(key, "required field is missing" if key not in self.data else "required field is empty")
        return value

    def text(self, key: str, *, required: bool = True, placeholders: bool = True) -> str:
        """A non-empty string; braces only as {payer} or {treatment} when allowed."""
        value = self.raw(key, required)
        if value is None:
            return ""
        return self.check_text(key, value, placeholders)

    def check_text(self, key: str, value: Any, placeholders: bool = True) -> str:
        """Check one string value found under `key`."""
        if isinstance(value, bool) or not isinstance(value, str):
            found = _describe(value)
            hint = "; put it in quotes" if isinstance(value, (int, float, bool)) else ""
            self.error(key, f"expected text, got {found}{hint}")
            return ""
        problem = invisible_problem(value)
        if problem:
            self.error(key, problem)
        value = value.strip()
        if not value:
            self.error(key, "expected text, got an empty string")
        for match in PLACEHOLDER_RE.finditer(value):
            token = match.group(1)
            if not placeholders or token not in TEXT_PLACEHOLDERS:
                allowed = "{payer} or {treatment}" if placeholders else "no placeholders here"
                self.error(key, f"unknown placeholder '{{{token}}}'; expected {allowed}")
        if ("{" in value or "}" in value) and not PLACEHOLDER_RE.search(value):
            self.error(key, "unbalanced '{' or '}'; braces are only for {payer} and {treatment}")
        return value

    def optional_text(self, key: str) -> str | None:
        """A string or nothing."""
        value = self.text(key, required=False)
        return value or None

    def text_list(self, key: str, *, required: bool = True, min_items: int = 0) -> tuple[str, ...]:
        """A list of strings."""
        value = self.raw(key, required)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(key, f"expected a list, got {_describe(value)}")
            return ()
        if len(value) < min_items:
            self.error(key, f"expected at least {min_items} items, got {len(value)}")
        return tuple(self.check_text(key, item) for item in value)

    def choice(self, key: str, options: Iterable[str], *, required: bool = True, default: str = "") -> str:
        """One of a fixed set of words."""
        options = tuple(options)
        value = self.raw(key, required)
        if value is None:
            return default
        if value not in options:
            self.error(key, f"expected one of {', '.join(options)}; got {value!r}")
            return default
        return value

    def choices(self, key: str, options: Iterable[str], *, required: bool = True) -> tuple[str, ...]:
        """A non-empty list of words from a fixed set, without repeats."""
        options = tuple(options)
        values = self.text_list(key, required=required, min_items=1 if required else 0)
        for value in values:
            if value and value not in options:
                self.error(key, f"expected each item to be one of {', '.join(options)}; got {value!r}")
        if len(set(values)) != len(values):
            self.error(key, "lists an item twice")
        return tuple(v for v in values if v in options)

    def day(self, key: str, *, required: bool = True) -> date:
        """A date written YYYY-MM-DD, not after the build date: a review cannot have happened tomorrow."""
        value = self.raw(key, required)
        if value is None:
            return date(1970, 1, 1)
        try:
            if not DATE_RE.fullmatch(str(value)):
                raise ValueError(value)
            day = date.fromisoformat(str(value))
        except ValueError:
            self.error(key, f"expected a date written YYYY-MM-DD, got {value!r}")
            return date(1970, 1, 1)
        latest = build_date() + timedelta(days=1)
        if day > latest:
            self.error(
                key, f"expected a date no later than {latest} (the build date plus a day for time zones); got {value!r}"
            )
        return day

    def optional_day(self, key: str) -> date | None:
        """A date written YYYY-MM-DD, or nothing."""
        return self.day(key) if self.raw(key, False) is not None else None

    def url(self, key: str, *, required: bool = False) -> str | None:
        """An absolute http(s) address; other schemes such as javascript: are refused."""
        value = self.raw(key, required)
        if value is None:
            return None
        text = self.check_text(key, value, placeholders=False)
        return text if check_url(text, lambda m: self.error(key, m)) else None

    def flag(self, key: str) -> bool:
        """A true/false value, false when absent."""
        value = self.raw(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(key, f"expected true or false, got {value!r}")
            return False
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        """A whole number within bounds."""
        value = self.raw(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(key, f"expected a whole number from {low} to {high}, got {value!r}")
            return default
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        """A number within bounds."""
        value = self.raw(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            self.error(key, f"expected a number from {low} to {high}, got {value!r}")
            return default
        return float(value)

    def nested(self, key: str, *, required: bool = True) -> Fields | None:
        """The fields of a nested mapping."""
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, LineDict):
            self.error(key, f"expected a mapping of fields, got {_describe(value)}")
            return None
        return Fields(value, self.shown, self.errors, f"{self.name(key)}.")

    def nested_list(self, key: str, *, required: bool = True, min_items: int = 0) -> list[Fields]:
        """A list of mappings, each as Fields named key[i]."""
        value = self.raw(key, required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(key, f"expected a list of mappings, got {_describe(value)}")
            return []
        if len(value) < min_items:
            self.error(key, f"expected at least {min_items} items, got {len(value)}")
        items = []
        for index, item in enumerate(value):
            if isinstance(item, LineDict):
                items.append(Fields(item, self.shown, self.errors, f"{self.name(key)}[{index}]."))
            else:
                self.error(key, f"item {index + 1}: expected a mapping of fields, got {_describe(item)}")
        return items

    def mapping(self, key: str) -> LineDict | None:
        """A raw nested mapping whose keys the caller checks."""
        value = self.raw(key, False)
        if value is None:
            return None
        if not isinstance(value, LineDict):
            self.error(key, f"expected a mapping, got {_describe(value)}")
            return None
        return value

    def finish(self) -> None:
        """Report keys nobody asked for: unknown fields are errors, never ignored."""
        for key in self.data:
            if key not in self.seen:
                expected = ", ".join(sorted(self.seen))
                self.error(key, f"unknown field; expected one of: {expected}", self.data.line_of(key))


def check_url(text: str, report: Any) -> bool:
    """Accept absolute http(s) addresses only: is_safe_link, without paths on this site."""
    if any(c.isspace() for c in text) or any(c in text for c in "<>\"'"):
        report(f"address contains spaces, quotes or angle brackets: {text!r}")
        return False
    if not is_safe_link(text, site_paths=False):
        report(f"expected an absolute http:// or https:// address, got {text!r}")
        return False
    return True


def invisible_problem(text: str, where: str = "character") -> str | None:
    """What is wrong with `text` when it holds a character of INVISIBLE_RE, or None."""
    found = INVISIBLE_RE.search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "a control character")
    return (
        f"expected text without invisible or direction-changing characters; "
        f"got U+{ord(char):04X} ({name}) at {where} {found.start() + 1}"
    )


def build_date() -> date:
    """The day of this build: today, or the UTC day of SOURCE_DATE_EPOCH when it is set (as reproducible builds do)."""
    try:
        return source_date() or date.today()
    except ValueError:  # source_date_problem reports it
        return date.today()


def source_date() -> date | None:
    """The UTC day of SOURCE_DATE_EPOCH, None when unset; ValueError when it is not a time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return None
    if not epoch.isdigit():
        raise ValueError(epoch)
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    except (OverflowError, OSError) as exc:
        raise ValueError(epoch) from exc


def source_date_problem() -> str | None:
    """What is wrong with SOURCE_DATE_EPOCH, or None when it is unset or a time."""
    try:
        source_date()
    except ValueError:
        return f"expected a whole number of seconds since 1970-01-01 UTC; got {os.environ.get('SOURCE_DATE_EPOCH')!r}"
    return None


def check_slug(slug: str) -> str | None:
    """Why `slug` is not a valid slug, or None when it is."""
    if not SLUG_RE.fullmatch(slug):
        return f"slug {slug!r} must be lower-case letters, digits and single hyphens ([a-z0-9-]+); rename the file"
    if len(slug) > MAX_SLUG_BYTES:
        return f"expected a slug of at most {MAX_SLUG_BYTES} characters; got {len(slug)}"
    return None


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a true/false value ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, str):
        return f"text ({value!r})"
    return type(value).__name__
