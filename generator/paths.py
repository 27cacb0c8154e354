"""Where a build reads from and writes to, and the build's own files beside the output folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """Where a build reads from and writes to."""

    content: Path
    out: Path
    templates: Path
    static: Path

    @classmethod
    def from_project(cls, root: Path, content: Path | None = None, out: Path | None = None) -> Paths:
        """The standard layout under a project folder."""
        return cls(content or root / "content", out or root / "public", root / "templates", root / "static")


def staging_path(out: Path) -> Path:
    """The folder a build writes into: a sibling of the output, on the same file system."""
    return out.parent / f".{out.name}.staging"


def cache_path(out: Path) -> Path:
    """Where a build keeps parsed content for the next one: beside the output, so it is never deployed with it."""
    return out.parent / f".{out.name}.cache" / "parsed.pickle"


def journal_path(out: Path) -> Path:
    """Where an in-place commit lists what it is about to change."""
    return out.parent / f".{out.name}.journal.json"
