"""The bench's report: the machine, a table per size, and the JSON file."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from .settings import CASE_LABELS, CASES, FLOORS, JOBS


def machine_info() -> dict:
    """Enough about the machine to compare reports: cores, Python, platform and date."""
    info = {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:
        info["memory_gb"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return info


def format_table(result: dict) -> str:
    """One size's medians as a table, with the cp -r floor and the full-build / floor ratio."""
    c = result["content"]
    lines = [
        f"Synthetic site for {result['size']:,}: {c['guides']:,} guide pages + {c['hubs']:,} hubs "
        f"({c['payers']} payers, {c['treatments']} treatments, {c['pairs']} pair notes, {c['redirects']} redirects); "
        f"medians of {len(result['cases']['full']['runs'])} run(s), --jobs {JOBS}",
        f"{'case':<22}{'wall s':>9}{'build s':>9}{'CPU s':>8}{'pages/s':>10}{'written':>10}{'peak RSS MB':>13}"
        f"{'workers MB':>12}",
    ]
    for case in CASES:
        m = result["cases"][case]["median"]
        rate = m["pages"] / m["wall_seconds"] if m["wall_seconds"] else 0
        lines.append(
            f"{CASE_LABELS[case]:<22}{m['wall_seconds']:>9.2f}{m['build_seconds']:>9.2f}{m['cpu_seconds']:>8.2f}{rate:>10,.0f}"
            f"{m['written']:>10,.0f}{m['rss_main_mb']:>13.0f}{m['rss_workers_mb']:>12.0f}"
        )
    references = [case for case in (*FLOORS, "hugo") if case in result["cases"]]
    for case in references:
        floor = result["cases"][case]["median"]
        # A floor copies our output; Hugo's row counts the pages Hugo made (no redirect stubs, fewer hubs).
        pages = floor.get("pages", result["cases"]["full"]["median"]["pages"])
        rate = pages / floor["wall_seconds"] if floor["wall_seconds"] else 0
        lines.append(
            f"{CASE_LABELS[case]:<22}{floor['wall_seconds']:>9.2f}{'':>17}{rate:>10,.0f}{floor['files']:>10,.0f} files"
        )
    for case in references:
        ratio = result.get(f"full_over_{case}")
        lines.append(
            f"full build / {CASE_LABELS[case]}: {ratio:.1f}x" if ratio else f"full build / {CASE_LABELS[case]}: n/a"
        )
    lines += _steps_lines(result)
    full = result["cases"]["full"]["median"]
    lines.append(
        f"(wall s is the whole child process: the full build's includes {full['clean_seconds']:.2f} s deleting the "
        f"old output and {full['wall_seconds'] - full['inner_seconds']:.2f} s of Python start-up and imports)"
    )
    return "\n".join(lines)


def _steps_lines(result: dict) -> list[str]:
    """Each case's build seconds by pipeline step (medians), where the timed code reports them."""
    lines = []
    for case in CASES:
        m = result["cases"][case]["median"]
        steps = [(key.removeprefix("step_"), value) for key, value in m.items() if key.startswith("step_")]
        if steps:
            lines.append(f"  {CASE_LABELS[case]}: " + ", ".join(f"{name} {value:.2f}" for name, value in steps))
    return ["steps, build s (median per step):", *lines] if lines else []


def write_report(out: Path, report: dict) -> None:
    """The JSON report, creating its folder."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
