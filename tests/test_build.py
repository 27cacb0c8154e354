"""Writing: deterministic, identical serial/parallel/incremental, atomic, and kill-safe."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from conftest import FIXTURE, ROOT, build, tree_digest

import generator.build as build_module
from generator.errors import BuildError
from generator.incremental.manifest import MANIFEST, Manifest
from generator.paths import cache_path
from generator.write import Published


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    build(FIXTURE, tmp_path / "a", workers=1)
    build(FIXTURE, tmp_path / "b", workers=1)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_serial_parallel_and_incremental_builds_are_identical(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(build_module, "PARALLEL_THRESHOLD", 1)
    build(content_dir, tmp_path / "serial", workers=1)
    build(content_dir, tmp_path / "parallel", workers=2)
    incremental = tmp_path / "incremental"
    body = content_dir / "treatments/ocrevus.md"
    original = body.read_text("utf-8")
    body.write_text(original.replace("Plans want", "Most plans want"), "utf-8")
    build(content_dir, incremental, workers=2)
    body.write_text(original, "utf-8")
    build(content_dir, incremental, workers=2)
    assert tree_digest(tmp_path / "serial") == tree_digest(tmp_path / "parallel") == tree_digest(incremental)


# Edits that change what other pages show or link to: a guide's related links, its names in
# other guides' lists, the set of guides. An incremental build must still match a fresh one.
EDITS = {
    "treatment category": ("treatments/ocrevus.md", "category: neurology", "category: cardiology"),
    "payer short name": ("payers/contoso.yaml", "short_name: Contoso\n", "short_name: Contoso Care\n"),
    "payer plan types": ("payers/contoso.yaml", "[employer-self-funded, medicare-advantage]", "[employer-self-funded]"),
    "reason title": ("reasons/step-therapy.yaml", "denied under step therapy", "refused under step therapy"),
    "plan type name": ("plan-types/medicare-advantage.yaml", "short_name: Medicare Advantage", "short_name: MA"),
    "related limits": ("site.yaml", "  same_payer: 3", "  same_payer: 1"),
    # One guide fewer: every later guide's related links are chosen again.
    "payer exclusion": (
        "payers/contoso.yaml",
        "redirect_from:",
        "exclude:\n  - treatment: ocrevus\n    reason: step-therapy\nredirect_from:",
    ),
}


@pytest.mark.parametrize("edit", EDITS)
def test_an_incremental_build_after_an_edit_matches_a_fresh_one(edit: str, content_dir: Path, tmp_path: Path) -> None:
    incremental = tmp_path / "incremental"
    build(content_dir, incremental, workers=1)
    name, old, new = EDITS[edit]
    path = content_dir / name
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")
    result = build(content_dir, incremental, workers=1)
    assert result.written > 0
    assert tree_digest(incremental) == tree_digest(_fresh(content_dir, tmp_path / "fresh"))


def test_no_change_rebuild_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = build(FIXTURE, out, workers=1)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    result = build(FIXTURE, out, workers=1)
    assert result.written == 0 and result.removed == 0
    # Both summaries count the same files: every page, site file and static file, not the manifest.
    files = [p for p in out.rglob("*") if p.is_file() and p.name != ".build-manifest.json"]
    assert first.files == first.written == result.files == result.unchanged == len(files)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_the_manifest_is_one_json_document_whose_small_fields_a_rebuild_reads_first(tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = build(FIXTURE, out, workers=1)
    record = Published.find(out).record
    text = (record / MANIFEST).read_bytes()
    assert text.startswith(b'{"version":') and orjson.loads(text)["files"] == first.files
    whole, head = Manifest.read(record), Manifest.peek(record)
    assert head is not None and (head.source, head.pages, head.files) == (whole.source, whole.pages, len(whole.outputs))
    whole.write(tmp_path / "again.json")
    assert (tmp_path / "again.json").read_bytes() == text


def test_a_manifest_cut_short_is_not_trusted_and_the_rebuild_is_whole(tmp_path: Path) -> None:
    out = tmp_path / "public"
    first = build(FIXTURE, out, workers=1)
    manifest = Published.find(out).record / MANIFEST
    manifest.write_bytes(manifest.read_bytes()[:1000])  # the small fields are still there
    assert Manifest.peek(manifest.parent) is None
    result = build(FIXTURE, out, workers=1)
    assert result.written == result.files == first.files
    assert Manifest.peek(Published.find(out).record) is not None
    assert tree_digest(out) == tree_digest(_fresh(FIXTURE, tmp_path / "fresh"))


def test_editing_one_treatment_rewrites_only_what_shows_it(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    inodes = {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*.html")}
    body = content_dir / "treatments/ocrevus.md"
    body.write_text(body.read_text("utf-8").replace("Plans want", "Most plans want"), "utf-8")
    result = build(content_dir, out, workers=1)
    changed = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*.html")
        if inodes.get(p.relative_to(out).as_posix()) != p.stat().st_ino
    }
    # The treatment's Markdown body is shown on its hub; its guides link there.
    assert changed == {"treatments/ocrevus/index.html"}
    assert result.written == 1


def test_removed_pages_disappear(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    (content_dir / "payers/fabrikam-rx.yaml").unlink()
    result = build(content_dir, out, workers=1)
    assert not (out / "fabrikam-rx").exists()
    assert result.removed == 5  # two guides, the hub and two redirect stubs
    assert tree_digest(out) == tree_digest(_fresh(content_dir, tmp_path / "fresh"))


def _fresh(content: Path, out: Path) -> Path:
    build(content, out, workers=1)
    return out


def test_a_failed_render_leaves_the_previous_output(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "public"
    build(FIXTURE, out, workers=1)
    before = tree_digest(out)

    def explode(self, index: int) -> str:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("generator.render.guide.GuidePages.render", explode)
    (tmp_path / "touch").write_text("x")
    with pytest.raises(RuntimeError):
        build(FIXTURE, out, workers=1, base_url="https://other.example.org")
    assert tree_digest(out) == before
    assert not (tmp_path / ".public.state/builds/b").exists(), "the unpublished build was removed"


def test_no_change_rebuild_does_not_import_the_pipeline(tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(FIXTURE, out, workers=1)
    script = (
        "import sys; from pathlib import Path; from generator.build import build_site; from generator.paths import Paths; "
        f"r = build_site(Paths(Path({str(FIXTURE)!r}), Path({str(out)!r}), Path({str(ROOT / 'templates')!r}), "
        f"Path({str(ROOT / 'static')!r}))); "
        "print(r.written, [m for m in ('jinja2', 'markdown_it', 'yaml', 'generator.plan', 'multiprocessing', 'ctypes') "
        "if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "[]"]


def test_no_change_rebuild_skips_loading(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "public"
    build(FIXTURE, out, workers=1)

    def must_not_load(*args, **kwargs):
        raise AssertionError("loaded content although nothing changed")

    monkeypatch.setattr(build_module, "load_and_plan", must_not_load)
    assert build(FIXTURE, out, workers=1).written == 0


def test_errors_in_files_read_from_the_parse_cache_keep_their_lines(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    assert cache_path(out).is_file(), "the first build kept its parses"
    # The payer file is unchanged, so its parse comes from the cache; the error is in it all the same.
    (content_dir / "plan-types" / "medicare-part-d.yaml").unlink()
    with pytest.raises(BuildError) as failed:
        build(content_dir, out, workers=1)
    lines = [(e.path, e.line, e.field) for e in failed.value.errors]
    assert (str(Path("content/payers/fabrikam-rx.yaml")), 4, "plan_types") in lines


def test_the_cycle_collector_is_back_on_after_a_build_that_worked_or_failed(content_dir: Path, tmp_path: Path) -> None:
    build(content_dir, tmp_path / "public", workers=1)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    (content_dir / "plan-types" / "medicare-part-d.yaml").unlink()
    with pytest.raises(BuildError):
        build(content_dir, tmp_path / "public", workers=1)
    assert gc.isenabled() and gc.get_freeze_count() == 0


PIPELINE_STEPS = ["manifest", "imports", "load", "validate", "plan", "outputs", "render", "search", "commit"]


def test_a_build_reports_the_seconds_of_each_step_and_they_add_up(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    full = build(content_dir, out, workers=1)
    assert list(full.steps) == PIPELINE_STEPS
    assert all(seconds >= 0 for seconds in full.steps.values())
    # Each step runs from the end of the one before, so together they are the build, less its set-up.
    assert 0.9 * full.seconds <= sum(full.steps.values()) <= full.seconds
    body = content_dir / "treatments/ocrevus.md"
    body.write_text(body.read_text("utf-8").replace("Plans want", "Most plans want"), "utf-8")
    assert list(build(content_dir, out, workers=1).steps) == PIPELINE_STEPS
    assert list(build(content_dir, out, workers=1).steps) == ["manifest"], "a no-change rebuild stops there"


def test_build_timings_prints_the_steps_after_the_summary(tmp_path: Path, capsys) -> None:
    from generator.cli import main

    assert (
        main(["build", "--content", str(FIXTURE), "--out", str(tmp_path / "public"), "--jobs", "1", "--timings"]) == 0
    )
    summary, steps = capsys.readouterr().out.strip().splitlines()[-2:]
    assert summary.startswith("Built ") and steps.startswith("Steps: manifest ")
    assert [part.split()[0] for part in steps.removeprefix("Steps: ").split(", ")] == PIPELINE_STEPS
    main(["build", "--content", str(FIXTURE), "--out", str(tmp_path / "public"), "--jobs", "1"])
    assert "Steps:" not in capsys.readouterr().out, "only when asked for"


def test_the_command_line_exits_with_its_code_and_its_output_reaches_a_pipe(content_dir: Path, tmp_path: Path) -> None:
    # python -m generator leaves through os._exit, which skips flushing: a pipe must still get every line.
    out = tmp_path / "public"
    command = [
        sys.executable,
        "-m",
        "generator",
        "build",
        "--content",
        str(content_dir),
        "--out",
        str(out),
        "--timings",
    ]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as on most machines
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Built ") and "\nSteps: manifest " in done.stdout
    (content_dir / "payers/contoso.yaml").write_text("name: [unclosed\n", "utf-8")
    failed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    assert failed.returncode == 1
    assert "contoso.yaml:2: YAML syntax error" in failed.stderr and failed.stdout == ""


def test_a_failing_search_indexer_publishes_nothing(content_dir: Path, tmp_path: Path, monkeypatch) -> None:
    from generator import search
    from generator.faults import Fault

    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    before = tree_digest(out)
    (content_dir / "payers/northwind.yaml").write_text(
        (content_dir / "payers/northwind.yaml")
        .read_text()
        .replace("short_name: Northwind", "short_name: Northwind Two")
    )
    monkeypatch.setattr(search, "indexer", lambda folder: "/bin/false")
    with pytest.raises(Fault, match="writing the search index with Pagefind: pagefind exited 1"):
        build(content_dir, out, workers=1)
    assert tree_digest(out) == before
    monkeypatch.undo()
    build(content_dir, out, workers=1)
    assert (out / "pagefind/pagefind.js").is_file() and tree_digest(out) != before


def test_the_search_index_is_rewritten_only_when_what_it_indexes_changed(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    entry = out / "pagefind/pagefind-entry.json"
    first = entry.stat().st_ino
    treatment = content_dir / "treatments/entresto.md"
    treatment.write_text(treatment.read_text().replace("is above 40%.", "is above 40 percent."))
    assert build(content_dir, out, workers=1).written > 0
    assert entry.stat().st_ino == first  # the pitfall is not indexed: the published index was carried over
    treatment.write_text(treatment.read_text().replace("brand_names: [Entresto]", "brand_names: [Entresto, Neparvis]"))
    build(content_dir, out, workers=1)
    assert entry.stat().st_ino != first
    assert "Neparvis" in (out / "northwind/entresto/step-therapy/index.html").read_text()


def test_the_search_index_lists_the_same_pages_whether_pagefind_reads_from_memory_or_the_temp_folder(
    content_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    # Pagefind numbers pages in the order the folder lists them: in memory (tmpfs) that is the order
    # they were written, sorted; elsewhere it is the file system's (ext4 hashes names with a seed of
    # its own), so only the memory folder gives the same bytes on every machine. Either way the index
    # holds the same pages.
    from generator import search

    assert search.scratch_folder(100) in ("/dev/shm", None)
    assert search.scratch_folder(10**12) is None  # more than memory holds: the temp folder
    build(content_dir, tmp_path / "a", workers=1)
    build(content_dir, tmp_path / "again", workers=1)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "again")
    monkeypatch.setattr(search, "scratch_folder", lambda pages: None)
    build(content_dir, tmp_path / "b", workers=1)
    entries = [json.loads((tmp_path / s / "pagefind/pagefind-entry.json").read_text()) for s in ("a", "b")]
    counts = [{lang: e["page_count"] for lang, e in entry["languages"].items()} for entry in entries]
    assert counts[0] == counts[1] and sum(counts[0].values()) > 10


def test_pagefind_on_huge_pages_writes_the_index_its_default_allocator_writes(tmp_path: Path) -> None:
    # search.PAGEFIND_MALLOC asks Pagefind's allocator for huge pages; the plain way is its default.
    from generator import search

    site = tmp_path / "site"
    build(FIXTURE, site, workers=1)
    source = tmp_path / "pages"
    for page in site.rglob("index.html"):
        part = search.indexed_part(page.read_text("utf-8"))
        if part:
            target = source / page.relative_to(site)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f'<html lang="en"><body>{part}</div></body></html>', "utf-8")
    search._pagefind(str(source), tmp_path / "huge")
    search._pagefind(str(source), tmp_path / "plain", malloc=None)
    assert tree_digest(tmp_path / "huge") == tree_digest(tmp_path / "plain")
    assert (tmp_path / "huge/pagefind-entry.json").is_file()


def test_a_search_index_pagefind_may_have_cut_short_is_refused_and_publishes_nothing(
    content_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    # Pagefind exits 0 when the disk fills under it; a scratch folder left without room counts as full.
    from generator import search
    from generator.faults import Fault

    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    before = tree_digest(out)
    payer = content_dir / "payers/northwind.yaml"
    payer.write_text(payer.read_text().replace("short_name: Northwind", "short_name: Northwind Two"))
    monkeypatch.setattr(search, "FULL_BELOW", 2**62)
    with pytest.raises(Fault, match="writing the search index with Pagefind: the disk is full"):
        build(content_dir, out, workers=1)
    assert tree_digest(out) == before
