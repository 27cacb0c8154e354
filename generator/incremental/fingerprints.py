"""Fingerprints of a build's inputs: the content, templates, static files and the generator's own code.

Kept apart from the pipeline so a no-change rebuild can compare them without importing
the loader, the planner or the template engine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import xxhash

if TYPE_CHECKING:
    from ..paths import Paths


def digest(data: bytes) -> str:
    """A stable 128-bit fingerprint of some bytes, as 32 hex digits.

    Fingerprints here detect edits, not attacks: nobody gains by making two pages collide,
    so a fast non-cryptographic hash will do. XXH3-128 takes 1.8 µs for a 46 KB guide page
    where SHA-256 took 32, and every page of every build is hashed.
    """
    return xxhash.xxh3_128_hexdigest(data)


def hash_parts(*parts: object) -> str:
    """One fingerprint over several values, separated so that ("ab", "c") and ("a", "bc") differ."""
    # surrogatepass: a file name that is not UTF-8 reaches Python as lone surrogates, and must still hash.
    return digest("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass"))


def folder_fingerprint(folder: Path, pattern: str = "*") -> str:
    """One fingerprint over every file's name and bytes: any template edit changes it."""
    if not folder.is_dir():
        return ""
    entries = sorted(p for p in folder.rglob(pattern) if "__pycache__" not in p.parts)
    return hash_parts(*filter(None, (_entry_part(p, folder) for p in entries)))


def _entry_part(path: Path, folder: Path) -> str | None:
    """A file's name and bytes; a link's name and target, unfollowed (the loader refuses links, so adding one is an edit)."""
    name = path.relative_to(folder).as_posix()
    if path.is_symlink():
        return f"{name}->{os.readlink(path)}"
    if path.is_file():
        return f"{name}={digest(path.read_bytes())}"
    return None if path.is_dir() else f"{name}!"  # a pipe or device: never read, but the loader reports it


CODE_FINGERPRINT = folder_fingerprint(Path(__file__).parent.parent, "*.py")
"""The generator's own code is an input of every page: a changed renderer must not reuse old pages."""


def source_fingerprint(paths: Paths, base_url: str | None, drafts: bool = False) -> str:
    """Every byte a build reads: when this matches the last build, there is nothing to do."""
    return hash_parts(
        CODE_FINGERPRINT,
        folder_fingerprint(paths.content),
        folder_fingerprint(paths.templates),
        folder_fingerprint(paths.static),
        base_url or "",
        "drafts" if drafts else "",
    )
