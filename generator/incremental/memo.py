"""What planning remembers between builds: costly results, each under the fingerprint of its inputs.

Choosing related guides and near-copies looks at the whole site, yet most edits touch one
treatment or payer. The results of the last build are kept in its manifest; a step whose
inputs hash the same reuses them, so a one-record edit recomputes only what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..parallel import fork_map
from .fingerprints import digest


def fingerprint(value: object) -> str:
    """A fingerprint through repr: stable for plain data and for the model's dataclass records, whose repr shows every field."""
    return digest(repr(value).encode("utf-8"))


@dataclass
class Memo:
    """Last build's results (`previous`) and this build's (`current`), by name."""

    previous: dict[str, list[Any]] = field(default_factory=dict)
    current: dict[str, list[Any]] = field(default_factory=dict)

    def get(self, name: str, inputs: str, compute: Callable[[], Any]) -> Any:
        """The remembered result when `inputs` matches the fingerprint it was computed from, else compute it."""
        return self.get_all({name: (inputs, compute)})[name]

    def get_all(self, requests: dict[str, tuple[str, Callable[[], Any]]], workers: int = 1) -> dict[str, Any]:
        """`get` for many names at once; the ones not remembered are computed over `workers` processes.

        Put the costliest request first: the first to start is the last to hold up the others.
        """
        values = {}
        missing = []
        for name, (inputs, compute) in requests.items():
            hit = self.previous.get(name)
            if isinstance(hit, list) and len(hit) == 2 and hit[0] == inputs:
                values[name] = hit[1]
            else:
                missing.append((name, compute))
        chunk = max(1, len(missing) // (workers * 8))  # a few batches per worker keeps them evenly busy
        for results in fork_map(_compute, missing, range(len(missing)), workers, chunk):
            values.update(results)
        self.current.update((name, [requests[name][0], values[name]]) for name in requests)
        return values


def _compute(missing: list[tuple[str, Callable[[], Any]]], index: int) -> tuple[str, Any]:
    # By index: a forked worker already holds the requests, and their closures would be costly to pickle.
    name, compute = missing[index]
    return name, compute()
