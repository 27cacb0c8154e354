"""The pipeline on one screen: load → validate → plan → render → write."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError
from .keys import OutputJob, plan_outputs
from .load import load_content
from .model import Content
from .plan import SitePlan, plan_pages
from .render import Renderer
from .validate import validate_content
from .write import Manifest, commit, copy_static, digest, discard, link_previous, prepare_staging, write_file

PARALLEL_THRESHOLD = 400
"""Below this many pages to render, forking workers costs more than it saves."""


@dataclass(frozen=True)
class Paths:
    """Where a build reads from and writes to."""

    content: Path
    out: Path
    templates: Path
    static: Path

    @classmethod
    def from_project(cls, root: Path, content: Path | None = None, out: Path | None = None) -> Paths:
        """The standard layout under a project folder."""
        return cls(content or root / "content", out or root / "public", root / "templates", root / "static")


@dataclass(frozen=True)
class BuildResult:
    """What a build did, for the summary line and the benchmark."""

    pages: int
    files: int
    written: int
    unchanged: int
    removed: int
    seconds: float

    def summary(self, out: Path) -> str:
        """One line: pages, what was written, kept and removed, and the time."""
        return (
            f"Built {self.pages:,} pages ({self.files:,} files) into {out}: {self.written:,} written, "
            f"{self.unchanged:,} unchanged, {self.removed:,} removed in {self.seconds:.2f} s."
        )


def load_and_plan(paths: Paths, base_url: str | None = None) -> tuple[Content, SitePlan]:
    """Load, validate and plan; raises BuildError with every problem found."""
    content = validate_content(load_content(paths.content), base_url)
    return content, plan_pages(content)


def build_site(
    paths: Paths,
    base_url: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the whole site; the previous output is replaced only if everything succeeded."""
    started = time.perf_counter()
    content, plan = load_and_plan(paths, base_url)
    renderer = Renderer(content, plan, paths.templates)
    jobs = plan_outputs(content, plan, renderer, paths)
    old = Manifest.read(paths.out)
    new = Manifest(inputs={job.rel: job.key for job in jobs} | static_inputs(paths.static))
    if paths.out.is_dir() and old.inputs == new.inputs:
        discard(paths.out)  # leftovers of a killed build
        return BuildResult(len(plan.guides) + len(plan.hubs), len(jobs), 0, len(jobs), 0, time.perf_counter() - started)
    staging = prepare_staging(paths.out)
    try:
        stale = _keep_unchanged(jobs, old, new, paths.out, staging)
        written = _render_all(stale, renderer, staging, paths.out, old, new, workers, progress)
        for rel in copy_static(paths.static, staging):
            new.outputs[rel] = digest((paths.static / rel).read_bytes())
        removed = len(set(old.outputs) - set(new.outputs))
        commit(staging, paths.out, new)
    except BaseException:
        discard(paths.out)
        raise
    pages = len(plan.guides) + len(plan.hubs)
    return BuildResult(pages, len(jobs), written, len(jobs) - written, removed, time.perf_counter() - started)


def static_inputs(static: Path) -> dict[str, str]:
    """Static files take part in the no-change check like pages do."""
    if not static.is_dir():
        return {}
    files = sorted(p for p in static.rglob("*") if p.is_file() and not p.name.startswith("."))
    return {p.relative_to(static).as_posix(): digest(p.read_bytes()) for p in files}


def _keep_unchanged(jobs: list[OutputJob], old: Manifest, new: Manifest, out: Path, staging: Path) -> list[OutputJob]:
    """Link outputs whose inputs did not change; return the jobs that must be rendered."""
    stale = []
    for job in jobs:
        if old.inputs.get(job.rel) == job.key and job.rel in old.outputs and link_previous(out, staging, job.rel):
            new.outputs[job.rel] = old.outputs[job.rel]
        else:
            stale.append(job)
    return stale


_WORK: dict = {}


def _render_chunk(indices: list[int]) -> list[tuple[str, str, bool]]:
    """Render and write some jobs; runs in a forked worker that inherited _WORK."""
    jobs, renderer, staging, out, old = _WORK["jobs"], _WORK["renderer"], _WORK["staging"], _WORK["out"], _WORK["old"]
    results = []
    for i in indices:
        job = jobs[i]
        data = job.render(renderer).encode("utf-8")
        new_hash, changed = write_file(staging, out, job.rel, data, old.outputs.get(job.rel))
        results.append((job.rel, new_hash, changed))
    return results


def _render_all(jobs, renderer, staging, out, old, new, workers, progress) -> int:
    """Render the stale jobs, in worker processes when there are many; return how many changed."""
    _WORK.update(jobs=jobs, renderer=renderer, staging=staging, out=out, old=old)
    workers = workers or os.cpu_count() or 1
    chunk = 64
    batches = [list(range(i, min(i + chunk, len(jobs)))) for i in range(0, len(jobs), chunk)]
    written = done = 0
    if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
        # fork: workers inherit the validated content, plan and compiled templates for free.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for results in pool.imap_unordered(_render_chunk, batches):
                written, done = _collect(results, new, written, done, len(jobs), progress)
    else:
        for batch in batches:
            written, done = _collect(_render_chunk(batch), new, written, done, len(jobs), progress)
    _WORK.clear()
    return written


def _collect(results, new: Manifest, written: int, done: int, total: int, progress) -> tuple[int, int]:
    for rel, new_hash, changed in results:
        new.outputs[rel] = new_hash
        written += changed
    done += len(results)
    if progress:
        progress(done, total)
    return written, done


def terminal_progress() -> Callable[[int, int], None] | None:
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


__all__ = ["BuildError", "BuildResult", "Paths", "build_site", "load_and_plan", "terminal_progress"]
