"""Site search (Pagefind): what each page gives the index, and the index itself, written into the new
build's folder before it is published so that a published site never has a stale index.

Pagefind indexes only the element marked `data-pagefind-body` on a page: a guide's question and
answer, a hub's heading, each with the names a person might type (brand and generic names, a payer's
other names) in a `data-names` attribute. The index is rebuilt only when the set of indexed pages or
what one of them indexes changed; otherwise the published build's index files are carried over.
"""

from __future__ import annotations

import errno
import html
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from .faults import EXPLAINED, Fault, doing
from .incremental.fingerprints import digest
from .write import write_file

INDEX_FOLDER = "pagefind"
"""Where the index lives in the site; no record may take this slug (validate.py reserves it)."""

BODY = "<div data-pagefind-body"


def is_index_file(rel: str) -> bool:
    return rel.startswith(INDEX_FOLDER + "/")


def indexed_part(page: str) -> str | None:
    """The part of a page the index reads, or None for a page the search does not list."""
    at = page.find(BODY)
    if at < 0:
        return None
    end = page.find("</div>", at)
    return page[at : end if end >= 0 else len(page)]


def indexed_entry(page: str) -> tuple[str, str] | None:
    """What the index reads from a page, and its fingerprint with the page's language included (equal
    fingerprints, equal entries); None for a page the search does not list."""
    part = indexed_part(page)
    if part is None:
        return None
    start = page.find("<html")
    language = page[start : page.find(">", start) + 1] if start >= 0 else ""
    return part, digest((language + part).encode("utf-8"))


def names(*records: object) -> str:
    """Every name a person might search for these records by, once each, in order.

    Separated by commas, not a middle dot: one non-ASCII character makes the whole page take the
    slow path of ascii_html (render/environment.py)."""
    found: list[str] = []
    for record in records:
        for attr in ("name", "short_name", "generic_name"):
            value = getattr(record, attr, None)
            if value:
                found.append(value)
        for attr in ("brand_names", "aliases"):
            found += getattr(record, attr, ())
    return ", ".join(dict.fromkeys(found))


def write_index(site: Path, pages: Iterable[str], language: str, parts: Mapping[str, str]) -> dict[str, str]:
    """Index `pages` of the site folder with Pagefind; return each index file with the fingerprint of its bytes.

    `parts` holds what the index reads of the pages this build rendered; only the pages it kept are read back.

    Pagefind numbers pages in the order it finds them on disk, and that order follows how the folder
    was written, which differs between a clean and an incremental build of the same site. So it reads
    a folder made for it: only what each page indexes, written in sorted order every time, which also
    spares it reading whole pages.

    Pagefind writes into the new build's folder, which is published only if the build succeeds. It
    exits 0 when the disk fills under it, leaving files cut short or missing, so a disk left without
    room afterwards refuses the build.
    """
    folder = site / INDEX_FOLDER
    if folder.exists():
        shutil.rmtree(folder)
    pages = sorted(pages)
    with tempfile.TemporaryDirectory(prefix="search-", dir=scratch_folder(len(pages))) as scratch:
        for rel in pages:
            part = parts[rel] if rel in parts else indexed_part((site / rel).read_text("utf-8")) or ""
            page = f'<!doctype html><html lang="{html.escape(language)}"><body>{part}</div></body></html>'
            write_file(os.path.join(scratch, rel), page.encode("utf-8"))
        _pagefind(scratch, folder)
    _refuse_full(folder)
    return _fingerprints(folder, site)


def _refuse_full(folder: Path) -> None:
    room = os.statvfs(folder)
    if room.f_bavail * room.f_frsize < FULL_BELOW:
        raise Fault(folder, "writing the search index with Pagefind", EXPLAINED[errno.ENOSPC])


FULL_BELOW = 1024 * 1024
"""Free bytes below which the disk counts as full after Pagefind: it may have run out and said nothing."""


def _fingerprints(folder: Path, site: Path) -> dict[str, str]:
    """Each of Pagefind's files, by its path in the site, with the fingerprint of its bytes."""
    files = {}
    with doing("reading the search index", folder):
        for root, _, names in os.walk(folder):
            # Each folder's site path once, not a path parsed per file (one per page).
            at = Path(root).relative_to(site).as_posix()
            for name in names:
                with open(os.path.join(root, name), "rb") as f:
                    files[f"{at}/{name}"] = digest(f.read())
    return files


SCRATCH_BYTES_PER_PAGE = 16 * 1024
"""Room the folder made for Pagefind takes per page in memory: a file and a folder, a 4 KB page each, and margin."""


def scratch_folder(pages: int) -> str | None:
    """Where the folder made for Pagefind goes: memory (/dev/shm) where it has room, else the temp folder.

    It is one small file in a folder of its own per page, read once and deleted: on a disk, making and
    removing those folders cost more than Pagefind itself. In memory the folder also lists its pages in
    the order they were written, so the index has the same bytes on every machine.
    """
    shm = Path("/dev/shm")
    try:
        room = os.statvfs(shm)
    except OSError:
        return None
    fits = room.f_bavail * room.f_frsize >= pages * SCRATCH_BYTES_PER_PAGE
    return str(shm) if fits and os.access(shm, os.W_OK | os.X_OK) else None


PAGEFIND_MALLOC = "thp:always,metadata_thp:always"
"""Pagefind's allocator (jemalloc, read from _RJEM_MALLOC_CONF) on huge pages where the kernel allows
them: it allocates and frees hundreds of megabytes for thousands of small pages, and on small pages
each first touch is a page fault. The index is the same."""


def _pagefind(source: str, folder: Path, malloc: str | None = PAGEFIND_MALLOC) -> None:
    command = [indexer(folder), "--site", source, "--output-path", str(folder), "--silent"]
    env = dict(os.environ)
    if malloc:
        env.setdefault("_RJEM_MALLOC_CONF", malloc)  # a setting of the user's own wins
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        why = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
        raise Fault(folder, "writing the search index with Pagefind", f"pagefind exited {done.returncode}: {why[0]}")


def indexer(folder: Path) -> str:
    """The Pagefind binary itself, not `python -m pagefind`, which starts a Python to start it (45 ms a build)."""
    try:
        from pagefind_bin import get_executable

        return str(get_executable())
    except (ImportError, FileNotFoundError) as exc:
        why = f"the Pagefind indexer is not installed ({exc}); `make build` installs it (pip install 'pagefind[bin]')"
        raise Fault(folder, "writing the search index with Pagefind", why) from exc


def index_files(outputs: Iterable[str]) -> list[str]:
    return sorted(rel for rel in outputs if is_index_file(rel))
