"""`new payer` / `new treatment`: a commented starter file that validates as a draft."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .errors import BuildError, ContentError
from .urls import slugify

PAYER = """\
# yaml-language-server: $schema=../../schemas/payer.schema.json
# New payer. Every field is explained in content/README.md.
# While `draft: true` is set the payer is checked but gets no pages. Delete that line
# once every field below holds a real, cited fact.
draft: true
name: {name}                  # the full name people know, with its parent company
short_name: {name}            # used inside sentences and titles
aliases: []                   # other names people search for
kind: insurer                 # insurer | blue-plan | pbm | government
states: [national]            # where it sells: national, or state codes such as [CA, NV]
plan_types:                   # which kinds of plan it sells (see content/plan-types/)
  - employer-insured
# covers_kinds: [drug, biologic]   # only for payers that decide some kinds of treatment
# benefits: [pharmacy]             # only for PBMs, which decide pharmacy claims only
policy_library:
  name: Medical policies      # the name the payer gives its policy library
  cite: Payer's policy index  # where that name comes from
  # url: https://...          # only an address you have seen
notes: |
  Say who the payer is, which plans it sells, who decides drug coverage, and how to
  find its policies. Never write a phone number or mailing address: the denial letter has them.
last_reviewed: {today}
sources:
  - cite: Payer's policy index
"""

TREATMENT = """\
---
# New treatment. Every field is explained in content/README.md.
# While `draft: true` is set the treatment is checked but gets no pages. Delete that line
# once every fact below is real and cited.
draft: true
name: {name}                   # display name as people search for it, e.g. "Ocrevus (ocrelizumab)"
short_name: {name}             # used inside sentences
generic_name: {name}
brand_names: []
kind: drug                     # drug | biologic | device | procedure | service | test
benefit: pharmacy              # medical | pharmacy | either
category: general              # shared with related treatments, e.g. neurology
# tags: [oncology]             # what text meant for some treatments only looks for (content/README.md)
# plural: true                 # when the name is plural ("wheelchairs")
conditions: [the condition it treats]
approved_use:
  text: What the FDA label says it is approved for.
  cite: FDA prescribing information
guidelines: []
criteria:                      # what payers typically require, each with its citation
  - text: The first thing payers check.
    cite: Typical commercial and Medicare policy criteria (payer policies vary)
documents: [Specialist notes]
pitfall:
  text: The most common avoidable reason for denial.
  cite: Typical commercial and Medicare policy criteria (payer policies vary)
reasons: [not-medically-necessary]
last_reviewed: {today}
sources:
  - cite: FDA prescribing information
---
## Why {{payer}} may deny {{treatment}}

Write why payers deny it, in plain words.

## What answers the denial

Write what evidence answers each criterion.
"""


def scaffold(content: Path, kind: str, name: str, today: date | None = None) -> Path:
    """Write a starter file for a new payer or treatment; refuse to overwrite."""
    slug = slugify(name)
    if not slug:
        raise BuildError([ContentError("", 0, "name", f"{name!r} gives an empty slug; use letters or digits")])
    folder, suffix, template = ("payers", ".yaml", PAYER) if kind == "payer" else ("treatments", ".md", TREATMENT)
    path = content / folder / f"{slug}{suffix}"
    if path.exists():
        raise BuildError([ContentError(str(path), 0, "", "already exists; edit it instead")])
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    text = template.format(name=quoted, today=(today or date.today()).isoformat())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path
