"""The files of the content folder, found without following a symbolic link.

A link inside content/ is an error, wherever it points. A link that leaves the folder would
publish whatever it names (a file of the build machine); one that stays inside makes a second
record out of the same file, with a second slug and duplicate pages; a folder linked to its
own parent never ends. Refusing every link needs one `lstat` per entry and no resolving, so
the answer cannot depend on where a link points, on which machine builds, or on what already
exists beside the content. The content folder itself may be reached through a link: it is
named on the command line, not written by editors.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError, display_path

_KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
}


@dataclass(frozen=True)
class Entry:
    """A file or folder inside the content folder, and how errors show its path."""

    path: Path
    shown: str
    is_folder: bool

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def suffix(self) -> str:
        return self.path.suffix


def printable(text: str) -> str:
    """`text` with each character a terminal would not show as itself (controls, bidi marks) written as an escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def shown_path(path: Path, base: Path) -> str:
    """`path` as errors show it, relative to `base`, its last part as written (a link is never resolved)."""
    folder = display_path(path.parent, base)
    return printable(path.name if folder == "." else f"{folder}/{path.name}")


def entry_kind(path: Path) -> str:
    """'file', 'folder' or 'missing'; anything else (a link, a pipe, a device) described for a message."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"something that cannot be read ({exc.strerror})"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def refusal(path: Path, base: Path, kind: str, expected: str = "a file or folder") -> ContentError:
    """The error for an entry the loader will not read: a link names its target, which is not followed."""
    found = kind
    if kind == "a symbolic link":
        try:
            found = f"a symbolic link to {os.readlink(path)!r}; links are not followed in the content folder"
        except OSError:
            found = "a symbolic link; links are not followed in the content folder"
    return ContentError(shown_path(path, base), 0, "", f"expected {expected}; got {found}")


def folder_entries(folder: Path, base: Path, errors: list[ContentError]) -> list[Entry]:
    """The files and folders in `folder` by name, hidden ones left out; a missing folder has none.

    Anything else found (a link, a pipe) is reported in `errors` and left out.
    """
    kind = entry_kind(folder)
    if kind != "folder":
        if kind != "missing":
            errors.append(refusal(folder, base, kind, "a folder"))
        return []
    entries = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        kind = entry_kind(path)
        if kind in ("file", "folder"):
            entries.append(Entry(path, shown_path(path, base), kind == "folder"))
        elif kind != "missing":  # removed while we looked: nothing to read
            errors.append(refusal(path, base, kind))
    return entries
