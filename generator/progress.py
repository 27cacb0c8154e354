"""What a build tells the person running it: a progress bar on a terminal, and the seconds of each step."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

Progress = Callable[[int, int], None]
"""Called with (pages done, pages in all) as rendering goes."""


class Steps:
    """Wall seconds of each step of a build, for `build --timings` and the bench's report.

    A step's time runs from the end of the previous one, so the steps add up to the build's time.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.perf_counter()

    def done(self, name: str) -> None:
        """Close the step `name` now; a step closed twice adds up."""
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._mark
        self._mark = now


def terminal_progress() -> Progress | None:
    """A progress bar on a terminal; nothing when output goes to a file or CI."""
    if not sys.stderr.isatty():
        return None
    started = time.perf_counter()

    def show(done: int, total: int) -> None:
        if time.perf_counter() - started < 1.0 and done < total:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} pages")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show
