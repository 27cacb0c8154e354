"""Cross-references between validated records: every slug a record names exists and fits.

A file that failed to load has its own error, so references to it are not reported again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ContentError
from .fields import check_slug
from .load import RawContent, RawFile
from .model import PairNote, Payer, PlanType, Reason, Treatment
from .yaml_reader import LineDict


@dataclass(frozen=True)
class Records:
    """The validated records, by slug (pairs by the path they were read from)."""

    plan_types: dict[str, PlanType]
    reasons: dict[str, Reason]
    treatments: dict[str, Treatment]
    payers: dict[str, Payer]
    pairs: dict[str, PairNote]


class _Refs:
    """Reports a slug that names no record, once, with the file it was looked for."""

    def __init__(self, raw: RawContent, errors: list[ContentError]) -> None:
        self.folder = raw.root.name
        self.errors = errors
        self.unreadable = {f.path.stem for f in raw.plan_types + raw.reasons + raw.treatments + raw.payers if f.errors}

    def check(
        self, file: RawFile, field: str, slug: str, known: dict, kind: str, sub: str, ext: str, line: int | None = None
    ) -> None:
        if slug and slug not in known and slug not in self.unreadable:
            line = line or file.data.line_of(field.split(".")[0])
            message = f"no {kind} {slug!r} (looked for {self.folder}/{sub}/{slug}{ext})"
            self.errors.append(ContentError(file.shown, line, field, message))

    def error(self, file: RawFile, key: str, field: str, message: str) -> None:
        self.errors.append(ContentError(file.shown, file.data.line_of(key), field, message))

    def sold(self, file: RawFile, key: str, field: str, plan_types: tuple[str, ...], payer: Payer) -> None:
        """Plan types a pair or a process speaks for must be ones its payer sells."""
        for pt in plan_types:
            if pt not in payer.plan_types:
                message = f"{pt!r} is not one of {payer.slug}'s plan_types ({', '.join(payer.plan_types)})"
                self.error(file, key, field, message)


def check_references(records: Records, raw: RawContent, errors: list[ContentError]) -> None:
    """Every reference in every record, and redirects that would hide a record or clash."""
    refs = _Refs(raw, errors)
    files = {
        kind: {f.path.stem: f for f in group}
        for kind, group in (("reason", raw.reasons), ("treatment", raw.treatments), ("payer", raw.payers))
    }
    _reasons(records, files["reason"], refs)
    _plan_types(records, {f.path.stem: f for f in raw.plan_types}, refs)
    _treatments(records, files["treatment"], refs)
    _payers(records, files["payer"], refs)
    _pairs(records, raw, refs)
    _check_redirects(records.treatments, files["treatment"], errors)
    _check_redirects(records.payers, files["payer"], errors)


def _reasons(records: Records, files: dict[str, RawFile], refs: _Refs) -> None:
    for slug, reason in records.reasons.items():
        file = files[slug]
        for pt in reason.plan_types:
            refs.check(file, "plan_types", pt, records.plan_types, "plan type", "plan-types", ".yaml")
        for key, texts in (
            ("ask_for_by_plan_type", reason.ask_for_by_plan_type),
            ("lede_by_plan_type", reason.lede_by_plan_type),
        ):
            for pt in texts:
                refs.check(file, f"{key}.{pt}", pt, records.plan_types, "plan type", "plan-types", ".yaml")
        for pt in reason.plan_type_notes:
            refs.check(file, f"plan_type_notes.{pt}", pt, records.plan_types, "plan type", "plan-types", ".yaml")
            if pt in records.plan_types and pt not in reason.plan_types:
                message = "notes for a plan type this reason does not list in plan_types"
                refs.error(file, "plan_type_notes", f"plan_type_notes.{pt}", message)


def _plan_types(records: Records, files: dict[str, RawFile], refs: _Refs) -> None:
    for slug, plan_type in records.plan_types.items():
        file = files[slug]
        for n, step in enumerate(plan_type.steps):
            at = file.data["steps"][n]
            _reasons_named(refs, file, records, at, "reasons", f"steps[{n}].reasons", step.reasons)
            _reasons_named(refs, file, records, at, "when", f"steps[{n}].when.{{}}", step.when)
        at = file.data["expedited"]
        _reasons_named(refs, file, records, at, "reasons", "expedited.reasons", plan_type.expedited.reasons)


def _reasons_named(
    refs: _Refs, file: RawFile, records: Records, at: LineDict, key: str, field: str, slugs: Iterable[str]
) -> None:
    """Each reason a plan type's nested record names under `key` (`field` may hold "{}" for the slug), on its line."""
    line = at.line_of(key)
    for reason in slugs:
        refs.check(file, field.format(reason), reason, records.reasons, "reason", "reasons", ".yaml", line)


def _treatments(records: Records, files: dict[str, RawFile], refs: _Refs) -> None:
    reasons = records.reasons
    for slug, treatment in records.treatments.items():
        file = files[slug]
        for r in treatment.reasons:
            refs.check(file, "reasons", r, reasons, "reason", "reasons", ".yaml")
            if r in reasons and treatment.kind and treatment.kind not in reasons[r].kinds:
                kinds = ", ".join(reasons[r].kinds)
                message = f"reason {r!r} does not apply to kind {treatment.kind!r} (it applies to {kinds})"
                refs.error(file, "reasons", "reasons", message)
        for pt in treatment.not_paid_by:
            refs.check(file, "not_paid_by", pt, records.plan_types, "plan type", "plan-types", ".yaml")
        for r in treatment.reason_notes:
            refs.check(file, f"reason_notes.{r}", r, reasons, "reason", "reasons", ".yaml")
            if r in reasons and r not in treatment.reasons:
                refs.error(file, "reason_notes", f"reason_notes.{r}", "a note for a reason not listed in reasons")


def _payers(records: Records, files: dict[str, RawFile], refs: _Refs) -> None:
    for slug, payer in records.payers.items():
        file = files[slug]
        for pt in payer.plan_types:
            refs.check(file, "plan_types", pt, records.plan_types, "plan type", "plan-types", ".yaml")
        for rule in payer.exclude:
            refs.check(
                file, "exclude.treatment", rule.treatment or "", records.treatments, "treatment", "treatments", ".md"
            )
            refs.check(file, "exclude.reason", rule.reason or "", records.reasons, "reason", "reasons", ".yaml")
        for reason, process in payer.processes.items():
            refs.check(file, f"processes.{reason}", reason, records.reasons, "reason", "reasons", ".yaml")
            refs.sold(file, "processes", f"processes.{reason}.plan_types", process.plan_types, payer)


def _pairs(records: Records, raw: RawContent, refs: _Refs) -> None:
    files = {f.shown: f for f in raw.pairs}
    for shown, pair in records.pairs.items():
        file = files[shown]
        for field, slug, known, kind, sub, ext in (
            ("payer", pair.payer, records.payers, "payer", "payers", ".yaml"),
            ("treatment", pair.treatment, records.treatments, "treatment", "treatments", ".md"),
        ):
            if slug not in known and slug not in refs.unreadable:
                message = f"no {kind} {slug!r} (looked for {refs.folder}/{sub}/{slug}{ext})"
                refs.errors.append(ContentError(shown, 1, field, message))
        if pair.payer in records.payers:
            refs.sold(file, "plan_types", "plan_types", pair.plan_types, records.payers[pair.payer])


def _check_redirects(records: dict, files: dict[str, RawFile], errors: list[ContentError]) -> None:
    claimed: dict[str, str] = {}
    for slug, record in records.items():
        for old in record.redirect_from:
            file = files[slug]
            problem = check_slug(old)
            if problem:
                errors.append(
                    ContentError(
                        file.shown,
                        file.data.line_of("redirect_from"),
                        "redirect_from",
                        problem.replace("; rename the file", ""),
                    )
                )
            elif old in records:
                errors.append(
                    ContentError(
                        file.shown,
                        file.data.line_of("redirect_from"),
                        "redirect_from",
                        f"{old!r} is the slug of an existing record; a redirect would hide it",
                    )
                )
            elif old in claimed:
                errors.append(
                    ContentError(
                        file.shown,
                        file.data.line_of("redirect_from"),
                        "redirect_from",
                        f"duplicate slug {old!r}: {claimed[old]} redirects it too",
                    )
                )
            claimed.setdefault(old, file.shown)
