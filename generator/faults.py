"""Expected faults: what a build refuses to do, and the disk errors it explains in one line.

Each prints as `path: what was being done: why; the previous site is unchanged`. Anything
else that goes wrong is a bug, and the command line prints it as an internal error with its
traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXPLAINED = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EIO: "the disk reported an input/output error",
    errno.EMFILE: "too many open files",
    errno.ENAMETOOLONG: "a file name is too long",
    errno.EBUSY: "it is in use",
}
"""OS errors a build can meet on a healthy generator: a full, read-only or failing disk, or a limit."""


class Fault(Exception):
    """An expected failure of a build that left the published site as it was."""

    def __init__(self, path: str | Path, doing: str, why: str, code: int = 1) -> None:
        self.path, self.doing, self.why, self.code = str(path), doing, why, code
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}: {self.doing}: {self.why}; the previous site is unchanged"

    def __reduce__(self) -> tuple:
        # Worker processes send faults back pickled: rebuild from the parts, not the message.
        return (type(self), (self.path, self.doing, self.why, self.code))


class Refused(Fault):
    """An argument or output folder a build will not use; nothing was touched (exit 2, as for a bad argument)."""

    def __init__(self, path: str | Path, doing: str, why: str, code: int = 2) -> None:
        super().__init__(path, doing, why, code)


def explained(exc: OSError, path: str | Path, doing: str) -> Fault | None:
    """The Fault an OS error stands for, or None when its errno is not one a healthy build can meet."""
    why = EXPLAINED.get(exc.errno or 0)
    if why is None:
        return None
    return Fault(exc.filename or path, doing, f"{why} ({exc.strerror or 'no detail'})")


@contextmanager
def doing(what: str, path: str | Path) -> Iterator[None]:
    """Turn an expected OS error inside the block into a Fault saying `what` was being done."""
    try:
        yield
    except OSError as exc:
        fault = explained(exc, path, what)
        if fault is None:
            raise
        raise fault from exc
