"""Every field of every content file is an input of the outputs that show it.

For each value, each list and each Markdown body of the fixture site, one case edits that
one place to a different valid value, builds incrementally over the unchanged site's output
(a copy of one base build, with its manifest and parse cache), builds the same content clean
into a fresh folder, and requires the two trees to be byte-identical, the manifest aside.
The cases are found by walking the parsed YAML of every file, so a new field, list or file
in the fixture is covered without touching this test.

How a value changes:

- text gets a word: "-edited" after a slug-like word, a path segment after an address or a
  URL pattern, " edited" after anything else (placeholders stay as they are);
- a date goes thirty days back (still in the past); a whole number gets +1 (else -1), a
  fraction +1 (else -0.05); true/false flips;
- `:drop` removes one item of a list (the last whose removal leaves valid content), `:grow`
  appends a copy of an item with one value changed (an empty list borrows an item from the
  same field of another file of the same kind);
- a Markdown body gets one more sentence.

When the build refuses the value with "expected one of A, B, ..." (an enum) or "no reason
'x' (looked for content/reasons/x.yaml)" (a reference), the case tries each other allowed
value or existing slug in turn, and the first one that builds is compared. A case none of
whose values builds fails, unless ALLOWED_INVALID lists it with the error it gives and why.
An edit whose incremental build differs from the clean one is a bug in the outputs' keys: it
goes into XFAIL with what differs, until the generator is fixed.

Each field of each kind of file runs in `make test` once (its first case); the same field in
other files and list items runs with the slow tests.

The edited file is written back with yaml.safe_dump, which changes its layout but none of its
other values (test_rewriting_a_file_unedited_changes_no_output checks that).
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURE, build, tree_digest

from generator.errors import BuildError
from generator.fields import SLUG_RE
from generator.incremental.manifest import MANIFEST

Where = tuple[str | int, ...]
"""Keys and list indices from a document's top to one place in it."""

MAX_ATTEMPTS = 12
"""Refused values tried per case before giving up: enough for every enum and reference."""


@dataclass(frozen=True)
class Allowed:
    """Edits that cannot stay valid: which cases, the error they give, and why."""

    cases: str
    """A regular expression over case ids, matched in full."""
    error: str
    """A regular expression that one of the errors of the case's first refused value must match."""
    why: str


EVERY = r"(\[\d+\]|:drop|:grow)"
"""A list's items, its :drop and its :grow."""

ALLOWED_INVALID = [
    Allowed(
        r".*:drop",
        r"expected at least \d+ items",
        "the list already has the fewest items its field accepts; its :grow case changes its length instead",
    ),
    Allowed(
        rf"treatments/.*\.md:reasons{EVERY}",
        r"^no reason ",
        "each other reason is listed already or does not apply to the treatment's kind",
    ),
    Allowed(
        rf"reasons/not-medically-necessary\.yaml:(kinds|plan_types){EVERY}",
        r"^expected each item to be one of|^no plan type ",
        "the reason lists every kind and every plan type of the fixture: no other value can replace or join one",
    ),
    Allowed(
        rf"reasons/step-therapy\.yaml:plan_types{EVERY}",
        r"^no plan type ",
        "the reason lists every plan type of the fixture: no other slug can replace or join one",
    ),
    Allowed(
        r"reasons/step-therapy\.yaml:kinds(\[\d+\]|:drop)",
        r"^expected each item to be one of|^reason 'step-therapy' does not apply",
        "Entresto (a drug) and Ocrevus (a biologic) list step therapy, so neither kind can go",
    ),
    Allowed(
        r"reasons/out-of-network\.yaml:kinds\[1\]",
        r"^expected each item to be one of",
        "lumbar spinal fusion, a procedure, lists this reason; every other kind is listed already",
    ),
    Allowed(
        rf"payers/northwind\.yaml:plan_types{EVERY}",
        r"^no plan type ",
        "the payer sells every plan type of the fixture: no other slug can replace or join one",
    ),
    Allowed(
        r".*applies_to\.[a-z_]+:drop",
        r"^expected at least one of plan_types",
        "a scope with its only value dropped is empty, which validation refuses: leave `applies_to` out instead",
    ),
    Allowed(
        r"payers/[a-z-]+\.yaml:states(\[\d+\]|:grow)",
        r"^expected either national alone|^expected each item to be one of",
        "a payer that sells nationally says `national` alone: no state can join it, and an edited value is no state code",
    ),
    Allowed(
        rf"payers/northwind/entresto\.md:plan_types{EVERY}",
        r"is not one of northwind's plan_types",
        "a pair governs only plan types its payer sells; an edited slug names none",
    ),
    Allowed(
        rf"payers/northwind\.yaml:processes\.step-therapy\.plan_types{EVERY}",
        r"is not one of northwind's plan_types",
        "a process speaks for plan types its payer sells; an edited slug names none",
    ),
    Allowed(
        rf"plan-types/employer-self-funded\.yaml:benefits{EVERY}",
        r"^expected each item to be one of",
        "the plan type pays on both benefits: no other value can replace or join one",
    ),
]

XFAIL: dict[str, str] = {}
"""Cases where an incremental build does not match a clean one: real bugs, each with its reason."""


# ----------------------------------------------------------------------------- documents


def fixture_files() -> list[str]:
    return sorted(p.relative_to(FIXTURE).as_posix() for p in FIXTURE.rglob("*") if p.is_file())


def read_document(rel: str) -> tuple[Any, str | None]:
    """A file's YAML (its front matter, for Markdown) and its Markdown body, split as the loader splits them."""
    text = (FIXTURE / rel).read_text("utf-8")
    if not rel.endswith(".md"):
        return yaml.safe_load(text), None
    lines = text.split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    return yaml.safe_load("\n".join(lines[1:end])), "\n".join(lines[end + 1 :])


def write_document(path: Path, data: Any, body: str | None) -> None:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1_000_000)
    path.write_text(text if body is None else f"---\n{text}---\n{body}", "utf-8")


DOCUMENTS = {rel: read_document(rel) for rel in fixture_files()}


def walk(value: Any, where: Where = ()):
    """Every place in a parsed document: (where, "list") for lists, (where, "value") for scalars."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*where, key))
    elif isinstance(value, list):
        yield where, "list"
        for index, item in enumerate(value):
            yield from walk(item, (*where, index))
    else:
        yield where, "value"


def get(data: Any, where: Where) -> Any:
    for step in where:
        data = data[step]
    return data


def replaced(data: Any, where: Where, value: Any) -> Any:
    """A copy of `data` with the place `where` set to `value`."""
    if not where:
        return value
    data = copy.deepcopy(data)
    get(data, where[:-1])[where[-1]] = value
    return data


def dotted(where: Where) -> str:
    """("steps", 0, "kind") → "steps[0].kind", as the generator names fields."""
    text = ""
    for step in where:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    file: str
    where: Where
    action: str
    """change (a value), drop or grow (a list), or body (the Markdown after the front matter)."""

    @property
    def id(self) -> str:
        if self.action == "body":
            return f"{self.file}:body"
        suffix = "" if self.action == "change" else f":{self.action}"
        return f"{self.file}:{dotted(self.where)}{suffix}"


def all_cases() -> list[Case]:
    cases = []
    for rel, (data, body) in DOCUMENTS.items():
        for where, kind in walk(data):
            if kind == "value":
                cases.append(Case(rel, where, "change"))
            else:
                if get(data, where):
                    cases.append(Case(rel, where, "drop"))
                cases.append(Case(rel, where, "grow"))
        if body is not None:
            cases.append(Case(rel, (), "body"))
    return cases


CASES = all_cases()


def changed_values(value: Any) -> list[Any]:
    """Different values of the same type, in the order to try them."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1]
    if isinstance(value, float):
        return [value + 1, round(value - 0.05, 6)]
    if isinstance(value, date):
        return [value - timedelta(days=30)]
    if isinstance(value, str):
        return [changed_text(value)]
    raise AssertionError(f"no way to change {value!r}: teach changed_values its type")


def changed_text(value: str) -> str:
    text, tail = re.fullmatch(r"(.*?)(\s*)", value, re.DOTALL).groups()
    if re.match(r"https?://", text):
        text += "edited/" if text.endswith("/") else "/edited"
    elif text.startswith("/") and text.endswith("/"):
        text += "edited/"  # a URL pattern
    elif SLUG_RE.fullmatch(text):
        text += "-edited"
    else:
        text += " edited"
    return text + tail


@dataclass(frozen=True)
class Attempt:
    """One edited version of the case's file."""

    label: str
    data: Any
    body: str | None
    where: Where | None = None
    """The value this attempt set, which an enum's or a reference's alternatives replace."""
    original: Any = None
    """What that value was; alternatives skip it."""


def first_attempts(case: Case) -> list[Attempt]:
    data, body = DOCUMENTS[case.file]
    if case.action == "body":
        return [Attempt("one more sentence", data, body + "\nOne more sentence about {treatment} and {payer}.\n")]
    value = get(data, case.where)
    if case.action == "change":
        return [
            Attempt(f"= {new!r}", replaced(data, case.where, new), body, case.where, value)
            for new in changed_values(value)
        ]
    if case.action == "drop":
        return [
            Attempt(f"without item {i}", replaced(data, case.where, value[:i] + value[i + 1 :]), body)
            for i in reversed(range(len(value)))
        ]
    attempts = []
    for item in value or borrowed_items(case):
        for inner, kind in walk(item):
            if kind == "value":
                old = get(item, inner)
                new = changed_values(old)[0]
                grown = [*value, replaced(item, inner, new)]
                label = f"+ a copy of item {item!r} with {dotted(inner) or 'it'} = {new!r}"
                attempts.append(
                    Attempt(label, replaced(data, case.where, grown), body, (*case.where, len(value), *inner), old)
                )
    return attempts


def borrowed_items(case: Case) -> list[Any]:
    """Items of the same field in files of the same kind (or elsewhere in this file), for an empty list."""
    shape = tuple("*" if isinstance(step, int) else step for step in case.where)
    folder = Path(case.file).parent
    for rel, (data, _) in DOCUMENTS.items():
        if Path(rel).parent != folder:
            continue
        for where, kind in walk(data):
            if kind == "list" and get(data, where) and tuple("*" if isinstance(s, int) else s for s in where) == shape:
                return get(data, where)[:1]
    return []


ONE_OF = re.compile(r"expected (?:each item to be )?one of (?P<options>.+?); got")
REFERENCE = re.compile(r"^no [a-z ]+ '.*' \(looked for [^/]+/(?P<folder>[^/]+)/")


def alternatives(attempt: Attempt, error: BuildError, case: Case, content: Path) -> list[Any]:
    """The other allowed values or existing slugs the build's errors name for the value this attempt set."""
    if attempt.where is None:
        return []
    key = next(step for step in reversed(attempt.where) if isinstance(step, str))
    options: list[str] = []
    for e in error.errors:
        if not e.path.endswith(case.file) or e.field.rsplit(".", 1)[-1] != key:
            continue
        if m := ONE_OF.search(e.message):
            options += m["options"].split(", ")
        elif m := REFERENCE.match(e.message):
            options += sorted(p.stem for p in (content / m["folder"]).iterdir() if p.is_file())
    parent = get(attempt.data, attempt.where[:-1])
    siblings = parent if isinstance(parent, list) else []
    return [o for o in dict.fromkeys(options) if o != attempt.original and o not in siblings]


def published(out: Path) -> dict[str, str]:
    """The output tree's files and their hashes, without the build's manifest."""
    return {rel: h for rel, h in tree_digest(out).items() if rel.rsplit("/", 1)[-1] != MANIFEST}


def allowed(case: Case, refused: list[tuple[str, BuildError]]) -> str | None:
    first = refused[0][1].errors if refused else []
    for entry in ALLOWED_INVALID:
        if re.fullmatch(entry.cases, case.id) and any(re.search(entry.error, e.message) for e in first):
            return entry.why
    return None


# ----------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory):
    """Where the cases build: in memory when /dev/shm is there, else pytest's temporary folder.

    Each case writes two small sites; on this VM's disk the mkdir and open calls alone are a
    third of a fixture build's time.
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("outputs")
        return
    root = Path(tempfile.mkdtemp(prefix="test-outputs-", dir=shm))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def base(scratch: Path) -> Path:
    """The unchanged fixture built once: a folder holding `out` and the parse cache beside it."""
    shutil.copytree(FIXTURE, scratch / "base-content")
    build(scratch / "base-content", scratch / "base" / "out", workers=1)
    return scratch / "base"


@pytest.fixture
def content(scratch: Path):
    """A copy of the fixture that the cases edit, one file at a time; each case puts its file back."""
    folder = scratch / "content"
    if not folder.is_dir():
        shutil.copytree(FIXTURE, folder)
    yield folder
    for rel in fixture_files():
        shutil.copyfile(FIXTURE / rel, folder / rel)


def shape(case: Case) -> tuple:
    """What a case edits, whatever file and list item: the kind of file, the field's keys, the action."""
    parts = case.file.split("/")
    kind = parts[0] if len(parts) > 1 else case.file
    if len(parts) > 2:
        kind += "/pair"
    return kind, tuple(step for step in case.where if isinstance(step, str)), case.action


def params() -> list:
    """Every case; the first of each shape runs in `make test`, its repeats in other files and list
    items only with the slow tests (`make test-all`, CI): two fixture builds a case, and the repeats
    were more than half of `make test`'s time."""
    seen: set[tuple] = set()
    found = []
    for case in CASES:
        kind = shape(case)
        marks = [pytest.mark.slow] if kind in seen else []
        seen.add(kind)
        if case.id in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[case.id]))
        found.append(pytest.param(case, id=case.id, marks=marks))
    return found


@pytest.mark.parametrize("case", params())
def test_an_edit_builds_incrementally_as_it_builds_clean(case: Case, base: Path, content: Path, scratch: Path) -> None:
    work = scratch / "case"
    shutil.rmtree(work, ignore_errors=True)
    queue = first_attempts(case)
    tried: set[tuple] = set()
    refused: list[tuple[str, BuildError]] = []
    while queue and len(refused) < MAX_ATTEMPTS:
        attempt = queue.pop(0)
        tried.add((attempt.where, repr(attempt.data), attempt.body))
        write_document(content / case.file, attempt.data, attempt.body)
        site = work / f"incremental-{len(refused)}"
        shutil.copytree(base, site, symlinks=True)  # the output is a relative link into its state folder
        try:
            build(content, site / "out", workers=1, allow_shrink=True)  # a new permalink moves every guide
        except BuildError as error:
            refused.append((attempt.label, error))
            others = [
                Attempt(
                    f"= {o!r}", replaced(attempt.data, attempt.where, o), attempt.body, attempt.where, attempt.original
                )
                for o in alternatives(attempt, error, case, content)
            ]
            queue[:0] = [a for a in others if (a.where, repr(a.data), a.body) not in tried]
            continue
        build(content, work / "clean" / "out", workers=1)
        incremental, clean = published(site / "out"), published(work / "clean" / "out")
        differ = sorted(rel for rel in incremental.keys() | clean.keys() if incremental.get(rel) != clean.get(rel))
        assert not differ, f"{case.id} {attempt.label}: the incremental build differs from a clean one in {differ}"
        return
    why = allowed(case, refused)
    if why:
        pytest.skip(f"no valid edit: {why}")
    tried_text = "\n".join(f"{label}:\n{error}" for label, error in refused)
    pytest.fail(f"{case.id}: no edit builds, and ALLOWED_INVALID does not list it. Tried:\n{tried_text}")


def test_rewriting_a_file_unedited_changes_no_output(base: Path, content: Path, scratch: Path) -> None:
    for rel, (data, body) in DOCUMENTS.items():
        write_document(content / rel, data, body)
    out = scratch / "rewritten" / "out"
    shutil.rmtree(out.parent, ignore_errors=True)
    build(content, out, workers=1)
    assert published(out) == published(base / "out")


def test_every_allowance_and_expected_failure_names_a_case() -> None:
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    for entry in ALLOWED_INVALID:
        assert any(re.fullmatch(entry.cases, i) for i in ids), f"stale ALLOWED_INVALID entry {entry.cases}"
    assert set(XFAIL) <= set(ids)
