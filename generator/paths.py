"""Where a build reads from and writes to, the build's own files beside the output folder, and which
output folders a build refuses.

The output folder is a symbolic link that each build switches in one step, and everything
private to the build lives beside it, never in it:

    public -> .public.state/builds/a/site
    .public.state/builds/a/site/                  the published build
    .public.state/builds/a/.build-manifest.json   its manifest
    .public.state/builds/b/                       the build before it, which the next build updates
    .public.state/cache/parsed.pickle             parsed content, for the next build
    .public.state/lock                            held while a build runs
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .faults import Refused
from .incremental.manifest import MANIFEST

SLOTS = ("a", "b")
"""The two build folders: the published one, and the one the next build writes into."""


@dataclass(frozen=True)
class Paths:
    """Where a build reads from and writes to."""

    content: Path
    out: Path
    templates: Path
    static: Path
    root: Path | None = None
    """The project folder, which a build never replaces, nor the folder that holds it."""

    @classmethod
    def from_project(cls, root: Path, content: Path | None = None, out: Path | None = None) -> Paths:
        """The standard layout under a project folder."""
        return cls(content or root / "content", out or root / "public", root / "templates", root / "static", root)


def state_path(out: Path) -> Path:
    """The build's private folder: a sibling of the output, on the same file system, never published."""
    return out.parent / f".{out.name}.state"


def slot_path(out: Path, slot: str) -> Path:
    """One build folder: the site's files in `site/`, its manifest beside them."""
    return state_path(out) / "builds" / slot


def site_path(out: Path, slot: str) -> Path:
    """The files a build folder publishes."""
    return slot_path(out, slot) / "site"


def link_target(out: Path, slot: str) -> str:
    """What the output link holds: relative, so the project folder can move or be mounted elsewhere."""
    return f".{out.name}.state/builds/{slot}/site"


def live_slot(out: Path) -> str | None:
    """The build folder the output link points at; None when the output is not a link a build made."""
    try:
        target = os.readlink(out)
    except OSError:
        return None
    return next((slot for slot in SLOTS if target == link_target(out, slot)), None)


def cache_path(out: Path) -> Path:
    """Where a build keeps parsed content for the next one."""
    return state_path(out) / "cache" / "parsed.pickle"


def lock_path(out: Path) -> Path:
    """The file a build holds an exclusive lock on while it runs."""
    return state_path(out) / "lock"


def legacy_paths(out: Path) -> list[Path]:
    """What older versions kept beside the output: staging, retired tree, parse cache, in-place journal."""
    return [out.parent / f".{out.name}.{suffix}" for suffix in ("staging", "old", "cache", "journal.json")]


def private_paths(out: Path) -> list[Path]:
    """Everything a build keeps beside the output, in this layout and older ones: deleting them all starts cold."""
    return [state_path(out), *legacy_paths(out)]


def refuse_unsafe_output(paths: Paths) -> None:
    """Refuse an output folder whose replacement would destroy what is not a build's own output."""
    out = Path(os.path.abspath(paths.out))
    if out.name in ("", ".", ".."):
        raise Refused(paths.out, "checking the output folder", "it is the root of the file system")
    _refuse_overlap(paths, out)
    _refuse_foreign(paths.out, out)


def _refuse_overlap(paths: Paths, out: Path) -> None:
    """The output may not be, hold or lie inside an input folder, nor be or hold the project folder."""
    spots = {out, Path(os.path.realpath(out))}
    inputs = {"project": paths.root, "content": paths.content, "templates": paths.templates, "static": paths.static}
    for name, folder in inputs.items():
        if folder is None:
            continue
        real = Path(os.path.realpath(folder))
        for spot in spots:
            why = None
            if spot == real:
                why = f"it is the {name} folder"
            elif real.is_relative_to(spot):
                why = f"it holds the {name} folder {folder}"
            elif name != "project" and spot.is_relative_to(real):
                why = f"it lies inside the {name} folder {folder}"
            if why:
                raise Refused(paths.out, "checking the output folder", f"{why}, which a build would replace")


def _refuse_foreign(shown: Path, out: Path) -> None:
    """The output may be missing, a link a build made, an empty folder, or an older version's output."""
    doing = "checking the output folder"
    if out.is_symlink():
        if live_slot(out) is None:
            why = f"it is a symbolic link to {os.readlink(out)} that no build made; remove it, or pass that folder as --out"
            raise Refused(shown, doing, why)
        return
    if not out.exists():
        return
    if not out.is_dir():
        raise Refused(shown, doing, "it is a file, not a folder; a build would replace it with the site")
    if os.path.ismount(out):
        why = "it is a mount point, which a build cannot replace with its link; pass a folder inside it as --out"
        raise Refused(shown, doing, why)
    if (out / ".git").exists():
        raise Refused(shown, doing, "it is a repository's working folder, which a build would replace")
    if (out / MANIFEST).is_file() or not any(out.iterdir()):
        return
    why = "it is a folder that no build made (it has no build manifest), which a build would replace; move it away or choose another --out"
    raise Refused(shown, doing, why)
