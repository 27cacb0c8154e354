"""The pipeline on one screen: fingerprint → load → validate → plan → outputs → render → write → commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .collector import QuietCollector
from .errors import BuildError, ContentError, display_path
from .faults import Fault
from .incremental.fingerprints import CODE_FINGERPRINT, digest, source_fingerprint
from .incremental.manifest import Manifest, ManifestHead
from .incremental.memo import Memo
from .incremental.reads import reading
from .lock import output_lock
from .parallel import fork_map, workers_for
from .paths import Paths, cache_path, refuse_unsafe_output
from .progress import Progress, Steps, terminal_progress
from .search import index_files, indexed_entry, write_index
from .urls import base_url_problem
from .write import Batch, Published, discard_unfinished

if TYPE_CHECKING:
    from collections.abc import Callable

    from .incremental.outputs import Output, ReadKeys
    from .model import Content
    from .plan import SitePlan
    from .render import Renderer

PARALLEL_THRESHOLD = 400
"""Below this many pages to render, forking workers costs more than it saves."""

SHRINK_LIMIT = 0.5
"""A build that would remove more than this share of the published pages is refused unless allowed:
a content folder that lost most of its files should not take most of the site down with it."""


def build_site(
    paths: Paths,
    base_url: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    allow_shrink: bool = False,
    waiting: Callable[[], None] | None = None,
    drafts: bool = False,
) -> BuildResult:
    """Build the whole site; the published one is replaced only if everything succeeded."""
    steps = Steps()
    refuse_unsafe_output(paths)
    with output_lock(paths.out, waiting), QuietCollector() as collector:
        source = source_fingerprint(paths, base_url, drafts)
        live = Published.find(paths.out)
        last = live.head() if live else None
        if last and last.source == source:
            return nothing_changed(paths.out, last, steps)
        previous = live.manifest() if live else Manifest()
        steps.done("manifest")
        memo = Memo(previous=previous.memo if previous.code == CODE_FINGERPRINT else {})
        content, plan = load_and_plan(paths, base_url, memo, workers_for(workers), steps, drafts)
        outputs, keys, renderer = plan_outputs(content, plan, paths, steps)
        work = Work.compare(outputs, keys, previous, static_inputs(paths.static))
        steps.done("outputs")
        work.refuse_shrink(paths.out, allow_shrink)
        collector.resume()
        batch = Batch.open(paths.out, previous, live, work.wanted())
        try:
            rendering = Rendering(renderer, work, batch, paths.static, workers, progress)
            changed = render_and_write(rendering)
            steps.done("render")
            changed = sorted(changed + refresh_search_index(rendering))
            steps.done("search")
            batch.commit(work.manifest(source, len(plan.guides) + len(plan.hubs), memo))
        except BaseException:
            batch.abandon()
            raise
        steps.done("commit")
    return BuildResult.of(work, changed, steps)


def load_and_plan(
    paths: Paths,
    base_url: str | None = None,
    memo: Memo | None = None,
    workers: int = 1,
    steps: Steps | None = None,
    drafts: bool = False,
    choose_noindex: bool = True,
) -> tuple[Content, SitePlan]:
    """Load (reusing the parses kept beside the output), validate and plan; raises BuildError with every problem found."""
    steps = steps or Steps()
    # Imported here, not at the top: a no-change rebuild never needs them, and importing the
    # loader, planner and template engine is most of its start-up time.
    from .load import ParseCache, load_content
    from .plan import plan_pages
    from .validate import validate_content

    steps.done("imports")
    raw = load_content(paths.content, ParseCache(cache_path(paths.out)))
    steps.done("load")
    content = validate_content(raw, base_url)
    refuse_base_url(content.site.base_url, base_url, paths)
    steps.done("validate")
    plan = plan_pages(content, memo, workers, drafts, choose_noindex)
    steps.done("plan")
    return content, plan


def plan_outputs(
    content: Content, plan: SitePlan, paths: Paths, steps: Steps
) -> tuple[list[Output], ReadKeys, Renderer]:
    """Every output file, how a page's key follows from what it reads, and the renderer that will make them."""
    from .incremental.outputs import plan_outputs as outputs_of
    from .render import Renderer

    steps.done("imports")
    outputs, keys = outputs_of(content, plan, paths)
    return outputs, keys, Renderer(content, plan, paths.templates)


def render_only(paths: Paths, rels: set[str], base_url: str | None = None, drafts: bool = False) -> dict[str, bytes]:
    """The named outputs, through the same load, validate, plan and render stages as a build, written nowhere.

    The preview renders the page open in the browser this way first, then builds the rest. One thing
    it does not decide again: whether a guide is noindex, which weighs every guide against the others
    (a third of the time). An open guide keeps the robots tag the last build gave it; the build that
    follows decides afresh and reloads the page if the tag changed."""
    content, plan = load_and_plan(paths, base_url, drafts=drafts, choose_noindex=False)
    outputs, _, renderer = plan_outputs(content, plan, paths, Steps())
    wanted = [o for o in outputs if o.rel in rels]
    plan.noindex = {o.guide for o in wanted if o.guide is not None and _was_noindex(paths.out / o.rel)}
    return {o.rel: renderer.render(o).encode("utf-8") for o in wanted}


def _was_noindex(page: Path) -> bool:
    """Whether the last build's copy of a page tells search engines not to index it."""
    try:
        with open(page, "rb") as f:
            return b'<meta name="robots" content="noindex' in f.read(4096)
    except OSError:
        return False


def refuse_base_url(site_base_url: str, given: str | None, paths: Paths) -> None:
    """A base URL with a query, fragment or password would be copied onto every page: refuse it."""
    problem = base_url_problem(site_base_url)
    if problem:
        where = "--base-url" if given else display_path(paths.content / "site.yaml")
        raise BuildError([ContentError(where, 0, "base_url", problem)])


def nothing_changed(out: Path, last: ManifestHead, steps: Steps) -> BuildResult:
    """Not one input byte changed since the last build: nothing is loaded, rendered or written."""
    steps.done("manifest")
    discard_unfinished(out)
    return BuildResult(last.pages, last.files, 0, last.files, 0, sum(steps.seconds.values()), steps.seconds)


@dataclass
class Work:
    """What this build must render, what it keeps from the last one, and the new manifest's entries."""

    outputs: list[Output]
    stale: list[Output]
    previous: Manifest
    static: dict[str, str]
    """Each static file's fingerprint: its bytes are its only input."""
    keys: ReadKeys
    inputs: dict[str, str]
    """Each output's key: a site file's from what it lists, a page's from what it read."""
    reads: dict[str, list[str]]
    """What each page read when it was last rendered (kept pages keep the last build's)."""
    results: dict[str, str] = field(default_factory=dict)
    """Each output's bytes' fingerprint, filled in as files are kept and written."""
    search: dict[str, str] = field(default_factory=dict)
    """The fingerprint of what the site search indexes of each page (search.py), by file."""
    indexed: dict[str, str] = field(default_factory=dict)
    """What the site search indexes of each page this build rendered, so the index need not read it back."""

    @classmethod
    def compare(cls, outputs: list[Output], keys: ReadKeys, previous: Manifest, static: dict[str, str]) -> Work:
        """Outputs whose key changed or whose file the last build did not write are stale.

        A page is stale when what it read last time fingerprints differently now, or when no
        build has rendered it yet.
        """
        old_keys, old_files, old_reads = previous.inputs, previous.outputs, previous.reads
        inputs, reads, stale = {}, {}, []
        for o in outputs:
            if o.kind == "file":
                inputs[o.rel] = o.key
            elif o.rel in old_reads:
                reads[o.rel] = old_reads[o.rel]
                inputs[o.rel] = keys.key(o, old_reads[o.rel])
            if o.rel not in inputs or old_keys.get(o.rel) != inputs[o.rel] or o.rel not in old_files:
                stale.append(o)
        return cls(outputs, stale, previous, static, keys, inputs, reads)

    def wanted(self) -> set[str]:
        """Every file the new build publishes (the last search index's files are kept until it is rewritten)."""
        return {o.rel for o in self.outputs} | set(self.static) | set(index_files(self.previous.outputs))

    @property
    def removed(self) -> list[str]:
        """The published build's files this one drops."""
        return sorted(set(self.previous.outputs) - self.wanted())

    def refuse_shrink(self, out: Path, allowed: bool) -> None:
        """Refuse to remove more than SHRINK_LIMIT of the published pages unless `allowed`."""
        before = sum(1 for rel in self.previous.outputs if rel.endswith(".html"))
        gone = sum(1 for rel in self.removed if rel.endswith(".html"))
        if allowed or gone <= SHRINK_LIMIT * before:
            return
        why = (
            f"it would remove {gone:,} of the {before:,} published pages ({gone / before:.0%}); "
            "if the content really lost them, build again with --allow-shrink"
        )
        raise Fault(out, "checking what the build would remove", why)

    def manifest(self, source: str, pages: int, memo: Memo) -> Manifest:
        """The manifest this build commits."""
        inputs = {o.rel: self.inputs[o.rel] for o in self.outputs} | self.static
        return Manifest(inputs, self.results, source, pages, CODE_FINGERPRINT, memo.current, self.reads, self.search)


@dataclass(frozen=True)
class Rendering:
    """Everything the render-and-write step needs."""

    renderer: Renderer
    work: Work
    batch: Batch
    static: Path
    workers: int | None
    progress: Progress | None


def render_and_write(r: Rendering) -> list[str]:
    """Keep what is unchanged, render and write what is stale, copy static files; return the files whose bytes changed.

    The search index (refresh_search_index) comes after, as a step of its own: it reads what this wrote."""
    stale = {o.rel for o in r.work.stale}
    to_render = list(r.work.stale)
    for output in r.work.outputs:
        if output.rel not in stale:
            if r.batch.keep(output.rel):
                r.work.results[output.rel] = r.work.previous.outputs[output.rel]
                if output.rel in r.work.previous.search:
                    r.work.search[output.rel] = r.work.previous.search[output.rel]
            else:
                to_render.append(output)
    changed = _render_all(r, to_render)
    changed += r.batch.add_static(r.static, r.work.static)
    r.work.results.update(r.work.static)
    return changed


def refresh_search_index(r: Rendering) -> list[str]:
    """Carry the published search index over when no indexed page changed what it indexes, else rewrite it."""
    previous = r.work.previous
    last = index_files(previous.outputs)
    if last and r.work.search == previous.search and all(r.batch.keep(rel) for rel in last):
        r.work.results.update({rel: previous.outputs[rel] for rel in last})
        return []
    files = write_index(r.batch.site, r.work.search, r.renderer.site.language, r.work.indexed)
    r.work.results.update(files)
    return [rel for rel, fingerprint in files.items() if previous.outputs.get(rel) != fingerprint]


def _render_all(r: Rendering, outputs: list[Output]) -> list[str]:
    """Render outputs, in worker processes when there are many; return those whose bytes changed."""
    workers = workers_for(r.workers) if len(outputs) >= PARALLEL_THRESHOLD else 1
    if workers > 1:
        # What pages share is rendered before the fork, and every worker inherits it.
        r.renderer.warm_up(outputs)
    changed: list[str] = []
    done = 0
    for results in fork_map(_render_one, _Job(r.renderer, r.batch, outputs), range(len(outputs)), workers, chunk=64):
        for index, fingerprint, was_changed, reads, indexed in results:
            output = outputs[index]
            r.work.results[output.rel] = fingerprint
            if indexed:
                r.work.indexed[output.rel], r.work.search[output.rel] = indexed
            if output.kind != "file":
                r.work.reads[output.rel] = reads
                r.work.inputs[output.rel] = r.work.keys.key(output, reads)
            if was_changed:
                changed.append(output.rel)
        done += len(results)
        if r.progress:
            r.progress(done, len(outputs))
    return changed


@dataclass(frozen=True)
class _Job:
    """What a render worker needs; forked workers inherit it."""

    renderer: Renderer
    batch: Batch
    outputs: list[Output]


def _render_one(job: _Job, index: int) -> tuple[int, str, bool, list[str], tuple[str, str] | None]:
    """Render and write one output: its index, the hash of its bytes, whether they changed, what it read,
    and what the site search indexes of it with its fingerprint."""
    output = job.outputs[index]
    with reading() as reads:
        text = job.renderer.render(output)
    fingerprint, changed = job.batch.add(output.rel, text.encode("utf-8"))
    return index, fingerprint, changed, sorted(reads), indexed_entry(text) if output.kind != "file" else None


def static_inputs(static: Path) -> dict[str, str]:
    """Static files take part in the no-change check like pages do."""
    if not static.is_dir():
        return {}
    files = sorted(p for p in static.rglob("*") if p.is_file() and not p.name.startswith("."))
    return {p.relative_to(static).as_posix(): digest(p.read_bytes()) for p in files}


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

    @classmethod
    def of(cls, work: Work, changed: list[str], steps: Steps) -> BuildResult:
        files = len(work.results)  # pages, site files and static files, as the no-change summary counts them
        pages = sum(1 for o in work.outputs if o.kind != "file")
        seconds = sum(steps.seconds.values())
        return cls(pages, files, len(changed), files - len(changed), len(work.removed), seconds, steps.seconds)

    def summary(self, out: Path) -> str:
        """One line: pages, what was written, kept and removed, and the time."""
        return (
            f"Built {self.pages:,} pages ({self.files:,} files) into {out}: {self.written:,} written, "
            f"{self.unchanged:,} unchanged, {self.removed:,} removed in {self.seconds:.2f} s."
        )

    def steps_line(self) -> str:
        """Where the build's seconds went, step by step, for `build --timings`."""
        return "Steps: " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in self.steps.items())


__all__ = ["BuildError", "BuildResult", "Paths", "Steps", "build_site", "load_and_plan", "terminal_progress"]
