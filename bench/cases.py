"""The timed cases, each build in its own child process, and the rounds that run them."""

from __future__ import annotations

import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.paths import private_paths

from .hugo_compare import prepare_hugo_site, time_hugo
from .processes import BenchError, run_child
from .settings import CASE_LABELS, CASES, CODE, FLOORS, JOBS
from .sites import BenchSite, prepare_site
from .vocabulary import PAYER_EDIT_SENTENCE

WRAPPER = """
import json, os, resource, subprocess, sys, time
from pathlib import Path
a = json.loads(sys.argv[1])
sys.path.insert(0, a["code"])  # the checkout being timed wins over the one in the current folder
from generator.build import Paths, build_site
started = time.perf_counter()
if a["clean"]:
    # `rm -rf`, as the delete-then-copy floor and Hugo's case delete, so all three pay the same
    # for it (a copy of the 10,000-page output on this VM's disk: 4.5-4.9 s, and 5.3-5.8 s with
    # shutil.rmtree). What a build keeps beside the output goes too (the parse cache, the
    # previous build folders), so a full build starts cold.
    subprocess.run(["rm", "-rf", a["out"], *a["private"]], check=True)
cleaned = time.perf_counter() - started
r = build_site(Paths(Path(a["content"]), Path(a["out"]), Path(a["templates"]), Path(a["static"])), workers=a["jobs"])
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({
    "pages": r.pages, "files": r.files, "written": r.written, "unchanged": r.unchanged, "removed": r.removed,
    "build_seconds": r.seconds, "clean_seconds": cleaned, "inner_seconds": time.perf_counter() - started,
    **{f"step_{name}": seconds for name, seconds in getattr(r, "steps", {}).items()},  # older code has no steps
    "cpu_seconds": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    "rss_self_kb": me.ru_maxrss,
    "rss_children_kb": kids.ru_maxrss,
}))
sys.stdout.flush()
os._exit(0)  # as `python -m generator` leaves: without freeing every object first
"""
"""Runs one build in-process and reports its own peak memory and CPU time (its workers
included): the parent's RUSAGE_CHILDREN only keeps the largest child so far, so per-case
figures must come from the case itself. CPU seconds drift less than wall seconds when other
work on the host slows the machine down."""


def run_case(site: BenchSite, clean: bool = False) -> dict:
    """Time one build in a fresh interpreter, as `python -m generator build --jobs 2` would run."""
    args = {
        "content": str(site.content),
        "out": str(site.out),
        "templates": str(site.templates),
        "static": str(CODE / "static"),
        "jobs": JOBS,
        "clean": clean,
        "private": [str(p) for p in private_paths(site.out)],  # this layout's and older ones', for BENCH_CODE
        "code": str(CODE),
    }
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(CODE), os.environ.get("PYTHONPATH")])))
    started = time.perf_counter()
    returncode, stdout, stderr = run_child([sys.executable, "-c", WRAPPER, json.dumps(args)], env, site.timeout)
    wall = time.perf_counter() - started
    if returncode != 0:
        raise BenchError(f"build of {site.content} failed (exit {returncode}):\n{stderr.strip()[-3000:]}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
    return {
        "wall_seconds": wall,
        **{k: v for k, v in figures.items() if not k.endswith("_kb")},
        "rss_main_mb": figures["rss_self_kb"] / scale,
        "rss_workers_mb": figures["rss_children_kb"] / scale,
    }


def time_copy(src: Path, dest: Path, delete_first: bool = False) -> dict:
    """The disk floor: wall time of `cp -r` of the finished output into a fresh folder.

    With `delete_first`, an old copy is deleted inside the same timing, as the full-build case
    deletes the old output: on some disks (ext4 mounted with `discard` on this VM) writing right
    after a large delete is several times slower than writing to fresh space.
    """
    shutil.rmtree(dest, ignore_errors=True)
    # The trailing slash makes cp copy what the output link points at, not the link itself.
    copy = ["cp", "-r", f"{src}/", str(dest)]
    if delete_first:
        subprocess.run(copy, check=True)
    started = time.perf_counter()
    if delete_first:
        subprocess.run(["rm", "-rf", str(dest)], check=True)
    deleted = time.perf_counter()
    subprocess.run(copy, check=True)
    wall = time.perf_counter() - started
    files = sum(len(names) for _, _, names in os.walk(dest))
    shutil.rmtree(dest)  # the copy is only for timing; at 100k pages it is gigabytes
    figures = {"wall_seconds": wall, "files": files}
    return figures | ({"delete_seconds": deleted - started} if delete_first else {})


@contextmanager
def edited(path: Path, edit: Callable[[str], str]) -> Iterator[None]:
    """Apply an edit for the length of one case; the original bytes always come back."""
    original = path.read_bytes()
    text = original.decode("utf-8")
    changed = edit(text)
    if changed == text:
        raise BenchError(f"the bench edit did not change {path}")
    path.write_text(changed, "utf-8")
    try:
        yield
    finally:
        path.write_bytes(original)


def _edit_template(text: str) -> str:
    """An HTML comment inside the last block, so every guide page's bytes change (outside a block Jinja drops it)."""
    at = text.rfind("{% endblock %}")
    comment = "<!-- edited by the benchmark -->\n"
    return text[:at] + comment + text[at:] if at >= 0 else text + comment


def edits(site: BenchSite) -> list[tuple[str, Path, Callable[[str], str]]]:
    """The three edit cases: one treatment body, one payer's notes, the guide template."""
    treatment = sorted((site.content / "treatments").glob("*.md"))[0]
    payer = sorted((site.content / "payers").glob("*.yaml"))[0]
    return [
        ("edit_treatment", treatment, lambda t: t.rstrip("\n") + "\n\nThis sentence was added by the benchmark.\n"),
        ("edit_payer", payer, lambda t: t.replace(PAYER_EDIT_SENTENCE, "Keep a dated copy of everything you send.", 1)),
        ("edit_template", site.templates / "guide.html", _edit_template),
    ]


def run_round(site: BenchSite, hugo: str | None = None) -> dict[str, dict]:
    """One run of every case, in order, ending with the output back in its base state."""
    results = {"full": run_case(site, clean=True), "no_change": run_case(site)}
    for case, path, edit in edits(site):
        with edited(path, edit):
            results[case] = run_case(site)
        run_case(site)  # untimed: back to the base output, so the next case starts from it
    results["cp_floor"] = time_copy(site.out, site.root / "cp-floor")
    results["rm_cp_floor"] = time_copy(site.out, site.root / "cp-floor", delete_first=True)
    if hugo:
        results["hugo"] = time_hugo(hugo, site)
    return results


def medians(runs: list[dict]) -> dict:
    """The median of every figure over the runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def compile_code() -> None:
    """Bytecode for the timed code, as an installed or once-run generator has it.

    Where PYTHONDONTWRITEBYTECODE is set (as on the machine this bench was written on), each
    build would otherwise compile every module of the generator again: about 45 ms a case.
    """
    compileall.compile_dir(CODE / "generator", quiet=1)


def bench_size(size: int, runs: int, hugo: str | None = None) -> dict:
    """Prepare one size, run every case `runs` times and return its figures."""
    site, stamp = prepare_site(size)
    compile_code()
    if hugo:
        prepare_hugo_site(site)
        time_hugo(hugo, site)  # untimed: Hugo's binary and the exported data in the page cache, as ours are
    load_before = os.getloadavg()
    rounds = []
    for n in range(runs):
        round_ = run_round(site, hugo)
        rounds.append(round_)
        summary = ", ".join(f"{CASE_LABELS[c]} {r['wall_seconds']:.2f} s" for c, r in round_.items())
        print(f"  {size:,} pages, run {n + 1}/{runs}: {summary}", flush=True)
    references = (*FLOORS, "hugo") if hugo else FLOORS
    cases = {}
    for case in (*CASES, *references):
        figures = [r[case] for r in rounds]
        cases[case] = {"runs": figures, "median": medians(figures)}
    full = cases["full"]["median"]["wall_seconds"]
    floors = {case: cases[case]["median"]["wall_seconds"] for case in references}
    return {
        "size": size,
        "content": stamp,
        "folder": str(site.root),
        # Other work on the machine skews every figure; the load average shows when it did.
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "cases": cases,
        **{f"full_over_{case}": full / floor if floor else None for case, floor in floors.items()},
    }
