"""Fixtures that build on each other: fixture content → built site (built once per session)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from markupsafe import escape

from generator.build import BuildResult, build_site
from generator.paths import Paths
from generator.placeholders import fill_html

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "site"


def fill(text: str, names: dict[str, str]) -> str:
    """Plain text as a template shows it (escaped), then with the names put in: what a page does to a field."""
    return fill_html(str(escape(text)), names)


def fixture_paths(content: Path, out: Path) -> Paths:
    """Build paths for a content folder using the project's templates and static files."""
    return Paths(content=content, out=out, templates=ROOT / "templates", static=ROOT / "static")


def build(content: Path, out: Path, **kwargs) -> BuildResult:
    """Build `content` into `out` with the project's templates."""
    return build_site(fixture_paths(content, out), **kwargs)


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes, to compare whole trees."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def content():
    """The fixture site's content, loaded and validated."""
    from generator.load import load_content
    from generator.validate import validate_content

    return validate_content(load_content(FIXTURE))


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture site, for tests that edit content."""
    target = tmp_path / "content"
    shutil.copytree(FIXTURE, target)
    return target


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site, built once."""
    out = tmp_path_factory.mktemp("built") / "public"
    build(FIXTURE, out, workers=1)
    return out
