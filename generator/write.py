"""Write a build into a folder of its own beside the published one, then publish it by switching a link.

The output folder is a symbolic link to one of two build folders (paths.py shows the layout).
A build writes into the other one, which holds the build before last, then replaces the link
with one rename. A reader of the output sees the old build or the new one, never a mix, and a
failed, interrupted or killed build leaves the link, and so the published site, as it was.

The folder written into already holds most of the new build: its manifest says which of its
files have the right bytes, the files the last build changed are hard-linked from it, and
only the rest is written. A small edit so costs a few files, not a link per page, and files
whose bytes did not change keep their inode and modification time, so deploys and live reload
see only real changes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .faults import doing
from .incremental.fingerprints import digest
from .incremental.manifest import MANIFEST, Manifest, ManifestHead
from .paths import SLOTS, legacy_paths, link_target, live_slot, site_path, slot_path, state_path

FAULTS: Callable[[str, str], None] | None = None
"""A test hook, called with (step, file) before each step that changes the disk: `prepare`, `write`
for each file, then `manifest`, `link`, `switch` and `published`. Tests make it raise an OSError
or kill the process there; it is None otherwise."""


def _step(name: str, path: object) -> None:
    if FAULTS is not None:
        FAULTS(name, str(path))


@dataclass(frozen=True)
class Published:
    """The build readers see now: the folder of its files and the folder holding its manifest."""

    site: Path
    record: Path
    legacy: bool = False
    """An older version's output, published in place with its manifest inside (moved out by the next build)."""

    @classmethod
    def find(cls, out: Path) -> Published | None:
        """The published build of `out`, or None when nothing was built there."""
        slot = live_slot(out)
        if slot:
            return cls(site_path(out, slot), slot_path(out, slot))
        if not out.is_symlink() and (out / MANIFEST).is_file():
            return cls(out, out, legacy=True)
        return None

    def head(self) -> ManifestHead | None:
        """Its manifest's small fields, for the no-change check; an older layout always rebuilds, to move."""
        return None if self.legacy else Manifest.peek(self.record)

    def manifest(self) -> Manifest:
        """Its manifest; an older version's in-place commit cut short leaves nothing to trust."""
        if self.legacy and (self.site.parent / f".{self.site.name}.journal.json").exists():
            return Manifest()
        return Manifest.read(self.record)


_made: set[str] = set()


def _ensure_folder(folder: str) -> None:
    """mkdir once per folder per process; parents only when the mkdir says they are missing.

    Most guides have a folder of their own, so this runs per page: os.makedirs would stat
    the parent first every time.
    """
    if folder in _made:
        return
    try:
        _mkdir(folder)
    except FileNotFoundError:
        _ensure_folder(os.path.dirname(folder))
        _mkdir(folder)
    _made.add(folder)


def _mkdir(folder: str) -> None:
    """mkdir that accepts a folder another worker made first."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass


def _write_bytes(target: str, data: bytes) -> None:
    # os calls on str paths, not pathlib and open(): this runs once per page, and the
    # difference is about 30 µs of a page's 0.9 ms on this machine (tmpfs, 10,000 pages).
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)  # what open() uses: the umask decides
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_file(target: str, data: bytes) -> None:
    """Write a new file, making its folder first if need be: the way the build writes pages, for the
    other many small files it writes (the search index)."""
    _ensure_folder(os.path.dirname(target))
    _write_bytes(target, data)


def _remove_empty_folders(folders: set[Path], root: Path) -> None:
    """Remove those of `folders` left empty, and the parents that leaves empty, up to `root`.

    Each folder is looked at once, deepest first, and only for its first entry: listing a folder
    once per file removed from it grows with the square of its files (the search index holds one
    per page)."""
    below = {parent for folder in folders for parent in (folder, *folder.parents) if parent.is_relative_to(root)}
    for folder in sorted(below - {root}, key=lambda f: len(f.parts), reverse=True):
        if _is_empty(folder):
            folder.rmdir()


def _is_empty(folder: Path) -> bool:
    """Whether `folder` is an empty folder (False when it is gone or not a folder)."""
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except (FileNotFoundError, NotADirectoryError):
        return False


class Batch:
    """One build's writes into the unpublished build folder, published whole or not at all."""

    def __init__(self, out: Path, last: Manifest, live: Published | None, wanted: set[str]) -> None:
        self.out = out
        self.last = last
        self.live = live
        live_name = live.record.name if live and not live.legacy else None
        self.slot = next(s for s in SLOTS if s != live_name)
        self.site = site_path(out, self.slot)
        _made.clear()
        self.present: dict[str, str] = {}
        """Each file already in the folder with the fingerprint of its bytes."""
        try:
            with doing("preparing the new build's folder", slot_path(out, self.slot)):
                self.present = self._prepare(wanted)
        except BaseException:
            self.abandon()
            raise

    @classmethod
    def open(cls, out: Path, last: Manifest, live: Published | None, wanted: set[str]) -> Batch:
        """Start writing a build of `out` whose files will be `wanted`; `last` is the published build's manifest."""
        return cls(out, last, live, wanted)

    def _prepare(self, wanted: set[str]) -> dict[str, str]:
        """Reuse the folder's last build when its manifest vouches for it, else start it empty."""
        folder = slot_path(self.out, self.slot)
        _step("prepare", folder)
        kept = Manifest.read(folder).outputs if Manifest.peek(folder) else {}
        if not kept:
            shutil.rmtree(folder, ignore_errors=True)
            os.makedirs(self.site)
            return {}
        # From here until the new manifest is written the folder's files are not vouched for.
        (folder / MANIFEST).unlink()
        gone = sorted(set(kept) - wanted)
        for rel in gone:
            (self.site / rel).unlink(missing_ok=True)
        _remove_empty_folders({(self.site / rel).parent for rel in gone}, self.site)
        return kept

    def keep(self, rel: str) -> bool:
        """Carry the published build's file over unchanged; False when it is gone and must be rendered."""
        if self.present.get(rel) == self.last.outputs[rel]:
            return True
        with doing("writing the new site", self.site / rel):
            return self._link(rel)

    def add(self, rel: str, data: bytes) -> tuple[str, bool]:
        """Write one rendered file: the hash of its bytes, and whether they differ from the published build's."""
        fingerprint = digest(data)
        differs = self.last.outputs.get(rel) != fingerprint
        if self.present.get(rel) == fingerprint:
            return fingerprint, differs
        with doing("writing the new site", self.site / rel):
            if differs or not self._link(rel):
                _step("write", rel)
                target = self._clear(rel)
                _write_bytes(target, data)
        return fingerprint, differs

    def add_static(self, static: Path, fingerprints: dict[str, str]) -> list[str]:
        """Copy the static files the folder lacks; return those that differ from the published build's."""
        changed = []
        for rel, fingerprint in fingerprints.items():
            differs = self.last.outputs.get(rel) != fingerprint
            if self.present.get(rel) != fingerprint:
                with doing("writing the new site", self.site / rel):
                    if differs or not self._link(rel):
                        _step("write", rel)
                        shutil.copy2(static / rel, self._clear(rel))
            if differs:
                changed.append(rel)
        return changed

    def _link(self, rel: str) -> bool:
        """Hard-link the published build's file into the folder; False when there is none."""
        if self.live is None:
            return False
        source = os.path.join(self.live.site, rel)
        target = self._clear(rel)
        try:
            os.link(source, target)
            return True
        except OSError:  # gone, on another disk, or too many links: write it instead
            return False

    def _clear(self, rel: str) -> str:
        """The path to write `rel` to, with any older version unlinked, never written through: it may be the published file."""
        target = os.path.join(self.site, rel)
        if rel in self.present:
            try:
                os.unlink(target)
            except FileNotFoundError:
                pass
        else:
            _ensure_folder(os.path.dirname(target))
        return target

    def commit(self, manifest: Manifest) -> None:
        """Write the manifest beside the new build's files, then publish them."""
        folder = slot_path(self.out, self.slot)
        with doing("publishing the new site", folder):
            _step("manifest", folder / MANIFEST)
            manifest.write(folder / MANIFEST)
            self._publish()
        self._tidy()

    def _publish(self) -> None:
        """Point the output at the new build with one rename of a new link over the old one."""
        link = state_path(self.out) / "link"
        _step("link", link)
        link.unlink(missing_ok=True)
        os.symlink(link_target(self.out, self.slot), link)
        _step("switch", self.out)
        if self.out.is_dir() and not self.out.is_symlink():
            _replace_folder(link, self.out)
        else:
            os.replace(link, self.out)
        _step("published", self.out)

    def _tidy(self) -> None:
        """What an older version kept beside the output goes once the new layout is published."""
        for path in legacy_paths(self.out):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                path.unlink(missing_ok=True)

    def abandon(self) -> None:
        """Remove the unpublished build after a failure, so nothing is left half written."""
        # Asked of the link, not of a flag: an interrupt can land between the switch and the line after it.
        if live_slot(self.out) != self.slot:
            shutil.rmtree(slot_path(self.out, self.slot), ignore_errors=True)
        link = state_path(self.out) / "link"
        if link.is_symlink():
            link.unlink()


def discard_unfinished(out: Path) -> None:
    """Remove what a killed build left behind: a build folder without a manifest, a link never switched in."""
    live = live_slot(out)
    for slot in SLOTS:
        folder = slot_path(out, slot)
        if slot != live and folder.is_dir() and not (folder / MANIFEST).exists():
            shutil.rmtree(folder, ignore_errors=True)
    link = state_path(out) / "link"
    if link.is_symlink():
        link.unlink()


def _replace_folder(link: Path, out: Path) -> None:
    """Replace a real output folder (empty, or an older version's output) with the link, once.

    renameat2's exchange swaps the two in one step where Linux offers it; elsewhere the
    folder is moved aside first, and for that moment the output is missing.
    """
    if not _exchange(link, out):
        retired = state_path(out) / "retired"
        shutil.rmtree(retired, ignore_errors=True)
        os.rename(out, retired)
        os.rename(link, out)
        link = retired
    shutil.rmtree(link, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE) where Linux offers it."""
    import ctypes  # here, not at the top: 5-7 ms that only replacing an older output needs

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
