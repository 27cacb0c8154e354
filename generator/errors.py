"""ContentError and how a list of them prints."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in one content file, positioned so an editor can jump to it."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class BuildError(Exception):
    """Raised when content or templates are bad; carries every error found."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__(format_errors(self.errors))

    def __reduce__(self) -> tuple:
        # Worker processes send errors back pickled; rebuild from the list, not the message.
        return (BuildError, (self.errors,))


def format_errors(errors: list[ContentError]) -> str:
    """Print errors sorted by file and line, repeats folded, with a one-line total."""
    lines: list[str] = []
    for error in errors:
        text = str(error)
        if lines and lines[-1] == text:
            continue
        lines.append(text)
    files = len({e.path for e in errors})
    noun = "error" if len(errors) == 1 else "errors"
    fnoun = "file" if files == 1 else "files"
    lines.append(f"{len(errors)} {noun} in {files} {fnoun}. Nothing was written; the output folder is unchanged.")
    return "\n".join(lines)


def display_path(path: Path, root: Path | None = None) -> str:
    """Show a path relative to the working folder when possible, as editors expect."""
    resolved = path.resolve()
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return str(resolved.relative_to(_resolved(base)))
        except ValueError:
            continue
    return str(path)


@lru_cache(maxsize=64)
def _resolved(base: Path) -> Path:
    # Loading shows every content file relative to the same folder: resolve it once, not per file.
    return base.resolve()
