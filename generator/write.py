"""Write the site into a staging folder beside the output, then put it in place in one commit.

A build opens a Batch on the output folder and the last build's manifest, hands it each
rendered page, and commits it with the new manifest. A failed or killed build leaves the
previous output exactly as it was. Files whose bytes did not change are hard-linked from
the previous output (or left where they are), so they keep their modification time and
deploys and live reload see only real changes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson

from .incremental.fingerprints import digest
from .incremental.manifest import MANIFEST, Manifest
from .paths import journal_path, staging_path


def prepare_staging(out: Path) -> Path:
    """An empty staging folder; leftovers of a killed build are removed first."""
    staging = staging_path(out)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    _made.clear()
    return staging


def write_file(
    staging: Path, out: Path, rel: str, data: bytes, old_hash: str | None, link_same: bool = True
) -> tuple[str, bool]:
    """Write one file into staging unless its bytes are the same as before.

    Unchanged bytes are hard-linked from the previous output for a whole-tree build, or
    simply left where they are for an in-place build (link_same=False).
    """
    new_hash = digest(data)
    if old_hash == new_hash and (not link_same or link_previous(out, staging, rel)):
        return new_hash, False
    target = os.path.join(staging, rel)
    _ensure_folder(os.path.dirname(target))
    # os calls on str paths, not pathlib and open(): this runs once per page, and the
    # difference is about 30 µs of a page's 0.9 ms on this machine (tmpfs, 10,000 pages).
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)  # what open() uses: the umask decides
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
    return new_hash, True


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


def link_previous(out: Path, staging: Path, rel: str) -> bool:
    """Hard-link the previous build's file into staging; False when there is none."""
    target = os.path.join(staging, rel)
    _ensure_folder(os.path.dirname(target))
    try:
        os.link(os.path.join(out, rel), target)
        return True
    except FileExistsError:
        return True
    except OSError:
        return False


def commit(staging: Path, out: Path, manifest: Manifest) -> None:
    """Write the manifest and swap staging in for the output in one step."""
    manifest.write(staging / MANIFEST)
    if out.exists():
        if not _exchange(staging, out):
            retired = out.parent / f".{out.name}.old"
            if retired.exists():
                shutil.rmtree(retired)
            os.rename(out, retired)
            os.rename(staging, out)
            staging = retired
        shutil.rmtree(staging)
    else:
        os.rename(staging, out)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders with renameat2(RENAME_EXCHANGE) where Linux offers it."""
    import ctypes  # here, not at the top: 5-7 ms that only a whole-tree commit needs

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def discard(out: Path) -> None:
    """Remove the staging folder after a failed build."""
    staging = staging_path(out)
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)


def commit_in_place(staging: Path, out: Path, changed: list[str], removed: list[str], manifest: Manifest) -> None:
    """Move the few changed files into the output, one rename each, then drop the removed ones.

    Swapping a whole new tree in costs a hard link per unchanged file; for a one-page edit on
    a large site that is most of the build. Here every new file is complete in staging before
    anything moves, and a journal written first lets the next build finish a commit that was
    killed in the middle (recover_commit), so the output is never left half-changed.
    """
    manifest.write(staging / MANIFEST)
    journal = journal_path(out)
    tmp = journal.with_suffix(".tmp")
    tmp.write_bytes(orjson.dumps({"changed": changed, "removed": removed}))
    os.replace(tmp, journal)
    _apply_journal(staging, out, changed, removed)
    journal.unlink()
    shutil.rmtree(staging, ignore_errors=True)


def _apply_journal(staging: Path, out: Path, changed: list[str], removed: list[str]) -> None:
    for rel in [*changed, MANIFEST]:
        source = staging / rel
        if source.exists():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, out / rel)
    for rel in removed:
        target = out / rel
        target.unlink(missing_ok=True)
        _remove_empty_parents(target.parent, out)


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def recover_commit(out: Path) -> bool:
    """Finish an in-place commit that a killed build left half done; True if there was one."""
    journal = journal_path(out)
    if not journal.exists():
        return False
    plan = orjson.loads(journal.read_bytes())
    _apply_journal(staging_path(out), out, plan["changed"], plan["removed"])
    journal.unlink()
    shutil.rmtree(staging_path(out), ignore_errors=True)
    return True


class Batch:
    """One build's writes into staging, committed whole or not at all.

    In place (a small edit), only changed files go to staging and are moved into the
    output one by one under a journal; otherwise staging becomes a complete new tree, with
    unchanged files hard-linked from the previous output, and is swapped in.
    """

    def __init__(self, out: Path, last: Manifest, in_place: bool) -> None:
        self.out = out
        self.last = last
        self.in_place = in_place
        self.staging = prepare_staging(out)

    @classmethod
    def open(cls, out: Path, last: Manifest, in_place: bool) -> Batch:
        """Start writing a build of `out` whose previous manifest is `last`."""
        return cls(out, last, in_place)

    def keep(self, rel: str) -> bool:
        """Carry the previous build's file over unchanged; False when it is gone and must be rendered."""
        return self.in_place or link_previous(self.out, self.staging, rel)

    def add(self, rel: str, data: bytes) -> tuple[str, bool]:
        """Write one rendered file: the hash of its bytes, and whether they differ from the previous build's."""
        return write_file(self.staging, self.out, rel, data, self.last.outputs.get(rel), link_same=not self.in_place)

    def add_static(self, static: Path, fingerprints: dict[str, str]) -> list[str]:
        """The static files whose bytes changed (all of them into a whole new tree)."""
        changed = []
        for rel, fingerprint in fingerprints.items():
            differs = self.last.outputs.get(rel) != fingerprint
            if differs or not self.in_place:
                target = self.staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(static / rel, target)
            if differs:
                changed.append(rel)
        return changed

    def commit(self, manifest: Manifest, changed: list[str], removed: list[str]) -> None:
        """Put the new build in place with its manifest."""
        if self.in_place:
            commit_in_place(self.staging, self.out, changed, removed, manifest)
        else:
            commit(self.staging, self.out, manifest)

    def abandon(self) -> None:
        """Remove staging after a failure, unless a journaled commit is under way (the next build finishes it)."""
        if not journal_path(self.out).exists():
            discard(self.out)
