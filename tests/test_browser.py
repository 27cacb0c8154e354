"""The real site in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; never
`playwright install`): the first phone screen, three people with different plans on one guide, no
sideways scroll, the deadline calculator's dates in two time zones and with JavaScript off, print,
the Content-Security-Policy and axe-core.

Marked `browser` (and slow: they build the real site), so `make test` skips them and `make test-all`
and CI run them. Screenshots are kept under the test's temporary folder, not committed.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import MARKS, launch
from conftest import ROOT, build

playwright_sync = pytest.importorskip("playwright.sync_api")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}

pytestmark = MARKS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real site, built once and served on a free loopback port."""
    out = tmp_path_factory.mktemp("browser") / "public"
    build(ROOT / "content", out)
    handler = functools.partial(_QuietHandler, directory=str(out.resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", out
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


def widest_guide(out: Path) -> str:
    """The guide with the most deadline rows (the payer with the most plan types), and of those the
    one whose rows say the most (a next step open to the reason only sometimes says when)."""
    pages = sorted(out.glob("*/*/*/index.html"))
    best = max(pages, key=lambda p: (*_rows_size(p.read_text("utf-8")), p.as_posix()))
    return "/" + best.parent.relative_to(out).as_posix() + "/"


def _rows_size(page: str) -> tuple[int, int]:
    rows = page[page.find('<ul class="deadline-rows">') : page.find("</ul>", page.find('<ul class="deadline-rows">'))]
    return rows.count('class="deadline-row"'), len(re.sub(r"<[^>]+>", "", rows))


def most_rows(out: Path) -> list[str]:
    """Every guide with as many deadline rows as any (the payers with the most plan types)."""
    sizes = {p: _rows_size(p.read_text("utf-8"))[0] for p in sorted(out.glob("*/*/*/index.html"))}
    top = max(sizes.values())
    return ["/" + p.parent.relative_to(out).as_posix() + "/" for p, n in sizes.items() if n == top]


def test_the_first_phone_screen_shows_the_question_the_answer_and_every_deadline(browser, site, tmp_path) -> None:
    base, out = site
    page = browser.new_page(viewport=PHONE)
    # Every guide of the payers with the most plan types, not only the one whose rows say the most:
    # a long answer above shorter rows pushes the last row down as far.
    overflow = []
    for url in most_rows(out):
        page.goto(base + url)
        rows = page.locator(".deadline-row")
        assert rows.count() >= 5, url
        for locator in (page.locator("h1"), page.locator(".answer"), rows.last):
            box = locator.bounding_box()
            if not box or box["y"] + box["height"] > PHONE["height"]:
                overflow.append((url, locator, box))
    assert overflow == []
    page.goto(base + widest_guide(out))
    page.screenshot(path=str(tmp_path / "guide-phone.png"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "guide-desktop.png"), full_page=True)


@pytest.mark.parametrize("kind", ["guide", "home", "payer", "treatment", "reason", "plan-type", "a-z", "search"])
def test_nothing_scrolls_sideways_at_360_pixels(browser, site, kind: str) -> None:
    base, out = site
    url = {
        "guide": widest_guide(out),
        "home": "/",
        "payer": "/unitedhealthcare/",
        "treatment": "/treatments/keytruda/",
        "reason": "/reasons/not-medically-necessary/",
        "plan-type": "/plan-types/medicare-advantage/",
        "a-z": "/a-z/",
        "search": "/search/?q=Ozempic+Aetna",
    }[kind]
    page = browser.new_page(viewport={"width": 360, "height": 780})
    page.goto(base + url)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 360, url


# Each case: a guide, the plan type to pick, the dates typed, and what the calculator must say, worked
# out by hand from the rule (calendar days; "N months" ends on the same date, or on the first day of
# the next month when that date does not exist).
CASES = [
    # 42 CFR 422.582(b): 65 days from the notice's date. 31 Jan + 28 = 28 Feb, + 31 = 31 Mar, + 6 = 6 Apr.
    (
        "/humana/spinal-cord-stimulator/not-medically-necessary/",
        "medicare-advantage",
        "2026-01-31",
        None,
        None,
        ["2026-04-06"],
    ),
    # 29 Feb 2024 + 65 days: 31 Mar (+31), 30 Apr (+61), 4 May (+65).
    (
        "/humana/spinal-cord-stimulator/not-medically-necessary/",
        "medicare-advantage",
        "2024-02-29",
        None,
        None,
        ["2024-05-04"],
    ),
    # 20 Jan + 65 days = 26 Mar (31 Jan +11, 28 Feb +39). 42 CFR 422.590: the plan decides 30 days after the
    # appeal reaches it (31 Jan + 30 = 2 Mar), a fast appeal in 72 hours (3 Feb), and a request to pay for
    # care already had in 60 days (422.590(b): 28 Feb +28, 31 Mar +59, 1 Apr +60).
    (
        "/humana/spinal-cord-stimulator/not-medically-necessary/",
        "medicare-advantage",
        "2026-01-20",
        "2026-01-31",
        None,
        ["2026-03-26", "2026-03-02", "2026-02-03", "2026-04-01"],
    ),
    # The same dates on a Part B drug's page: 42 CFR 422.590(c), the plan decides 7 days after the appeal
    # reaches it (31 Jan + 7 = 7 Feb); 422.590(e), a fast appeal in 72 hours (3 Feb); 422.590(b), 60 days
    # to pay for a dose already given (1 Apr).
    (
        "/aetna/keytruda/not-medically-necessary/",
        "medicare-advantage",
        "2026-01-20",
        "2026-01-31",
        None,
        ["2026-03-26", "2026-02-07", "2026-02-03", "2026-04-01"],
    ),
    # A drug on the pharmacy benefit is turned away before you have it: no time for a claim for care
    # already had (42 CFR 423.590(a): 7 days for a Part D drug; (d): 72 hours fast).
    (
        "/aetna/semaglutide/not-medically-necessary/",
        "medicare-part-d",
        "2026-01-20",
        "2026-01-31",
        None,
        ["2026-03-26", "2026-02-07", "2026-02-03"],
    ),
    # 42 CFR 438.402(c)(2)(ii): 60 days. 31 Jan 2026 + 60 = 1 Apr (28 Feb is +28, 31 Mar is +59).
    # 438.408(f)(2): the fair hearing 120 days from the appeal decision: 20 Dec 2025 + 120 = 19 Apr 2026.
    (
        "/molina/keytruda/not-medically-necessary/",
        "medicaid-managed-care",
        "2026-01-31",
        None,
        "2025-12-20",
        ["2026-04-01", "2026-04-19"],
    ),
    # 29 CFR 2560.503-1(h)(3)(i): at least 180 days; 1 Oct 2025 + 180 = 30 Mar 2026 (31 Dec is +91, 31 Jan +122, 28 Feb +150).
    # 45 CFR 147.136(d) and 29 CFR 2590.715-2719: 4 months from 31 Oct 2025 has no 31 Feb: 1 Mar 2026.
    (
        "/aetna/keytruda/not-medically-necessary/",
        "employer-insured",
        "2025-10-01",
        None,
        "2025-10-31",
        ["2026-03-30", "2026-03-01"],
    ),
    # A claim for care already had (no prior authorization): 29 CFR 2560.503-1(h)(3)(i), 180 days from 20 Jan
    # is 19 Jul (31 Jan +11, 28 Feb +39, 31 Mar +70, 30 Apr +100, 31 May +131, 30 Jun +161); (i)(2)(iii), the
    # plan decides 60 days after the appeal reaches it (31 Jan + 60 = 1 Apr), and no fast time applies ((m)(1)).
    (
        "/centene/lumbar-spinal-fusion/prior-authorization-not-obtained/",
        "employer-insured",
        "2026-01-20",
        "2026-01-31",
        None,
        ["2026-07-19", "2026-04-01"],
    ),
    # 5 CFR 890.105(b)(1): 6 months from 31 Aug 2025 has no 31 Feb: 1 Mar 2026.
    ("/aetna/keytruda/not-medically-necessary/", "fehb", "2025-08-31", None, None, ["2026-03-01"]),
    # 42 CFR 405.942(a): 120 days; 29 Feb 2024 + 120 = 28 Jun 2024 (31 May is +92).
    ("/medicare/keytruda/not-medically-necessary/", "original-medicare", "2024-02-29", None, None, ["2024-06-28"]),
    # 32 CFR 199.10: 90 days; 20 Dec 2025 + 90 = 20 Mar 2026 (31 Dec +11, 31 Jan +42, 28 Feb +70).
    ("/tricare/keytruda/not-medically-necessary/", "tricare", "2025-12-20", None, None, ["2026-03-20"]),
]


def calculate(page, plan_type: str, notice: str, filed: str | None, decided: str | None) -> list[str]:
    index = page.evaluate(
        "(slug) => [...document.querySelectorAll('.deadline-row')].findIndex(r => r.dataset.planType.split(' ').includes(slug))",
        plan_type,
    )
    assert index >= 0, plan_type
    page.select_option("#calc-plan", str(index))
    page.fill("#calc-notice", notice)
    if filed:
        page.fill("#calc-filed", filed)
    if decided:
        page.fill("#calc-decided", decided)
    return page.eval_on_selector_all("#calc-result time", "els => els.map(e => e.dateTime)")


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Honolulu"])
def test_the_calculator_gives_the_rule_s_dates_in_any_time_zone(browser, site, zone: str) -> None:
    base, _ = site
    context = browser.new_context(timezone_id=zone)
    page = context.new_page()
    for url, plan_type, notice, filed, decided, expected in CASES:
        page.goto(base + url)
        assert calculate(page, plan_type, notice, filed, decided) == expected, (url, plan_type, notice)
    context.close()


# Three people denied Keytruda by Aetna, each with a different plan, open the same guide on a phone
# with a notice dated 31 January 2026. Each finds the row for their plan on the first screen, reads
# its appeal window there, and the calculator gives the last day the rule gives (hand-counted):
THREE_PEOPLE = [
    # 42 CFR 422.582(b): 65 days from the notice's date: 28 Feb +28, 31 Mar +59, 6 Apr +65.
    ("medicare-advantage", "65 days", "2026-04-06"),
    # 29 CFR 2560.503-1(h)(3)(i): at least 180 days: 31 Mar +59, 30 Apr +89, 31 May +120, 30 Jun +150, 30 Jul +180.
    ("employer-insured", "180 days", "2026-07-30"),
    # 42 CFR 438.402(c)(2)(ii): 60 days: 28 Feb +28, 31 Mar +59, 1 Apr +60.
    ("medicaid-managed-care", "60 days", "2026-04-01"),
]


def test_three_people_find_their_last_day_on_the_first_screen_of_one_guide(browser, site) -> None:
    base, _ = site
    page = browser.new_page(viewport=PHONE)
    page.goto(base + "/aetna/keytruda/not-medically-necessary/")
    for plan_type, window, last_day in THREE_PEOPLE:
        row = page.locator(f'.deadline-row[data-plan-type~="{plan_type}"]')
        box = row.bounding_box()
        assert box and box["y"] + box["height"] <= PHONE["height"], plan_type
        assert window in row.inner_text(), (plan_type, row.inner_text())
        assert calculate(page, plan_type, "2026-01-31", None, None)[:1] == [last_day], plan_type
        if plan_type == "employer-insured":  # a minimum the plan may extend (bound: at-least)
            assert "Last day to appeal: you have until at least " in page.inner_text("#calc-result")
        # Filling the calculator scrolled the page: the next person starts from the top.
        page.evaluate("window.scrollTo(0, 0)")


def test_a_maximum_a_state_may_shorten_prints_no_date_and_a_future_notice_is_refused(browser, site) -> None:
    base, _ = site
    page = browser.new_page()
    page.goto(base + "/medicaid/keytruda/not-medically-necessary/")
    assert calculate(page, "medicaid-fee-for-service", "2026-01-31", None, None) == []
    assert "may set less than 90 days, so use" in page.inner_text("#calc-result")
    assert calculate(page, "medicaid-managed-care", "2099-01-01", None, None) == []
    assert "in the future" in page.inner_text("#calc-result")


# Whose decision time the calculator gives: a request for care not had yet (42 CFR 422.590(a)), a Part B
# drug not given yet (422.590(c)), or any appeal (42 CFR 438.408(b)(2), Medicaid managed care), whoever decides it.
DECISION_WORDS = [
    ("/humana/spinal-cord-stimulator/not-medically-necessary/", "medicare-advantage", "For care you have not had yet"),
    ("/aetna/keytruda/not-medically-necessary/", "medicare-advantage", "For a drug you have not had yet"),
    ("/aetna/keytruda/not-medically-necessary/", "medicaid-managed-care", "A decision is due by"),
    # The state decides a fee-for-service fair hearing (42 CFR 431.244(f)), not a plan.
    ("/medicaid/keytruda/not-medically-necessary/", "medicaid-fee-for-service", "A decision is due by"),
    ("/centene/lumbar-spinal-fusion/prior-authorization-not-obtained/", "employer-insured", "For care you already had"),
    # A medical-necessity denial may be of either (29 CFR 2560.503-1(i)(2)(ii)-(iii)): both dates, each said.
    ("/aetna/ivf/not-medically-necessary/", "employer-insured", "For care you have not had yet"),
    ("/aetna/ivf/not-medically-necessary/", "employer-insured", "For care you already had, the plan must decide by"),
]


def test_the_calculator_says_when_the_next_level_is_open_to_an_exclusion(browser, site) -> None:
    # 45 CFR 147.136(d)(1)(ii): external review takes an exclusion only where applying it took medical judgment.
    # 29 CFR 2590.715-2719(d): 4 months after the final internal denial of 15 Jan 2026: 15 May 2026.
    base, _ = site
    page = browser.new_page()
    page.goto(base + "/aetna/ivf/benefit-exclusion/")
    assert calculate(page, "employer-insured", "2026-01-10", None, "2026-01-15") == ["2026-07-09", "2026-05-15"]
    assert "The next level is open usually only where applying the exclusion took medical judgment." in (
        page.inner_text("#calc-result")
    )
    page.goto(base + "/aetna/ivf/not-medically-necessary/")
    calculate(page, "employer-insured", "2026-01-10", None, "2026-01-15")
    assert "The next level is open" not in page.inner_text("#calc-result")


def test_the_calculator_says_which_requests_its_decision_date_is_for(browser, site) -> None:
    base, _ = site
    page = browser.new_page()
    for url, plan_type, words in DECISION_WORDS:
        page.goto(base + url)
        calculate(page, plan_type, "2026-01-20", "2026-01-31", None)
        assert words in page.inner_text("#calc-result"), (url, plan_type, page.inner_text("#calc-result"))


def test_without_javascript_the_page_says_every_rule_in_words(browser, site) -> None:
    base, out = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + widest_guide(out))
    assert not page.is_visible("#deadline-calc")
    rows = page.locator(".deadline-row")
    assert rows.count() >= 5 and all(
        re.search(r"\d+ (days|months)", rows.nth(i).inner_text()) for i in range(rows.count())
    )
    context.close()


def longest_printouts(out: Path, n: int) -> list[str]:
    """The guides whose printed parts (deadline rows, requirements and worksheet, letter outline) say the most."""

    def printed(page: str) -> int:
        parts = [('<section id="rights"', '<section id="angle"'), ('<section id="worksheet"', '<section id="timeline"')]
        text = "".join(page[page.find(a) : page.find(b)] for a, b in parts)
        return len(re.sub(r"<[^>]+>", "", text)) + 60 * text.count("<tr")

    pages = sorted(out.glob("*/*/*/index.html"))
    sizes = sorted(((printed(p.read_text("utf-8")), p.as_posix()) for p in pages), reverse=True)
    return ["/" + Path(p).parent.relative_to(out).as_posix() + "/" for _, p in sizes[:n]]


def test_worksheet_and_letter_outline_print_on_at_most_two_letter_pages(browser, site, tmp_path) -> None:
    base, out = site
    page = browser.new_page()
    # The widest guide, and those whose printed parts say the most (many long criteria: a tall table).
    for n, url in enumerate([widest_guide(out), *longest_printouts(out, 3)]):
        page.goto(base + url)
        page.emulate_media(media="print")
        pdf = page.pdf(format="Letter", path=str(tmp_path / f"guide-print-{n}.pdf"))
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert 1 <= pages <= 2, (url, pages)


def test_no_page_breaks_its_content_security_policy(browser, site) -> None:
    base, out = site
    page = browser.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    for url in (widest_guide(out), "/", "/plan-types/medicare-advantage/", "/search/?q=Dupixent+Cigna"):
        page.goto(base + url)
        page.fill("#calc-notice", "2026-01-31") if url.count("/") > 3 and "?" not in url else None
        if "?" in url:
            page.wait_for_selector("#search-results li")
    assert not [m for m in messages if "Content Security Policy" in m or "Refused to" in m], messages


@pytest.mark.skipif(not AXE.exists(), reason="axe-core comes from npm (make test-all runs npm ci)")
@pytest.mark.parametrize(
    "url",
    [
        "guide",
        "/",
        "/unitedhealthcare/",
        "/treatments/keytruda/",
        "/reasons/step-therapy/",
        "/plan-types/tricare/",
        "/a-z/",
        "/search/?q=Ozempic+Aetna",
        "/404.html",
    ],
)
def test_axe_finds_no_serious_or_critical_violation_at_phone_width(browser, site, url: str) -> None:
    base, out = site
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(base + (widest_guide(out) if url == "guide" else url))
    if url.startswith("/search/"):
        page.wait_for_selector("#search-results li")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        (v["id"], v["impact"], len(v["nodes"])) for v in result["violations"] if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad
    context.close()


def test_the_home_page_search_box_lands_on_the_guide(browser, site) -> None:
    base, _ = site
    page = browser.new_page(viewport=PHONE)
    page.goto(base + "/")
    # Ozempic is a brand of semaglutide: the guides' headings say "Semaglutide", the index has every brand.
    page.fill("#q", "Ozempic Aetna")
    page.press("#q", "Enter")
    page.wait_for_url("**/search/?q=Ozempic*")
    first = page.wait_for_selector("#search-results li a")
    assert first.get_attribute("href").startswith("/aetna/semaglutide/"), first.get_attribute("href")
    assert "found" in page.inner_text("#search-status")
    first.click()
    page.wait_for_url("**/aetna/semaglutide/*/")
    assert "by Aetna?" in page.inner_text("h1")


def test_without_javascript_search_points_to_the_a_z_list_and_links_pick_payer_treatment_reason(browser, site) -> None:
    base, _ = site
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(base + "/")
    assert page.locator("noscript").count() == 0 or "A–Z" in page.content().replace("&ndash;", "–")
    page.click("text=Aetna")
    page.wait_for_url("**/aetna/")
    page.click("a[href='/aetna/ocrevus/not-medically-necessary/']")
    page.wait_for_url("**/aetna/ocrevus/not-medically-necessary/")
    assert page.inner_text("h1") == "Ocrevus denied as not medically necessary by Aetna?"
    page.goto(base + "/search/?q=Ocrevus")
    assert page.locator("#search-results li").count() == 0
    assert "/a-z/" in page.content()
    context.close()
