"""The pipeline on one screen: load → validate → plan → render → write."""

from __future__ import annotations

import gc
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BuildError
from .fingerprints import CODE_FINGERPRINT, source_fingerprint
from .memo import Memo
from .parallel import fork_map, workers_for
from .write import (
    Manifest,
    cache_path,
    commit,
    commit_in_place,
    copy_static,
    digest,
    discard,
    journal_path,
    link_previous,
    prepare_staging,
    recover_commit,
    write_file,
)

if TYPE_CHECKING:
    from .model import Content
    from .plan import SitePlan

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
    steps: dict[str, float] = field(default_factory=dict)
    """Seconds of each pipeline step (Steps), in the order they ran."""

    def summary(self, out: Path) -> str:
        """One line: pages, what was written, kept and removed, and the time."""
        return (
            f"Built {self.pages:,} pages ({self.files:,} files) into {out}: {self.written:,} written, "
            f"{self.unchanged:,} unchanged, {self.removed:,} removed in {self.seconds:.2f} s."
        )

    def steps_line(self) -> str:
        """Where the build's seconds went, step by step, for `build --timings`."""
        return "Steps: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in self.steps.items())


class Steps:
    """Wall seconds of each step of a build, for `build --timings` and the bench's report.

    A step's time runs from the end of the previous one, so the steps add up to the build's
    time. They show what a profile otherwise had to: on the real content, a one-treatment
    rebuild spends about a third of its time importing the loader, validator and template
    engine (0.11 of 0.35 s), and rendering its 87 pages takes less than that.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.perf_counter()

    def done(self, name: str) -> None:
        """Close the step `name` now; a step closed twice adds up."""
        now = time.perf_counter()
        self.seconds[name] = self.seconds.get(name, 0.0) + now - self._mark
        self._mark = now


def load_and_plan(
    paths: Paths,
    base_url: str | None = None,
    memo: Memo | None = None,
    workers: int = 1,
    parse_cache: Path | None = None,
    steps: Steps | None = None,
) -> tuple[Content, SitePlan]:
    """Load (reusing the parses kept at `parse_cache`), validate and plan (over `workers` processes
    where it pays); raises BuildError with every problem found."""
    steps = steps or Steps()
    # Imported here, not at the top: a no-change rebuild never needs them, and importing the
    # loader, planner and template engine is most of its start-up time.
    from .load import ParseCache, load_content
    from .plan import plan_pages
    from .validate import validate_content

    steps.done("imports")
    raw = load_content(paths.content, ParseCache(parse_cache))
    steps.done("load")
    content = validate_content(raw, base_url)
    steps.done("validate")
    plan = plan_pages(content, memo, workers)
    steps.done("plan")
    return content, plan


def build_site(
    paths: Paths,
    base_url: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BuildResult:
    """Build the whole site; the previous output is replaced only if everything succeeded."""
    started = time.perf_counter()
    steps = Steps()
    recover_commit(paths.out)
    with _QuietCollector() as collector:
        source = source_fingerprint(paths, base_url)
        last = Manifest.peek(paths.out)
        if last and last.source == source:
            # Not one input byte changed: skip loading and planning altogether (a manifest that
            # could be read means the output folder is there).
            steps.done("manifest")
            discard(paths.out)
            seconds = time.perf_counter() - started
            return BuildResult(last.pages, last.files, 0, last.files, 0, seconds, steps.seconds)
        old = Manifest.read(paths.out)
        steps.done("manifest")
        # Planning's memo is only as good as the code that wrote it.
        memo = Memo(previous=old.memo if old.code == CODE_FINGERPRINT else {})
        content, plan = load_and_plan(paths, base_url, memo, workers_for(workers), cache_path(paths.out), steps)
        from .keys import plan_outputs
        from .render import Renderer

        steps.done("imports")
        renderer = Renderer(content, plan, paths.templates)
        jobs = plan_outputs(content, plan, renderer, paths)
        pages = len(plan.guides) + len(plan.hubs)
        static = static_inputs(paths.static)
        new = Manifest(
            inputs={job.rel: job.key for job in jobs} | static,
            source=source,
            pages=pages,
            code=CODE_FINGERPRINT,
            memo=memo.current,
        )
        stale = [job for job in jobs if old.inputs.get(job.rel) != job.key or job.rel not in old.outputs]
        removed = sorted(set(old.outputs) - set(new.inputs))
        in_place = paths.out.is_dir() and bool(old.outputs) and len(stale) + len(removed) <= len(jobs) // 2
        steps.done("outputs")
        collector.resume()
        staging = prepare_staging(paths.out)
        try:
            if in_place:
                changed = _build_in_place(jobs, stale, renderer, staging, paths, old, new, static, workers, progress)
                steps.done("render")
                commit_in_place(staging, paths.out, changed, removed, new)
            else:
                changed = _build_whole(jobs, stale, renderer, staging, paths, old, new, static, workers, progress)
                steps.done("render")
                commit(staging, paths.out, new)
        except BaseException:
            if not journal_path(paths.out).exists():
                discard(paths.out)
            raise
        steps.done("commit")
        files = len(new.outputs)  # pages, site files and static files, as the no-change summary counts them
        return BuildResult(
            pages, files, len(changed), files - len(changed), len(removed), time.perf_counter() - started, steps.seconds
        )


class _QuietCollector:
    """Python's cycle collector held off while the build reads, plans and fingerprints, then
    let run over new objects only.

    Those steps make millions of small objects and no reference cycles (gc.collect() finds
    nothing unreachable after them on the 10,000-page bench site), yet each of the
    collector's full passes walks every object alive: at 100,000 pages, planning and
    fingerprinting took 4.2 s with the collector and 2.3 s without (same process, tmpfs).
    Rendering runs templates, so there the collector runs again, but what planning made is
    frozen first. Otherwise its first pass would walk all of it at once: 0.19-0.28 s at
    100,000 pages, for the 800,000 objects made while it was held off.
    """

    def __enter__(self) -> _QuietCollector:
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


def _build_whole(jobs, stale, renderer, staging, paths, old, new, static, workers, progress) -> list[str]:
    """A complete new tree in staging: unchanged files are hard-linked from the previous output."""
    stale_rels = {job.rel for job in stale}
    for job in jobs:
        if job.rel not in stale_rels:
            if link_previous(paths.out, staging, job.rel):
                new.outputs[job.rel] = old.outputs[job.rel]
            else:
                stale.append(job)
    changed = _render_all(stale, renderer, staging, paths.out, old, new, workers, progress, link_same=True)
    for rel in copy_static(paths.static, staging):
        new.outputs[rel] = static[rel]  # a static file's bytes are its only input
        if old.outputs.get(rel) != static[rel]:
            changed.append(rel)
    return changed


def _build_in_place(jobs, stale, renderer, staging, paths, old, new, static, workers, progress) -> list[str]:
    """Only the files whose bytes change go to staging; everything else stays where it is."""
    stale_rels = {job.rel for job in stale}
    for job in jobs:
        if job.rel not in stale_rels:
            new.outputs[job.rel] = old.outputs[job.rel]
    changed = _render_all(stale, renderer, staging, paths.out, old, new, workers, progress, link_same=False)
    for rel, fingerprint in static.items():
        new.outputs[rel] = fingerprint
        if old.outputs.get(rel) != fingerprint:
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(paths.static / rel, staging / rel)
            changed.append(rel)
    return changed


def static_inputs(static: Path) -> dict[str, str]:
    """Static files take part in the no-change check like pages do."""
    if not static.is_dir():
        return {}
    files = sorted(p for p in static.rglob("*") if p.is_file() and not p.name.startswith("."))
    return {p.relative_to(static).as_posix(): digest(p.read_bytes()) for p in files}


@dataclass(frozen=True)
class _RenderState:
    """What a render worker needs; forked workers inherit it."""

    jobs: list
    renderer: object
    staging: Path
    out: Path
    old: Manifest
    link_same: bool


def _render_one(state: _RenderState, index: int) -> tuple[str, str, bool]:
    """Render and write one job: its path, the hash of its bytes, and whether they changed."""
    job = state.jobs[index]
    data = job.render(state.renderer).encode("utf-8")
    new_hash, changed = write_file(
        state.staging, state.out, job.rel, data, state.old.outputs.get(job.rel), state.link_same
    )
    return job.rel, new_hash, changed


def _render_all(jobs, renderer, staging, out, old, new, workers, progress, link_same: bool) -> list[str]:
    """Render the stale jobs, in worker processes when there are many; return those whose bytes changed."""
    workers = workers_for(workers) if len(jobs) >= PARALLEL_THRESHOLD else 1
    if workers > 1:
        # Fragments rendered before the fork are shared by every worker instead of rendered in each.
        renderer.warm_up(job.guide for job in jobs if job.guide is not None)
    state = _RenderState(jobs, renderer, staging, out, old, link_same)
    changed: list[str] = []
    done = 0
    for results in fork_map(_render_one, state, range(len(jobs)), workers, chunk=64):
        done = _collect(results, new, changed, done, len(jobs), progress)
    return sorted(changed)


def _collect(results, new: Manifest, changed: list[str], done: int, total: int, progress) -> int:
    for rel, new_hash, was_changed in results:
        new.outputs[rel] = new_hash
        if was_changed:
            changed.append(rel)
    done += len(results)
    if progress:
        progress(done, total)
    return done


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


__all__ = ["BuildError", "BuildResult", "Paths", "Steps", "build_site", "load_and_plan", "terminal_progress"]
