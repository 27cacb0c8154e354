"""What planning remembers between builds: costly results, each under the fingerprint of its inputs.

Choosing related guides and near-copies looks at the whole site, yet most edits touch one
treatment or payer. The results of the last build are kept in its manifest; a step whose
inputs hash the same reuses them, so a one-record edit recomputes only what it changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .write import digest


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
        hit = self.previous.get(name)
        value = hit[1] if isinstance(hit, list) and len(hit) == 2 and hit[0] == inputs else compute()
        self.current[name] = [inputs, value]
        return value
