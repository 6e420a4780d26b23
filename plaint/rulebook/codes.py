"""The rulebook's codes as enumerations of the OpenAPI document, read when the document is made.

Each function returns a pydantic `json_schema_extra` callable, so a field stays a plain string at run
time (the domain refuses an unknown code with its own message) while the document lists the codes.
"""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from . import loader

KINDS = ("categories", "evidence_kinds", "remedies", "reason_codes")


def _codes(kind: str, rulebooks: list) -> list[str]:
    found: set[str] = set()
    for rulebook in rulebooks:
        items = getattr(rulebook, kind)
        found |= {item.code for item in items} if kind == "categories" else set(items)
    return sorted(found)


def in_force(kind: str) -> Callable[[dict[str, Any]], None]:
    """Return a json_schema_extra listing the `kind` codes of the rulebook in force (for inputs)."""
    assert kind in KINDS

    def extra(schema: dict[str, Any]) -> None:
        schema["enum"] = _codes(kind, [loader.in_force(timezone.now())])

    return extra


def any_version(kind: str) -> Callable[[dict[str, Any]], None]:
    """Return a json_schema_extra listing the `kind` codes of every version (for outputs: old cases keep theirs)."""
    assert kind in KINDS

    def extra(schema: dict[str, Any]) -> None:
        schema["enum"] = _codes(kind, loader.versions())

    return extra
