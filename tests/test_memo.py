"""Planning's memo: a rebuild reuses related guides and near-copy choices only where their inputs are unchanged.

The tests that plan the real content are in test_real_content.py; `counting` serves them too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import build

import generator.plan as plan_module
import generator.similarity as similarity
from generator.incremental.manifest import MANIFEST
from generator.incremental.memo import Memo
from generator.write import Published


def counting(monkeypatch: pytest.MonkeyPatch) -> dict[str, list]:
    """Record which treatments' near-copy choices and whether related guides are computed afresh."""
    calls: dict[str, list] = {"noindex": [], "related": []}
    noindex_among, choose_related = similarity._noindex_among, plan_module.choose_related

    def noindex_spy(pages, *args):
        calls["noindex"].append(pages[0][0].treatment)
        return noindex_among(pages, *args)

    def related_spy(*args):
        calls["related"].append(True)
        return choose_related(*args)

    monkeypatch.setattr(similarity, "_noindex_among", noindex_spy)
    monkeypatch.setattr(plan_module, "choose_related", related_spy)
    return calls


def test_a_malformed_memo_is_ignored() -> None:
    memo = Memo(previous={"x": "not a pair", "y": ["other-inputs", [1]]})
    assert memo.get("x", "inputs", lambda: [2]) == [2]
    assert memo.get("y", "inputs", lambda: [3]) == [3]
    assert memo.current == {"x": ["inputs", [2]], "y": ["inputs", [3]]}


def test_a_memo_written_by_other_code_is_not_trusted(
    content_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    record = Published.find(out).record
    manifest = json.loads((record / MANIFEST).read_text("utf-8"))
    assert manifest["memo"]
    manifest["code"] = "some older generator"
    (record / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    (content_dir / "treatments" / "ocrevus.md").write_text(
        (content_dir / "treatments" / "ocrevus.md").read_text("utf-8") + "\nOne more sentence.\n", "utf-8"
    )
    calls = counting(monkeypatch)
    build(content_dir, out, workers=1)
    assert calls["related"] == [True]
