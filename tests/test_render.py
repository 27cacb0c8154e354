"""Rendered guide pages: every section, head element and escaping."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import FIXTURE, ROOT, build, fill

SECTION_IDS = ("rights", "requirements", "angle", "worksheet", "timeline", "next-steps", "cta", "related", "sources")
GUIDE = "northwind/entresto/not-medically-necessary/index.html"


class Page(HTMLParser):
    """Collects what the tests look at: ids, head tags, links, JSON-LD and visible text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.meta: dict[str, str] = {}
        self.links: list[str] = []
        self.canonical = ""
        self.title = ""
        self.lang = ""
        self.jsonld: list[str] = []
        self.h1 = ""
        self._in: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "meta" and ("name" in a or "property" in a):
            self.meta[a.get("name") or a["property"]] = a.get("content", "")
        if tag == "link" and a.get("rel") == "canonical":
            self.canonical = a["href"]
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "script" and a.get("type") == "application/ld+json":
            self._in = "jsonld"
            self.jsonld.append("")
        if tag in ("title", "h1"):
            self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("title", "h1", "script"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1 += data
        elif self._in == "jsonld":
            self.jsonld[-1] += data


def guide_pages(site: Path) -> list[Path]:
    pages = [p for p in site.rglob("index.html") if len(p.relative_to(site).parts) == 4]
    return [p for p in pages if 'http-equiv="refresh"' not in p.read_text("utf-8")]


def test_every_guide_page_has_every_section_and_head_element(built_site: Path) -> None:
    pages = guide_pages(built_site)
    assert len(pages) == 13
    titles, descriptions = set(), set()
    for path in pages:
        page = Page(path.read_text("utf-8"))
        assert [i for i in SECTION_IDS if i not in page.ids] == [], path
        assert page.lang == "en"
        assert page.title and page.title not in titles
        titles.add(page.title)
        assert page.meta["description"] and page.meta["description"] not in descriptions
        descriptions.add(page.meta["description"])
        url = "/" + path.relative_to(built_site).parent.as_posix() + "/"
        assert page.canonical == "https://fixture.example.org" + url
        assert page.meta["og:url"] == page.canonical
        assert page.meta["og:title"] == page.title
        assert page.h1.endswith("?")


def test_json_ld_has_breadcrumbs_and_a_medical_web_page(built_site: Path) -> None:
    page = Page((built_site / GUIDE).read_text("utf-8"))
    data = json.loads(page.jsonld[0])
    crumbs, web = data["@graph"]
    assert crumbs["@type"] == "BreadcrumbList"
    assert [c["name"] for c in crumbs["itemListElement"]] == [
        "Home",
        "Northwind",
        "Entresto",
        "Not medically necessary",
    ]
    assert web["@type"] == "MedicalWebPage"
    assert web["lastReviewed"] == "2026-11-20"
    assert "reviewedBy" not in web
    ocrevus = Page((built_site / "northwind/ocrevus/not-medically-necessary/index.html").read_text("utf-8"))
    assert json.loads(ocrevus.jsonld[0])["@graph"][1]["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr. Fixture Reviewer",
    }


def test_display_names_come_from_content(built_site: Path) -> None:
    page = Page((built_site / GUIDE).read_text("utf-8"))
    # The question uses short names; the full name is in the JSON-LD and on the treatment's hub.
    assert page.h1 == "Entresto denied as not medically necessary by Northwind?"
    assert json.loads(page.jsonld[0])["@graph"][1]["about"]["name"] == "Entresto (sacubitril/valsartan)"
    fusion = Page((built_site / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8"))
    assert fusion.h1 == "Spinal fusion denied as out of network by Contoso?"


def test_pair_specifics_replace_the_general_fallback(built_site: Path) -> None:
    with_pair = (built_site / GUIDE).read_text("utf-8")
    assert "Northwind Heart Failure Drugs policy</a>, NW-RX-042" in with_pair.replace("&#39;", "'")
    assert "We have not yet read" not in with_pair
    without = (built_site / "contoso/entresto/not-medically-necessary/index.html").read_text("utf-8")
    assert "We have not yet read Contoso's own policy for Entresto" in without


def test_cta_link_carries_the_page_parameters(built_site: Path) -> None:
    html = (built_site / GUIDE).read_text("utf-8")
    assert 'href="https://fixture.example.org/letter/?p=northwind&amp;t=entresto&amp;r=not-medically-necessary"' in html
    assert "First letter: <strong>$49</strong> (usually $99). Code <strong>FIRST</strong>" in html


def test_pages_read_without_javascript_and_run_no_inline_script(built_site: Path) -> None:
    # The only script is the guide's deadline calculator, a file; its form stays hidden without it,
    # and the deadline rows above it say every rule in words.
    for path in built_site.rglob("*.html"):
        page = path.read_text("utf-8")
        scripts = re.findall(r"<script(?![^>]*application/ld\+json)[^>]*>", page)
        expected = ['<script src="/deadline.js" defer>'] if 'class="deadline-rows"' in page else []
        if path.parent.name == "search":
            expected = ['<script src="/search.js" type="module">']
        assert scripts == expected, path
        assert not re.search(r"\son[a-z]+=", page), path
    guide = (built_site / GUIDE).read_text("utf-8")
    assert '<form class="calc" id="deadline-calc" hidden>' in guide
    assert re.search(r'data-file-within="180 days"[^>]*>.*180 days', guide)


HOSTILE = "<script>alert(\"x\")</script> & 'quotes' Ünïcødé"


def test_hostile_names_and_markdown_render_escaped(content_dir: Path, tmp_path: Path) -> None:
    payer = content_dir / "payers/northwind.yaml"
    text = payer.read_text("utf-8")
    text = text.replace("short_name: Northwind", f"short_name: {json.dumps(HOSTILE)}")
    text = text.replace("Northwind sells employer and Medicare plans.", "<img src=x onerror=alert(1)> **bold** & more")
    payer.write_text(text, "utf-8")
    body = content_dir / "treatments/entresto.md"
    body.write_text(
        body.read_text("utf-8") + '\n<script>alert(2)</script>\n\n[x](https://a.example/?a=1&b="2")\n', "utf-8"
    )
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    for path in out.rglob("*.html"):
        html = path.read_text("utf-8")
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
    guide = (out / GUIDE).read_text("utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#39;quotes&#39; Ünïcødé" in guide
    treatment_hub = (out / "treatments/entresto/index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in treatment_hub
    assert 'href="https://a.example/?a=1&amp;b=%222%22"' in treatment_hub
    hub = (out / "northwind/index.html").read_text("utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt; <strong>bold</strong> &amp; more" in hub
    ld = Page(guide).jsonld[0]
    assert "</script" not in ld and json.loads(ld)["@graph"][0]["itemListElement"][1]["name"] == HOSTILE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{payer} denied {treatment}", "A &amp; B denied &lt;T&gt;"),
        ("no placeholders <b>", "no placeholders &lt;b&gt;"),
    ],
)
def test_fill_escapes_text_and_names(text: str, expected: str) -> None:
    assert str(fill(text, {"payer": "A & B", "treatment": "<T>"})) == expected


def test_non_ascii_content_reaches_the_page_as_references_and_reads_the_same(content_dir: Path, tmp_path: Path) -> None:
    treatment = content_dir / "treatments/entresto.md"
    text = treatment.read_text("utf-8").replace("A heart failure diagnosis.", "A heart failure — café § 2 — diagnosis.")
    text = text.replace(
        "Show each ACE inhibitor or ARB tried",
        "Dose titration — “slowly” at first. Show each ACE inhibitor or ARB tried",
    )
    treatment.write_text(text, "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    raw = (out / "contoso/entresto/step-therapy/index.html").read_bytes()
    assert raw.isascii(), "shared pieces are stored as ASCII, so the page encodes as a plain copy"
    shown = Page(raw.decode("ascii"))
    visible = html.unescape(raw.decode("ascii"))
    assert "A heart failure — café § 2 — diagnosis." in visible
    assert "Dose titration — “slowly” at first." in visible
    assert json.loads(shown.jsonld[0])["@graph"][1]["about"]["name"] == "Entresto (sacubitril/valsartan)"


def test_a_non_ascii_name_on_the_page_itself_is_written_as_utf8(content_dir: Path, tmp_path: Path) -> None:
    payer = content_dir / "payers/northwind.yaml"
    payer.write_text(payer.read_text("utf-8").replace("short_name: Northwind", "short_name: Nörthwind"), "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    page = Page((out / GUIDE).read_text("utf-8"))
    assert page.h1.startswith("Entresto") and "by Nörthwind?" in page.h1


def test_placeholders_are_filled_wherever_content_puts_them(content_dir: Path, tmp_path: Path) -> None:
    # Every page is filled over its finished HTML; before hubs were too, the plan-type hub
    # showed "{payer}" from a plan type's own text.
    edits = {
        "payers/northwind.yaml": [("Northwind sells employer", "{payer} sells employer")],
        "payers/northwind/entresto.md": None,
        "plan-types/medicare-part-d.yaml": [
            ("Ask for a fast redetermination", "Ask {payer} for a fast redetermination")
        ],
        "reasons/not-medically-necessary.yaml": [
            ("Answer each criterion with", "Answer each {payer} criterion with"),
            ("decided your records", "decided your {treatment} records"),
        ],
        "treatments/entresto.md": [
            ("Denials when the ejection", "Denials by {payer} when the ejection"),
            ("Lowers the risk of death", "As {treatment}, lowers the risk of death"),
        ],
    }
    for rel, changes in edits.items():
        path = content_dir / rel
        text = path.read_text("utf-8")
        if changes is None:
            text += "\nOne more note for {payer} about {treatment}.\n"
        for old, new in changes or ():
            assert old in text, (rel, old)
            text = text.replace(old, new)
        path.write_text(text, "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    for path in out.rglob("*.html"):
        page = path.read_text("utf-8")
        assert "{payer}" not in page and "{treatment}" not in page, path
    # A guide fills in its own payer and treatment; a hub its own record, else a general phrase.
    shown = {
        GUIDE: (
            "Denials by Northwind when the ejection",
            "One more note for Northwind about Entresto.",
            "Help with your Entresto appeal",
            "answers Northwind's criteria",
            "Northwind says Entresto is not medically necessary",
        ),
        "northwind/index.html": ("Northwind sells employer",),
        "plan-types/medicare-part-d/index.html": ("Ask your plan for a fast redetermination",),
        "reasons/not-medically-necessary/index.html": (
            "Answer each your plan criterion with",
            "decided your the treatment records",
        ),
        "treatments/entresto/index.html": ("As Entresto, lowers the risk of death",),
    }
    for rel, expected in shown.items():
        page = html.unescape((out / rel).read_text("utf-8"))
        for text in expected:
            assert text in page, (rel, text)


def test_a_name_holding_a_placeholder_is_not_filled_in_turn() -> None:
    assert str(fill("{payer} / {treatment}", {"payer": "P {treatment}", "treatment": "T"})) == "P {treatment} / T"


def test_payer_process_shows_on_its_reason_and_names_the_lines_it_covers(built_site: Path) -> None:
    step = (built_site / "northwind/entresto/step-therapy/index.html").read_text("utf-8")
    block = between(step, "How Northwind takes this request", "</ul>")
    assert "<p>For Employer plan (self-funded) only; other plan types follow the steps their notice gives.</p>" in block
    assert "The prescriber asks for a step therapy exception on the Northwind exception form." in block
    assert "fixture.example.org/northwind/step-therapy" in step
    other_reason = (built_site / "northwind/entresto/not-medically-necessary/index.html").read_text("utf-8")
    assert "takes this request" not in other_reason
    other_payer = (built_site / "fabrikam-rx/entresto/step-therapy/index.html").read_text("utf-8")
    assert "takes this request" not in other_payer


def test_a_payer_process_for_one_benefit_stays_off_guides_for_the_other() -> None:
    from datetime import date

    from generator.model import Fact, Payer, PolicyRef, Process

    step = Fact("Ask on the drug exception form.", "page")
    process = Process(("employer-self-funded",), (step,), date(2026, 11, 1), benefits=("pharmacy",))
    payer = Payer(
        "p", "P", "P", (), "insurer", ("national",), ("employer-self-funded",), (), ("medical", "pharmacy"),
        PolicyRef("", ""), "", (), (), date(2026, 11, 1), (), (), processes={"step-therapy": process},
    )  # fmt: skip
    assert payer.process_for("step-therapy", ("employer-self-funded",), "pharmacy") is process
    assert payer.process_for("step-therapy", ("employer-self-funded",), "either") is process
    assert payer.process_for("step-therapy", ("employer-self-funded",), "medical") is None
    assert payer.process_for("step-therapy", ("medicare-advantage",), "pharmacy") is None
    assert payer.process_for("not-medically-necessary", ("employer-self-funded",), "pharmacy") is None


@pytest.mark.parametrize(
    ("note", "rest"),
    [
        ("One sentence only.", ""),
        ("First one here. Second one follows.", "Second one follows."),
        ("First one here. Second.\n\nNext paragraph.", "Second.\n\nNext paragraph."),
        ("Only this.\n\nNext paragraph.", "Next paragraph."),
        ("See **the label** first. Then ask.", "See **the label** first. Then ask."),
    ],
)
def test_the_note_goes_on_after_the_sentence_the_answer_took(note: str, rest: str) -> None:
    from generator.render.guide import first_sentence, without_first_sentence

    assert without_first_sentence(note) == rest
    if rest != note:
        assert note.replace("\n\n", " ").startswith(first_sentence(note))


def test_the_answer_is_cited_and_not_repeated_below(built_site: Path) -> None:
    html = (built_site / "northwind/entresto/step-therapy/index.html").read_text("utf-8")
    answer = between(html, '<p class="answer">', "</p>")
    assert "Show each ACE inhibitor or ARB tried, with dates and why it stopped." in answer
    assert 'href="#s1"' in answer
    assert "Show each ACE inhibitor or ARB tried" not in between(html, '<section id="angle"', "</section>")


def between(html: str, start: str, end: str) -> str:
    """The page from `start` up to the first `end` after it."""
    rest = html[html.index(start) :]
    return rest[: rest.index(end)]


def test_long_names_shorten_the_payer_to_its_initials_before_the_treatment_is_cut(content) -> None:
    from dataclasses import replace

    from generator.render.guide_head import TITLE_HARD_MAX, guide_title, title_names

    reason = content.reasons["not-medically-necessary"]
    treatment = replace(content.treatments["ocrevus"], short_name="Spinal cord stimulator")
    payer = replace(
        content.payers["northwind"], short_name="Blue Cross Blue Shield of Michigan", aliases=("BCBSM", "Blue Care")
    )
    assert title_names(payer) == ["Blue Cross Blue Shield of Michigan", "BCBSM"]
    assert guide_title(payer, treatment, reason) == "Spinal cord stimulator: not medically necessary (BCBSM)"
    kaiser = replace(payer, short_name="Kaiser Permanente", aliases=("Kaiser", "KP"))
    assert title_names(kaiser) == ["Kaiser Permanente", "Kaiser"]
    united = replace(payer, short_name="UnitedHealthcare", aliases=("UHC", "United", "CMS", "UnitedHealth Group"))
    assert title_names(united) == ["UnitedHealthcare", "UHC"]
    snf = replace(treatment, short_name="Skilled nursing facility care")
    assert guide_title(united, snf, reason) == "Skilled nursing facility care: not medically necessary (UHC)"
    long = replace(treatment, short_name="Skilled nursing facility care and more words")
    cut = guide_title(replace(payer, aliases=()), long, reason)
    kept = cut.split("…")[0]
    assert len(cut) <= TITLE_HARD_MAX and kept and long.short_name.startswith(kept + " ")  # whole words only
    assert cut.endswith("(Blue Cross Blue Shield of Michigan)")


def test_reused_pieces_give_every_guide_what_rendering_it_alone_gives(content) -> None:
    # sources.reuse renders the deadline rows, the requirements, the payer's process and the free help
    # once per key, each page giving them its numbers, and the renderer other partials once per key; the plain way is
    # a renderer that has seen no other page.
    from generator.plan import plan_pages
    from generator.render.renderer import Renderer

    plan = plan_pages(content)
    warm = Renderer(content, plan, ROOT / "templates")
    for index in range(len(plan.guides)):
        alone = Renderer(content, plan, ROOT / "templates")
        assert warm.guides.render(index) == alone.guides.render(index), plan.guides[index].url
    reused = {key[0] for key in warm.guides._pieces}
    assert {"rights", "requirements", "process"} <= reused, f"the pieces were reused: {reused}"


def test_a_part_d_row_gives_the_time_for_a_request_on_a_page_about_care_already_had(
    content_dir: Path, tmp_path: Path
) -> None:
    # A pharmacy turns a drug away before you have it: on a page whose denial is of care already had
    # (a drug given in the clinic), Part D's row gives its time for a drug request (7 days, fast 72 hours),
    # and its time to pay you back (14 days) goes below the rows; Medicare Advantage keeps its claim time.
    treatment = content_dir / "treatments/ocrevus.md"
    treatment.write_text(treatment.read_text("utf-8").replace("benefit: medical", "benefit: either"), "utf-8")
    reason = content_dir / "reasons/not-medically-necessary.yaml"
    reason.write_text(reason.read_text("utf-8") + "after_care: true\n", "utf-8")
    part_d = content_dir / "plan-types/medicare-part-d.yaml"
    times = (
        "      - kind: payment\n        value: 14 days\n        text: to pay you back\n        cite: 42 CFR 423.590\n"
        "      - kind: expedited\n        value: 72 hours\n        text: for a fast appeal\n        cite: 42 CFR 423.590\n"
    )
    part_d.write_text(part_d.read_text("utf-8").replace("expedited:\n", times + "expedited:\n", 1), "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    page = (out / "northwind/ocrevus/not-medically-necessary/index.html").read_text("utf-8")
    row = between(page, 'data-plan-type="medicare-part-d"', "</li>")
    assert 'data-decide="7 days" data-decide-kind="standard"' in row and "fast 72 hours" in row
    claims = between(page, '<p class="claim-times">', "</p>")
    assert "14 days" in claims and "Medicare Part D" in claims
    assert "fast (expedited)" in page  # the letter and the next steps offer it, for the Part D row
    medicare_advantage = between(page, 'data-plan-type="medicare-advantage"', "</li>")
    assert "fast" not in medicare_advantage


def test_a_reused_piece_takes_each_pages_numbers_for_its_citations() -> None:
    # A citation the page has numbered keeps its number; the piece's others take the next ones, in order.
    from markupsafe import Markup

    from generator.model import Fact
    from generator.render.sources import PageSources, marks, reuse

    cache: dict = {}
    facts = [Fact("a", "Rule A", url="https://a.example/"), Fact("b", "Rule B")]

    def piece(sources: PageSources) -> Markup:
        return marks(sources.cite_all(facts)) + sources.cite(facts[0]).mark

    def shown(html: str) -> str:
        return ",".join(re.findall(r'<a href="#s(\d+)" aria-label="source \1">\1</a>', html))

    first = PageSources()
    first.cite(Fact("x", "Label X"))
    assert shown(reuse(cache, ("p",), first, lambda: piece(first))) == "2,3,2"
    assert list(first.numbers) == ["Label X", "Rule A", "Rule B"]
    assert first.urls == {"Rule A": "https://a.example/"}
    again = PageSources()
    again.cite(Fact("y", "Label Y"))
    again.cite(Fact("z", "Label Z"))
    assert shown(reuse(cache, ("p",), again, lambda: pytest.fail("rendered again"))) == "3,4,3"
    assert list(again.numbers) == ["Label Y", "Label Z", "Rule A", "Rule B"]
    shared = PageSources()
    shared.cite(Fact("b", "Rule B"))
    assert shown(reuse(cache, ("p",), shared, lambda: pytest.fail("rendered again"))) == "2,1,2"
    assert list(shared.numbers) == ["Rule B", "Rule A"]
    plain = PageSources()  # the same page, the piece rendered on it the plain way
    plain.cite(Fact("b", "Rule B"))
    assert reuse(cache, ("p",), shared, lambda: pytest.fail("rendered again")) == piece(plain)


@pytest.mark.parametrize(
    ("item", "inside"),
    [
        ("Your BMI", "your BMI"),
        ("A list of antidepressants tried", "a list of antidepressants tried"),
        ("A1c results", "A1c results"),
        ("MRI reports", "MRI reports"),
        ("I-PSS score", "I-PSS score"),
        ("IgG lab results, with dates", "IgG lab results, with dates"),
        ("Hospital records", "hospital records"),
        ("Surgeon's notes", "surgeon's notes"),
    ],
)
def test_a_record_to_gather_reads_as_part_of_the_sentence(item: str, inside: str) -> None:
    from generator.render.guide import lower_first

    assert lower_first(item) == inside


def test_templates_render_with_plain_dict_globals_as_with_jinjas_chainmap(content) -> None:
    # SiteEnvironment.make_globals gives each template one dict where Jinja gives a ChainMap over the
    # environment's globals; the plain way is Jinja's own.
    from types import MethodType

    from jinja2 import Environment

    from generator.plan import plan_pages
    from generator.render.renderer import Renderer

    plan = plan_pages(content)
    fast = Renderer(content, plan, ROOT / "templates")
    plain = Renderer(content, plan, ROOT / "templates")
    plain.env.make_globals = MethodType(Environment.make_globals, plain.env)
    for index in range(len(plan.guides)):
        assert fast.guides.render(index) == plain.guides.render(index), plan.guides[index].url
    for index in range(len(plan.hubs)):  # every site page kind
        hub = plan.hubs[index]
        assert fast.hubs.render(hub) == plain.hubs.render(hub), hub.url
    assert type(fast.template("guide.html").globals) is dict
    assert type(plain.template("guide.html").globals) is not dict


def test_a_claim_for_care_already_had_shows_its_own_decision_time_and_no_fast_appeal(
    content_dir: Path, tmp_path: Path, built_site: Path
) -> None:
    # 29 CFR 2560.503-1(i)(2)(iii): 60 days for a claim for care already had; (m)(1): urgent claims are for care to come.
    reason = content_dir / "reasons/out-of-network.yaml"
    reason.write_text(reason.read_text("utf-8").replace("claims_too: true", "after_care: true"), "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    url = "contoso/lumbar-spinal-fusion/out-of-network/index.html"
    page, before = (out / url).read_text("utf-8"), (built_site / url).read_text("utf-8")
    row = between(page, 'data-plan-type="employer-self-funded"', "</li>")
    assert 'data-decide="60 days" data-decide-kind="post-service"' in row and "Decision 60 days" in row
    assert "data-decide-fast" not in row and "fast 72 hours" not in row
    assert "Please pay the claim for" in page and "Please approve" not in page
    assert "fast (expedited)" not in page
    # The same guide before the change: the time for care still to come, a fast one, and the fast appeal.
    assert 'data-decide="30 days" data-decide-kind="pre-service"' in before and "fast (expedited)" in before


def test_a_denial_that_may_be_of_a_claim_gives_the_claim_s_time_too_where_it_differs(
    content_dir: Path, tmp_path: Path, built_site: Path
) -> None:
    # 29 CFR 2560.503-1(i)(2)(ii)-(iii): 30 days for care still to come, 60 for care already had. The
    # fixture's out-of-network reason says its denials may be of either (claims_too).
    page = (built_site / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8")
    row = between(page, 'data-plan-type="employer-self-funded"', "</li>")
    assert 'data-decide="30 days" data-decide-kind="pre-service" data-decide-fast="72 hours"' in row
    assert 'data-decide-claim="60 days"' in row and "already had" not in row
    said = between(page, '<p class="claim-times">', "</p>").removeprefix('<p class="claim-times">')
    assert re.fullmatch(
        r"Already had the care\? The plan has longer to decide: 60 days<sup.*</sup> for Employer plan \(self-funded\)\.",
        said,
    )
    # The fixture's Medicare Advantage has one time for both: nothing to add.
    assert "data-decide-claim" not in between(page, 'data-plan-type="medicare-advantage"', "</li>")
    assert (
        'The request: "Please approve spinal fusion as prescribed." For care already had: "Please pay the claim."'
        in page
    )
    assert "fast (expedited)" in page
    # A drug at the pharmacy is turned away before you have it; one given in the clinic may be a claim.
    reason = content_dir / "reasons/not-medically-necessary.yaml"
    reason.write_text(reason.read_text("utf-8").replace("kinds: [", "claims_too: true\nkinds: ["), "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    assert "data-decide-claim" not in (out / "northwind/entresto/not-medically-necessary/index.html").read_text("utf-8")
    assert 'data-decide-claim="60 days"' in (out / "contoso/ocrevus/not-medically-necessary/index.html").read_text(
        "utf-8"
    )
    assert "data-decide-claim" not in (built_site / "contoso/ocrevus/not-medically-necessary/index.html").read_text(
        "utf-8"
    )


def test_a_fast_appeal_for_some_reasons_only_is_offered_on_their_guides_only(
    content_dir: Path, tmp_path: Path, built_site: Path
) -> None:
    # TRICARE's fast appeal is part of its medical-necessity track (32 CFR 199.10); the fixture's
    # plan types stand in for a plan type whose fast appeal is for some reasons only.
    for slug in ("medicare-advantage", "employer-self-funded", "medicare-part-d"):
        path = content_dir / f"plan-types/{slug}.yaml"
        text = path.read_text("utf-8")
        at = text.index("expedited:")
        cite = text.index("  cite:", at)
        end = text.index("\n", cite) + 1
        path.write_text(text[:end] + "  reasons: [not-medically-necessary]\n" + text[end:], "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    kept = "contoso/lumbar-spinal-fusion/not-medically-necessary/index.html"
    dropped = "contoso/lumbar-spinal-fusion/out-of-network/index.html"
    assert "fast (expedited)" in (built_site / dropped).read_text("utf-8")
    assert "fast (expedited)" not in (out / dropped).read_text("utf-8")
    assert "fast (expedited)" in (out / kept).read_text("utf-8")


def test_a_reason_s_own_opening_for_the_guide_s_plan_types_replaces_the_note_s_first_sentence(
    content_dir: Path, tmp_path: Path, built_site: Path
) -> None:
    # Original Medicare and TRICARE have no plan contract for a note's "your plan's contract" to speak of.
    reason = content_dir / "reasons/step-therapy.yaml"
    lede = "The program sets the steps for {treatment} in its own rules."
    lines = "".join(f'  {pt}: "{lede}"\n' for pt in ("medicare-advantage", "employer-self-funded", "medicare-part-d"))
    reason.write_text(reason.read_text("utf-8") + f"lede_by_plan_type:\n{lines}", "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    url = "contoso/entresto/step-therapy/index.html"
    note = "Show each ACE inhibitor or ARB tried, with dates and why it stopped."
    page, before = (out / url).read_text("utf-8"), (built_site / url).read_text("utf-8")
    assert '<p class="answer">' + lede.replace("{treatment}", "Entresto") in page
    assert note in between(page, 'id="angle"', "</section>")
    # Before: the note's first sentence opened the answer and was not repeated below it.
    assert '<p class="answer">' + note in before
    assert note not in between(before, 'id="angle"', "</section>")


def test_a_next_step_open_to_a_reason_only_sometimes_says_when_on_that_reason_s_rows_only(
    content_dir: Path, tmp_path: Path
) -> None:
    # 45 CFR 147.136(d)(1)(ii): external review takes a denial that involved medical judgment.
    plan_type = content_dir / "plan-types/employer-self-funded.yaml"
    plan_type.write_text(
        plan_type.read_text("utf-8").replace(
            "  - name: External review\n    who_files: you\n",
            "  - name: External review\n    who_files: you\n    when:\n      out-of-network:\n"
            "        text: only where the network rule took medical judgment\n        cite: 45 CFR 147.136(d)(1)(ii)\n",
        ),
        "utf-8",
    )
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    said = "External review within 4 months"
    when = "only where the network rule took medical judgment"
    row = between((out / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8"), said, "</span>")
    assert when in row and '<sup class="ref">' in row.split(when)[1]
    other = (out / "contoso/lumbar-spinal-fusion/not-medically-necessary/index.html").read_text("utf-8")
    assert said in other and when not in other
    rules = (out / "plan-types/employer-self-funded/index.html").read_text("utf-8")
    assert f"this step is open {when}" in rules and "45 CFR 147.136(d)(1)(ii)" in rules


def test_a_reason_s_own_line_for_the_case_replaces_the_doctor_s_reasons_in_the_letter_on_its_guides_only(
    content_dir: Path, tmp_path: Path
) -> None:
    reason = content_dir / "reasons/out-of-network.yaml"
    case = "Why the network rule does not reach your case: [the in-network providers you asked]."
    reason.write_text(reason.read_text("utf-8") + f'letter_case: "{case}"\n', "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    own = between(
        (out / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8"),
        '<ol class="letter">',
        "</ol>",
    )
    other = between(
        (out / "contoso/lumbar-spinal-fusion/not-medically-necessary/index.html").read_text("utf-8"),
        '<ol class="letter">',
        "</ol>",
    )
    assert f"<li>{case}</li>" in own and "Your doctor's reasons" not in own
    assert "Your doctor's reasons" in other and case not in other


def test_a_treatment_s_own_line_for_the_case_shows_on_its_guides_unless_the_reason_gives_one(
    content_dir: Path, tmp_path: Path
) -> None:
    treatment = content_dir / "treatments/lumbar-spinal-fusion.md"
    case = "What the surgeon says: [why the other options do not fit you]."
    treatment.write_text(
        treatment.read_text("utf-8").replace("reasons: [", f'letter_case: "{case}"\nreasons: [', 1), "utf-8"
    )
    reason = content_dir / "reasons/out-of-network.yaml"
    network = "Why this provider: [the in-network providers you asked]."
    reason.write_text(reason.read_text("utf-8") + f'letter_case: "{network}"\n', "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)

    def letter(url: str) -> str:
        return between((out / url).read_text("utf-8"), '<ol class="letter">', "</ol>")

    own = letter("contoso/lumbar-spinal-fusion/not-medically-necessary/index.html")
    assert f"<li>{case}</li>" in own and "Your doctor's reasons" not in own
    by_reason = letter("contoso/lumbar-spinal-fusion/out-of-network/index.html")
    assert f"<li>{network}</li>" in by_reason and case not in by_reason
    other = letter("northwind/ocrevus/not-medically-necessary/index.html")
    assert "Your doctor's reasons" in other and case not in other


def test_a_reason_s_guide_notes_show_on_its_guides_where_they_apply_and_nowhere_else(
    content_dir: Path, tmp_path: Path
) -> None:
    reason = content_dir / "reasons/out-of-network.yaml"
    everywhere, for_part_d = "Ask for the network list {payer} used.", "A Part D network rule for pharmacies."
    notes = (
        "guide_notes:\n"
        f'  - text: "{everywhere}"\n    cite: "Reason note source A"\n'
        f'  - text: "{for_part_d}"\n    cite: "Reason note source B"\n'
        "    applies_to:\n      plan_types: [medicare-part-d]\n"
    )
    reason.write_text(reason.read_text("utf-8") + notes, "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    own = (out / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8")
    angle = between(own, '<section id="angle"', "</section>")
    assert "Ask for the network list Contoso used." in angle and '<sup class="ref">' in angle.split("network list")[1]
    assert "Reason note source A" in between(own, 'id="sources"', "</section>")
    assert "Part D network rule" not in own and "Reason note source B" not in own
    other = (out / "contoso/lumbar-spinal-fusion/not-medically-necessary/index.html").read_text("utf-8")
    assert "network list" not in other


def test_a_next_step_open_only_sometimes_says_so_on_every_reason_s_rows(content_dir: Path, tmp_path: Path) -> None:
    # TRICARE's second reconsideration is listed on a page dated 2014 (Step.open_if).
    plan_type = content_dir / "plan-types/employer-self-funded.yaml"
    plan_type.write_text(
        plan_type.read_text("utf-8").replace(
            "  - name: External review\n    who_files: you\n",
            "  - name: External review\n    who_files: you\n    open_if:\n"
            "      text: if the final denial offers it\n      cite: 45 CFR 147.136(d)\n",
        ),
        "utf-8",
    )
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    for reason in ("out-of-network", "not-medically-necessary"):
        page = (out / f"contoso/lumbar-spinal-fusion/{reason}/index.html").read_text("utf-8")
        row = between(page, "External review within 4 months", "</span>")
        assert ", if the final denial offers it<sup" in row, reason
        assert 'data-when="if the final denial offers it"' in page, reason
    rules = (out / "plan-types/employer-self-funded/index.html").read_text("utf-8")
    assert "This step is open if the final denial offers it" in rules


def test_a_criterion_for_some_of_a_guide_s_plan_types_says_whose_it_is(content_dir: Path, tmp_path: Path) -> None:
    treatment = content_dir / "treatments/lumbar-spinal-fusion.md"
    scoped = (
        "  - text: Three to six months of failed conservative care.\n"
        "    cite: Typical commercial and Medicare policy criteria (payer policies vary)\n"
        "    applies_to:\n      plan_types: [medicare-advantage]\n"
    )
    text = treatment.read_text("utf-8")
    treatment.write_text(
        text.replace(
            "  - text: Three to six months of failed conservative care.\n"
            "    cite: Typical commercial and Medicare policy criteria (payer policies vary)\n",
            scoped,
        ),
        "utf-8",
    )
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    table = between(
        (out / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8"), "<tbody>", "</tbody>"
    )
    assert "<td><strong>Medicare:</strong> Three to six months of failed conservative care." in table
    assert "<td>A specific indication such as instability." in table


@pytest.mark.parametrize(
    ("scope", "label"),
    [
        ("states: [WA]", "<strong>In Washington:</strong> "),
        ("states: [WA]\n      plan_types: [medicare-advantage]", "<strong>Medicare in Washington:</strong> "),
        ("states: [WA, OR]", ""),  # every state the payer sells in
    ],
)
def test_a_criterion_for_some_of_a_payer_s_states_says_where_it_holds(
    content_dir: Path, tmp_path: Path, scope: str, label: str
) -> None:
    # Contoso sells in Washington and Oregon: one region's policy read by a member in the other.
    treatment = content_dir / "treatments/lumbar-spinal-fusion.md"
    line = "    cite: Typical commercial and Medicare policy criteria (payer policies vary)\n"
    text = treatment.read_text("utf-8")
    start = text.index("  - text: Three to six months of failed conservative care.\n")
    end = text.index(line, start) + len(line)
    treatment.write_text(text[:end] + f"    applies_to:\n      {scope}\n" + text[end:], "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    table = between(
        (out / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8"), "<tbody>", "</tbody>"
    )
    assert f"<td>{label}Three to six months of failed conservative care." in table


def test_a_reason_s_words_for_a_plan_type_are_used_where_every_plan_type_of_the_guide_has_them(
    content_dir: Path, tmp_path: Path
) -> None:
    reason = content_dir / "reasons/out-of-network.yaml"
    general = "Ask for a network gap exception."
    own = "Ask which network rule the plan applied to {treatment}."
    for plan_types, expected in (
        (["medicare-advantage"], general),
        (["medicare-advantage", "employer-self-funded"], own.replace("{treatment}", "spinal fusion")),
    ):
        lines = "".join(f'  {pt}: "{own}"\n' for pt in plan_types)
        reason.write_text(
            (FIXTURE / "reasons/out-of-network.yaml").read_text("utf-8") + f"ask_for_by_plan_type:\n{lines}", "utf-8"
        )
        out = tmp_path / "-".join(plan_types)
        build(content_dir, out, workers=1)
        answer = between(
            (out / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8"),
            '<p class="answer">',
            "</p>",
        )
        assert answer.endswith(expected), (plan_types, answer)


@pytest.mark.parametrize(
    ("scoped", "label"),
    [
        (("employer-insured", "fehb", "individual-marketplace"), "Job-based and Marketplace plans"),
        (("employer-insured", "employer-self-funded"), "Job-based plans"),
        (("employer-insured",), "Employer plan (insured)"),  # one plan type: its own name
        (("medicare-advantage", "medicare-part-d"), "Medicare"),
        (("employer-insured", "medicare-advantage"), "Employer plan (insured), Medicare Advantage"),
    ],
)
def test_a_criterion_for_several_job_based_plan_types_is_labelled_in_two_words_not_a_list(
    scoped: tuple[str, ...], label: str
) -> None:
    from types import SimpleNamespace

    from generator.guide_records import scope_label
    from generator.model import Fact, Scope

    names = {
        "employer-insured": "Employer plan (insured)",
        "employer-self-funded": "Employer plan (self-funded)",
        "fehb": "FEHB plan",
        "individual-marketplace": "Individual / Marketplace plan",
        "medicare-advantage": "Medicare Advantage",
        "medicare-part-d": "Medicare Part D",
        "medicaid-managed-care": "Medicaid plan (managed care)",
    }
    page = [SimpleNamespace(slug=s, short_name=n) for s, n in names.items()]
    assert scope_label(Fact("A criterion.", "c", scope=Scope(plan_types=scoped)), page) == label


def test_a_guide_with_no_typical_criteria_for_its_plan_types_does_not_promise_a_list(
    content_dir: Path, tmp_path: Path
) -> None:
    treatment = content_dir / "treatments/lumbar-spinal-fusion.md"
    cite = "    cite: Typical commercial and Medicare policy criteria (payer policies vary)\n"
    elsewhere = cite + "    applies_to:\n      plan_types: [medicare-part-d]\n"  # no Contoso page has Part D
    treatment.write_text(treatment.read_text("utf-8").replace(cite, elsewhere), "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    page = (out / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8")
    said = between(page, '<section id="requirements"', "</section>")
    assert "Ask Contoso for the policy it used" in said
    assert "These are the criteria" not in said and "<table" not in said


def test_claim_times_group_job_based_plans_and_say_which_are_left_out() -> None:
    from types import SimpleNamespace

    from generator.guide_records import plans_named

    def pts(*slugs: str) -> list:
        return [SimpleNamespace(slug=s, short_name=s.upper()) for s in slugs]

    page = pts("employer-insured", "employer-self-funded", "individual-marketplace", "medicare-advantage", "fehb")
    everyone_but_fehb = page[:4]
    # FEHB decides a claim in its own time: "job-based plans" alone would take it in. The group that
    # leaves it out comes last, so Medicare Advantage does not read as left out too.
    assert plans_named(everyone_but_fehb, page) == (
        "MEDICARE-ADVANTAGE and for job-based and Marketplace plans other than the FEHB"
    )
    assert plans_named(page[:3], page) == "job-based and Marketplace plans other than the FEHB"
    # One job-based plan of two is no group.
    assert plans_named(pts("employer-insured"), pts("employer-insured", "fehb")) == "EMPLOYER-INSURED"
    without_fehb = page[:4]
    assert plans_named(everyone_but_fehb, without_fehb) == "job-based and Marketplace plans, and MEDICARE-ADVANTAGE"
    assert plans_named(
        pts("employer-insured", "employer-self-funded"), pts("employer-insured", "employer-self-funded")
    ) == ("job-based plans")
    assert plans_named(pts("medicare-advantage"), page) == "MEDICARE-ADVANTAGE"


def test_a_scope_can_leave_out_treatments_with_a_tag_within_its_kinds() -> None:
    # 32 CFR 199.10: TRICARE's fast appeal is for inpatient care and planned admissions or procedures,
    # not for care given in visits (therapy sessions, home health).
    from generator.model import Audience, Scope

    fast = Scope(kinds=("service", "procedure"), except_tags=("visits",))
    assert not fast.applies(Audience(kind="service", tags=("mental-health", "visits")))
    assert fast.applies(Audience(kind="service", tags=("mental-health", "substance-use")))
    assert fast.applies(Audience(kind="procedure", tags=()))
    assert not fast.applies(Audience(kind="drug", tags=()))
    assert fast.applies(Audience())  # a page that does not say (a plan-type page) shows it


def test_real_content_tricare_offers_its_fast_appeal_for_a_stay_not_for_care_in_visits() -> None:
    from generator.load import load_content
    from generator.model import Audience
    from generator.validate import validate_content

    content = validate_content(load_content(ROOT / "content", None), None)
    tricare = content.plan_types["tricare"]
    by_slug = {slug: content.treatments[slug] for slug in ("physical-therapy", "residential-treatment")}
    offers = {
        slug: tricare.expedited.applies_for(
            Audience(plan_types=("tricare",), kind=t.kind, tags=t.tags, benefit=t.benefit), "not-medically-necessary"
        )
        for slug, t in by_slug.items()
    }
    assert offers == {"physical-therapy": False, "residential-treatment": True}


def test_a_policy_shows_a_review_date_as_a_review_not_as_an_effective_date(content_dir: Path, tmp_path: Path) -> None:
    # Aetna's bulletins give a "last review" date: a review that changed nothing is not an effective date.
    pair = content_dir / "payers/northwind/entresto.md"
    number = "  number: NW-RX-042\n"
    pair.write_text(pair.read_text("utf-8").replace(number, number + "  reviewed: 2026-02-20\n"), "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    said = between((out / GUIDE).read_text("utf-8"), '<p class="policy">', "</p>")
    assert "NW-RX-042, last reviewed February 20, 2026" in said and "effective" not in said
    pair.write_text(pair.read_text("utf-8").replace("  reviewed: 2026-02-20\n", "  effective: 2026-01-01\n"), "utf-8")
    build(content_dir, out, workers=1)
    said = between((out / GUIDE).read_text("utf-8"), '<p class="policy">', "</p>")
    assert "NW-RX-042, effective January 1, 2026" in said and "reviewed" not in said


def test_a_reason_can_ask_the_doctor_for_another_letter_than_one_answering_the_criteria(
    content_dir: Path, tmp_path: Path
) -> None:
    # A network denial is answered by why this provider, not by the policy's medical criteria.
    reason = content_dir / "reasons/out-of-network.yaml"
    own = "doctor_letter: Ask your doctor for a letter on why you needed this provider for {treatment}.\n"
    reason.write_text(reason.read_text("utf-8") + own, "utf-8")
    out = tmp_path / "public"
    build(content_dir, out, workers=1)
    steps = between(
        (out / "contoso/lumbar-spinal-fusion/out-of-network/index.html").read_text("utf-8"), 'id="next-steps"', "</ol>"
    )
    assert "Ask your doctor for a letter on why you needed this provider for spinal fusion." in steps
    assert "a letter answering" not in steps
    other = (out / "contoso/lumbar-spinal-fusion/not-medically-necessary/index.html").read_text("utf-8")
    assert "Ask your doctor for a letter answering" in between(other, 'id="next-steps"', "</ol>")
