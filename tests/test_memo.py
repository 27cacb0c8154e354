"""Planning's memo: a rebuild reuses related guides and near-copy choices only where their inputs are unchanged."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, build

import generator.plan as plan_module
import generator.similarity as similarity
from generator.incremental.manifest import MANIFEST
from generator.incremental.memo import Memo
from generator.load import load_content
from generator.model import Content
from generator.plan import plan_pages
from generator.validate import validate_content
from generator.write import Published


@pytest.fixture(scope="module")
def real() -> Content:
    return validate_content(load_content(ROOT / "content"))


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


def test_an_unchanged_site_reuses_everything(real: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Memo()
    fresh = plan_pages(real, first)
    assert fresh.noindex, "the real content has near-copies, so this test means something"
    calls = counting(monkeypatch)
    again = plan_pages(real, Memo(previous=json.loads(json.dumps(first.current))))  # as read back from a manifest
    assert calls == {"noindex": [], "related": []}
    assert again.noindex == fresh.noindex and again.related == fresh.related


def test_editing_one_treatment_recomputes_only_its_choices_and_matches_a_fresh_plan(
    real: Content, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Memo()
    plan_pages(real, first)
    slug = "ocrevus"
    longer = replace(real.treatments[slug], body=real.treatments[slug].body + "\n\nA few more words for this test.\n")
    edited = replace(real, treatments={**real.treatments, slug: longer})
    calls = counting(monkeypatch)
    remembered = plan_pages(edited, Memo(previous=first.current))
    assert calls == {"noindex": [slug], "related": []}
    unaided = plan_pages(edited)
    assert remembered.noindex == unaided.noindex and remembered.related == unaided.related


def test_a_new_page_invalidates_related_guides(real: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Memo()
    plan_pages(real, first)
    payer = next(iter(real.payers.values()))
    renamed = replace(real, payers={**real.payers, "renamed-payer": replace(payer, slug="renamed-payer")})
    calls = counting(monkeypatch)
    remembered = plan_pages(renamed, Memo(previous=first.current))
    assert calls["related"] == [True]
    assert remembered.related == plan_pages(renamed).related


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


def test_planning_over_two_workers_matches_planning_in_one_process(real: Content) -> None:
    one, two = Memo(), Memo()
    serial = plan_pages(real, one)
    parallel = plan_pages(real, two, workers=2)
    assert parallel.noindex == serial.noindex and parallel.related == serial.related
    assert json.dumps(two.current, sort_keys=True) == json.dumps(one.current, sort_keys=True)
    assert len(two.current) > 2, "several requests, so they were shared out between the workers"


def test_workers_are_sent_indices_not_the_requests(real: Content, monkeypatch: pytest.MonkeyPatch) -> None:
    # The requests carry the whole content in their closures; pickling them for every task
    # made parallel planning slower than serial. Only indices may travel to the workers.
    import generator.incremental.memo as memo_module

    sent = []
    fork_map = memo_module.fork_map

    def spy(work, state, items, workers, chunk=1):
        sent.extend(items)
        return fork_map(work, state, items, workers, chunk)

    monkeypatch.setattr(memo_module, "fork_map", spy)
    plan_pages(real, Memo(), workers=2)
    assert len(sent) > 2 and all(isinstance(item, int) for item in sent)
