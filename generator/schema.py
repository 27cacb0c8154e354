"""JSON Schema for each kind of content file, exported from the model records.

Editors that read the yaml-language-server `$schema` comment check content as it is typed.
The generator's own validation stays the authority; these schemas mirror it.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date
from pathlib import Path

from . import model

ENUMS = {
    ("Treatment", "kind"): model.KINDS,
    ("Treatment", "benefit"): model.TREATMENT_BENEFITS,
    ("Payer", "kind"): model.PAYER_KINDS,
    ("Payer", "covers_kinds"): model.KINDS,
    ("Payer", "benefits"): model.BENEFITS,
    ("PlanType", "benefits"): model.BENEFITS,
    ("Reason", "kinds"): model.KINDS,
    ("Decision", "kind"): model.DECISION_KINDS,
    ("Decision", "counts_from"): model.COUNTS_FROM,
    ("Decision", "bound"): model.BOUNDS,
    ("Deadline", "counts_from"): model.COUNTS_FROM,
    ("Deadline", "bound"): model.BOUNDS,
    ("Step", "who_files"): model.WHO_FILES,
    ("Treatment", "tags"): model.TAGS,
    ("Payer", "states"): (model.NATIONAL, *model.STATES),
    ("Scope", "kinds"): model.KINDS,
    ("Scope", "tags"): model.TAGS,
    ("Scope", "except_tags"): model.TAGS,
    ("Scope", "benefits"): model.BENEFITS,
    ("Scope", "payer_kinds"): model.PAYER_KINDS,
    ("Scope", "states"): model.STATES,
}
RENAMED = {"scope": "applies_to"}
"""Record fields whose key in a content file has another name."""
OPTIONAL = {
    "aliases",
    "brand_names",
    "guidelines",
    "reason_notes",
    "plan_type_notes",
    "reviewed_by",
    "redirect_from",
    "covers_kinds",
    "facts",
    "exclude",
    "rights",
    "draft",
    "url",
    "number",
    "file_within",
    "decisions",
    "permalink",
    "publisher",
    "params",
    "tags",
    "plural",
}
"""Fields a file may leave out (the validator fills in a default or treats them as empty)."""
NOT_IN_FILES = {"slug", "body", "anchor"}
FROM_PATH = {("PairNote", "payer"), ("PairNote", "treatment")}
"""A pair's payer and treatment come from its path, not its keys (an exclusion's treatment is a key)."""
FILES = {
    "site": model.SiteConfig,
    "payer": model.Payer,
    "treatment": model.Treatment,
    "reason": model.Reason,
    "plan-type": model.PlanType,
    "pair": model.PairNote,
}


def _type_schema(owner: str, name: str, hint: object) -> dict:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in args if a is not type(None)]
        return _type_schema(owner, name, inner[0])
    if (owner, name) in ENUMS:
        values = list(ENUMS[owner, name])
        return (
            {"type": "array", "items": {"enum": values}, "uniqueItems": True} if origin is tuple else {"enum": values}
        )
    if hint is str:
        return {"type": "string", "minLength": 1}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is float:
        return {"type": "number"}
    if hint is date:
        return {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(owner, name, args[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(owner, name, args[1])}
    if dataclasses.is_dataclass(hint):
        return record_schema(hint)
    raise TypeError(f"no JSON Schema for {owner}.{name}: {hint!r}")


def record_schema(cls: type) -> dict:
    """The schema of one record's mapping: its fields, which are required, no others."""
    hints = typing.get_type_hints(cls)
    properties, required = {}, []
    for field in dataclasses.fields(cls):
        if field.name in NOT_IN_FILES or (cls.__name__, field.name) in FROM_PATH:
            continue
        key = RENAMED.get(field.name, field.name)
        properties[key] = _type_schema(cls.__name__, field.name, hints[field.name])
        if cls is model.Treatment and field.name == "reason_notes":
            # A note is Markdown text, or a list of cited facts.
            fact_list = properties[key]["additionalProperties"]
            properties[key]["additionalProperties"] = {"anyOf": [{"type": "string", "minLength": 1}, fact_list]}
        optional = (
            field.name in OPTIONAL
            or field.default is not dataclasses.MISSING
            or field.default_factory is not dataclasses.MISSING
        )
        optional = (
            optional
            or (cls is model.Payer and field.name == "benefits")
            or (cls is model.Step and field.name == "notes")
        )
        optional = optional or (cls is model.Reason and field.name == "plan_type_notes")
        optional = optional or cls is model.Exclusion  # a treatment, a reason or both (validate.py says which)
        if not optional and not (issubclass(cls, model.Fact) and field.name == "cite"):
            required.append(key)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def export_schemas(folder: Path) -> list[Path]:
    """Write <kind>.schema.json for every kind of content file."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, cls in FILES.items():
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{kind} content file",
            **record_schema(cls),
        }
        path = folder / f"{kind}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", "utf-8")
        written.append(path)
    return written
