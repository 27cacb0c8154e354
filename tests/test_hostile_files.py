"""Hostile files: links, pipes and a planted parse cache are refused or ignored, each fault named, never followed or run."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import orjson
import pytest
from conftest import build
from hostile import build_errors, deadline, edit

from generator import load as load_module
from generator.load import CACHE_FORMAT, MAX_BODY_CHARS, ParseCache, RawContent, load_content, load_yaml_file
from generator.paths import cache_path
from generator.yaml_reader import MAX_DEPTH, MAX_TEXT_CHARS

# ---- Links: never followed anywhere in the content folder, each one named in its own error

LINK = "links are not followed in the content folder"


def _outside_payer(content: Path) -> Path:
    """A valid payer file outside the content folder: what a link could publish."""
    outside = content.parent / "outside" / "secret.yaml"
    outside.parent.mkdir(exist_ok=True)
    outside.write_text((content / "payers/contoso.yaml").read_text("utf-8").replace("Contoso Care", "Secret Care"))
    return outside


LINK_CASES = {
    "file leaving the folder": (
        lambda c: (c / "payers/secret.yaml").symlink_to(_outside_payer(c)),
        lambda c: [
            f"content/payers/secret.yaml: expected a file or folder; got a symbolic link to '{_outside_payer(c)}'; {LINK}"
        ],
    ),
    "file inside the folder": (
        lambda c: (c / "payers/contoso-care.yaml").symlink_to("contoso.yaml"),
        lambda c: [
            f"content/payers/contoso-care.yaml: expected a file or folder; got a symbolic link to 'contoso.yaml'; {LINK}"
        ],
    ),
    "folder looping to its parent": (
        lambda c: (c / "payers/loop").symlink_to(".."),
        lambda c: [f"content/payers/loop: expected a file or folder; got a symbolic link to '..'; {LINK}"],
    ),
    "links pointing at each other": (
        lambda c: ((c / "reasons/a.yaml").symlink_to("b.yaml"), (c / "reasons/b.yaml").symlink_to("a.yaml")),
        lambda c: [
            f"content/reasons/a.yaml: expected a file or folder; got a symbolic link to 'b.yaml'; {LINK}",
            f"content/reasons/b.yaml: expected a file or folder; got a symbolic link to 'a.yaml'; {LINK}",
        ],
    ),
    "dangling link": (
        lambda c: (c / "treatments/gone.md").symlink_to("nowhere.md"),
        lambda c: [
            f"content/treatments/gone.md: expected a file or folder; got a symbolic link to 'nowhere.md'; {LINK}"
        ],
    ),
    "pair note": (
        lambda c: (c / "payers/contoso/ocrevus.md").symlink_to("../northwind/ocrevus.md"),
        lambda c: [
            f"content/payers/contoso/ocrevus.md: expected a file or folder; got a symbolic link to '../northwind/ocrevus.md'; {LINK}"
        ],
    ),
    "site settings": (
        lambda c: (
            (c / "site.yaml").rename(c.parent / "site.yaml"),
            (c / "site.yaml").symlink_to(c.parent / "site.yaml"),
        ),
        lambda c: [
            f"content/site.yaml: expected the site settings file; got a symbolic link to '{c.parent / 'site.yaml'}'; {LINK}"
        ],
    ),
    "named pipe": (
        lambda c: os.mkfifo(c / "payers/pipe.yaml"),
        lambda c: ["content/payers/pipe.yaml: expected a file or folder; got a named pipe"],
    ),
}


@pytest.mark.parametrize("built_before", [False, True], ids=["no output yet", "output exists"])
@pytest.mark.parametrize("case", sorted(LINK_CASES))
def test_a_link_in_the_content_folder_is_refused_by_name(
    content_dir: Path, tmp_path: Path, monkeypatch, case: str, built_before: bool
) -> None:
    monkeypatch.chdir(content_dir.parent)
    out = tmp_path / "public"
    if built_before:
        build(content_dir, out, workers=1)
    make, expected = LINK_CASES[case]
    (content_dir / "payers/contoso").mkdir(exist_ok=True)
    make(content_dir)
    assert build_errors(content_dir, out) == expected(content_dir)


def test_a_linked_content_folder_is_refused_and_the_others_still_load(
    content_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(content_dir.parent)
    elsewhere = tmp_path / "elsewhere"
    (content_dir / "reasons").rename(elsewhere)
    (content_dir / "reasons").symlink_to(elsewhere)
    errors = build_errors(content_dir, tmp_path / "public")
    assert f"content/reasons: expected a folder; got a symbolic link to '{elsewhere}'; {LINK}" in errors


def test_the_content_folder_itself_may_be_a_link(content_dir: Path, tmp_path: Path) -> None:
    link = tmp_path / "linked-content"
    link.symlink_to(content_dir)
    assert build(link, tmp_path / "public", workers=1).pages > 0


def test_a_file_swapped_for_a_link_or_a_pipe_after_listing_is_still_not_followed(tmp_path: Path) -> None:
    # What the loader does when an entry changes between the folder listing and the read.
    payers = tmp_path / "content" / "payers"
    payers.mkdir(parents=True)
    (payers / "link.yaml").symlink_to("/etc/passwd")
    os.mkfifo(payers / "pipe.yaml")
    with deadline(10):
        errors = [str(e) for name in ("link", "pipe") for e in load_yaml_file(payers / f"{name}.yaml", tmp_path).errors]
    assert errors == [
        "content/payers/link.yaml: expected a readable regular file; got too many levels of symbolic links",
        "content/payers/pipe.yaml: expected a readable regular file; got something other than a regular file",
    ]


# ---- The parse cache is plain JSON: a planted file is at worst data, and nothing in it ever runs


class _Bomb:
    """A pickle that, when loaded, creates the file `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (open, (str(self.marker), "w"))


def test_a_pickle_at_the_cache_path_is_never_unpickled(content_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"
    marker = tmp_path / "unpickled"
    cache = cache_path(out)
    cache.parent.mkdir(parents=True)
    cache.write_bytes(pickle.dumps((ParseCache().stamp, {"x": _Bomb(marker)})))
    build(content_dir, out, workers=1)
    assert not marker.exists()
    assert orjson.loads(cache.read_bytes())["stamp"][0] == CACHE_FORMAT


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = load_module.parse_yaml
    monkeypatch.setattr(
        load_module, "parse_yaml", lambda text, shown, offset=0: parsed.append(shown) or real(text, shown, offset)
    )
    return parsed


def test_a_cached_parse_gives_the_same_error_lines_as_a_fresh_one(
    content_dir: Path, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(content_dir.parent)
    # Mistakes validation finds (not loading), so the files parse cleanly and are cached: nested, in lists, in front matter.
    edit(
        content_dir / "payers/contoso.yaml",
        "  - cite: Contoso coverage guideline index",
        "  - cite: Contoso index\n    colour: 1",
    )
    edit(content_dir / "treatments/ocrevus.md", "kind: biologic", "kind: biologics")
    edit(content_dir / "plan-types/medicare-part-d.yaml", "last_reviewed: 2026-11-20", "last_reviewed: 20/11/2026")
    out = tmp_path / "public"
    fresh = build_errors(content_dir, out)
    parsed = _parses(monkeypatch)
    assert build_errors(content_dir, out) == fresh
    assert parsed == [], "the second build read every file from the cache"
    assert len(fresh) == 3


@pytest.mark.parametrize(
    "damage",
    [
        lambda e: e[0].update(line=0),  # a line number a parse never gives
        lambda e: e[0]["keys"][0].__setitem__(1, "1"),
        lambda e: e[0]["keys"][0].__setitem__(2, "x" * (MAX_TEXT_CHARS + 1)),
        lambda e: e[0]["keys"][0].__setitem__(2, json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))),
        lambda e: e[0]["keys"].append(list(e[0]["keys"][0])),  # a key twice
        lambda e: e[0].update(extra=1),
        lambda e: e.__setitem__(0, ["not", "a", "mapping"]),
        lambda e: e.__setitem__(2, "7"),
        lambda e: e.__setitem__(2, -1),
        lambda e: e.__setitem__(1, "[" * (MAX_BODY_CHARS + 1)),
        lambda e: e.pop(),
    ],
    ids=[
        "line 0",
        "line as text",
        "long text",
        "too deep",
        "repeated key",
        "extra field",
        "list",
        "body line as text",
        "negative body line",
        "long body",
        "short",
    ],
)
def test_a_malformed_cache_entry_is_parsed_afresh(content_dir: Path, tmp_path: Path, monkeypatch, damage) -> None:
    cache = tmp_path / "parsed.json"
    fresh = load_content(content_dir, ParseCache(cache))
    document = orjson.loads(cache.read_bytes())
    key = next(iter(document["files"]))
    damage(document["files"][key])
    cache.write_bytes(orjson.dumps(document))
    parsed = _parses(monkeypatch)
    again = load_content(content_dir, ParseCache(cache))
    assert len(parsed) == 1
    assert [(f.shown, f.data, f.data.lines) for f in _files(again)] == [
        (f.shown, f.data, f.data.lines) for f in _files(fresh)
    ]
    parsed.clear()
    load_content(content_dir, ParseCache(cache))
    assert parsed == [], "the damaged entry was replaced"


def _files(raw: RawContent) -> list:
    return [raw.site, *raw.plan_types, *raw.reasons, *raw.treatments, *raw.payers, *raw.pairs]
