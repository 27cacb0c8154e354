"""Work spread over forked processes that inherit the parent's state instead of receiving it pickled.

The content, plan and compiled templates are large; pickling them to each worker would cost
more than the work. A forked worker already has them, so only small items (indices, names)
go out and results come back.
"""

from __future__ import annotations

import os
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
    # Imported only when there is work to fork, which a small rebuild never has.
    import multiprocessing

    _INHERITED[:] = [work, state]
    try:
        with frozen_for_fork(), multiprocessing.get_context("fork").Pool(min(workers, len(batches))) as pool:
            yield from pool.imap_unordered(_run_batch, batches)
    finally:
        _INHERITED.clear()


def _run_batch(batch: Sequence[Any]) -> list[Any]:
    work, state = _INHERITED
    return [work(state, item) for item in batch]
