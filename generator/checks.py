"""Quality gates for `make check`: links, canonicals, sitemap, titles, JSON-LD, HTML, near-copies, facts, reading level."""

from __future__ import annotations

import html
import json
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import asdict
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from .build import build_site, load_and_plan
from .gates import TITLE, Gate, Page, spread
from .guide_gates import check_guide_budget, check_pairs, check_prose, check_uniqueness
from .model import Content
from .paths import Paths
from .plan import SitePlan
from .progress import terminal_progress
from .readability import grade_level
from .urls import path_prefix

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SCHEMAS = Path(__file__).parent / "schemas"
VNU_JAR = Path("node_modules/vnu-jar/build/dist/vnu.jar")

_CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)">')
_HREF = re.compile(r'<a [^>]*?href="([^"]+)"')
_ID = re.compile(r'\sid="([^"]+)"')
_JSONLD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def read_site(out: Path, base_url: str) -> list[Page]:
    """Every HTML page of the built site."""
    pages = []
    for path in sorted(out.rglob("*.html")):
        rel = path.relative_to(out).as_posix()
        html = path.read_text("utf-8")
        url = "/" + rel[: -len("index.html")] if rel.endswith("index.html") else "/" + rel
        pages.append(Page(rel, url, html, 'http-equiv="refresh"' in html, 'name="robots" content="noindex' in html))
    return pages


def check_links(pages: list[Page], out: Path, prefix: str = "") -> Gate:
    """Every internal link and in-page anchor resolves; `prefix` is the base URL's path, which every link starts with."""
    gate = Gate("links and anchors", "every internal href resolves")
    ids = {p.url: set(_ID.findall(p.html)) for p in pages}
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    checked = 0
    for page in pages:
        for href in _HREF.findall(page.html):
            parts = urlsplit(href.replace("&amp;", "&"))
            if parts.scheme or parts.netloc:
                continue
            checked += 1
            if parts.path and not parts.path.startswith(prefix + "/"):
                gate.errors.append(f"{page.url}: link to {href} is outside the site's path {prefix}/")
                continue
            target = parts.path[len(prefix) :] or page.url
            rel = target.lstrip("/") + ("index.html" if target.endswith("/") else "")
            if rel not in files:
                gate.errors.append(f"{page.url}: link to {href} does not resolve")
            elif parts.fragment and parts.fragment not in ids.get(target, set()):
                gate.errors.append(f"{page.url}: anchor {href} has no element with id {parts.fragment!r}")
    gate.figures = {"internal_links": checked}
    return gate


def check_canonicals(pages: list[Page], base_url: str) -> Gate:
    """Each page's canonical URL is itself (redirect stubs point at their target)."""
    gate = Gate("canonical URLs", "canonical == page URL")
    for page in pages:
        found = _CANONICAL.findall(page.html)
        if page.redirect:
            continue
        expected = base_url + page.url
        if page.url == "/404.html":
            continue
        if found != [expected]:
            gate.errors.append(f"{page.url}: canonical is {found or 'missing'}; expected {expected}")
    return gate


def check_sitemap(pages: list[Page], out: Path, base_url: str) -> Gate:
    """sitemap.xml validates against the sitemaps.org schema and lists exactly the indexable pages."""
    from lxml import etree

    gate = Gate("sitemap.xml and robots.txt", "valid XSD; exactly the indexable pages")
    schemas = {
        "urlset": etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap.xsd"))),
        "sitemapindex": etree.XMLSchema(etree.parse(str(SCHEMAS / "siteindex.xsd"))),
    }
    locs: list[str] = []
    queue = [out / "sitemap.xml"]
    while queue:
        path = queue.pop(0)
        if not path.is_file():
            gate.errors.append(f"{path.relative_to(out)} is missing")
            continue
        doc = etree.parse(str(path), etree.XMLParser(huge_tree=True))
        kind = etree.QName(doc.getroot()).localname
        schema = schemas.get(kind)
        if schema is None or not schema.validate(doc):
            problems = [f"{e.line}: {e.message}" for e in schema.error_log] if schema else [f"unknown root {kind}"]
            gate.errors += [f"{path.name}:{p}" for p in problems[:20]]
        found = [e.text.strip() for e in doc.iter(SITEMAP_NS + "loc")]
        if len(found) > 50_000:
            gate.errors.append(f"{path.name}: {len(found):,} URLs; a sitemap may list at most 50,000")
        if kind == "sitemapindex":
            queue += [out / urlsplit(u).path.removeprefix(path_prefix(base_url)).lstrip("/") for u in found]
        else:
            locs += found
    bad = [u for u in locs if not u.startswith(base_url + "/")]
    gate.errors += [f"sitemap URL is not absolute on {base_url}: {u}" for u in bad[:20]]
    listed = set(locs)
    indexable = {base_url + p.url for p in pages if not p.redirect and not p.noindex}
    gate.errors += [f"indexable page missing from the sitemap: {u}" for u in sorted(indexable - listed)[:20]]
    gate.errors += [f"sitemap lists a page that is not indexable: {u}" for u in sorted(listed - indexable)[:20]]
    if len(locs) != len(listed):
        gate.errors.append(f"{len(locs) - len(listed)} duplicate sitemap URLs")
    robots = (out / "robots.txt").read_text("utf-8") if (out / "robots.txt").is_file() else ""
    if f"Sitemap: {base_url}/sitemap.xml" not in robots:
        gate.errors.append(f"robots.txt does not name the sitemap ({base_url}/sitemap.xml)")
    gate.figures = {"urls": len(locs), "indexable_pages": len(indexable)}
    return gate


def check_titles(pages: list[Page], gates) -> Gate:
    """Titles and meta descriptions are unique and within length bounds."""
    gate = Gate(
        "titles and descriptions",
        f"unique; title {gates.title_min}-{gates.title_max} chars, description {gates.description_min}-{gates.description_max}",
    )
    titles: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    lengths = {"title": [], "description": []}
    for page in pages:
        if page.redirect or page.url == "/404.html":
            continue
        title = html.unescape((TITLE.findall(page.html) or [""])[0])
        description = html.unescape(page.meta("description") or "")
        lengths["title"].append(len(title))
        lengths["description"].append(len(description))
        for kind, value, seen, low, high in (
            ("title", title, titles, gates.title_min, gates.title_max),
            ("description", description, descriptions, gates.description_min, gates.description_max),
        ):
            if value in seen:
                gate.errors.append(f"{page.url}: same {kind} as {seen[value]}: {value!r}")
            seen.setdefault(value, page.url)
            if not low <= len(value) <= high:
                gate.errors.append(f"{page.url}: {kind} is {len(value)} characters; expected {low}-{high}")
    gate.figures = {k: spread(v) for k, v in lengths.items()}
    return gate


REQUIRED_LD = {
    "BreadcrumbList": ("itemListElement",),
    "ListItem": ("position", "name", "item"),
    "MedicalWebPage": ("name", "url", "lastReviewed", "inLanguage", "about"),
}


def check_jsonld(pages: list[Page]) -> Gate:
    """Every JSON-LD block parses and has the fields its type needs."""
    gate = Gate("JSON-LD", "parses; BreadcrumbList and MedicalWebPage complete")
    blocks = 0
    for page in pages:
        for raw in _JSONLD.findall(page.html):
            blocks += 1
            try:
                data = json.loads(raw)
            except ValueError as exc:
                gate.errors.append(f"{page.url}: JSON-LD does not parse: {exc}")
                continue
            for node in _nodes(data):
                for key in REQUIRED_LD.get(node.get("@type"), ()):
                    if key not in node or node[key] in ("", [], None):
                        gate.errors.append(f"{page.url}: {node.get('@type')} lacks {key}")
                if node.get("@type") == "MedicalWebPage":
                    try:
                        date.fromisoformat(node.get("lastReviewed", ""))
                    except ValueError:
                        gate.errors.append(f"{page.url}: lastReviewed is not a date")
    gate.figures = {"blocks": blocks}
    return gate


def _nodes(data) -> list[dict]:
    found = []
    if isinstance(data, dict):
        found.append(data)
        for value in data.values():
            found += _nodes(value)
    elif isinstance(data, list):
        for item in data:
            found += _nodes(item)
    return found


def check_html(pages: list[Page], out: Path, sample: int | None) -> Gate:
    """The Nu HTML checker over every page (or a sample with one page of each kind)."""
    gate = Gate("HTML validity (Nu checker)", "no errors" + (f"; sample of {sample}" if sample else "; all pages"))
    java = shutil.which("java")
    if not java or not VNU_JAR.is_file():
        gate.errors.append("Nu checker not available: needs java and node_modules/vnu-jar (run `npm ci`)")
        return gate
    chosen = [p for p in pages if not p.redirect]
    if sample:
        kinds: dict[int, Page] = {}
        for p in chosen:
            kinds.setdefault(p.url.count("/"), p)
        rng = random.Random(0)
        picked = {p.url: p for p in [*kinds.values(), *rng.sample(chosen, min(sample, len(chosen)))]}
        chosen = [picked[url] for url in sorted(picked)]
    files = [str(out / p.rel) for p in chosen]
    command = [java, "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *files]
    result = subprocess.run(command, capture_output=True, text=True)
    try:
        messages = json.loads(result.stderr or "{}").get("messages", [])
    except ValueError:
        gate.errors.append(f"Nu checker failed: {result.stderr[:500]}")
        return gate
    for m in messages:
        where = _under(Path(urlsplit(m.get("url", "")).path), out) if m.get("url") else "?"
        gate.errors.append(f"/{where}:{m.get('lastLine', 0)}: {m.get('message')}")
    gate.figures = {"pages_checked": len(files), "errors": len(messages)}
    return gate


def _under(path: Path, out: Path) -> Path:
    """A checked file's path within the output, which may be given through its symbolic link or not."""
    for folder in (out.absolute(), out.resolve()):
        if path.is_relative_to(folder):
            return path.relative_to(folder)
    return path


def check_facts(content: Content, today: date) -> Gate:
    """Plan-type numbers and treatments carry citations and review dates; old reviews warn."""
    g = content.site.gates
    gate = Gate(
        "facts: citations and review dates", f"every number cited; reviewed within {g.max_review_age_days} days"
    )
    numbers = 0
    for pt in content.plan_types.values():
        for step in pt.steps:
            items = ([step.file_within] if step.file_within else []) + list(step.decisions)
            for item in items:
                numbers += 1
                if not item.cite:
                    gate.errors.append(f"plan type {pt.slug}: {step.name}: {item.value} has no citation")
    for kind in ("plan_types", "reasons", "treatments", "payers"):
        for slug, record in getattr(content, kind).items():
            age = (today - record.last_reviewed).days
            if age > g.max_review_age_days:
                gate.warnings.append(
                    f"{kind[:-1].replace('_', ' ')} {slug}: last reviewed {record.last_reviewed} ({age} days ago)"
                )
            if age < 0:
                gate.errors.append(
                    f"{kind[:-1].replace('_', ' ')} {slug}: last_reviewed {record.last_reviewed} is in the future"
                )
    for slug, t in content.treatments.items():
        if not t.sources:
            gate.errors.append(f"treatment {slug}: no sources")
        uncited = [f.text[:40] for f in (t.approved_use, t.pitfall, *t.criteria) if not f.cite]
        gate.errors += [f"treatment {slug}: fact without citation: {u!r}" for u in uncited]
    gate.figures = {"cited_numbers": numbers}
    return gate


def check_readability(content: Content) -> Gate:
    """Grade level of patient-facing prose, as a distribution, against the configured limit."""
    limit = content.site.gates.max_grade_level
    gate = Gate("readability (Flesch-Kincaid grade)", f"median <= {limit}; blocks above it are listed")
    grades: dict[str, float] = {}
    for slug, t in content.treatments.items():
        grades[f"treatment {slug}: body"] = grade_level(t.body)
    for slug, r in content.reasons.items():
        grades[f"reason {slug}: meaning"] = grade_level(r.meaning + "\n" + r.lede)
    for slug, p in content.payers.items():
        grades[f"payer {slug}: notes"] = grade_level(p.notes)
    for (payer, treatment), pair in content.pairs.items():
        grades[f"pair {payer}/{treatment}: body"] = grade_level(pair.body)
    for slug, pt in content.plan_types.items():
        grades[f"plan type {slug}: text"] = grade_level(
            " ".join([pt.description, pt.expedited.text, *(r.text for r in pt.rights)])
        )
    scored = {k: v for k, v in grades.items() if v is not None}
    values = sorted(scored.values())
    median = values[len(values) // 2] if values else 0.0
    if median > limit:
        gate.errors.append(f"median grade {median} is above the limit {limit}")
    gate.warnings += [f"{k}: grade {v}" for k, v in sorted(scored.items(), key=lambda kv: -kv[1]) if v > limit + 2][:15]
    gate.figures = {"blocks": len(values), "grade": spread(values), "over_limit": sum(v > limit for v in values)}
    return gate


def guide_gates(pages: list[Page], content: Content, plan: SitePlan) -> list[Gate]:
    """The guide page's own gates (guide_gates.py): uniqueness, budget and prose."""
    gates = [check_uniqueness(pages, content, plan), check_guide_budget(pages, plan), check_prose(pages, content, plan)]
    return [*gates, check_pairs(content, plan, date.today())]


def run_checks(paths: Paths, base_url: str | None, quick: bool, report: Path, today: date | None = None) -> int:
    """Build if needed, run every gate, print a summary table, write JSON, exit non-zero on errors."""
    result = build_site(paths, base_url=base_url, progress=terminal_progress())
    print(result.summary(paths.out))
    content, plan = load_and_plan(paths, base_url)
    base = content.site.base_url
    pages = read_site(paths.out, base)
    sample = content.site.gates.html_sample if quick else None
    gates = [
        check_links(pages, paths.out, path_prefix(base)),
        check_canonicals(pages, base),
        check_sitemap(pages, paths.out, base),
        check_titles(pages, content.site.gates),
        check_jsonld(pages),
        check_html(pages, paths.out, sample),
        *guide_gates(pages, content, plan),
        check_facts(content, today or date.today()),
        check_readability(content),
    ]
    print_table(gates)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(
        json.dumps(
            {"pages": len(pages), "gates": [asdict(g) | {"status": g.status} for g in gates]}, indent=2, default=str
        )
    )
    print(f"Report: {report}")
    return 1 if any(g.errors for g in gates) else 0


def print_table(gates: list[Gate]) -> None:
    """A readable summary: one row per gate, then the first problems of each."""
    width = max(len(g.name) for g in gates)
    print(f"\n{'gate':<{width}}  status  errors  warnings  threshold")
    for g in gates:
        print(f"{g.name:<{width}}  {g.status:<6}  {len(g.errors):>6}  {len(g.warnings):>8}  {g.threshold}")
    for g in gates:
        for line in g.errors[:10]:
            print(f"  ERROR {g.name}: {line}", file=sys.stdout)
        if len(g.errors) > 10:
            print(f"  ... and {len(g.errors) - 10} more errors in {g.name}")
        for line in g.warnings[:5]:
            print(f"  warn  {g.name}: {line}")
    counts = Counter(g.status for g in gates)
    print(f"\n{counts['PASS']} passed, {counts['WARN']} warned, {counts['FAIL']} failed.")
