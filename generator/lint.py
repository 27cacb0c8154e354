"""Prose lint over built guide pages: the slips that inserted names, shared text and scoping make.

Each rule returns messages for one page. `make check` fails on any; a build never runs it, so a
style slip never blocks a preview.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from lxml import html as lxml_html

BROKEN_JOINS = re.compile(
    r"\b(its (?:The|A|An)\b|within by\b|within up to\b|the the\b|a the\b|[a-z];\s*[a-z]+ lists?\b"
    r"|[a-z]+- (?!and\b|or\b|to\b)[a-z]+)"
)
"""Joins that an inserted value breaks: "its The medical policy", "within by December 31"; and a word
split at its hyphen where a folded YAML line was wrapped ("in- network"), not "pre- and post-"."""

STEP_YOU_FILE = re.compile(r"starts on its own|(?<!not )\bautomatic", re.I)

VOWEL_SOUND_EXCEPTIONS = ("uni", "use", "usu", "ura", "uri", "uro", "one", "once", "eu")
"""Words that start with a vowel letter but a consonant sound ("a UnitedHealthcare plan")."""
LETTERS_WITH_VOWEL_SOUND = "AEFHILMNORSX"
"""Initials read letter by letter that start with a vowel sound ("an MRI", "an HMO", "an HCSC")."""
SAID_AS_WORDS = ("RESNA", "REMS", "NAMI", "SHIP", "NICE", "HIPAA", "MAC", "SNAP")
"""Capitals read as a word, whose first sound is the consonant ("a REMS program")."""

SEE_BELOW = re.compile(r"\bsee below\b", re.I)
LABEL_PHRASE = re.compile(r"\b(the same things as the label|FDA label)\b", re.I)
VERB_AFTER_NAME = ("is", "was", "has", "does", "works", "needs", "costs")


@dataclass(frozen=True)
class PageFacts:
    """What the lint needs to know about a guide besides its HTML."""

    plural_name: str | None = None
    """The treatment's short name when it is plural ("wheelchairs"), else None."""
    has_label: bool = True
    """Whether the treatment is a drug or biologic with an FDA label."""


def lint_page(page: str, facts: PageFacts = PageFacts()) -> list[str]:
    """Every rule's messages for one guide page."""
    tree = lxml_html.fromstring(page)
    main = tree.find(".//main")
    if main is None:
        return []
    return [message for rule in RULES for message in rule(main, facts)]


def lint_any_page(page: str) -> list[str]:
    """The rules that hold on every kind of page, hubs and plan-type pages too: joins a value breaks."""
    main = lxml_html.fromstring(page).find(".//main")
    return [] if main is None else broken_joins(main, PageFacts())


def _text(el) -> str:
    return " ".join(el.text_content().split())


def broken_joins(main, facts: PageFacts) -> list[str]:
    return [f"broken join {m.group(0)!r}" for m in BROKEN_JOINS.finditer(_text(main))]


def step_shown_as_automatic(main, facts: PageFacts) -> list[str]:
    found = []
    for el in main.xpath(".//*[@data-step]"):
        if el.get("data-who-files") != "forwarded" and STEP_YOU_FILE.search(_text(el)):
            found.append(f"step {el.get('data-step')!r}, which you file, reads as automatic")
    return found


def plural_with_singular_verb(main, facts: PageFacts) -> list[str]:
    if not facts.plural_name:
        return []
    name = re.escape(facts.plural_name)
    pattern = re.compile(rf"\b{name} ({'|'.join(VERB_AFTER_NAME)})\b", re.I)
    return [f"plural name with a singular verb: {m.group(0)!r}" for m in pattern.finditer(_text(main))]


def empty_headings(main, facts: PageFacts) -> list[str]:
    """A heading followed by nothing, or at once by a heading of its own level or higher."""
    found = []
    for heading in main.xpath(".//h2|.//h3|.//h4"):
        following = heading.getnext()
        level = int(heading.tag[1])
        ends = following is None or (following.tag in HEADINGS and int(following.tag[1]) <= level)
        if ends or not (following.tag in HEADINGS or _text(following)):
            found.append(f"heading {_text(heading)!r} has nothing under it")
    return found


HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def repeated_sentences(main, facts: PageFacts) -> list[str]:
    found = []
    for section in main.xpath(".//section"):
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", _text(section)) if len(s.split()) >= 5]
        seen: set[str] = set()
        for sentence in sentences:
            if sentence in seen:
                found.append(f"section {section.get('id')!r} says twice: {sentence[:80]!r}")
            seen.add(sentence)
    return found


def source_problems(main, facts: PageFacts) -> list[str]:
    items = main.xpath(".//ol[@class='sources']/li")
    texts = [_text(li) for li in items]
    found = [f"source listed twice: {t[:80]!r}" for i, t in enumerate(texts) if t in texts[:i]]
    cited = {a.get("href")[1:] for a in main.xpath(".//sup[@class='ref']/a")}
    found += [f"source {li.get('id')} is not cited on the page" for li in items if li.get("id") not in cited]
    return found


def article_before_vowel_sound(main, facts: PageFacts) -> list[str]:
    found = []
    # "A" mid-sentence is a letter ("Part A is"), not the article.
    for m in re.finditer(r"(?:^|[.!?:\"]\s+|\b(?=an?\b))([Aa]n?) ([A-Za-z][\w-]*)", _text(main)):
        article, word = m.groups()
        wants_an = _starts_with_vowel_sound(word)
        if wants_an is not None and (article.lower() == "an") != wants_an:
            found.append(f"{m.group(0)!r}: use {'an' if wants_an else 'a'}")
    return found


def _starts_with_vowel_sound(word: str) -> bool | None:
    """Whether "an" goes before `word`; None when the first letter does not settle it."""
    if word.lower().startswith(VOWEL_SOUND_EXCEPTIONS) or word in ("US", "USA"):
        return False
    if word.split("-")[0] in SAID_AS_WORDS:
        return False
    if len(word) > 1 and word[:2].isupper():
        return word[0] in LETTERS_WITH_VOWEL_SOUND
    if word[0] in "aeiouAEIOU":
        return True
    return None if word[0] in "hH" else False


def see_below(main, facts: PageFacts) -> list[str]:
    return ["'See below' with nothing below it" for _ in SEE_BELOW.finditer(_text(main))]


def label_without_a_label(main, facts: PageFacts) -> list[str]:
    if facts.has_label:
        return []
    return [f"{m.group(0)!r} on a page for a treatment with no label" for m in LABEL_PHRASE.finditer(_text(main))]


def lower_case_starts(main, facts: PageFacts) -> list[str]:
    found = []
    for el in main.xpath(".//h1|.//h2|.//h3|.//section[@id='related']//a"):
        text = _text(el)
        if text[:1].islower():
            found.append(f"{el.tag} starts lower-case: {text[:60]!r}")
    return found


RULES: list[Callable] = [
    broken_joins,
    step_shown_as_automatic,
    plural_with_singular_verb,
    empty_headings,
    repeated_sentences,
    source_problems,
    article_before_vowel_sound,
    see_below,
    label_without_a_label,
    lower_case_starts,
]


PROGRAM_RULES: dict[str, tuple[str, ...]] = {
    r"42 CFR (§\s*)?422\b": ("medicare-advantage",),
    r"42 CFR (§\s*)?423\b": ("medicare-part-d",),
    r"42 CFR (§\s*)?(405|414)\b": ("original-medicare", "medicare-advantage"),
    r"42 CFR (§\s*)?438\b": ("medicaid-managed-care",),
    r"42 CFR (§\s*)?431\b": ("medicaid-fee-for-service", "medicaid-managed-care"),
    r"\b(NCD|LCD)\b": ("original-medicare", "medicare-advantage"),  # COVERAGE_RULES
    r"32 CFR (§\s*)?199\b": ("tricare",),
    r"5 CFR (§\s*)?890\b": ("fehb",),
}
"""Rules that bind one program, and the plan types that program covers. (A Medicare Advantage plan
follows Original Medicare's coverage rules, so 405 and 414 may reach it.)"""


COVERAGE_RULES = r"\b(NCD|LCD)\b"
EVIDENCE = re.compile(r"\bMedicare\b|\bNCD\b|\bLCD\b")
"""A fact that names Medicare's coverage rule as the standard it compares with uses it as evidence,
which any payer's appeal may cite; only an unnamed NCD or LCD reads as a rule binding the payer."""

PRIVATE_RULES = r"29 CFR (§\s*)?(2560|2590)\b|45 CFR (§\s*)?(147|156)\b|ERISA|PHS Act"
"""Rules of job-based and individual plans, which reach every plan type outside the programs above."""


def lint_content(content) -> list[str]:
    """Facts outside a plan type's own record that cite one program's rule must be scoped to that program."""
    found = []
    for where, fact, implied in _facts_to_scope(content):
        if not fact.cite:
            continue
        matched = [pattern for pattern in PROGRAM_RULES if re.search(pattern, fact.cite)]
        if not matched or (matched == [COVERAGE_RULES] and EVIDENCE.search(fact.text)):
            continue
        allowed = {pt for pattern in matched for pt in PROGRAM_RULES[pattern]}
        if re.search(PRIVATE_RULES, fact.cite):
            programs = {pt for program in PROGRAM_RULES.values() for pt in program}
            allowed |= set(content.plan_types) - programs
        if allowed >= set(content.plan_types):
            continue
        scoped = set(fact.scope.plan_types) or set(implied)
        if not scoped or not scoped <= allowed:
            found.append(f"{where}: {fact.text[:60]!r} cites {fact.cite!r}; scope it to {', '.join(sorted(allowed))}")
    return found


def _facts_to_scope(content):
    """(where, fact, plan types it is already limited to) for every fact outside the plan types' own records."""
    for slug, reason in content.reasons.items():
        for fact in reason.levers:
            yield f"reason {slug}: levers", fact, ()
        for fact in reason.guide_notes:
            yield f"reason {slug}: guide_notes", fact, ()
        for pt, notes in reason.plan_type_notes.items():
            for fact in notes:
                yield f"reason {slug}: plan_type_notes.{pt}", fact, (pt,)
    for slug, t in content.treatments.items():
        # approved_use is shown on the treatment's hub only, which speaks to no one plan type.
        for fact in (t.pitfall, *t.criteria, *(f for notes in t.reason_notes.values() for f in notes)):
            yield f"treatment {slug}", fact, ()
    for slug, payer in content.payers.items():
        for fact in payer.facts:
            yield f"payer {slug}: facts", fact, payer.plan_types
    for (payer, treatment), pair in content.pairs.items():
        for fact in pair.criteria:
            yield f"pair {payer}/{treatment}: criteria", fact, pair.plan_types


NOTE_MIN_WORDS = 120
"""A treatment × reason note is the heart of its guides; under this it says too little to be their own."""

SHARED_SENTENCE_MIN_WORDS = 6
"""Shorter sentences ("Ask for a formulary exception.") may recur without making notes copies."""


def lint_notes(content, min_words: int = NOTE_MIN_WORDS) -> list[str]:
    """Treatment × reason notes: long enough, every fact cited, and no sentence written into two notes."""
    found = []
    owners: dict[str, str] = {}
    for slug, t in sorted(content.treatments.items()):
        for reason in t.reasons:
            where = f"treatment {slug}: reason_notes.{reason}"
            facts = t.reason_notes.get(reason, ())
            words = note_words(facts, note_plan_types(content, t, reason))
            if words < min_words:
                found.append(f"{where}: {words} words; expected at least {min_words}")
            found += [f"{where}: {f.text[:60]!r} has no cite" for f in facts if not f.cite]
            for sentence in {s for f in facts for s in _sentences(f.text)}:
                first = owners.setdefault(sentence, where)
                if first != where:
                    found.append(f"{where}: the sentence {sentence[:60]!r} is also in {first}")
    return found


def note_words(facts, plan_types: Iterable[str] = ()) -> int:
    """The fewest words a guide of the note is sure to show: for each of `plan_types`, its unscoped facts
    and those scoped to plan types alone that include it (a note may speak to Original Medicare in its own
    facts and to the plans in others); with no plan types, the unscoped facts."""
    counts = [sum(len(f.text.split()) for f in facts if _sure(f.scope, pt)) for pt in plan_types]
    return min(counts) if counts else sum(len(f.text.split()) for f in facts if not f.scope)


def note_plan_types(content, treatment, reason: str) -> list[str]:
    """The plan types a guide of this treatment and reason can speak to: the reason's, that pay for the treatment."""
    return [pt for pt in content.reasons[reason].plan_types if content.plan_types[pt].pays_for(treatment)]


def _sure(scope, plan_type: str) -> bool:
    """Whether every guide for `plan_type` shows a fact with this scope (scopes on other dimensions may not)."""
    if not scope:
        return True
    # Derived from the scope itself, so a dimension added to Scope is never left out here.
    only_plan_types = not replace(scope, plan_types=())
    return only_plan_types and plan_type in scope.plan_types


def _sentences(text: str) -> list[str]:
    normal = " ".join(text.lower().split())
    return [s for s in re.split(r"(?<=[.!?])\s+", normal) if len(s.split()) >= SHARED_SENTENCE_MIN_WORDS]
