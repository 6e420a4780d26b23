"""The case's log as a hash chain: every event carries the SHA-256 of its canonical form and of the event before.

`append` is the one way events are written (actions, clocks, the committee): it reads the case's
chain head (one indexed statement; the caller holds the case's row lock) and inserts the new events
chained to it. The unique (case, sequence) constraint refuses a second writer that read the same
head, so the chain never forks: that writer's transaction is refused (409 `concurrent_change`).

`verify` walks a case's chain again and names every event edited, inserted or deleted by position.
A chain proves nothing against someone who rewrites every hash after an edit; a head kept outside
the database (the dossier, the case page, the API) does: `verify(case, head=...)` checks that the
chain still contains it. docs/transparency.md says how to verify.

Purging personal data (plaint/privacy/retention.py) rewrites the words of some events without
breaking the chain: each such event keeps its `hash` (so the next event's link still holds), and a
later `purged` event, chained like any other, records for each one its position, that hash, and the
hash its redacted content gives (`redact`). `verify` accepts a redacted event only when both match,
so a redacted event edited again, or an edit dressed up as a purge of an event without it, is still
reported. docs/privacy.md says more.
"""

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError

from plaint.db import current, insert_many
from plaint.errors import Refused

from .models import Appeal, Case, CaseEvent, Decision

# Written into every event's canonical form, so a later change of the form is a new scheme, not a
# silent reinterpretation of old hashes.
SCHEME = "plaint-log-1"


def canonical_json(value: Any) -> str:
    """Return `value` as canonical JSON: sorted keys, no spaces, UTF-8 text, as it reads back from the database.

    Decimals and datetimes are written as DjangoJSONEncoder writes them (strings).
    """
    plain = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest(value: Any) -> str:
    """Return the SHA-256 (hex) of `value`'s canonical JSON."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    reference: str,
    sequence: int,
    kind: str,
    actor_id: int | None,
    actor_role: str,
    at: datetime,
    from_state: str,
    to_state: str,
    reason: str,
    rulebook_version: str,
    visibility: str,
    data: Any,
    prev_hash: str,
) -> str:
    """Return the hash of one event: SHA-256 of the canonical JSON of its fields and the previous event's hash."""
    return digest(
        {
            "scheme": SCHEME,
            "case": reference,
            "sequence": sequence,
            "kind": kind,
            "actor": actor_id,
            "actor_role": actor_role,
            "at": _instant(at),
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
            "rulebook_version": rulebook_version,
            "visibility": visibility,
            "data": data,
            "prev": prev_hash,
        }
    )


def hash_of(event: CaseEvent, reference: str) -> str:
    """Return the hash `event` should carry, from its fields as they are now."""
    return event_hash(
        reference=reference,
        sequence=event.sequence,
        kind=event.kind,
        actor_id=event.actor_id,
        actor_role=event.actor_role,
        at=event.at,
        from_state=event.from_state,
        to_state=event.to_state,
        reason=event.reason,
        rulebook_version=event.rulebook_version,
        visibility=event.visibility,
        data=event.data,
        prev_hash=event.prev_hash,
    )


def decision_digest(decision: Decision) -> str:
    """Return the SHA-256 of a decision's content: outcome, reasons, remedy, points, who, when, the statement."""
    return digest(
        {
            "decision": decision.pk,
            "case": decision.case_id,
            "outcome": decision.outcome,
            "reason_codes": decision.reason_codes,
            "remedy": decision.remedy,
            "remedy_amount": None if decision.remedy_amount is None else str(Decimal(decision.remedy_amount)),
            "points": decision.points,
            "track": decision.track,
            "automated": decision.automated,
            "decided_by": decision.decided_by_id,
            "decided_at": _instant(decision.decided_at),
            "rulebook_version": decision.rulebook_version,
            "statement": decision.statement,
            "appeal": decision.appeal_id,
        }
    )


def appeal_statement_digest(appeal: Appeal) -> str:
    """Return the SHA-256 of an appeal's decided content: result, reasons, variation, who, and its statement."""
    return digest(
        {
            "appeal": appeal.pk,
            "result": appeal.result,
            "reasons": appeal.reasons,
            "variation": appeal.variation,
            "decided_by": appeal.decided_by_id,
            "statement": appeal.statement,
        }
    )


def decision_data(decision: Decision) -> dict[str, Any]:
    """Return what a decision's event records of it: its id and the hash of its content."""
    return {"decision_id": decision.pk, "decision_sha256": decision_digest(decision)}


_HEAD_SQL: dict[str, str] = {}


def _head_sql() -> str:
    connection = current()
    if connection.vendor not in _HEAD_SQL:
        quote = connection.ops.quote_name
        meta = CaseEvent._meta
        _HEAD_SQL[connection.vendor] = (
            f"SELECT {quote('sequence')}, {quote('hash')} FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.get_field('case').column)} = %s ORDER BY {quote('sequence')} DESC LIMIT 1"
        )
    return _HEAD_SQL[connection.vendor]


def head(case_id: int) -> tuple[int, str]:
    """Return the case's chain head: (its last sequence, its hash); (0, "") for a case without events."""
    with current().cursor() as cursor:
        cursor.execute(_head_sql(), [case_id])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, "")


def append(case: Case, events: Sequence[CaseEvent], *, new_case: bool = False) -> None:
    """Chain `events` (unsaved, of this case, in order) to the case's head and insert them in one statement.

    Call inside the transaction that holds the case's row lock. `new_case`: the case was created in
    this transaction, so it has no head to read. Raise Refused (409 concurrent_change) if another
    writer appended to the case since its head was read.
    """
    if not events:
        return
    sequence, previous = (0, "") if new_case else head(case.pk)
    for event in events:
        if event.case_id != case.pk:
            raise ValueError(f"event {event.kind!r} is not of case {case.reference}")
        sequence += 1
        event.sequence = sequence
        event.prev_hash = previous
        event.hash = previous = hash_of(event, case.reference)
    try:
        insert_many(events)
    except IntegrityError as exc:
        # The position is taken (event_chain_position; SQLite names the columns): another writer
        # appended since the head was read. The transaction is spoilt, so the message is all there is.
        if "event_chain_position" not in str(exc) and f"{CaseEvent._meta.db_table}.sequence" not in str(exc):
            raise
        raise Refused(
            "concurrent_change",
            "Someone else changed this case at the same moment. Reload it and try again.",
        ) from None


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a case's chain, at a position (1 is the case's first event)."""

    case: str
    position: int
    kind: str  # edited, inserted, deleted, relinked, decision_edited, statement_edited, head_missing
    detail: str

    def __str__(self) -> str:
        return f"{self.case} #{self.position}: {self.kind}: {self.detail}"


_FIELDS = (
    "pk",
    "sequence",
    "kind",
    "actor_id",
    "actor_role",
    "at",
    "from_state",
    "to_state",
    "reason",
    "rulebook_version",
    "visibility",
    "data",
    "prev_hash",
    "hash",
)


def redact(event: CaseEvent, reference: str, *, reason: str, data: Any) -> dict[str, Any]:
    """Give `event` (saved) the redacted `reason` and `data` in memory; return what the `purged` event records.

    The caller writes the fields with an UPDATE (events refuse save) and appends a `purged` event whose
    data holds the returned items under "redacted". The event's own `hash` is kept unchanged.
    """
    event.reason, event.data = reason, data
    return {"sequence": event.sequence, "hash": event.hash, "content_hash": hash_of(event, reference)}


def _redactions(rows: list[dict[str, Any]]) -> dict[int, dict[str, str]]:
    """Return the redactions recorded by the `purged` events, by the position of the event redacted.

    Only a `purged` event later in the chain than the event it names counts.
    """
    found: dict[int, dict[str, str]] = {}
    for row in rows:
        if row["kind"] != "purged" or not isinstance(row["data"], dict):
            continue
        for item in row["data"].get("redacted", ()):
            if isinstance(item, dict) and isinstance(item.get("sequence"), int) and item["sequence"] < row["sequence"]:
                found[item["sequence"]] = item
    return found


def verify(case: Case, *, head_hash: str | None = None) -> list[Problem]:
    """Return every problem in the case's chain, in order of position; [] for an intact chain.

    - deleted: a position missing between two events (or before the first);
    - inserted: an event whose successor points at the event before it (the original chain skips it);
    - relinked: an event whose previous hash is not its predecessor's (the event before it was
      removed and the rest renumbered, or it was moved);
    - edited: an event whose content no longer gives its hash (edited in place, or added at the
      end without the chain);
    - decision_edited / statement_edited: a decision or appeal statement that no longer matches
      the hash its event recorded;
    - head_missing: `head_hash` (a head held outside the database) is not in the chain: events up
      to it were rewritten or removed. Deleting the newest events leaves no gap; only such a head
      shows it.
    """
    rows = list(CaseEvent.objects.filter(case_id=case.pk).order_by("sequence", "pk").values(*_FIELDS))
    problems: list[Problem] = []
    ref = case.reference
    # An event the chain skips: its successor's prev_hash is the hash of the event before it.
    inserted = {
        i - 1
        for i in range(1, len(rows))
        if rows[i]["prev_hash"] != rows[i - 1]["hash"]
        and rows[i]["prev_hash"] == (rows[i - 2]["hash"] if i >= 2 else "")
        and rows[i]["sequence"] == rows[i - 1]["sequence"] + 1
    }
    redactions = _redactions(rows)
    before_seq, before_hash = 0, ""
    for i, row in enumerate(rows):
        position = row["sequence"]
        if i in inserted:
            problems.append(Problem(ref, position, "inserted", f"{row['kind']!r} is not part of the chain"))
            before_seq = position  # the chain goes on from the event before it
            continue
        if position > before_seq + 1:
            missing = range(before_seq + 1, position)
            problems.extend(Problem(ref, p, "deleted", "the event at this position is missing") for p in missing)
        elif row["prev_hash"] != before_hash:
            problems.append(Problem(ref, position, "relinked", f"{row['kind']!r} does not follow the event before it"))
        expected = event_hash(
            reference=ref,
            sequence=row["sequence"],
            kind=row["kind"],
            actor_id=row["actor_id"],
            actor_role=row["actor_role"],
            at=row["at"],
            from_state=row["from_state"],
            to_state=row["to_state"],
            reason=row["reason"],
            rulebook_version=row["rulebook_version"],
            visibility=row["visibility"],
            data=row["data"],
            prev_hash=row["prev_hash"],
        )
        redacted = redactions.get(position)
        if redacted and redacted.get("hash") == row["hash"] and redacted.get("content_hash") == expected:
            pass  # purged of personal data, as a later `purged` event of the chain records
        elif expected != row["hash"]:
            problems.append(Problem(ref, position, "edited", f"{row['kind']!r} no longer matches its hash"))
        before_seq, before_hash = position, row["hash"]
    problems += _covered(case, rows)
    if head_hash is not None and head_hash not in {row["hash"] for row in rows}:
        problems.append(Problem(ref, before_seq, "head_missing", f"the head {head_hash[:16]}… is not in the chain"))
    return sorted(problems, key=lambda p: p.position)


def _covered(case: Case, rows: list[dict[str, Any]]) -> list[Problem]:
    """Return the decisions and appeal statements that no longer match the hash their event recorded."""
    decisions: dict[int, tuple[int, str]] = {}
    appeals: dict[int, tuple[int, str]] = {}
    for row in rows:
        data = row["data"] if isinstance(row["data"], dict) else {}
        for holder in (data, data.get("effect") if isinstance(data.get("effect"), dict) else {}):
            if "decision_sha256" in holder and "decision_id" in holder:
                decisions[holder["decision_id"]] = (row["sequence"], holder["decision_sha256"])
        if "statement_sha256" in data and "appeal_id" in data:
            appeals[data["appeal_id"]] = (row["sequence"], data["statement_sha256"])
    problems = []
    for decision in Decision.objects.filter(pk__in=decisions):
        position, recorded = decisions[decision.pk]
        if decision_digest(decision) != recorded:
            problems.append(
                Problem(case.reference, position, "decision_edited", f"decision {decision.pk} no longer matches")
            )
    for appeal in Appeal.objects.filter(pk__in=appeals):
        position, recorded = appeals[appeal.pk]
        if appeal_statement_digest(appeal) != recorded:
            problems.append(
                Problem(
                    case.reference, position, "statement_edited", f"appeal {appeal.pk}'s decision no longer matches"
                )
            )
    return problems


def chain_head(case: Case) -> dict[str, Any]:
    """Return the case's chain head for staff: {"sequence": n, "hash": "…"} ({"sequence": 0, "hash": ""} if empty)."""
    sequence, value = head(case.pk)
    return {"sequence": sequence, "hash": value}


def verify_cases(cases: Iterable[Case]) -> list[Problem]:
    """Return the problems of every case given, case by case."""
    return [problem for case in cases for problem in verify(case)]
