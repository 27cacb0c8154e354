"""The preview (generator/preview/): it rebuilds incrementally into its own folder, survives bad
content and reports it, renders the open page first through the build's own stages, and serves
nothing outside its folder."""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import fixture_paths
from hypothesis import given
from hypothesis import strategies as st

from generator.build import render_only
from generator.preview.server import client_tag, make_server, output_rel
from generator.preview.session import PREVIEW_BASE_URL, Preview, State
from generator.preview.watch import compare, snapshot

PAGE = "northwind/index.html"


def quiet(*args, **kwargs) -> None:
    pass


def test_rebuild_keeps_the_last_good_preview_and_holds_the_errors(content_dir: Path, tmp_path: Path) -> None:
    preview = Preview(fixture_paths(content_dir, tmp_path / ".preview"), log=quiet)
    assert preview.rebuild()
    page = tmp_path / ".preview" / PAGE
    before = page.read_text()
    assert 'href="http://127.0.0.1/northwind/"' in before
    good = preview.state()
    payer = content_dir / "payers/northwind.yaml"
    text = payer.read_text()
    payer.write_text("name: [broken\n")
    assert not preview.rebuild()
    assert any("payers/northwind.yaml:2: YAML syntax error" in line for line in preview.state().errors)
    assert preview.state().generation == good.generation
    assert page.read_text() == before
    payer.write_text(text.replace("Northwind sells", "Northwind now sells"))
    assert preview.rebuild()
    assert "Northwind now sells" in page.read_text()
    assert preview.state().errors == ()
    assert preview.state().generation > good.generation


def test_the_open_page_rendered_first_is_the_page_the_build_writes(content_dir: Path, tmp_path: Path) -> None:
    paths = fixture_paths(content_dir, tmp_path / ".preview")
    preview = Preview(paths, log=quiet)
    preview.rebuild()
    preview.opened(PAGE)
    payer = content_dir / "payers/northwind.yaml"
    payer.write_text(payer.read_text().replace("Northwind sells employer", "Northwind now sells employer"))
    first = render_only(paths, {PAGE, "no/such/index.html"}, PREVIEW_BASE_URL)
    assert set(first) == {PAGE}
    assert b"Northwind now sells employer" in first[PAGE]
    assert preview.rebuild(compare({}, {str(payer): (1, 1)}))
    assert first[PAGE] == (tmp_path / ".preview" / PAGE).read_bytes()


def test_a_change_is_seen_by_comparing_snapshots(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("one")
    (tmp_path / ".hidden").write_text("x")
    before = snapshot((tmp_path,))
    assert list(before) == [str(tmp_path / "a.yaml")]
    (tmp_path / "a.yaml").write_text("three")
    (tmp_path / "b.css").write_text("b")
    change = compare(before, snapshot((tmp_path,)))
    assert change.paths == (str(tmp_path / "a.yaml"), str(tmp_path / "b.css"))
    assert change.only_under(tmp_path) and not change.only_under(tmp_path / "sub")


@pytest.fixture
def served(content_dir: Path, tmp_path: Path) -> Iterator[tuple[str, Preview]]:
    preview = Preview(fixture_paths(content_dir, tmp_path / "site" / ".preview"), log=quiet)
    preview.rebuild()
    (tmp_path / "site" / "secret.txt").write_text("outside the preview")
    os.symlink(tmp_path / "site" / "secret.txt", tmp_path / "site" / ".preview" / "link.txt")
    server = make_server(preview, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", preview
    server.shutdown()
    server.server_close()


def fetch(url: str) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def test_the_server_serves_pages_with_the_preview_script_and_the_sites_own_404(served) -> None:
    base, _ = served
    status, body, headers = fetch(base + "/northwind/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    # The script carries the generation the page was served at (the state below says 1).
    tag = client_tag(1)
    assert body.count(tag) == 1 and body.index(tag) < body.index(b"</body>")
    status, body, _ = fetch(base + "/no/such/page/")
    assert status == 404 and b"<h1>" in body and tag in body
    status, body, _ = fetch(base + "/__preview/client.js")
    assert status == 200 and b"EventSource" in body
    assert json.loads(fetch(base + "/__preview/state")[1]) == {"generation": 1, "errors": []}


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/link.txt",
        "/%2e%2e%5csecret.txt",
        "/a/../../secret.txt",
    ],
)
def test_nothing_outside_the_preview_folder_is_served(served, path: str) -> None:
    base, _ = served
    status, body, _ = fetch(base + path)
    assert status == 404 and b"outside the preview" not in body


def test_the_event_stream_sends_the_state_then_each_change(served) -> None:
    base, preview = served
    with urllib.request.urlopen(base + "/__preview/events?path=/northwind/", timeout=10) as stream:
        first = json.loads(stream.readline().removeprefix(b"data: "))
        assert first == {"generation": 1, "errors": []}
        stream.readline()
        preview._fail("content/payers/x.yaml:3: name: expected text")
        assert json.loads(stream.readline().removeprefix(b"data: "))["errors"] == [
            "content/payers/x.yaml:3: name: expected text"
        ]
    assert preview.wait(State(1, ("content/payers/x.yaml:3: name: expected text",)), 0.01).errors


@given(st.text(max_size=40))
def test_output_rel_never_climbs_out(path: str) -> None:
    rel = output_rel(path)
    if rel is not None:
        assert not rel.startswith("/") and ".." not in rel.split("/") and "\0" not in rel


def test_the_open_page_rendered_first_keeps_the_robots_tag_the_last_build_gave_it(
    content_dir: Path, tmp_path: Path
) -> None:
    # render_only does not weigh every guide against the others again; the build after it does.
    paths = fixture_paths(content_dir, tmp_path / ".preview")
    Preview(paths, log=quiet).rebuild()
    out = tmp_path / ".preview"
    guides = sorted(str(p.relative_to(out)) for p in out.glob("*/*/*/index.html"))
    thin = [rel for rel in guides if b'name="robots" content="noindex' in (out / rel).read_bytes()]
    kept = [rel for rel in guides if rel not in thin]
    assert thin and kept
    first = render_only(paths, {thin[0], kept[0]}, PREVIEW_BASE_URL)
    assert first[thin[0]] == (out / thin[0]).read_bytes()
    assert first[kept[0]] == (out / kept[0]).read_bytes()
