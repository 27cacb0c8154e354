"""The base URL: refused when pages could not carry it, and its path prefixes every link the site writes."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FIXTURE, build, tree_digest

from generator.checks import check_canonicals, check_links, check_sitemap, read_site
from generator.cli import main
from generator.errors import BuildError
from generator.incremental.manifest import MANIFEST
from generator.render.environment import links_under
from generator.urls import base_url_problem, href, path_prefix

BASE = "https://x.org/guides"
LINK = re.compile(r'\s(?:href|src)="([^"]*)"|http-equiv="refresh" content="0; url=([^"]*)"')


@pytest.fixture(scope="module")
def under_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site built to be served from https://x.org/guides/."""
    folder = tmp_path_factory.mktemp("under-path")
    # A site at the host's root first, so its compiled templates are in Jinja's cache: a prefix
    # folded into them as a constant would show up as links without /guides/.
    build(FIXTURE, folder / "at-root", workers=1)
    out = folder / "public"
    build(FIXTURE, out, workers=1, base_url=BASE + "/")
    return out


def internal_links(site: Path) -> list[tuple[str, str]]:
    """(page, link) for every link, asset and refresh target on the site that names no other host."""
    found = []
    for page in sorted(site.rglob("*.html")):
        for match in LINK.finditer(page.read_text("utf-8")):
            link = (match.group(1) or match.group(2)).replace("&amp;", "&")
            parts = urlsplit(link)
            if not (parts.scheme or parts.netloc or link.startswith("#")):
                found.append((page.relative_to(site).as_posix(), link))
    return found


def resolves(site: Path, link: str) -> bool:
    """Whether a link under /guides/ names a file of the site, as a static host would serve it."""
    path = urlsplit(link).path.removeprefix("/guides")
    target = site / path.lstrip("/")
    return (target / "index.html").is_file() if path.endswith("/") else target.is_file()


def test_every_internal_link_starts_with_the_path_and_resolves(under_path: Path) -> None:
    links = internal_links(under_path)
    kinds = {link.removeprefix("/guides/").split("/")[0] for _, link in links}
    assert {"style.css", "favicon.svg", "a-z", "plan-types", "treatments", "northwind"} <= kinds
    assert [(page, link) for page, link in links if not link.startswith("/guides/")] == []
    assert [(page, link) for page, link in links if not resolves(under_path, link)] == []


def test_redirects_canonicals_sitemap_and_robots_are_under_the_path(under_path: Path) -> None:
    rules = [line.split() for line in (under_path / "_redirects").read_text("utf-8").splitlines() if line]
    assert rules and all(old.startswith("/guides/") and resolves(under_path, new) for old, new, _ in rules)
    stub = (under_path / rules[0][0].removeprefix("/guides/")).joinpath("index.html").read_text("utf-8")
    assert f'url={rules[0][1]}"' in stub and f'href="{BASE}{rules[0][1].removeprefix("/guides")}"' in stub
    assert f"Sitemap: {BASE}/sitemap.xml" in (under_path / "robots.txt").read_text("utf-8")
    pages = read_site(under_path, BASE)
    for gate in (check_links(pages, under_path, "/guides"), check_canonicals(pages, BASE)):
        assert gate.errors == [], gate.name
    assert check_sitemap(pages, under_path, BASE).errors == []
    missing = (under_path / "404.html").read_text("utf-8")
    assert 'href="/guides/"' in missing and 'href="/guides/a-z/"' in missing


def test_a_link_outside_the_path_fails_the_link_gate(under_path: Path) -> None:
    pages = read_site(under_path, BASE)
    pages[0].html += '<a href="/northwind/">root-relative</a>'
    assert any("is outside the site's path /guides/" in e for e in check_links(pages, under_path, "/guides").errors)


def test_without_a_path_the_bytes_are_the_same(built_site: Path, tmp_path: Path) -> None:
    build(FIXTURE, tmp_path / "slash", workers=1, base_url="https://fixture.example.org/")
    with_slash, without = (
        {k: v for k, v in tree_digest(s).items() if k != MANIFEST} for s in (tmp_path / "slash", built_site)
    )
    assert with_slash == without


def test_root_relative_links_in_markdown_move_under_the_path() -> None:
    html = '<p><a href="/aetna/">Aetna</a> <img src="/x.png" alt=""> <a href="//cdn.example/x">cdn</a></p>'
    assert links_under("/guides", html) == (
        '<p><a href="/guides/aetna/">Aetna</a> <img src="/guides/x.png" alt=""> <a href="//cdn.example/x">cdn</a></p>'
    )
    assert links_under("", html) == html


@pytest.mark.parametrize(
    ("url", "prefix"),
    [
        ("https://x.org", ""),
        ("https://x.org/", ""),
        ("https://x.org/guides/", "/guides"),
        ("http://x.org:8080/a/b", "/a/b"),
    ],
)
def test_accepted_base_urls_and_their_prefix(url: str, prefix: str) -> None:
    assert base_url_problem(url) is None
    assert path_prefix(url) == prefix and href(prefix, "/a-z/") == prefix + "/a-z/"


REFUSED = {
    "https://x.org/?utm=1": "a query (?utm=1) would end up in every canonical link and sitemap entry",
    "https://x.org/guides#top": "a fragment (#top) would end up in every canonical link and sitemap entry",
    "https://me:secret@x.org/": "a user name or password in the address would be published on every page",
    "ftp://x.org/": "expected an absolute http:// or https:// address such as https://example.org/guides/",
    "https://x.org/a/../b": "each part of the path must be letters, digits, '.', '_', '~' or '-' (no '..', no empty parts)",
}


@pytest.mark.parametrize("url", REFUSED)
def test_a_refused_base_url_is_one_line_and_exit_2(url: str, tmp_path: Path, capsys) -> None:
    out = tmp_path / "public"
    assert main(["build", "--content", str(FIXTURE), "--out", str(out), "--base-url", url]) == 2
    captured = capsys.readouterr()
    expected = f"--base-url {url}: checking the site's address: {REFUSED[url]}; the previous site is unchanged\n"
    assert captured.err == expected and captured.out == ""
    assert not out.exists() and not (tmp_path / ".public.state").exists()


def test_a_base_url_with_a_query_in_site_yaml_is_a_content_error(content_dir: Path, tmp_path: Path) -> None:
    site = content_dir / "site.yaml"
    site.write_text(site.read_text("utf-8").replace("fixture.example.org\n", "fixture.example.org/?ref=x\n", 1))
    with pytest.raises(BuildError) as failed:
        build(content_dir, tmp_path / "public", workers=1)
    assert [(e.field, e.message) for e in failed.value.errors] == [
        ("base_url", "a query (?ref=x) would end up in every canonical link and sitemap entry")
    ]
    assert failed.value.errors[0].path.endswith("site.yaml")
