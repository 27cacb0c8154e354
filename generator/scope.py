"""Where a fact applies: reading a fact's `applies_to` and checking its values.

A page shows a fact only where its scope matches the page's audience (model.Scope.applies);
this module turns the YAML into a Scope and reports values that name nothing.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import fields

from .fields import Fields
from .model import BENEFITS, EVERYWHERE, KINDS, NATIONAL, PAYER_KINDS, STATES, TAGS, Scope

KNOWN_PLAN_TYPES: ContextVar[frozenset[str]] = ContextVar("KNOWN_PLAN_TYPES", default=frozenset())
"""The plan-type slugs of the content being validated, so a scope can name only real ones."""

SCOPE_KEYS = tuple(f.name for f in fields(Scope))
"""Every dimension a scope can name, in the order an editor reads them (the model's fields)."""


def read_scope(f: Fields, key: str = "applies_to") -> Scope:
    """The `applies_to` mapping of a fact; everywhere when it has none."""
    nested = f.nested(key, required=False)
    if nested is None:
        return EVERYWHERE
    known = KNOWN_PLAN_TYPES.get()
    scope = Scope(
        plan_types=nested.choices("plan_types", sorted(known), required=False) if known else (),
        kinds=nested.choices("kinds", KINDS, required=False),
        tags=nested.choices("tags", TAGS, required=False),
        benefits=nested.choices("benefits", BENEFITS, required=False),
        payer_kinds=nested.choices("payer_kinds", PAYER_KINDS, required=False),
        states=nested.choices("states", STATES, required=False),
        except_tags=nested.choices("except_tags", TAGS, required=False),
    )
    nested.finish()
    if not scope:
        f.error(
            key, f"expected at least one of {', '.join(SCOPE_KEYS)}; an empty scope means everywhere, so leave it out"
        )
    return scope


def read_states(f: Fields) -> tuple[str, ...]:
    """A payer's states: postal codes, or `national` alone."""
    states = f.choices("states", (NATIONAL, *STATES))
    if NATIONAL in states and len(states) > 1:
        f.error("states", f"expected either {NATIONAL} alone or a list of state codes, got both")
    return states
