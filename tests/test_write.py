"""Publishing: the output is a link switched to a whole new build, private files stay beside it, and a
build refuses output folders and shrinkage that would destroy what it does not own."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT, build, fixture_paths, tree_digest

import generator.cli as cli
import generator.write as write
from generator.build import build_site
from generator.faults import Fault, Refused
from generator.incremental.manifest import MANIFEST, Manifest
from generator.paths import Paths, cache_path, lock_path, slot_path, state_path
from generator.write import Published

# A criterion shows on the Ocrevus guides without a payer policy and on its hub: four pages.
EDIT = ("treatments/ocrevus.md", "with MRI evidence", "with recent MRI evidence")
SECOND_EDIT = ("treatments/ocrevus.md", "with recent MRI evidence", "with new MRI evidence")


def edit(content: Path, change: tuple[str, str, str]) -> None:
    name, old, new = change
    path = content / name
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def fresh(content: Path, out: Path) -> dict[str, str]:
    build(content, out, workers=1)
    return tree_digest(out)


def test_the_output_is_a_link_to_a_whole_build_and_holds_only_site_files(tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = build(FIXTURE, out, workers=1)
    assert os.readlink(out) == ".public.state/builds/a/site"
    published = tree_digest(out)
    manifest = Manifest.read(Published.find(out).record)
    assert set(published) == set(manifest.outputs) and len(published) == result.files
    assert not [rel for rel in published if any(part.startswith(".") for part in rel.split("/"))]
    for private in (Published.find(out).record / MANIFEST, cache_path(out), lock_path(out)):
        assert private.exists() and private.is_relative_to(state_path(out))
    assert sorted(p.name for p in tmp_path.iterdir()) == [".public.state", "public"]


def test_each_build_goes_to_the_other_folder_and_a_small_edit_writes_only_what_changed(
    content_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    first = fresh(content_dir, out)
    edit(content_dir, EDIT)
    build(content_dir, out, workers=1)  # into b: links every unchanged file from a, writes 4 pages
    assert os.readlink(out).endswith("/b/site")
    second = tree_digest(out)
    assert tree_digest(write.site_path(out, "a")) == first, "the build before stays whole beside it"
    edit(content_dir, SECOND_EDIT)
    calls: list[str] = []
    real_link = os.link
    monkeypatch.setattr(write, "FAULTS", lambda step, path: calls.append(step))
    monkeypatch.setattr(write.os, "link", lambda a, b: (calls.append("os.link"), real_link(a, b))[1])
    result = build(content_dir, out, workers=1)  # into a again: it has all but the pages b changed
    assert os.readlink(out).endswith("/a/site")
    assert result.written == 4 and calls.count("write") == 4
    assert calls.count("os.link") == 0, "the pages the last edit changed are written anew, the rest were in place"
    assert tree_digest(write.site_path(out, "b")) == second
    assert tree_digest(out) == fresh(content_dir, tmp_path / "fresh")


def test_reverting_an_edit_links_the_pages_back_from_the_published_build(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    original = fresh(content_dir, out)
    edit(content_dir, EDIT)
    build(content_dir, out, workers=1)
    inodes = {p: (out / p).stat().st_ino for p in original}
    name, old, new = EDIT
    edit(content_dir, (name, new, old))
    result = build(content_dir, out, workers=1)
    assert result.written == 4 and tree_digest(out) == original
    kept = [p for p in original if (out / p).stat().st_ino == inodes[p]]
    assert len(kept) == len(original) - 4, "unchanged files keep their inode, and so their modification time"


def test_an_older_versions_output_is_moved_out_of_the_folder(tmp_path: Path) -> None:
    built = tmp_path / "built"
    build(FIXTURE, built, workers=1)
    out = tmp_path / "public"  # what earlier versions left: the site with its manifest inside, and a cache beside it
    shutil.copytree(built, out)
    shutil.copy(Published.find(built).record / MANIFEST, out / MANIFEST)
    (tmp_path / ".public.cache").mkdir()
    (tmp_path / ".public.cache" / "parsed.pickle").write_bytes(b"old")
    inode = (out / "index.html").stat().st_ino
    result = build(FIXTURE, out, workers=1)
    assert result.written == 0, "its manifest is trusted: every page is linked from it"
    assert out.is_symlink() and tree_digest(out) == tree_digest(built)
    assert (out / "index.html").stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == [".built.state", ".public.state", "built", "public"]


def test_an_older_versions_output_cut_short_in_place_is_rebuilt_whole(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.mkdir()
    (out / MANIFEST).write_bytes((Path(__file__).parent / "golden" / "fixture-site.sha256").read_bytes())
    (out / "stale.html").write_text("half committed")
    (tmp_path / ".public.journal.json").write_text("{}")
    result = build(FIXTURE, out, workers=1)
    assert result.written == result.files and not (out / "stale.html").exists()
    assert not (tmp_path / ".public.journal.json").exists()


def _refusal(paths: Paths) -> str:
    with pytest.raises(Refused) as refused:
        build_site(paths, workers=1)
    return str(refused.value)


def project(tmp_path: Path) -> Paths:
    """A scratch project folder with the fixture content and copies of the templates and static files."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root / "content")
    shutil.copytree(ROOT / "templates", root / "templates")
    shutil.copytree(ROOT / "static", root / "static")
    (root / ".git").mkdir()
    return Paths.from_project(root)


@pytest.mark.parametrize(
    ("out", "why"),
    [
        ("project", "it is the project folder"),
        (".", "it holds the project folder {root}"),
        ("project/content", "it is the content folder"),
        ("project/content/payers", "it lies inside the content folder {root}/content"),
        ("project/templates", "it is the templates folder"),
        ("project/static/css", "it lies inside the static folder {root}/static"),
    ],
)
def test_an_output_folder_that_overlaps_the_project_is_refused(tmp_path: Path, out: str, why: str) -> None:
    paths = project(tmp_path)
    before = tree_digest(tmp_path)
    target = (tmp_path / out).resolve()
    message = _refusal(Paths(paths.content, target, paths.templates, paths.static, paths.root))
    why = why.format(root=paths.root)
    assert (
        message
        == f"{target}: checking the output folder: {why}, which a build would replace; the previous site is unchanged"
    )
    assert tree_digest(tmp_path) == before and not list(tmp_path.glob(".*.state"))


def test_out_dot_in_the_checkout_is_refused_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    paths = project(tmp_path)
    monkeypatch.chdir(paths.root)
    monkeypatch.setattr(cli, "PROJECT", paths.root)
    before = tree_digest(paths.root)
    assert cli.main(["build", "--out", "."]) == 2
    expected = ".: checking the output folder: it is the project folder, which a build would replace; the previous site is unchanged\n"
    assert capsys.readouterr().err == expected
    assert tree_digest(paths.root) == before


def test_an_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.write_text("my notes")
    message = _refusal(fixture_paths(FIXTURE, out))
    assert message == (
        f"{out}: checking the output folder: it is a file, not a folder; a build would replace it with the site;"
        " the previous site is unchanged"
    )
    assert out.read_text() == "my notes"


def test_a_folder_no_build_made_is_refused_and_an_empty_one_is_used(tmp_path: Path) -> None:
    out = tmp_path / "public"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert "it is a folder that no build made (it has no build manifest)" in _refusal(fixture_paths(FIXTURE, out))
    assert (out / "keep.txt").read_text() == "mine"
    (out / "keep.txt").unlink()
    build(FIXTURE, out, workers=1)
    assert out.is_symlink() and (out / "index.html").is_file()


def test_a_repository_is_refused_even_with_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "public"
    (out / ".git").mkdir(parents=True)
    (out / MANIFEST).write_text("{}")
    assert "it is a repository's working folder" in _refusal(fixture_paths(FIXTURE, out))


@pytest.mark.parametrize("target", ["elsewhere", "missing"])
def test_a_link_no_build_made_is_refused_and_left_alone(tmp_path: Path, target: str) -> None:
    out = tmp_path / "public"
    if target == "elsewhere":
        (tmp_path / target).mkdir()
        (tmp_path / target / "index.html").write_text("theirs")
    out.symlink_to(target)
    assert _refusal(fixture_paths(FIXTURE, out)) == (
        f"{out}: checking the output folder: it is a symbolic link to {target} that no build made;"
        " remove it, or pass that folder as --out; the previous site is unchanged"
    )
    assert os.readlink(out) == target
    assert target == "missing" or (tmp_path / target / "index.html").read_text() == "theirs"


def shrink(content: Path) -> None:
    """Most of the content gone: two of the three payers and their notes."""
    for name in ("contoso.yaml", "northwind.yaml"):
        (content / "payers" / name).unlink()
    shutil.rmtree(content / "payers" / "northwind")


def test_a_build_that_would_remove_most_pages_is_refused_unless_allowed(
    content_dir: Path, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "public"
    before = fresh(content_dir, out)
    pages = sum(1 for rel in before if rel.endswith(".html"))
    shrink(content_dir)
    command = ["build", "--content", str(content_dir), "--out", str(out), "--jobs", "1"]
    assert cli.main(command) == 1
    message = capsys.readouterr().err
    assert tree_digest(out) == before
    result = build(content_dir, out, workers=1, allow_shrink=True)
    gone = sum(1 for rel in set(before) - set(tree_digest(out)) if rel.endswith(".html"))
    assert gone == result.removed > pages // 2
    assert message == (
        f"{out}: checking what the build would remove: it would remove {gone} of the {pages} published pages "
        f"({gone / pages:.0%}); if the content really lost them, build again with --allow-shrink;"
        " the previous site is unchanged\n"
    )


def test_removing_up_to_half_the_pages_needs_no_permission(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    (content_dir / "payers/fabrikam-rx.yaml").unlink()
    assert build(content_dir, out, workers=1).removed == 5


def test_a_fault_raised_in_a_worker_survives_pickling() -> None:
    import pickle

    fault = Fault("public", "writing the new site", "the disk is full")
    again = pickle.loads(pickle.dumps(fault))
    assert (type(again), str(again), again.code) == (Fault, str(fault), 1)
    assert str(fault) == "public: writing the new site: the disk is full; the previous site is unchanged"


def test_a_failed_build_leaves_no_folder_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "public"
    before = fresh(FIXTURE, out)

    def fail(step: str, path: str) -> None:
        if step == "manifest":
            raise RuntimeError("a bug")

    monkeypatch.setattr(write, "FAULTS", fail)
    with pytest.raises(RuntimeError):
        build(FIXTURE, out, workers=1, base_url="https://other.example.org")
    assert tree_digest(out) == before
    assert not slot_path(out, "b").exists() and not (state_path(out) / "link").exists()


def test_an_interrupt_just_after_the_switch_keeps_the_new_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    build(FIXTURE, out, workers=1)

    def interrupt(step: str, path: str) -> None:
        if step == "published":
            raise KeyboardInterrupt

    monkeypatch.setattr(write, "FAULTS", interrupt)
    with pytest.raises(KeyboardInterrupt):
        build(FIXTURE, out, workers=1, base_url="https://other.example.org")
    monkeypatch.setattr(write, "FAULTS", None)
    assert os.readlink(out).endswith("/b/site") and slot_path(out, "b").joinpath(MANIFEST).is_file()
    assert build(FIXTURE, out, workers=1, base_url="https://other.example.org").written == 0


def test_a_build_after_the_output_link_was_deleted_reuses_its_folder_and_checks_each_folder_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `rm -rf public` leaves the builds beside it: the next build reuses the old folder, removing the
    # files it no longer wants (the search index's, which it writes afresh) and the folders they leave
    # empty, looking at each folder once rather than once per file removed from it.
    out = tmp_path / "public"
    first = fresh(FIXTURE, out)
    os.unlink(out)
    looked: list[Path] = []
    is_empty = write._is_empty
    monkeypatch.setattr(write, "_is_empty", lambda folder: looked.append(folder) or is_empty(folder))
    build(FIXTURE, out, workers=1)
    assert tree_digest(out) == first
    assert looked and len(looked) == len(set(looked))
    assert any(folder.name == "fragment" for folder in looked), (
        "the search index's files were removed and written again"
    )


def test_folders_left_empty_are_removed_up_to_the_site_and_no_further(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for folder in ("a/b/c", "a/d", "e/f"):
        (site / folder).mkdir(parents=True)
    (site / "a/d/kept.html").write_text("x", "utf-8")
    write._remove_empty_folders({site / "a/b/c", site / "e/f", site / "gone/already"}, site)
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*")) == ["a", "a/d", "a/d/kept.html"]
