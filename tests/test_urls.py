"""generator/urls.py: slugs, the permalink pattern, page URLs and the files they are written to."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.fields import SLUG_RE, check_slug
from generator.urls import HUB_PATTERNS, absolute, check_permalink, guide_url, hub_url, out_path, rel_path, slugify

DEFAULT = "/{payer}/{treatment}/{reason}/"

# ----------------------------------------------------------------------------- slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Ocrevus (ocrelizumab)", "ocrevus-ocrelizumab"),
        ("Entresto (sacubitril/valsartan)", "entresto-sacubitril-valsartan"),
        ("Blue Cross & Blue Shield", "blue-cross-blue-shield"),
        ("UPPER lower 123", "upper-lower-123"),
        ("this--is---a test", "this-is-a-test"),
        ("  --Hello--  ", "hello"),
        ("a_b", "a-b"),
        ("Crème Brûlée", "creme-brulee"),
        ("ß straße", "ss-strasse"),
        ("大飯原発", "da-fan-yuan-fa"),
        ("!!!", ""),
        ("", ""),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


# pelican's slugify table as seeds: punctuation, accents, case and spaces
SEEDS = [
    "this is a test",
    "this → is ← a ↑ test",
    "this--is---a test",
    "unicode測試許功蓋，你看到了嗎？",
    "大飯原発４号機、１８日夜起動へ",
    "Ocrevus (ocrelizumab)",
    "AAT augmentation therapy",
    "Blue Cross & Blue Shield",
]
names = st.one_of(st.sampled_from(SEEDS), st.text(min_size=1, max_size=60))


@given(names)
def test_slugs_are_stable_and_well_formed(name: str) -> None:
    slug = slugify(name)
    assert slug == slugify(name)
    assert slug == "" or SLUG_RE.fullmatch(slug)
    assert slug == "" or check_slug(slug) is None, "a slugified name is always a valid file name"
    assert slugify(slug) == slug


@given(
    st.lists(
        st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=12),
        min_size=2,
        max_size=6,
        unique_by=str.casefold,
    )
)
def test_distinct_ascii_words_get_distinct_slugs(words: list[str]) -> None:
    slugs = [slugify(w) for w in words if slugify(w)]
    ascii_words = [w for w in words if w.isascii() and slugify(w)]
    assert len({slugify(w) for w in ascii_words}) == len(ascii_words)
    assert all(SLUG_RE.fullmatch(s) for s in slugs)


# ----------------------------------------------------------------------------- check_permalink


@pytest.mark.parametrize(
    "pattern",
    [
        DEFAULT,
        "/{reason}/{treatment}/{payer}/",
        "/guides/{payer}/{treatment}/{reason}/",
        "/{payer}-{treatment}/{reason}/",
        "/{payer}/{treatment}/{reason}/v2.1_final-draft/",
    ],
)
def test_safe_permalinks_are_accepted(pattern: str) -> None:
    assert check_permalink(pattern) is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{payer}/{treatment}/{reason}/", "expected a pattern that starts and ends with '/'"),
        ("/{payer}/{treatment}/{reason}", "expected a pattern that starts and ends with '/'"),
        ("/{payer}/{treatment}/{reason}.html", "expected a pattern that starts and ends with '/'"),
        ("", "expected a pattern that starts and ends with '/'"),
        ("/{state}/{payer}/{treatment}/{reason}/", "unknown token {state}; expected {payer}, {treatment} and {reason}"),
        ("/{payer}/{treatment}/", "pattern must use {reason} so every page gets its own URL"),
        ("/{treatment}/{reason}/", "pattern must use {payer}"),
        ("/", "pattern must use {payer}"),
        ("/../{payer}/{treatment}/{reason}/", "each part between slashes must be lower-case letters"),
        ("/{payer}/../{treatment}/{reason}/", "(no '..')"),
        ("/./{payer}/{treatment}/{reason}/", "each part between slashes"),
        ("/.hidden/{payer}/{treatment}/{reason}/", "each part between slashes"),
        ("/Guides/{payer}/{treatment}/{reason}/", "each part between slashes"),
        ("/{payer}//{treatment}/{reason}/", "each part between slashes"),
        ("/{payer}/{treatment} {reason}/", "each part between slashes"),
        ("/{payer}/{treatment}/{reason}/?q=1/", "each part between slashes"),
        ("/{payer}\\{treatment}/{reason}/", "each part between slashes"),
        ("/{payer}/{treatment}/{Reason}/", "pattern must use {reason}"),
    ],
)
def test_unsafe_permalinks_say_why(pattern: str, message: str) -> None:
    problem = check_permalink(pattern)
    assert problem is not None and message in problem


def test_a_permalink_problem_quotes_the_pattern() -> None:
    assert check_permalink("/x/") == "pattern must use {payer} so every page gets its own URL; got '/x/'"


ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
words = st.text(alphabet=ALNUM, min_size=1, max_size=8)
slugs = st.lists(words, min_size=1, max_size=3).map("-".join)
"""What check_slug accepts (built from words: st.from_regex is slow to draw from)."""
literal_segments = st.builds(lambda head, tail: head + tail, words, st.text(alphabet=ALNUM + "._-", max_size=6))
"""One literal part of a permalink, such as guides or v2.1_final."""


@st.composite
def permalinks(draw: st.DrawFn) -> str:
    """Safe patterns: the three tokens in any order, among literal segments or inside one segment."""
    tokens = draw(st.permutations(["{payer}", "{treatment}", "{reason}"]))
    segments = [*tokens, *draw(st.lists(literal_segments, max_size=3))]
    segments = draw(st.permutations(segments))
    if draw(st.booleans()):  # join two neighbours into one segment such as {payer}-{treatment}
        at = draw(st.integers(0, len(segments) - 2))
        segments[at : at + 2] = [segments[at] + "-" + segments[at + 1]]
    return "/" + "/".join(segments) + "/"


@given(permalinks(), slugs, slugs, slugs)
def test_accepted_permalinks_give_urls_whose_files_stay_inside(
    pattern: str, payer: str, treatment: str, reason: str
) -> None:
    assert check_permalink(pattern) is None
    url = guide_url(pattern, payer, treatment, reason)
    assert url.startswith("/") and url.endswith("/") and "{" not in url
    path = out_path(url)
    assert path.name == "index.html" and not path.is_absolute() and ".." not in path.parts
    assert rel_path(url) == str(path)


@given(permalinks(), st.sampled_from(["..", ".", "A", "a b", "a?b", "%", "~x", "-x", ".x", "a\\b"]))
def test_a_permalink_with_one_unsafe_segment_is_refused(pattern: str, bad: str) -> None:
    assert check_permalink(pattern + bad + "/") is not None
    assert check_permalink("/" + bad + pattern) is not None
    assert check_permalink(pattern.replace("/", f"/{bad}/", 1)) is not None


@pytest.mark.parametrize("pattern", ["//{payer}/{treatment}/{reason}/", "/{payer}/{treatment}/{reason}//"])
def test_an_empty_first_or_last_part_is_refused(pattern: str) -> None:
    assert check_permalink(pattern) is not None


# ----------------------------------------------------------------------------- guide_url and hub_url


def test_guide_url_fills_each_slug_into_the_pattern() -> None:
    assert guide_url(DEFAULT, "aetna", "ocrevus", "step-therapy") == "/aetna/ocrevus/step-therapy/"
    assert guide_url("/g/{reason}/{payer}-{treatment}/", "a", "b", "c") == "/g/c/a-b/"


def test_guide_url_fills_a_token_used_twice() -> None:
    assert guide_url("/{payer}/{treatment}/{reason}/{payer}/", "a", "b", "c") == "/a/b/c/a/"


@given(slugs, slugs, slugs)
def test_the_default_pattern_puts_the_slugs_in_order(payer: str, treatment: str, reason: str) -> None:
    assert guide_url(DEFAULT, payer, treatment, reason) == f"/{payer}/{treatment}/{reason}/"


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("payer", "/aetna/"),
        ("treatment", "/treatments/aetna/"),
        ("reason", "/reasons/aetna/"),
        ("plan_type", "/plan-types/aetna/"),
    ],
)
def test_hub_url(kind: str, url: str) -> None:
    assert hub_url(kind, "aetna") == url


def test_hub_url_knows_only_the_four_hub_kinds() -> None:
    assert set(HUB_PATTERNS) == {"payer", "treatment", "reason", "plan_type"}
    with pytest.raises(KeyError):
        hub_url("state", "ca")


@given(st.sampled_from(sorted(HUB_PATTERNS)), slugs)
def test_hub_files_are_index_pages_inside_the_output(kind: str, slug: str) -> None:
    url = hub_url(kind, slug)
    assert out_path(url) == PurePosixPath(*url.strip("/").split("/"), "index.html")
    assert rel_path(url) == str(out_path(url))


# ----------------------------------------------------------------------------- out_path, rel_path, absolute


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/", "index.html"),
        ("/a/", "a/index.html"),
        ("/a/b/c/", "a/b/c/index.html"),
        ("/sitemap.xml", "sitemap.xml"),
        ("/sitemaps/sitemap-2.xml", "sitemaps/sitemap-2.xml"),
        ("/_redirects", "_redirects"),
        ("//a//b/", "a/b/index.html"),
        ("/a.../", "a.../index.html"),
        ("/.../", ".../index.html"),
        ("/%2e%2e/", "%2e%2e/index.html"),
    ],
)
def test_out_path(url: str, path: str) -> None:
    assert out_path(url) == PurePosixPath(path)


@pytest.mark.parametrize("url", ["/../", "/a/../../b/", "/..", "/./", "/a/./b", "/a\\b/", "/..\\x/", "/a/..%2f/../"])
def test_out_path_refuses_urls_that_would_leave_the_output(url: str) -> None:
    with pytest.raises(ValueError, match="would write outside the output folder"):
        out_path(url)


url_text = st.one_of(
    st.text(max_size=40),
    st.lists(
        st.sampled_from(["/", ".", "..", "\\", "a", "b.xml", "%2e", "~", " ", "\x00", ":", "C:"]), max_size=12
    ).map("".join),
)


@given(url_text)
def test_out_path_never_leaves_the_output_folder(url: str) -> None:
    try:
        path = out_path(url)
    except ValueError:
        return
    assert not path.is_absolute()
    assert ".." not in path.parts and "." not in path.parts
    assert all("\\" not in part for part in path.parts)
    # Resolved lexically under a root, the file is the root or below it.
    root = PurePosixPath("/out")
    assert (root / path).is_relative_to(root)


@given(st.lists(slugs, max_size=4), st.booleans())
def test_rel_path_is_out_path_for_checked_urls(parts: list[str], folder: bool) -> None:
    url = "/" + "".join(f"{part}/" for part in parts) if folder or not parts else "/" + "/".join(parts)
    assert rel_path(url) == str(out_path(url))


@pytest.mark.parametrize(
    ("base", "url", "address"),
    [
        ("https://example.org", "/a/", "https://example.org/a/"),
        ("https://example.org/", "/a/", "https://example.org/a/"),
        ("https://example.org//", "/sitemap.xml", "https://example.org/sitemap.xml"),
        ("https://example.org/sub", "/a/", "https://example.org/sub/a/"),
        ("https://example.org", "/", "https://example.org/"),
    ],
)
def test_absolute(base: str, url: str, address: str) -> None:
    assert absolute(base, url) == address


@given(st.sampled_from(["https://example.org", "http://localhost:8000/", "https://x.example/sub/"]), slugs)
def test_absolute_never_doubles_or_drops_the_slash(base: str, slug: str) -> None:
    address = absolute(base, f"/{slug}/")
    assert address.startswith(base.rstrip("/")) and address.endswith(f"/{slug}/")
    assert "//" not in address.split("://", 1)[1]
