"""The bench's scratch sites under .bench/: generated once per size and generator version, reused after."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from generator.build import load_and_plan
from generator.paths import Paths

from .settings import BENCH_DIR, CODE, GENERATOR_VERSION, PROJECT, REAL_CONTENT
from .synthetic import generate_content


@dataclass(frozen=True)
class BenchSite:
    """The scratch folders of one size under .bench/."""

    root: Path
    size: int

    @property
    def timeout(self) -> float:
        """Seconds after which one build counts as hung: generous, about 50 ms a page plus start-up."""
        return 300 + self.size / 20

    @property
    def content(self) -> Path:
        """The synthetic content folder."""
        return self.root / "content"

    @property
    def out(self) -> Path:
        """The build output folder."""
        return self.root / "public"

    @property
    def templates(self) -> Path:
        """A scratch copy of the project's templates, which the edit-template case edits."""
        return self.root / "templates"

    @property
    def stamp(self) -> Path:
        """What made the content: generator version, real files copied, planned pages."""
        return self.root / "content.json"


def sources_digest(source: Path = REAL_CONTENT) -> str:
    """A fingerprint of the real files the synthetic content copies, so an edit to them regenerates it."""
    files = [
        source / "site.yaml",
        *sorted((source / "plan-types").glob("*.yaml")),
        *sorted((source / "reasons").glob("*.yaml")),
    ]
    h = hashlib.blake2b(digest_size=16)
    for path in files:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def prepare_site(size: int) -> tuple[BenchSite, dict]:
    """The bench site of one size, regenerated only if missing or made by an older generator version."""
    site = BenchSite((BENCH_DIR / f"site-{size}").resolve(), size)
    wanted = {"generator_version": GENERATOR_VERSION, "size": size, "sources": sources_digest()}
    try:
        stamp = json.loads(site.stamp.read_text("utf-8"))
    except (OSError, ValueError):
        stamp = {}
    if not site.content.is_dir() or {k: stamp.get(k) for k in wanted} != wanted:
        stamp = wanted | _regenerate(site, size)
        site.stamp.write_text(json.dumps(stamp, indent=2) + "\n", "utf-8")
    # Templates are copied afresh every time, so the bench always measures the current ones.
    shutil.rmtree(site.templates, ignore_errors=True)
    shutil.copytree(CODE / "templates", site.templates)
    return site, stamp


def _regenerate(site: BenchSite, size: int) -> dict:
    """Write the content into a temporary folder and swap it in, so an interrupted run leaves no half site."""
    print(f"Generating synthetic content for {size:,} pages in {site.content} ...", flush=True)
    shutil.rmtree(site.root, ignore_errors=True)
    site.root.mkdir(parents=True)
    started = time.perf_counter()
    temporary = site.root / "content.partial"
    shape = generate_content(temporary, size)
    temporary.rename(site.content)
    generated = time.perf_counter() - started
    return asdict(shape) | planned_pages(site) | {"generate_seconds": round(generated, 3)}


def planned_pages(site: BenchSite) -> dict:
    """Validate and plan the content as a build would; the real page counts, not our estimate."""
    _, plan = load_and_plan(Paths(site.content, site.out, PROJECT / "templates", PROJECT / "static"))
    return {
        "guides": len(plan.guides),
        "hubs": len(plan.hubs),
        "redirects": len(plan.redirects),
        "noindex": len(getattr(plan, "noindex", ())),
    }
