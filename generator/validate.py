"""Raw mappings → model records; collects every ContentError, never stops at one."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from .config import read_site_config
from .errors import BuildError, ContentError
from .fields import Fields, check_slug, invisible_problem, source_date_problem
from .load import RawContent, RawFile
from .markdown import unsafe_links
from .model import (
    BENEFITS,
    BOUNDS,
    COUNTS_FROM,
    DECISION_KINDS,
    KINDS,
    PAYER_KINDS,
    TAGS,
    TREATMENT_BENEFITS,
    WHO_FILES,
    Citation,
    Content,
    Deadline,
    Decision,
    Exclusion,
    Fact,
    FastAppeal,
    HelpEntry,
    PairNote,
    Payer,
    PlanType,
    PolicyRef,
    Process,
    Reason,
    Step,
    Treatment,
)
from .placeholders import TEXT_PLACEHOLDERS, unknown_placeholders
from .references import Records, check_references
from .safe_links import SAFE_LINK_RULE
from .scope import KNOWN_PLAN_TYPES, read_scope, read_states
from .urls import slugify

T = TypeVar("T")


def validate_content(raw: RawContent, base_url: str | None = None) -> Content:
    """Check every file and cross-reference; raise BuildError listing all problems."""
    errors = list(raw.errors)
    problem = source_date_problem()
    if problem:
        errors.append(ContentError("SOURCE_DATE_EPOCH", 0, "", problem))
    site = None
    if raw.site is not None:
        errors += raw.site.errors
        if not raw.site.errors:
            site = read_site_config(Fields(raw.site.data, raw.site.shown, errors), base_url)
    KNOWN_PLAN_TYPES.set(frozenset(f.path.stem for f in raw.plan_types))
    plan_types = _records(raw.plan_types, _plan_type, errors)
    reasons = _records(raw.reasons, _reason, errors)
    treatments = _records(raw.treatments, _treatment, errors)
    payers = _records(raw.payers, _payer, errors)
    pairs = _pairs(raw.pairs, errors)
    free_help = _free_help(raw.help, errors)
    check_references(Records(plan_types, reasons, treatments, payers, pairs), raw, errors)
    if errors or site is None:
        raise BuildError(errors)
    pair_map = {(p.payer, p.treatment): p for p in pairs.values()}
    return Content(site, plan_types, reasons, treatments, payers, pair_map, free_help)


def _free_help(raw: RawFile | None, errors: list[ContentError]) -> tuple[HelpEntry, ...]:
    if raw is None:
        return ()
    errors += raw.errors
    if raw.errors:
        return ()
    f = Fields(raw.data, raw.shown, errors)
    entries = []
    for item in f.nested_list("entries", min_items=1):
        entries.append(
            HelpEntry(
                name=item.text("name"),
                text=item.text("text"),
                cite=item.text("cite", placeholders=False),
                url=item.url("url"),
                scope=read_scope(item),
            )
        )
        item.finish()
    f.finish()
    return tuple(entries)


def _records(files: list[RawFile], build: Callable[[str, Fields], T], errors: list[ContentError]) -> dict[str, T]:
    records: dict[str, T] = {}
    names: dict[str, str] = {}
    for raw in files:
        errors += raw.errors
        if raw.errors:
            continue
        slug = raw.path.stem
        problem = check_slug(slug)
        if problem:
            errors.append(ContentError(raw.shown, 0, "", problem))
            continue
        fields = Fields(raw.data, raw.shown, errors, body=raw.body, body_line=raw.body_line)
        record = build(slug, fields)
        fields.finish()
        name_slug = slugify(getattr(record, "name", ""))
        if name_slug and name_slug in names:
            fields.error(
                "name",
                f"{record.name!r} gives the same slug {name_slug!r} as {names[name_slug]}; names must be distinct",
            )
        names.setdefault(name_slug, raw.shown)
        records[slug] = record
    return records


def _fact(fields: Fields, *, cite_required: bool = True) -> Fact:
    fact = Fact(
        text=fields.text("text"),
        cite=fields.text("cite", required=cite_required, placeholders=False) or None,
        url=fields.url("url"),
        scope=read_scope(fields),
        context=fields.flag("context"),
    )
    fields.finish()
    return fact


def _facts(
    fields: Fields, key: str, *, required: bool = True, min_items: int = 0, cite_required: bool = True
) -> tuple[Fact, ...]:
    return tuple(
        _fact(f, cite_required=cite_required) for f in fields.nested_list(key, required=required, min_items=min_items)
    )


def _one_fact(fields: Fields, key: str) -> Fact:
    nested = fields.nested(key)
    return _fact(nested) if nested else Fact("", None)


def _citations(fields: Fields, key: str = "sources") -> tuple[Citation, ...]:
    citations = []
    for item in fields.nested_list(key, min_items=1):
        citations.append(Citation(item.text("cite", placeholders=False), item.url("url")))
        item.finish()
    return tuple(citations)


def _plan_type(slug: str, f: Fields) -> PlanType:
    return PlanType(
        slug=slug,
        name=f.text("name"),
        short_name=f.text("short_name"),
        description=f.text("description"),
        benefits=f.choices("benefits", BENEFITS),
        governing_rules=_facts(f, "governing_rules", min_items=1),
        steps=tuple(_step(s) for s in f.nested_list("steps", min_items=1)),
        expedited=_fast_appeal(f.nested("expedited")),
        rights=_facts(f, "rights", required=False),
        last_reviewed=f.day("last_reviewed"),
    )


def _fast_appeal(f: Fields | None) -> FastAppeal:
    if f is None:
        return FastAppeal("", None)
    reasons = f.text_list("reasons", required=False)  # before the fact's own keys, which finish() closes
    fact = _fact(f)
    return FastAppeal(**{k.name: getattr(fact, k.name) for k in dataclasses.fields(fact)}, reasons=tuple(reasons))


def _step(f: Fields) -> Step:
    within = f.nested("file_within", required=False)
    decisions = []
    for d in f.nested_list("decisions", required=False):
        decisions.append(
            Decision(
                d.choice("kind", DECISION_KINDS),
                d.text("value"),
                d.text("text"),
                d.text("cite"),
                d.url("url"),
                counts_from=d.choice("counts_from", COUNTS_FROM, required=False, default="request"),
                bound=d.choice("bound", BOUNDS, required=False, default="exact"),
            )
        )
        d.finish()
    name = f.text("name")
    step = Step(
        name=name,
        who_decides=f.text("who_decides"),
        file_within=_deadline(within) if within else None,
        decisions=tuple(decisions),
        notes=_facts(f, "notes", required=False),
        who_files=f.choice("who_files", WHO_FILES),
        forwarded_when=f.optional_text("forwarded_when"),
        anchor=slugify(name),
        reasons=f.text_list("reasons", required=False),
        when=_fact_by_key(f, "when"),
        open_if=_fact(nested) if (nested := f.nested("open_if", required=False)) else None,
    )
    f.finish()
    return step


def _fact_by_key(f: Fields, key: str) -> dict[str, Fact]:
    """A mapping of slugs to one cited fact each."""
    found = f.mapping(key) or {}
    sub = Fields(found, f.shown, f.errors, f"{key}.")
    return {str(k): _fact(nested) for k in found if (nested := sub.nested(str(k)))}


def _deadline(f: Fields) -> Deadline:
    deadline = Deadline(
        f.text("value"),
        f.text("text"),
        f.text("cite"),
        f.url("url"),
        counts_from=f.choice("counts_from", COUNTS_FROM),
        bound=f.choice("bound", BOUNDS, required=False, default="exact"),
    )
    f.finish()
    return deadline


def _reason(slug: str, f: Fields) -> Reason:
    notes_map = f.mapping("plan_type_notes") or {}
    plan_type_notes = {}
    for key in notes_map:
        sub = Fields(notes_map, f.shown, f.errors, "plan_type_notes.")
        plan_type_notes[str(key)] = _facts(sub, str(key), min_items=1)
    return Reason(
        slug=slug,
        name=f.text("name"),
        title_phrase=f.text("title_phrase"),
        lede=f.text("lede"),
        meaning=_check_links(f, "meaning", f.text("meaning"), f.data.line_of("meaning")),
        ask_for=f.text("ask_for"),
        kinds=f.choices("kinds", KINDS),
        plan_types=f.text_list("plan_types", min_items=1),
        levers=_facts(f, "levers", min_items=3, cite_required=False),
        plan_type_notes=plan_type_notes,
        guide_notes=_facts(f, "guide_notes", required=False),
        last_reviewed=f.day("last_reviewed"),
        sources=_citations(f),
        ask_for_by_plan_type=_texts_by_key(f, "ask_for_by_plan_type"),
        lede_by_plan_type=_texts_by_key(f, "lede_by_plan_type"),
        letter_case=f.optional_text("letter_case") or "",
        doctor_letter=f.optional_text("doctor_letter") or "",
        after_care=f.flag("after_care"),
        claims_too=_claims_too(f),
    )


def _claims_too(f: Fields) -> bool:
    """claims_too, which says the denial may be of a request or of a claim: after_care says it is always a claim."""
    claims_too = f.flag("claims_too")
    if claims_too and f.flag("after_care"):
        f.error("claims_too", "expected claims_too or after_care, not both: after_care says every denial is of a claim")
        return False
    return claims_too


def _texts_by_key(f: Fields, key: str) -> dict[str, str]:
    """A mapping of slugs to one sentence each (placeholders allowed), for a field such as ask_for_by_plan_type."""
    found = f.mapping(key) or {}
    sub = Fields(found, f.shown, f.errors, f"{key}.")
    return {str(k): sub.text(str(k)) for k in found}


def _treatment(slug: str, f: Fields) -> Treatment:
    reason_notes = _reason_notes(f)
    body = f.body
    if not body.strip():
        f.errors.append(
            ContentError(
                f.shown,
                f.body_line,
                "body",
                "expected Markdown after the front matter: the treatment's angle sections",
            )
        )
    return Treatment(
        slug=slug,
        name=f.text("name"),
        short_name=f.text("short_name"),
        generic_name=f.text("generic_name"),
        brand_names=f.text_list("brand_names", required=False),
        kind=f.choice("kind", KINDS),
        benefit=f.choice("benefit", TREATMENT_BENEFITS),
        category=f.text("category", placeholders=False),
        tags=f.choices("tags", TAGS, required=False),
        plural=f.flag("plural"),
        conditions=f.text_list("conditions", min_items=1),
        approved_use=_one_fact(f, "approved_use"),
        guidelines=f.text_list("guidelines", required=False),
        criteria=_facts(f, "criteria", min_items=1),
        documents=f.text_list("documents", min_items=1),
        pitfall=_one_fact(f, "pitfall"),
        reasons=f.text_list("reasons", min_items=1),
        reason_notes=reason_notes,
        last_reviewed=f.day("last_reviewed"),
        reviewed_by=f.optional_text("reviewed_by"),
        sources=_citations(f),
        redirect_from=f.text_list("redirect_from", required=False),
        body=_check_body(f, body),
        draft=f.flag("draft"),
        not_paid_by=f.text_list("not_paid_by", required=False),
        letter_case=f.optional_text("letter_case") or "",
    )


def _reason_notes(f: Fields) -> dict[str, tuple[Fact, ...]]:
    """Each reason's note: Markdown text, or a list of facts (text, cite, url) when its sentences are cited."""
    notes = f.mapping("reason_notes") or {}
    sub = Fields(notes, f.shown, f.errors, "reason_notes.")
    result = {}
    for key in map(str, notes):
        if isinstance(notes[key], list):
            result[key] = _facts(sub, key, min_items=1)
        else:
            result[key] = (Fact(_check_links(sub, key, sub.text(key), notes.line_of(key)), None),)
    return result


def _check_links(f: Fields, key: str, text: str, first_line: int) -> str:
    """Markdown links go where is_safe_link allows: a javascript: link is an error, not a silent drop."""
    for offset, href in unsafe_links(text):
        f.errors.append(
            ContentError(f.shown, first_line + offset, key, f"expected a link to {SAFE_LINK_RULE}; got {href!r}")
        )
    return text


def _check_body(f: Fields, body: str) -> str:
    """Braces in Markdown are only the {payer} and {treatment} placeholders."""
    first = f.body_line
    _check_links(f, "body", body, first)
    for offset, text in enumerate(body.split("\n")):
        problem = invisible_problem(text, "column")
        if problem:
            f.errors.append(ContentError(f.shown, first + offset, "body", problem))
        for token in unknown_placeholders(text, TEXT_PLACEHOLDERS):
            message = f"unknown placeholder '{{{token}}}'; expected {{payer}} or {{treatment}}"
            f.errors.append(ContentError(f.shown, first + offset, "body", message))
    return body


def _payer(slug: str, f: Fields) -> Payer:
    exclusions = []
    for item in f.nested_list("exclude", required=False):
        treatment = item.optional_text("treatment")
        reason = item.optional_text("reason")
        if not treatment and not reason:
            item.error("treatment", "an exclusion needs a treatment, a reason or both")
        exclusions.append(Exclusion(treatment, reason))
        item.finish()
    return Payer(
        slug=slug,
        name=f.text("name"),
        short_name=f.text("short_name"),
        aliases=f.text_list("aliases", required=False),
        kind=f.choice("kind", PAYER_KINDS),
        states=read_states(f),
        plan_types=f.text_list("plan_types", min_items=1),
        covers_kinds=f.choices("covers_kinds", KINDS, required=False) or KINDS,
        benefits=f.choices("benefits", BENEFITS, required=False) or BENEFITS,
        policy_library=_policy(f.nested("policy_library")),
        notes=_check_links(f, "notes", f.text("notes"), f.data.line_of("notes")),
        facts=_facts(f, "facts", required=False),
        exclude=tuple(exclusions),
        last_reviewed=f.day("last_reviewed"),
        sources=_citations(f),
        redirect_from=f.text_list("redirect_from", required=False),
        draft=f.flag("draft"),
        processes=_processes(f),
    )


def _processes(f: Fields) -> dict[str, Process]:
    """A payer's process blocks by reason: the plan lines each speaks for, its review date and its cited steps."""
    blocks = f.mapping("processes") or {}
    sub = Fields(blocks, f.shown, f.errors, "processes.")
    result = {}
    for reason in map(str, blocks):
        block = sub.nested(reason)
        if block is None:
            continue
        result[reason] = Process(
            plan_types=block.text_list("plan_types", min_items=1),
            steps=_facts(block, "steps", min_items=1),
            last_reviewed=block.day("last_reviewed"),
            benefits=block.choices("benefits", BENEFITS, required=False),
        )
        block.finish()
    return result


def _policy(f: Fields | None) -> PolicyRef:
    if f is None:
        return PolicyRef("", "")
    policy = PolicyRef(
        f.text("name"),
        f.text("cite", placeholders=False),
        f.optional_text("number"),
        f.url("url"),
        f.optional_day("effective"),
        f.optional_text("copy"),
        reviewed=f.optional_day("reviewed"),
    )
    f.finish()
    return policy


def _pairs(files: list[RawFile], errors: list[ContentError]) -> dict[str, PairNote]:
    pairs = {}
    for raw in files:
        errors += raw.errors
        if raw.errors:
            continue
        payer, treatment = raw.path.parent.name, raw.path.stem
        f = Fields(raw.data, raw.shown, errors, body=raw.body, body_line=raw.body_line)
        pairs[raw.shown] = PairNote(
            payer=payer,
            treatment=treatment,
            policy=_policy(f.nested("policy")),
            plan_types=f.text_list("plan_types", min_items=1),
            criteria=_facts(f, "criteria", min_items=1),
            last_reviewed=f.day("last_reviewed"),
            sources=_citations(f),
            body=_check_body(f, raw.body),
        )
        f.finish()
    return pairs
