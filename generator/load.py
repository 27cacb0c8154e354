"""Read YAML files and Markdown front matter into raw mappings that keep line numbers."""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import yaml

from .errors import ContentError, display_path
from .folders import Entry, entry_kind, folder_entries, refusal, shown_path
from .incremental.fingerprints import CODE_FINGERPRINT, digest
from .yaml_reader import LimitError, LineDict, Uncacheable, from_plain, load_yaml, to_plain

MAX_FILE_BYTES = 2_000_000
"""Content files are hand-written; anything larger is a mistake (or an attack) and is refused."""

MAX_BODY_CHARS = 100_000
"""Characters of Markdown after the front matter: many pages of prose. Markdown written to be slow
(a long run of '[') costs markdown-it far more per character than prose, so a body is held to this."""


@dataclass
class RawFile:
    """One content file as read: its mapping, its Markdown body and where the body starts."""

    path: Path
    shown: str
    data: LineDict
    body: str = ""
    body_line: int = 0
    errors: list[ContentError] = field(default_factory=list)


def read_text(path: Path, shown: str) -> tuple[str | None, list[ContentError]]:
    """Read a file as UTF-8 in NFC, accepting a byte-order mark and Windows line endings."""
    try:
        raw = _read_bytes(path)
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        return None, [ContentError(shown, 0, "", f"expected a readable regular file; got {reason}")]
    if isinstance(raw, int):
        return None, [ContentError(shown, 0, "", f"file is {raw:,} bytes; expected at most {MAX_FILE_BYTES:,}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            ContentError(
                shown,
                line,
                "",
                f"not UTF-8 text (byte {raw[exc.start]:#04x} at offset {exc.start}); save the file as UTF-8",
            )
        ]
    # One normal form (NFC), so that "é" typed as one character or as e and an accent is the same name.
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n")), []


def _read_bytes(path: Path) -> bytes | int:
    """The bytes of a regular file, or its size when that is over the limit.

    The file is opened without following a link and without waiting on a pipe, then checked
    to be a regular file: the folder listing said so, but the entry may have been replaced since.
    """
    flags = os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    with open(os.open(path, flags), "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "something other than a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return info.st_size
        raw = file.read(MAX_FILE_BYTES + 1)
    return len(raw) if len(raw) > MAX_FILE_BYTES else raw


def parse_yaml(text: str, shown: str, line_offset: int = 0) -> tuple[LineDict | None, list[ContentError]]:
    """Parse YAML into a LineDict within the limits of yaml_reader; syntax errors keep the parser's line."""
    try:
        data = load_yaml(text)
    except LimitError as exc:
        line = exc.line + 1 + line_offset if exc.line is not None else 0
        return None, [ContentError(shown, line, "", exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else 0
        problem = exc.problem or exc.context or "invalid YAML"
        return None, [ContentError(shown, line, "", f"YAML syntax error: {problem}")]
    except yaml.YAMLError as exc:
        return None, [ContentError(shown, 0, "", f"YAML syntax error: {exc}")]
    if data is None:
        return None, [ContentError(shown, 1, "", "file is empty; expected a YAML mapping of fields")]
    if not isinstance(data, LineDict):
        return None, [
            ContentError(shown, 1 + line_offset, "", f"expected a YAML mapping of fields, got {type(data).__name__}")
        ]
    if line_offset:
        _shift_lines(data, line_offset)
    return data, []


def _shift_lines(value: object, offset: int) -> None:
    if isinstance(value, LineDict):
        value.line += offset
        value.lines = {k: v + offset for k, v in value.lines.items()}
        for item in value.values():
            _shift_lines(item, offset)
    elif isinstance(value, list):
        for item in value:
            _shift_lines(item, offset)


CACHE_FORMAT = "appeal-guides parsed content, JSON 1"
"""The first thing a cache file holds; any other file at the cache's path is ignored."""


class ParseCache:
    """Files parsed by the last build, by the digest of their text: an edit re-parses only what it changed.

    Parsing YAML is most of loading (0.13 of 0.15 s for the 10,000-page bench site) and every
    build loads every file. Only files that parsed without error are kept, so error messages
    always come from a fresh parse. The cache is plain JSON, never a pickle: a file planted at
    its path can at worst be data, and an entry that is not data exactly as the cache writes it
    (LineDicts with their line numbers, within the YAML limits) is parsed afresh. The whole
    cache is dropped when the generator's code or PyYAML changes, and an unreadable cache is
    simply ignored: it can cost time, never correctness.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.stamp = [CACHE_FORMAT, CODE_FINGERPRINT, yaml.__version__]
        self.previous: dict[str, list] = self._read() if path else {}
        self.current: dict[str, list] = {}
        self.damaged = False

    def _read(self) -> dict[str, list]:
        try:
            document = orjson.loads(self.path.read_bytes())  # type: ignore[union-attr]
        except (OSError, ValueError):  # missing, truncated, or not JSON at all
            return {}
        if not isinstance(document, dict) or document.get("stamp") != self.stamp:
            return {}
        files = document.get("files")
        return files if isinstance(files, dict) else {}

    def parse(self, kind: str, text: str, path: Path, shown: str, parse: Callable[[], RawFile]) -> RawFile:
        """The parse of `text` as `kind`, from the cache when the same text parsed cleanly before."""
        key = digest(f"{kind}\0{text}".encode())
        plain = self.current.get(key) or self.previous.get(key)
        if plain is not None:
            try:
                raw = _from_cache(plain, path, shown)
            except (TypeError, ValueError):  # not an entry as save() writes one: parse afresh, and replace it
                self.damaged = True
            else:
                self.current[key] = plain
                return raw
        raw = parse()
        if not raw.errors:
            with suppress(Uncacheable):
                self.current[key] = [to_plain(raw.data), raw.body, raw.body_line]
        return raw

    def save(self) -> None:
        """Keep this build's parses for the next one; only the files that exist now, so it never grows stale."""
        if self.path is None or (self.current.keys() == self.previous.keys() and not self.damaged):
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(orjson.dumps({"stamp": self.stamp, "files": self.current}))
            os.replace(tmp, self.path)  # a killed build leaves the old cache or the new, never half of one
        except OSError:
            # Only time is lost without a cache; a build must not fail for want of one.
            with suppress(OSError):
                tmp.unlink()


def _from_cache(plain: object, path: Path, shown: str) -> RawFile:
    """A cache entry as the file it stands for; ValueError or TypeError unless it is exactly what save() writes."""
    data, body, body_line = plain  # type: ignore[misc]
    if not isinstance(body, str) or len(body) > MAX_BODY_CHARS or type(body_line) is not int or body_line < 0:
        raise ValueError("not a body as the cache writes one")
    data = from_plain(data)
    if not isinstance(data, LineDict):
        raise ValueError("not a mapping of fields")
    return RawFile(path, shown, data, body, body_line)


def load_yaml_file(path: Path, root: Path, cache: ParseCache | None = None) -> RawFile:
    """Read one YAML content file."""
    return _load_file(Entry(path, shown_path(path, root), False), "yaml", cache)


def load_markdown_file(path: Path, root: Path, cache: ParseCache | None = None) -> RawFile:
    """Read a Markdown file whose YAML front matter sits between two `---` lines."""
    return _load_file(Entry(path, shown_path(path, root), False), "markdown", cache)


def _load_file(entry: Entry, kind: str, cache: ParseCache | None) -> RawFile:
    path, shown = entry.path, entry.shown
    text, errors = read_text(path, shown)
    if text is None:
        return RawFile(path, shown, _empty(), errors=errors)
    parse = _parse_markdown if kind == "markdown" else _parse_yaml_file
    return (cache or ParseCache()).parse(kind, text, path, shown, lambda: parse(text, path, shown))


def _parse_yaml_file(text: str, path: Path, shown: str) -> RawFile:
    data, errors = parse_yaml(text, shown)
    return RawFile(path, shown, data if data is not None else _empty(), errors=errors)


def _parse_markdown(text: str, path: Path, shown: str) -> RawFile:
    def refused(message: str) -> RawFile:
        return RawFile(path, shown, _empty(), errors=[ContentError(shown, 1, "", message)])

    if not text.strip():
        return refused("file is empty; expected front matter between '---' lines, then Markdown")
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return refused("expected the file to start with a '---' line opening the front matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return refused("front matter is not closed: expected a second '---' line")
    data, errors = parse_yaml("\n".join(lines[1:end]), shown, line_offset=1)
    body = "\n".join(lines[end + 1 :])
    if len(body) > MAX_BODY_CHARS:
        message = f"expected a Markdown body of at most {MAX_BODY_CHARS:,} characters; got {len(body):,}"
        errors = [*errors, ContentError(shown, end + 2, "body", message)]
    return RawFile(path, shown, data if data is not None else _empty(), body, end + 2, errors)


def _empty() -> LineDict:
    data = LineDict()
    data.line = 1
    data.lines = {}
    return data


@dataclass
class RawContent:
    """Every content file, read but not yet checked."""

    root: Path
    site: RawFile | None
    plan_types: list[RawFile]
    reasons: list[RawFile]
    treatments: list[RawFile]
    payers: list[RawFile]
    pairs: list[RawFile]
    errors: list[ContentError] = field(default_factory=list)
    help: RawFile | None = None
    """content/free-help.yaml, when there is one."""


def load_content(root: Path, cache: ParseCache | None = None) -> RawContent:
    """Read every content file in sorted order, so builds are deterministic; parses come from `cache` where they can.

    Links are never followed (folders.py says why): each one is an error naming it.
    """
    cache = cache or ParseCache()
    if not root.is_dir():
        shown = display_path(root)
        return RawContent(root, None, [], [], [], [], [], [ContentError(shown, 0, "", "content folder not found")])
    errors: list[ContentError] = []
    base = root.parent
    payers = folder_entries(root / "payers", base, errors)
    raw = RawContent(
        root=root,
        site=_load_site(root, errors, cache),
        plan_types=_load_files(folder_entries(root / "plan-types", base, errors), ".yaml", errors, cache),
        reasons=_load_files(folder_entries(root / "reasons", base, errors), ".yaml", errors, cache),
        treatments=_load_files(folder_entries(root / "treatments", base, errors), ".md", errors, cache),
        payers=_load_files(payers, ".yaml", errors, cache),
        pairs=_load_pairs(payers, base, errors, cache),
        errors=errors,
        help=load_yaml_file(root / "free-help.yaml", root.parent, cache)
        if (root / "free-help.yaml").is_file()
        else None,
    )
    cache.save()
    return raw


def _load_site(root: Path, errors: list[ContentError], cache: ParseCache) -> RawFile | None:
    path = root / "site.yaml"
    kind = entry_kind(path)
    if kind == "file":
        return _load_file(Entry(path, shown_path(path, root.parent), False), "yaml", cache)
    if kind == "missing":
        errors.append(ContentError(shown_path(path, root.parent), 0, "", "missing; expected the site settings file"))
    else:
        errors.append(refusal(path, root.parent, kind, "the site settings file"))
    return None


def _load_pairs(payers: list[Entry], base: Path, errors: list[ContentError], cache: ParseCache) -> list[RawFile]:
    """payers/<payer>/<treatment>.md: files in the payers' folders; folders inside those are not read."""
    pairs = []
    for folder in (e for e in payers if e.is_folder):
        for entry in folder_entries(folder.path, base, errors):
            if entry.is_folder:
                continue
            if entry.suffix == ".md":
                pairs.append(_load_file(entry, "markdown", cache))
            else:
                errors.append(ContentError(entry.shown, 0, "", "expected a .md file (payer × treatment specifics)"))
    return pairs


def _load_files(entries: list[Entry], suffix: str, errors: list[ContentError], cache: ParseCache) -> list[RawFile]:
    loaded = []
    for entry in entries:
        if entry.is_folder or entry.name == "README.md":
            continue
        if entry.suffix == ".yml" and suffix == ".yaml":
            errors.append(ContentError(entry.shown, 0, "", "use the .yaml extension, not .yml"))
        elif entry.suffix != suffix:
            errors.append(ContentError(entry.shown, 0, "", f"unexpected file here; expected *{suffix} files"))
        else:
            loaded.append(_load_file(entry, "markdown" if suffix == ".md" else "yaml", cache))
    return loaded
