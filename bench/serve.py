"""`make bench-serve`: the preview's edit-to-screen time on the real content, by kind of edit.

The content, templates and static files are copied under `.bench/serve/` (the repository is never
edited). A preview server runs there as `make serve` runs it (the same watcher interval), with one
guide open: its event stream is connected, so the preview renders that page first. Each round edits
one file so that the open guide must change, then times how long until a request for the guide returns
the edited text: what a browser shows once the reload arrives. Ten edits of each kind; the median, the
slowest, and how long the whole preview took to finish rebuilding are printed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.paths import Paths
from generator.preview import running
from generator.preview.session import Preview

ROOT = Path(__file__).resolve().parent.parent
GUIDE = "/aetna/ocrevus/not-medically-necessary/"
POLL = 0.01


@dataclass(frozen=True)
class EditKind:
    """One kind of edit: the file under the copied tree, the text it replaces, and what the guide shows after."""

    name: str
    file: str
    old: str
    new: Callable[[int], str]


KINDS = [
    EditKind(
        "treatment",
        "content/treatments/ocrevus.md",
        "needs its own answer.",
        lambda n: f"needs its own answer (edit {n}).",
    ),
    EditKind("payer", "content/payers/aetna.yaml", "short_name: Aetna\n", lambda n: f"short_name: Aetna E{n}\n"),
    EditKind(
        "template",
        "templates/guide.html",
        '<section id="requirements"',
        lambda n: f'<p hidden>edit {n}</p><section id="requirements"',
    ),
    EditKind(
        "plan type",
        "content/plan-types/employer-self-funded.yaml",
        "short_name: Employer plan (self-funded)\n",
        lambda n: f"short_name: Employer plan (self-funded, edit {n})\n",
    ),
]


def shown(kind: EditKind, n: int) -> bytes:
    """Bytes the guide contains once edit `n` of `kind` is on screen."""
    marker = {"treatment": f"(edit {n})", "payer": f"Aetna E{n}", "template": f"edit {n}", "plan type": f"edit {n})"}
    return marker[kind.name].encode()


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def run(rounds: int, folder: Path) -> dict[str, list[tuple[float, float]]]:
    shutil.rmtree(folder, ignore_errors=True)
    for name in ("content", "templates", "static"):
        shutil.copytree(ROOT / name, folder / name)
    paths = Paths(folder / "content", folder / ".preview", folder / "templates", folder / "static")
    with running(paths, log=lambda *a, **k: None) as (preview, server):
        return edit_rounds(rounds, folder, preview, f"http://127.0.0.1:{server.server_address[1]}")


def edit_rounds(rounds: int, folder: Path, preview: Preview, base: str) -> dict[str, list[tuple[float, float]]]:
    """Each kind of edit `rounds` times, with the guide open: (seconds to screen, seconds until all rebuilt)."""
    stream = urllib.request.urlopen(base + "/__preview/events?path=" + GUIDE, timeout=60)
    stream.readline()
    results: dict[str, list[tuple[float, float]]] = {}
    try:
        for kind in KINDS:
            file = folder / kind.file
            original = file.read_text("utf-8")
            assert kind.old in original, f"{kind.old!r} is not in {kind.file}"
            for n in range(1, rounds + 1):
                time.sleep(0.3)  # let the watcher settle, as an editor's saves are apart
                while preview.busy():
                    time.sleep(POLL)
                started = time.perf_counter()
                file.write_text(original.replace(kind.old, kind.new(n), 1), "utf-8")
                while shown(kind, n) not in fetch(base + GUIDE):
                    time.sleep(POLL)
                on_screen = time.perf_counter() - started
                time.sleep(POLL)
                while preview.busy():
                    time.sleep(POLL)
                results.setdefault(kind.name, []).append((on_screen, time.perf_counter() - started))
            file.write_text(original, "utf-8")
    finally:
        stream.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--folder", default=str(ROOT / ".bench" / "serve"))
    args = parser.parse_args()
    results = run(args.rounds, Path(args.folder))
    print(f"Preview edit-to-screen on the real content ({args.rounds} edits each; guide {GUIDE}):")
    print(f"{'edit':<12}{'median':>10}{'slowest':>10}{'all rebuilt (median)':>24}")
    for name, rows in results.items():
        screen = [r[0] for r in rows]
        done = [r[1] for r in rows]
        print(f"{name:<12}{statistics.median(screen):>9.2f}s{max(screen):>9.2f}s{statistics.median(done):>23.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
