"""Helpers for the hostile-input tests: edit a content copy, build it and read back the exact errors."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import build, tree_digest

from generator.errors import BuildError
from generator.load import load_yaml_file


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: a YAML bomb that is expanded never finishes."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def build_errors(content: Path, out: Path) -> list[str]:
    """The error lines of a build that must fail, checking that it left `out` as it was."""
    before = tree_digest(out) if out.exists() else None
    with deadline(60), pytest.raises(BuildError) as caught:
        build(content, out, workers=1)
    lines = str(caught.value).splitlines()
    assert re.fullmatch(r"\d+ errors? in \d+ files?\. Nothing was written; the output folder is unchanged\.", lines[-1])
    assert (tree_digest(out) if out.exists() else None) == before
    return lines[:-1]


def yaml_errors(tmp_path: Path, text: str) -> list[str]:
    """What loading `text` as content/payers/x.yaml reports."""
    path = tmp_path / "content" / "payers" / "x.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    with deadline(10):
        return [str(e) for e in load_yaml_file(path, tmp_path).errors]


X = "content/payers/x.yaml"
