"""Work spread over forked processes that inherit the parent's state instead of receiving it pickled.

The content, plan and compiled templates are large; pickling them to each worker would cost
more than the work. A forked worker already has them, so only small items (indices, names)
go out and results come back.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from .collector import frozen_for_fork

Item = TypeVar("Item")
Result = TypeVar("Result")

_INHERITED: list[Any] = []
"""The work function and its state, set just before the fork; workers read it from here."""


def workers_for(workers: int | None) -> int:
    """The worker count a build asked for; one per core when it did not say."""
    return workers or os.cpu_count() or 1


def fork_map(
    work: Callable[[Any, Item], Result], state: Any, items: Sequence[Item], workers: int, chunk: int = 1
) -> Iterator[list[Result]]:
    """Yield lists of `work(state, item)`, a chunk of items at a time, in the order chunks finish.

    Items and results are pickled between processes, so items should be small (indices,
    names) and the bulk should sit in `state`. With one worker, or nothing to share out,
    it runs in this process in item order.
    """
    batches = [items[i : i + chunk] for i in range(0, len(items), max(chunk, 1))]
    if workers <= 1 or len(batches) <= 1:
        for batch in batches:
            yield [work(state, item) for item in batch]
        return
    _INHERITED[:] = [work, state]
    try:
        with frozen_for_fork(), _fork_pool(min(workers, len(batches))) as pool:
            yield from pool.imap_unordered(_run_batch, batches)
    finally:
        _INHERITED.clear()


def _fork_pool(processes: int) -> Any:
    """A pool of forked workers that ignore Ctrl-C.

    Ctrl-C reaches every process of the terminal's group; only the parent acts on it (leaving
    the pool ends the workers), so a build stops with one message instead of a traceback from
    each worker. SIGINT is blocked while the workers start, so none can catch it before it
    ignores it.
    """
    # Imported only when there is work to fork, which a small rebuild never has.
    import multiprocessing

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        return multiprocessing.get_context("fork").Pool(processes, initializer=_ignore_interrupts)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _run_batch(batch: Sequence[Any]) -> list[Any]:
    work, state = _INHERITED
    return [work(state, item) for item in batch]
