"""Sending statements of reasons to the DSA Transparency Database, batched, retried, never twice.

The worker's job `run` (every pass, when PLAINT_DSA_ENDPOINT is set) first queues: a DsaStatement
row for each decision and measure that has none, its body frozen. Queueing reads durable rows, so a
crash loses nothing and a second worker makes nothing twice (the puid and the source are unique).
It then sends: up to 100 pending statements per request to the batch endpoint, claimed under a lease
like the outbox's messages, outside any transaction. The database refuses a puid it already holds
(422 with `existing_puids`); those statements are marked submitted, so a statement sent just before
a crash is not sent a second time under another name, and the rest of the batch goes again.
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from plaint.cases.models import Decision
from plaint.enforcement.models import Measure
from plaint.notifications.delivery import backoff

from . import statements
from .models import DsaStatement, StatementState

log = logging.getLogger(__name__)
# The batch endpoint takes between 1 and 100 statements per request.
BATCH = 100
QUEUE_LIMIT = 1000
# A pass sends at most this many requests; the next pass goes on.
MAX_REQUESTS_PER_PASS = 20


@dataclass
class SubmissionReport:
    queued: int = 0
    claimed: int = 0
    submitted: int = 0
    already_there: int = 0
    rejected: int = 0
    failed: int = 0
    dead: int = 0


def _row(puid: str, build: Any, source: Any, now: datetime, **link: Any) -> DsaStatement:
    row = DsaStatement(puid=puid, next_attempt_at=now, created_at=now, **link)
    try:
        statement = build(source)
    except statements.UnmappedError as exc:
        row.state, row.last_error = StatementState.UNMAPPED, str(exc)
        log.error("DSA statement %s cannot be classified: %s", puid, exc)
        return row
    if statement is None:
        row.state = StatementState.NOT_REQUIRED
    else:
        row.body = json.dumps(statement, ensure_ascii=False)
    return row


def queue_new(now: datetime | None = None, limit: int = QUEUE_LIMIT) -> int:
    """Make the statement row of each decision and measure that has none yet; return how many were made.

    An unmapped category, measure or remedy makes an `unmapped` row naming it (logged), not a guess.
    """
    now = now or timezone.now()
    decisions = (
        Decision.objects.filter(~Exists(DsaStatement.objects.filter(decision=OuterRef("pk"))))
        .select_related("case__report__order", "case__report__listing", "case__report__reporter", "case__merchant")
        .order_by("id")[:limit]
    )
    rows = [_row(statements.decision_puid(d), statements.for_decision, d, now, decision=d) for d in decisions]
    measures = (
        Measure.objects.filter(~Exists(DsaStatement.objects.filter(measure=OuterRef("pk"))))
        .select_related("trigger_case__report__order", "trigger_case__report__listing", "trigger_case__merchant")
        .order_by("id")[:limit]
    )
    rows += [_row(statements.measure_puid(m), statements.for_measure, m, now, measure=m) for m in measures]
    made = 0
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
            made += 1
        except IntegrityError:
            pass  # another worker queued it first
    return made


def requeue(ids: list[int], now: datetime | None = None) -> int:
    """Rebuild the statements of rejected, dead or unmapped rows from the rulebook as it is now, and send them again.

    For after the mapping was fixed; return how many rows were rebuilt. A submitted row is never touched.
    """
    now = now or timezone.now()
    retry = (StatementState.REJECTED, StatementState.DEAD, StatementState.UNMAPPED)
    done = 0
    for row in DsaStatement.objects.filter(pk__in=ids, state__in=retry).select_related("decision", "measure"):
        source, build = (
            (row.decision, statements.for_decision) if row.decision_id else (row.measure, statements.for_measure)
        )
        fresh = _row(row.puid, build, source, now)
        done += DsaStatement.objects.filter(pk=row.pk, state=row.state).update(
            body=fresh.body,
            state=fresh.state,
            last_error=fresh.last_error,
            attempts=0,
            next_attempt_at=now,
            locked_until=None,
        )
    return done


def _claim(now: datetime) -> list[DsaStatement]:
    """Take up to BATCH due pending statements until the lease ends (as the outbox's _claim)."""
    lease = now + timedelta(seconds=settings.PLAINT_DELIVERY_LEASE_SECONDS)
    table = DsaStatement._meta.db_table
    skip_locked = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    sql = (
        f"UPDATE {table} SET locked_until = %s WHERE id IN ("
        f"SELECT id FROM {table} WHERE state = %s AND next_attempt_at <= %s "
        "AND (locked_until IS NULL OR locked_until < %s) "
        f"ORDER BY next_attempt_at, id LIMIT %s{skip_locked}) RETURNING id"
    )
    at = connection.ops.adapt_datetimefield_value
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [at(lease), StatementState.PENDING, at(now), at(now), BATCH])
            ids = [row[0] for row in cursor.fetchall()]
    return list(DsaStatement.objects.filter(pk__in=ids).order_by("next_attempt_at", "id"))


def _post(batch: list[DsaStatement]) -> tuple[int | None, Any, str]:
    """POST the batch; return (status or None, parsed JSON answer or None, error text)."""
    body = '{"statements": [' + ", ".join(row.body for row in batch) + "]}"
    headers = {
        "Authorization": f"Bearer {settings.PLAINT_DSA_TOKEN}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    try:
        with httpx.Client(timeout=settings.PLAINT_WEBHOOK_TIMEOUT) as client:
            response = client.post(settings.PLAINT_DSA_ENDPOINT, content=body.encode(), headers=headers)
    except httpx.HTTPError as exc:
        return None, None, f"{type(exc).__name__}: {exc}"
    try:
        answer = response.json()
    except ValueError:
        answer = None
    return response.status_code, answer, f"HTTP {response.status_code}: {response.text[:500]}"


def _mine(row: DsaStatement):  # noqa: ANN202 - a queryset of the one row, if this worker still holds it
    return DsaStatement.objects.filter(pk=row.pk, state=StatementState.PENDING, attempts=row.attempts)


def _submitted(rows: list[DsaStatement], uuids: dict[str, str]) -> int:
    done = 0
    for row in rows:
        done += _mine(row).update(
            state=StatementState.SUBMITTED,
            attempts=F("attempts") + 1,
            submitted_at=timezone.now(),
            uuid=uuids.get(row.puid, ""),
            locked_until=None,
            last_error="",
        )
    return done


def _failed(rows: list[DsaStatement], error: str, now: datetime, report: SubmissionReport) -> None:
    for row in rows:
        attempts = row.attempts + 1
        if attempts >= settings.PLAINT_DELIVERY_MAX_ATTEMPTS:
            report.dead += _mine(row).update(
                state=StatementState.DEAD, attempts=F("attempts") + 1, locked_until=None, last_error=error
            )
            log.warning("DSA statement %s given up after %d attempts: %s", row.puid, attempts, error)
        else:
            report.failed += _mine(row).update(
                attempts=F("attempts") + 1, locked_until=None, last_error=error, next_attempt_at=now + backoff(attempts)
            )


def _answer_422(batch: list[DsaStatement], answer: Any, error: str, now: datetime, report: SubmissionReport) -> None:
    """Sort a refused batch: puids the database has are done, refused statements rejected, the rest resent."""
    errors = answer.get("errors", {}) if isinstance(answer, dict) else {}
    existing = set(errors.get("existing_puids", []) or []) if isinstance(errors, dict) else set()
    refused = {
        int(key.removeprefix("statement_")): value
        for key, value in (errors.items() if isinstance(errors, dict) else [])
        if key.startswith("statement_") and key.removeprefix("statement_").isdigit()
    }
    if not existing and not refused:
        _failed(batch, error, now, report)  # a 422 we cannot read: retried, and in the end a dead letter
        return
    report.already_there += _submitted([row for row in batch if row.puid in existing], {})
    for index, row in enumerate(batch):
        if index in refused and row.puid not in existing:
            report.rejected += _mine(row).update(
                state=StatementState.REJECTED,
                attempts=F("attempts") + 1,
                locked_until=None,
                last_error=json.dumps(refused[index], ensure_ascii=False),
            )
            log.error("DSA statement %s refused by the database: %s", row.puid, refused[index])
    # None of the batch was stored: the others go again at once, in the next request.
    others = [row for index, row in enumerate(batch) if index not in refused and row.puid not in existing]
    DsaStatement.objects.filter(pk__in=[r.pk for r in others], state=StatementState.PENDING).update(locked_until=None)


def submit_due(now: datetime | None = None) -> SubmissionReport:
    """Send one batch of due pending statements; return what happened."""
    now = now or timezone.now()
    report = SubmissionReport()
    batch = _claim(now)
    report.claimed = len(batch)
    if not batch:
        return report
    status, answer, error = _post(batch)
    if status in (200, 201):
        created = answer.get("statements", []) if isinstance(answer, dict) else []
        uuids = {s.get("puid"): s.get("uuid", "") for s in created if isinstance(s, dict)}
        report.submitted += _submitted(batch, uuids)
    elif status == 422:
        _answer_422(batch, answer, error, now, report)
    else:
        _failed(batch, error, now, report)
    return report


def run(now: datetime | None = None) -> SubmissionReport | None:
    """The worker's job: queue new statements and send what is due, when an endpoint is configured."""
    if not settings.PLAINT_DSA_ENDPOINT:
        return None
    now = now or timezone.now()
    queued = queue_new(now)
    total = SubmissionReport(queued=queued)
    for _ in range(MAX_REQUESTS_PER_PASS):
        report = submit_due(now)
        for name in ("claimed", "submitted", "already_there", "rejected", "failed", "dead"):
            setattr(total, name, getattr(total, name) + getattr(report, name))
        # A full batch may have more behind it; a refused one is resent at once with the rest.
        if report.claimed < BATCH and not (report.already_there or report.rejected):
            return total
    return total
