"""Faults: a full or read-only disk, Ctrl-C, two builds at once and a kill at every step each leave one
whole build published, print one line, and leave nothing half written behind; a bug still shows its traceback.

Faults are injected through `generator.write.FAULTS`, which a build calls before each step that
changes the disk, so the tests run anywhere, as root in CI too, where file modes stop nothing.
"""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURE, build, tree_digest

import generator.build as build_module
import generator.write as write
from generator.cli import main
from generator.faults import Fault, Refused
from generator.paths import SLOTS, slot_path, state_path

CHANGED = "https://changed.example.org"
ONE_LINE = "the previous site is unchanged\n"


def at(step: str, number: int, action: Callable[[], None]) -> Callable[[str, str], None]:
    """A FAULTS hook that runs `action` the `number`th time the build reaches `step`."""
    seen = {"count": 0}

    def hook(name: str, path: str) -> None:
        if name == step:
            seen["count"] += 1
            if seen["count"] == number:
                action()

    return hook


def raising(code: int) -> Callable[[], None]:
    def fail() -> None:
        raise OSError(code, os.strerror(code))

    return fail


def leftovers(out: Path) -> list[str]:
    """What a build keeps beside the output that is not a published or reusable build."""
    state = state_path(out)
    found = [p.name for p in state.iterdir() if p.name not in ("builds", "cache", "lock")]
    for slot in SLOTS:
        folder = slot_path(out, slot)
        if folder.exists() and not (folder / ".build-manifest.json").is_file():
            found.append(f"builds/{slot} without a manifest")
    return found


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The fixture site built once, and the digest of what it published."""
    out = tmp_path / "public"
    build(FIXTURE, out, workers=1)
    return out, tree_digest(out)


def command(out: Path, *extra: str) -> list[str]:
    return ["build", "--content", str(FIXTURE), "--out", str(out), "--jobs", "1", *extra]


@pytest.mark.parametrize(
    ("step", "number", "doing"),
    [
        ("write", 1, "writing the new site"),
        ("write", 20, "writing the new site"),
        ("manifest", 1, "publishing the new site"),
        ("link", 1, "publishing the new site"),
    ],
)
def test_a_full_disk_fails_in_one_line_and_leaves_the_site(
    published, step: str, number: int, doing: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    out, before = published
    monkeypatch.setattr(write, "FAULTS", at(step, number, raising(errno.ENOSPC)))
    assert main(command(out, "--base-url", CHANGED)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith(f": {doing}: the disk is full (No space left on device); {ONE_LINE}")
    assert err.startswith(str(slot_path(out, "b")))
    assert tree_digest(out) == before and leftovers(out) == [] and not slot_path(out, "b").exists()


@pytest.mark.parametrize(
    ("code", "step", "why"),
    [
        (
            errno.EROFS,
            "prepare",
            "preparing the new build's folder: the file system is read-only (Read-only file system)",
        ),
        (errno.EACCES, "prepare", "preparing the new build's folder: permission denied (Permission denied)"),
        (errno.EROFS, "switch", "publishing the new site: the file system is read-only (Read-only file system)"),
    ],
)
def test_a_read_only_output_fails_in_one_line(
    published, code: int, step: str, why: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    out, before = published
    monkeypatch.setattr(write, "FAULTS", at(step, 1, raising(code)))
    assert main(command(out, "--base-url", CHANGED)) == 1
    assert capsys.readouterr().err.endswith(f": {why}; {ONE_LINE}")
    assert tree_digest(out) == before and leftovers(out) == []


def test_a_full_disk_in_a_worker_comes_back_as_the_same_fault(published, monkeypatch: pytest.MonkeyPatch) -> None:
    out, before = published
    monkeypatch.setattr(build_module, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(write, "FAULTS", at("write", 2, raising(errno.ENOSPC)))
    with pytest.raises(Fault) as failed:
        build(FIXTURE, out, workers=2, base_url=CHANGED)
    assert failed.value.doing == "writing the new site" and failed.value.why.startswith("the disk is full")
    assert tree_digest(out) == before and leftovers(out) == []


@pytest.mark.parametrize("error", [ValueError("a bug"), OSError(errno.EINVAL, "Invalid argument")])
def test_anything_unexpected_is_an_internal_error_with_its_traceback(
    published, error: Exception, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    out, before = published

    def fail() -> None:
        raise error

    monkeypatch.setattr(write, "FAULTS", at("write", 3, fail))
    assert main(command(out, "--base-url", CHANGED)) == 70
    err = capsys.readouterr().err
    assert err.startswith("internal error: this is a bug in the generator; please report it with this traceback:\n")
    assert "Traceback (most recent call last):" in err and repr(error).split("(")[0] in err
    assert tree_digest(out) == before


def in_child(run: Callable[[], int], stderr: Path | None = None, session: bool = False) -> int:
    """Run `run` in a forked child: its exit code, or minus the signal that ended it."""
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        code = 99
        try:
            if session:
                os.setsid()
            if stderr:
                os.dup2(os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
                sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115 - the child ends with os._exit
            code = run()
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def test_ctrl_c_during_a_parallel_build_prints_one_line_and_leaves_the_site(published, tmp_path: Path) -> None:
    out, before = published
    target = "northwind/entresto/not-medically-necessary/index.html"

    def run() -> int:
        build_module.PARALLEL_THRESHOLD = 1
        # A command started with `&` by a shell without job control ignores SIGINT, and so would this
        # child; a build in a terminal does not.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # What a terminal's Ctrl-C does: SIGINT to every process of the group, workers included.
        write.FAULTS = lambda step, path: path == target and os.killpg(os.getpgrp(), signal.SIGINT)
        return main(["build", "--content", str(FIXTURE), "--out", str(out), "--jobs", "2", "--base-url", CHANGED])

    assert in_child(run, tmp_path / "stderr", session=True) == 130
    assert (tmp_path / "stderr").read_text() == f"{out}: building the site: interrupted; {ONE_LINE}"
    assert tree_digest(out) == before and leftovers(out) == [] and not slot_path(out, "b").exists()


def test_two_builds_started_at_once_take_turns(published, tmp_path: Path) -> None:
    out, _ = published
    barrier = multiprocessing.get_context("fork").Barrier(2)
    urls = ["https://one.example.org", "https://two.example.org"]

    def builder(url: str) -> Callable[[], int]:
        def run() -> int:
            # Whoever gets the lock holds it a while, so the other surely finds it taken.
            write.FAULTS = at("prepare", 1, lambda: time.sleep(0.3))
            barrier.wait()
            return main(command(out, "--base-url", url))

        return run

    pids = []
    for i, url in enumerate(urls):
        pid = os.fork()
        if pid == 0:
            os._exit(in_child(builder(url), tmp_path / f"stderr-{i}"))
        pids.append(pid)
    assert [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids] == [0, 0]
    errs = [(tmp_path / f"stderr-{i}").read_text() for i in range(2)]
    waited = f"{out}: another build is writing this output folder; waiting for it to finish\n"
    assert sorted(errs) == ["", waited]
    second = urls[errs.index(waited)]
    build(FIXTURE, tmp_path / "fresh", workers=1, base_url=second)
    assert tree_digest(out) == tree_digest(tmp_path / "fresh") and leftovers(out) == []


KILL_STEPS = [("prepare", 1), ("write", 1), ("write", 3), ("manifest", 1), ("link", 1), ("switch", 1), ("published", 1)]


def versions(content: Path, tmp_path: Path) -> list[Path]:
    """The content as it was, after one edit, and after a second edit on top of it."""
    folders = [content]
    # A criterion shows on every Ocrevus guide, so an edit to it rewrites several pages.
    edits = [("with MRI evidence", "with recent MRI evidence"), ("with recent MRI evidence", "with new MRI evidence")]
    for i, (old, new) in enumerate(edits):
        folder = tmp_path / f"content-{i + 1}"
        shutil.copytree(folders[-1], folder)
        path = folder / "treatments/ocrevus.md"
        path.write_text(path.read_text("utf-8").replace(old, new, 1), "utf-8")
        folders.append(folder)
    return folders


@pytest.mark.parametrize("mode", ["new folder", "folder reused"])
def test_a_kill_at_any_step_leaves_one_whole_build(mode: str, content_dir: Path, tmp_path: Path) -> None:
    """SIGKILL at each step of a build that starts the other folder afresh, and of one that updates it in place."""
    base, old, new = versions(content_dir, tmp_path)
    expected = {}
    for name, content in (("old", old), ("new", new)):
        build(content, tmp_path / name, workers=1)
        expected[name] = tree_digest(tmp_path / name)
    for step, number in KILL_STEPS:
        out = tmp_path / f"{step}-{number}" / "public"
        if mode == "folder reused":  # both folders hold a build: the next one updates the older in place
            build(base, out, workers=1)
        build(old, out, workers=1)

        def run(step: str = step, number: int = number, out: Path = out) -> int:
            write.FAULTS = at(step, number, lambda: os.kill(os.getpid(), signal.SIGKILL))
            build(new, out, workers=1)
            return 0

        assert in_child(run) == -signal.SIGKILL, f"{step} {number} was never reached"
        seen = tree_digest(out)
        assert seen == expected["new" if step == "published" else "old"], f"killed at {step} {number}"
        build(new, out, workers=1)
        assert tree_digest(out) == expected["new"] and leftovers(out) == []


def mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir()
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a scratch disk needs root on Linux")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"mounting is not permitted here: {done.stderr.decode().strip()}")


@pytest.fixture
def scratch_disk(tmp_path: Path):
    disk = tmp_path / "disk"
    mount_tmpfs(disk, "4m")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.slow
def test_a_real_full_disk(scratch_disk: Path, capsys) -> None:
    out = scratch_disk / "public"
    build(FIXTURE, out, workers=1)
    before = tree_digest(out)
    filler = scratch_disk / "filler"
    # Unbuffered: a buffered file would try its last, failed chunk again on close and raise there.
    with open(filler, "wb", buffering=0) as f:  # fill the disk, then free a little: not enough for a new build
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    os.truncate(filler, filler.stat().st_size - 128 * 1024)
    assert main(command(out, "--base-url", CHANGED)) == 1
    assert capsys.readouterr().err.endswith(
        f": writing the new site: the disk is full (No space left on device); {ONE_LINE}"
    )
    assert tree_digest(out) == before and leftovers(out) == []
    filler.unlink()
    assert main(command(out, "--base-url", CHANGED)) == 0


@pytest.mark.slow
def test_a_real_read_only_disk(scratch_disk: Path, capsys) -> None:
    out = scratch_disk / "public"
    build(FIXTURE, out, workers=1)
    before = tree_digest(out)
    subprocess.run(["mount", "-o", "remount,ro", str(scratch_disk)], check=True)
    try:
        assert main(command(out)) == 0, "a build with nothing to do needs no write access"
        capsys.readouterr()
        assert main(command(out, "--base-url", CHANGED)) == 1
        err = capsys.readouterr().err
        assert err.endswith(f": the file system is read-only (Read-only file system); {ONE_LINE}"), err
        assert tree_digest(out) == before
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(scratch_disk)], check=True)


@pytest.mark.slow
def test_a_mount_point_as_the_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "public"
    mount_tmpfs(out, "4m")  # room for the fixture site and its search index
    try:
        with pytest.raises(Refused) as refused:
            build(FIXTURE, out, workers=1)
        assert refused.value.why.startswith("it is a mount point, which a build cannot replace with its link")
        build(FIXTURE, out / "site", workers=1)
        assert (out / "site" / "index.html").is_file()
    finally:
        subprocess.run(["umount", "-l", str(out)], check=False)
