"""The preview in a browser: an open guide follows a content, a template and a CSS edit without a manual
reload, and a broken file shows an overlay naming the file and line until it is fixed. Each edit's
seconds from save to screen are printed (run with -s to see them); the tests assert only that the page
updates within 10 s."""

from __future__ import annotations

import json
import shutil
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import MARKS, launch
from conftest import FIXTURE, ROOT

from generator.paths import Paths
from generator.preview import running

playwright_sync = pytest.importorskip("playwright.sync_api")
pytestmark = MARKS

GUIDE = "/northwind/entresto/not-medically-necessary/"
WITHIN_MS = 10_000


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[tuple[str, Paths]]:
    """The fixture site with its own copy of the templates and static files, previewed and watched."""
    for name, source in (("content", FIXTURE), ("templates", ROOT / "templates"), ("static", ROOT / "static")):
        shutil.copytree(source, tmp_path / name)
    paths = Paths(tmp_path / "content", tmp_path / ".preview", tmp_path / "templates", tmp_path / "static")
    with running(paths, interval=0.05, log=lambda *a, **k: None) as (_, server):
        yield f"http://127.0.0.1:{server.server_address[1]}", paths


@pytest.fixture
def page(preview):
    base, _ = preview
    with playwright_sync.sync_playwright() as p:
        browser = launch(p)
        tab = browser.new_page(viewport={"width": 390, "height": 844})
        tab.goto(base + GUIDE)
        tab.wait_for_selector('script[src="/__preview/client.js"]', state="attached")
        time.sleep(0.3)  # the event stream connects after load; an edit before that would be seen on connect anyway
        yield tab
        browser.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), "utf-8")


def timed(label: str, wait) -> None:
    started = time.perf_counter()
    wait()
    print(f"\npreview: {label} on screen in {time.perf_counter() - started:.2f} s")


def shows(tab, text: str) -> None:
    tab.wait_for_function("t => document.body.innerText.includes(t)", arg=text, timeout=WITHIN_MS)


def test_content_template_and_css_edits_reach_the_open_page(preview, page) -> None:
    _, paths = preview
    edit(paths.content / "treatments/entresto.md", "is above 40%.", "is above 40%, edited in the preview.")
    timed("content edit", lambda: shows(page, "edited in the preview."))
    edit(
        paths.templates / "guide.html",
        '<section id="requirements"',
        '<p id="template-edit">Template edited.</p>\n<section id="requirements"',
    )
    timed("template edit", lambda: page.wait_for_selector("#template-edit", timeout=WITHIN_MS))
    (paths.static / "style.css").write_text(
        (paths.static / "style.css").read_text() + "\nh1 { color: rgb(1, 2, 3); }\n"
    )
    timed(
        "CSS edit",
        lambda: page.wait_for_function(
            "() => getComputedStyle(document.querySelector('h1')).color === 'rgb(1, 2, 3)'", timeout=WITHIN_MS
        ),
    )


def test_a_broken_file_shows_an_overlay_until_it_is_fixed(preview, page) -> None:
    _, paths = preview
    payer = paths.content / "payers/northwind.yaml"
    good = payer.read_text("utf-8")
    payer.write_text(good.replace("kind: insurer", "kind: [insurer"), "utf-8")
    overlay = page.wait_for_selector("#preview-errors", timeout=WITHIN_MS)
    text = overlay.inner_text()
    assert "payers/northwind.yaml:5: YAML syntax error" in text
    assert "last good build" in text
    assert page.locator("h1").first.inner_text().startswith("Entresto denied")
    payer.write_text(good.replace("short_name: Northwind", "short_name: Northwind Fixed"), "utf-8")
    timed("fixed file", lambda: shows(page, "by Northwind Fixed?"))
    # The background build that follows may reload the page once more: expect retries across reloads,
    # where a single query can meet a page in the middle of one.
    playwright_sync.expect(page.locator("#preview-errors")).to_have_count(0, timeout=WITHIN_MS)


def test_a_rebuild_done_before_the_page_listens_still_reloads_it(preview) -> None:
    # A page served just before a rebuild finishes, whose event stream connects just after: it must
    # reload, though the first state it hears is already the new one. The stream is held back here.
    base, paths = preview

    def generation() -> int:
        with urllib.request.urlopen(base + "/__preview/state", timeout=10) as response:
            return json.loads(response.read())["generation"]

    with playwright_sync.sync_playwright() as p:
        browser = launch(p)
        tab = browser.new_page()
        held: list = []
        tab.route("**/__preview/events*", lambda route: route.continue_() if held else held.append(route))
        tab.goto(base + GUIDE)
        tab.wait_for_function("() => true")  # lets the held request reach the handler
        assert len(held) == 1
        served = generation()
        edit(paths.content / "treatments/entresto.md", "is above 40%.", "is above 40%, edited unheard.")
        deadline = time.monotonic() + WITHIN_MS / 1000
        while generation() == served and time.monotonic() < deadline:
            time.sleep(0.05)
        assert generation() > served
        held[0].continue_()
        shows(tab, "edited unheard.")
        browser.close()
