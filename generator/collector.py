"""The one owner of Python's cycle collector during a build: held off while the build reads, plans
and fingerprints, then run over new objects only, and frozen around forks.

Those steps make millions of small objects and no reference cycles, yet each full pass of the
collector walks every object alive, which grows with the site. Rendering runs templates, so the
collector runs again there, but what planning made is frozen first so that its passes (and a
forked worker's, which would otherwise write to, and so copy, the pages it shares with its
parent) skip it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


class QuietCollector:
    """The collector held off for a build; `resume` lets it run over objects made after the call."""

    def __enter__(self) -> QuietCollector:
        self.enabled = gc.isenabled()
        gc.disable()
        return self

    def resume(self) -> None:
        """From here on the collector runs, and looks only at objects made after this call."""
        gc.freeze()
        if self.enabled:
            gc.enable()

    def __exit__(self, *exc: object) -> None:
        gc.unfreeze()
        if self.enabled:
            gc.enable()


@contextmanager
def frozen_for_fork() -> Iterator[None]:
    """Objects alive now are moved out of the collector's sight while forked workers run.

    A caller that froze objects itself (a build does, through QuietCollector) unfreezes them
    itself, when it ends.
    """
    frozen_by_caller = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_by_caller:
            gc.unfreeze()
