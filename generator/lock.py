"""One build at a time per output folder: an exclusive flock on a file beside it.

The kernel releases a flock when the last descriptor of its open file closes, so a build that
is killed never leaves a stale lock behind, and forked workers close their inherited copy so
that one outliving its parent cannot hold it either.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .faults import doing
from .paths import lock_path

_HELD: set[int] = set()
"""Descriptors of the locks this process holds."""


@contextmanager
def output_lock(out: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock for the block; if another build holds it, call `waiting` and wait for it."""
    path = lock_path(out)
    with doing("locking the output folder", path):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Read-only: flock needs no write access, so a no-change build still runs on a read-only disk.
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting:
                waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        _HELD.add(fd)
        yield
    finally:
        _HELD.discard(fd)
        os.close(fd)


def _close_in_child() -> None:
    for fd in _HELD:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


os.register_at_fork(after_in_child=_close_in_child)
