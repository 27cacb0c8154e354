"""Write the site into a staging folder beside the output, then swap it in whole.

A failed or killed build leaves the previous output exactly as it was. Files whose
bytes did not change are hard-linked from the previous output, so they keep their
modification time and deploys and live reload see only real changes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import xxhash

MANIFEST = ".build-manifest.json"
MANIFEST_VERSION = 6


def digest(data: bytes) -> str:
    """A stable 128-bit fingerprint of some bytes, as 32 hex digits.

    Fingerprints here detect edits, not attacks: nobody gains by making two pages collide,
    so a fast non-cryptographic hash will do. XXH3-128 takes 1.8 µs for a 46 KB guide page
    where SHA-256 took 32, and every page of every build is hashed.
    """
    return xxhash.xxh3_128_hexdigest(data)


@dataclass
class Manifest:
    """For each output file: the fingerprint of its inputs and of its bytes; and planning's memo."""

    inputs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    source: str = ""
    pages: int = 0
    code: str = ""
    memo: dict[str, list] = field(default_factory=dict)

    @classmethod
    def read(cls, out: Path) -> Manifest:
        """The manifest of the previous build, or an empty one when there is none we can trust."""
        try:
            data = orjson.loads((out / MANIFEST).read_bytes())
            if data.get("version") != MANIFEST_VERSION:
                return cls()
            return cls(data["inputs"], data["outputs"], data["source"], data["pages"], data["code"], data["memo"])
        except (OSError, ValueError, KeyError, TypeError):
            return cls()

    def write(self, path: Path) -> None:
        """Deterministic JSON: the small fields first, in a fixed order, then the rest with sorted keys.

        orjson, not json: the manifest of a 10,000-page site is about 3 MB, and every build
        writes it, however small the edit (0.040 s with json, 0.003 s with orjson, same bytes).
        The small fields lead so that `peek` can read them from the first bytes: at 100,000
        pages the file is 30 MB and parsing it takes 0.26-0.41 s, most of a no-change rebuild.
        The two parts are written one after the other, not joined, so no third copy is made.
        """
        head = orjson.dumps(
            {
                "version": MANIFEST_VERSION,
                "source": self.source,
                "code": self.code,
                "pages": self.pages,
                "files": len(self.outputs),
            }
        )
        body = orjson.dumps(
            {"inputs": self.inputs, "memo": self.memo, "outputs": self.outputs}, option=orjson.OPT_SORT_KEYS
        )
        with open(path, "wb") as f:
            f.write(head[:-1] + b",")  # the head's closing brace becomes the comma before the body's keys
            f.write(memoryview(body)[1:])

    @staticmethod
    def peek(out: Path) -> ManifestHead | None:
        """The previous build's small fields, read from the manifest's first bytes; None when untrustworthy.

        A manifest that does not end as `write` ends it (cut short by a full disk, say) is not
        trusted, so the build reads it in full, finds it damaged and starts over.
        """
        try:
            with open(out / MANIFEST, "rb") as f:
                start = f.read(_HEAD_BYTES)
                f.seek(-2, os.SEEK_END)
                end = f.read()
            cut = start.index(b',"inputs":')
            head = orjson.loads(start[:cut] + b"}")
            if end != b"}}" or head["version"] != MANIFEST_VERSION:
                return None
            return ManifestHead(head["source"], head["pages"], head["files"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


_HEAD_BYTES = 512
"""Enough for the manifest's small fields: two 32-digit fingerprints and a few numbers."""


@dataclass(frozen=True)
class ManifestHead:
    """What a no-change rebuild needs of the previous build: its input fingerprint and its counts."""

    source: str
    pages: int
    files: int


def staging_path(out: Path) -> Path:
    """The folder a build writes into: a sibling of the output, on the same file system."""
    return out.parent / f".{out.name}.staging"


def cache_path(out: Path) -> Path:
    """Where a build keeps parsed content for the next one: beside the output, so it is never deployed with it."""
    return out.parent / f".{out.name}.cache" / "parsed.pickle"


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


def copy_static(static: Path, staging: Path) -> list[str]:
    """Copy static files (CSS, icons) into staging; return their relative paths."""
    copied = []
    if not static.is_dir():
        return copied
    for path in sorted(static.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            rel = path.relative_to(static).as_posix()
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied.append(rel)
    return copied


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


def journal_path(out: Path) -> Path:
    """Where an in-place commit lists what it is about to change."""
    return out.parent / f".{out.name}.journal.json"


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
