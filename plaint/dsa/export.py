"""Statements of reasons for a period, as JSON Lines (manage.py export_statements)."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from plaint.cases.models import Decision
from plaint.enforcement.models import Measure

from . import statements


@dataclass
class Export:
    statements: list[dict[str, Any]] = field(default_factory=list)
    # Decisions and measures that restrict nothing the DSA counts (reports not upheld, warnings).
    not_required: int = 0
    # What could not be classified, each naming its category, measure or remedy.
    unmapped: list[str] = field(default_factory=list)


def decisions_between(start: datetime, end: datetime) -> Iterator[Any]:
    """Yield the decisions taken in [start, end), oldest first, with what their statements read."""
    return (
        Decision.objects.filter(decided_at__gte=start, decided_at__lt=end)
        .select_related("case__report__order", "case__report__listing", "case__report__reporter", "case__merchant")
        .order_by("decided_at", "id")
        .iterator(chunk_size=500)
    )


def measures_between(start: datetime, end: datetime) -> Iterator[Any]:
    """Yield the measures started in [start, end), oldest first."""
    return (
        Measure.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("trigger_case__report__order", "trigger_case__report__listing", "trigger_case__merchant")
        .order_by("starts_at", "id")
        .iterator(chunk_size=500)
    )


def collect(start: datetime, end: datetime) -> Export:
    """Return every statement of the decisions and measures in [start, end), by application date."""
    result = Export()
    dated: list[tuple[datetime, str, dict[str, Any]]] = []
    sources = [(d.decided_at, d, statements.for_decision) for d in decisions_between(start, end)]
    sources += [(m.starts_at, m, statements.for_measure) for m in measures_between(start, end)]
    for at, source, build in sources:
        try:
            statement = build(source)
        except statements.UnmappedError as exc:
            result.unmapped.append(str(exc))
            continue
        if statement is None:
            result.not_required += 1
        else:
            dated.append((at, statement["puid"], statement))
    result.statements = [s for _, _, s in sorted(dated, key=lambda item: (item[0], item[1]))]
    return result


def write_jsonl(items: list[dict[str, Any]], out: TextIO) -> None:
    """Write one statement per line, as the API takes it (UTF-8, keys in the API's order)."""
    for item in items:
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
