"""The preview's state: the last build's errors, pages rendered ahead of the build, and who is waiting.

One builder thread watches the sources. On a change it renders the pages open in a browser first
(`render_only`, the build's own stages) and keeps them in memory, tells the browsers, then runs the
whole incremental build into the preview folder in the background while the server keeps answering.
A build that fails leaves the last good pages in place and its messages in `errors`, which every
open page shows as an overlay until a build succeeds.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

from ..build import build_site, render_only
from ..errors import BuildError
from ..faults import Fault
from ..paths import Paths
from .watch import Change, Snapshot, compare, snapshot

PREVIEW_BASE_URL = "http://127.0.0.1"


@dataclass(frozen=True)
class State:
    """What a browser needs to know: reload when `generation` moves, show `errors` while there are any."""

    generation: int
    errors: tuple[str, ...]

    def as_json(self) -> dict:
        return {"generation": self.generation, "errors": list(self.errors)}


class Preview:
    """The preview of one content folder, built into `paths.out`."""

    def __init__(self, paths: Paths, drafts: bool = False, log=print) -> None:
        self.paths = paths
        self.drafts = drafts
        self.log = log
        self._changed = threading.Condition()
        self._state = State(0, ())
        self._ahead: dict[str, bytes] = {}
        self._open: Counter[str] = Counter()
        self._busy = threading.Event()

    # What the server asks.

    def state(self) -> State:
        with self._changed:
            return self._state

    def ahead(self, rel: str) -> bytes | None:
        """A page rendered before the build that will write it finished."""
        with self._changed:
            return self._ahead.get(rel)

    def wait(self, seen: State, timeout: float) -> State:
        """The state once it differs from `seen`, or after `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._state != seen, timeout)
            return self._state

    def busy(self) -> bool:
        """Whether a rebuild is running (the bench waits for it to finish between edits)."""
        return self._busy.is_set()

    def opened(self, rel: str) -> None:
        with self._changed:
            self._open[rel] += 1

    def closed(self, rel: str) -> None:
        with self._changed:
            self._open[rel] -= 1
            if self._open[rel] <= 0:
                del self._open[rel]

    # What the builder does.

    def rebuild(self, change: Change | None = None) -> bool:
        """Render the open pages first (unless only static files changed), then build everything."""
        self._busy.set()
        try:
            return self._rebuild(change)
        finally:
            self._busy.clear()

    def _rebuild(self, change: Change | None) -> bool:
        started = time.perf_counter()
        with self._changed:
            open_pages = set(self._open)
        try:
            if change and open_pages and not change.only_under(self.paths.static):
                first = render_only(self.paths, open_pages, PREVIEW_BASE_URL, self.drafts)
                self._publish(ahead=first, reload=bool(first))
                self.log(f"Open page rendered in {time.perf_counter() - started:.2f} s", flush=True)
            result = build_site(self.paths, base_url=PREVIEW_BASE_URL, allow_shrink=True, drafts=self.drafts)
        except (BuildError, Fault) as exc:
            self._fail(str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - the preview must outlive any bug an edit exposes
            self._fail(f"{type(exc).__name__}: {exc}")
            return False
        self._publish(ahead=None, reload=result.written > 0 or bool(self.state().errors))
        self.log(f"Rebuilt: {result.written:,} files changed in {time.perf_counter() - started:.2f} s", flush=True)
        return True

    def _publish(self, ahead: dict[str, bytes] | None, reload: bool) -> None:
        with self._changed:
            if ahead is None:
                self._ahead = {}
            else:
                self._ahead.update(ahead)
            generation = self._state.generation + (1 if reload else 0)
            self._state = State(generation, ())
            self._changed.notify_all()

    def _fail(self, message: str) -> None:
        self.log(f"\n{message}\nFix the file above; the preview still shows the last good build.", flush=True)
        with self._changed:
            self._state = State(self._state.generation, tuple(message.splitlines()))
            self._changed.notify_all()

    def watch(self, stop: threading.Event, interval: float = 0.1) -> None:
        """Rebuild whenever a source file changes, until `stop` is set."""
        folders = (self.paths.content, self.paths.templates, self.paths.static)
        seen: Snapshot = snapshot(folders)
        while not stop.wait(interval):
            now = snapshot(folders)
            change = compare(seen, now)
            if change.paths:
                seen = now
                self.rebuild(change)
