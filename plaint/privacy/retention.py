"""Retention: purge personal data whose time under the rulebook's [retention] has run out (a periodic job).

Per case, once closed for `evidence_years_after_closing` its evidence files are deleted (the rows stay,
with their SHA-256, so decisions that cite them still say what they cited); once closed for
`case_years_after_closing` the words the parties wrote (the description, answers, replies, messages,
grounds, notes, comments) are replaced and the events that carried them redacted (cases/chain.py
`redact`: the chain still verifies). Decisions and their statements, states, dates and the figures
(transparency) stay. A case under appeal (an appeal not yet decided) or under a legal hold is never
purged. When a consumer's last case is purged, the consumer's name, phone and e-mail are pseudonymised.
Notifications and delivered outbox rows go after their own days. Every purge writes a Purge row.
"""

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import chain
from plaint.cases.models import (
    Appeal,
    Case,
    CaseEvent,
    CaseMessage,
    CaseRating,
    MerchantResponse,
    Offer,
    Report,
    ReporterReply,
    UploadLink,
    Visibility,
)
from plaint.cases.transitions import OPEN_STATES, SYSTEM, AppealState
from plaint.evidence.models import Evidence
from plaint.marketplace.models import Consumer
from plaint.notifications.models import MessageStatus, Notification, OutboxMessage
from plaint.rulebook import loader
from plaint.rulebook.schema import Rulebook

from .models import LegalHold, Purge, PurgeScope

log = logging.getLogger(__name__)

REDACTED = "[已清除/purged]"
# The keys of an event's data that hold words a person wrote (reading.py shows them).
TEXT_KEYS = ("text", "note", "grounds", "explanation", "rectification_plan", "comment", "answer")
# Whose words an event's `reason` carries when they are a party's, not the platform's reasoning.
PARTY_ROLES = frozenset({Role.CONSUMER, Role.MERCHANT, Role.AGENT, Role.MARKETPLACE})
# Cases purged in one pass of the job; the next pass goes on.
BATCH = 200
_FILE_FIELDS = ("file", "shared_file", "thumbnail", "view_file")


def years_before(at: datetime, years: int) -> datetime:
    """Return the same instant `years` calendar years earlier (29 February becomes the 28th)."""
    try:
        return at.replace(year=at.year - years)
    except ValueError:
        return at.replace(year=at.year - years, day=28)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def open_appeal() -> Exists:
    return Exists(Appeal.objects.filter(case=OuterRef("pk")).exclude(state=AppealState.DECIDED))


def active_hold() -> Exists:
    return Exists(LegalHold.objects.filter(case=OuterRef("pk"), lifted_at__isnull=True))


def _purged(scope: str) -> Exists:
    return Exists(Purge.objects.filter(case=OuterRef("pk"), scope=scope))


def due_cases(scope: str, cutoff: datetime) -> QuerySet[Case]:
    """Return the closed cases due for a purge of `scope` (closed before `cutoff`), oldest first.

    Never a case still open, under appeal, under a legal hold, or already purged in that scope.
    """
    return (
        Case.objects.filter(closed_at__isnull=False, closed_at__lt=cutoff)
        .exclude(state__in=[s.value for s in OPEN_STATES])
        .exclude(open_appeal())
        .exclude(active_hold())
        .exclude(_purged(scope))
        .order_by("closed_at", "pk")
    )


def why_kept(case: Case, rulebook: Rulebook | None, now: datetime) -> tuple[str, datetime | None] | None:
    """Return why the case's personal data must still be kept and until when (None: open-ended); None if not.

    Codes: open (the case is being handled), appeal (an appeal is undecided), hold (a legal hold),
    retention (closed less than the rulebook's years ago: E-Commerce Law art. 31; open-ended under a
    version without [retention]).
    """
    if case.state in {s.value for s in OPEN_STATES} or case.closed_at is None:
        return "open", None
    if case.appeals.exclude(state=AppealState.DECIDED).exists():
        return "appeal", None
    if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
        return "hold", None
    if rulebook is None or rulebook.retention is None:
        # A version without [retention] sets no period: nothing closed is erased before one does.
        return "retention", None
    if rulebook.retention is not None:
        years = rulebook.retention.case_years_after_closing
        until = years_before(case.closed_at, -years)
        if until > now:
            return "retention", until
    return None


def _locked(case: Case) -> Case | None:
    """Return the case locked for the purge, or None when it may no longer be purged (appealed or held since)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state in {s.value for s in OPEN_STATES} or case.closed_at is None:
        return None
    if case.appeals.exclude(state=AppealState.DECIDED).exists():
        return None
    if LegalHold.objects.filter(case=case, lifted_at__isnull=True).exists():
        return None
    return case


def _purged_event(case: Case, now: datetime, rule: str, data: dict[str, Any]) -> CaseEvent:
    return CaseEvent(
        case=case,
        kind="purged",
        actor=None,
        actor_role=SYSTEM,
        at=now,
        from_state=case.state,
        to_state=case.state,
        reason=rule,
        rulebook_version=case.rulebook_version,
        data=data,
        visibility=Visibility.STAFF,
    )


def purge_evidence(case: Case, rule: str, now: datetime) -> Purge | None:
    """Delete the case's evidence files (each kept while another case's evidence has the same file); record it.

    Return the Purge, or None when the case may not be purged now or was already.
    """
    with transaction.atomic():
        locked = _locked(case)
        if locked is None or Purge.objects.filter(case=locked, scope=PurgeScope.EVIDENCE).exists():
            return None
        rows = list(Evidence.objects.filter(case=locked))
        names = {getattr(e, f).name for e in rows for f in _FILE_FIELDS if getattr(e, f).name}
        Evidence.objects.filter(case=locked).update(file="", shared_file="", thumbnail="", view_file="")
        # Paths are content-addressed: the same photo sent in another case is the same file.
        still_used = Q()
        for f in _FILE_FIELDS:
            still_used |= Q(**{f"{f}__in": names})
        used = set()
        for values in Evidence.objects.filter(still_used).values_list(*_FILE_FIELDS):
            used.update(values)
        removed = sorted(names - used)
        what = {
            "evidence": [{"id": e.pk, "sha256": e.sha256, "size": e.size} for e in rows],
            "files_deleted": len(removed),
        }
        chain.append(locked, [_purged_event(locked, now, rule, {"scope": "evidence"} | what)])
        purge = Purge.objects.create(scope=PurgeScope.EVIDENCE, case=locked, rule=rule, what=what, at=now)
        # Files go once the rows no longer point at them; a crash before this leaves files, never dangling rows.
        transaction.on_commit(lambda: _delete_files(removed))
    return purge


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            log.exception("could not delete %s; the next purge of its case will not retry it", name)


@dataclass
class _Removed:
    digests: dict[str, str] = field(default_factory=dict)

    def text(self, label: str, value: str) -> str:
        if value and value != REDACTED:
            self.digests[label] = sha256_text(value)
        return REDACTED if value else value


def purge_case(case: Case, rule: str, now: datetime) -> Purge | None:
    """Replace the words the parties wrote in the case and redact its events; record it. None if not purgeable now.

    What was removed is recorded as SHA-256 digests (in the Purge and in the chained `purged` event), so
    a copy held elsewhere (a dossier) can still be matched against it.
    """
    with transaction.atomic():
        locked = _locked(case)
        if locked is None or Purge.objects.filter(case=locked, scope=PurgeScope.CASE).exists():
            return None
        removed = _Removed()
        report = Report.objects.get(pk=locked.report_id)
        Report.objects.filter(pk=report.pk).update(
            description=removed.text("report.description", report.description), channel_reference=""
        )
        for response in MerchantResponse.objects.filter(case=locked):
            MerchantResponse.objects.filter(pk=response.pk).update(
                explanation=removed.text(f"response.{response.pk}", response.explanation),
                rectification_plan=removed.text(f"response.{response.pk}.plan", response.rectification_plan),
            )
        for reply in ReporterReply.objects.filter(case=locked):
            ReporterReply.objects.filter(pk=reply.pk).update(text=removed.text("reply", reply.text))
        for message in CaseMessage.objects.filter(case=locked):
            CaseMessage.objects.filter(pk=message.pk).update(text=removed.text(f"message.{message.pk}", message.text))
        for appeal in Appeal.objects.filter(case=locked):
            Appeal.objects.filter(pk=appeal.pk).update(
                grounds=removed.text(f"appeal.{appeal.pk}.grounds", appeal.grounds),
                answer=removed.text(f"appeal.{appeal.pk}.answer", appeal.answer),
            )
        for offer in Offer.objects.filter(case=locked):
            Offer.objects.filter(pk=offer.pk).update(note=removed.text(f"offer.{offer.pk}", offer.note))
        for rating in CaseRating.objects.filter(case=locked):
            CaseRating.objects.filter(pk=rating.pk).update(comment=removed.text("rating", rating.comment))
        UploadLink.objects.filter(case=locked).update(recipient="")
        redacted = []
        for event in CaseEvent.objects.filter(case=locked).order_by("sequence"):
            reason = removed.text(f"event.{event.sequence}", event.reason) if event.actor_role in PARTY_ROLES else None
            data = event.data if isinstance(event.data, dict) else {}
            texts = {k: REDACTED for k in TEXT_KEYS if isinstance(data.get(k), str) and data[k] and data[k] != REDACTED}
            if reason is None and not texts:
                continue
            for key in texts:
                removed.digests[f"event.{event.sequence}.{key}"] = sha256_text(data[key])
            new_reason = event.reason if reason is None else reason
            new_data = data | texts
            if new_reason == event.reason and new_data == data:
                continue
            redacted.append(chain.redact(event, locked.reference, reason=new_reason, data=new_data))
            CaseEvent.objects.filter(pk=event.pk).update(reason=new_reason, data=new_data)
        what = {"removed_sha256": removed.digests, "events_redacted": len(redacted)}
        chain.append(locked, [_purged_event(locked, now, rule, {"scope": "case", "redacted": redacted} | what)])
        purge = Purge.objects.create(scope=PurgeScope.CASE, case=locked, rule=rule, what=what, at=now)
        _pseudonymise_if_last(locked.reporter_id, rule, now)
    return purge


def pseudonymise_consumer(consumer: Consumer, rule: str, now: datetime) -> Purge:
    """Replace the consumer's name, e-mail and phone with a pseudonym; record it."""
    pseudonym = f"已清除/purged-{consumer.pk}"
    Consumer.objects.filter(pk=consumer.pk).update(
        name=pseudonym, email="", phone="", email_verified=False, updated_at=now
    )
    return Purge.objects.create(
        scope=PurgeScope.CONSUMER,
        rule=rule,
        at=now,
        what={"consumer": consumer.pk, "fields": ["name", "email", "phone"]},
    )


def _pseudonymise_if_last(consumer_id: int, rule: str, now: datetime) -> None:
    unpurged = Case.objects.filter(reporter_id=consumer_id).exclude(_purged(PurgeScope.CASE))
    if not unpurged.exists():
        pseudonymise_consumer(Consumer.objects.get(pk=consumer_id), rule, now)


@dataclass
class RetentionReport:
    evidence: int = 0
    cases: int = 0
    notifications: int = 0
    outbox: int = 0


def purge_expired(now: datetime | None = None, *, batch: int = BATCH) -> RetentionReport:
    """Purge what the rulebook in force lets go by `now`; return what was purged. Nothing without [retention]."""
    now = now or timezone.now()
    report = RetentionReport()
    rulebook = loader.in_force(now)
    retention = rulebook.retention
    if retention is None:
        return report
    for scope, years, key, purge in (
        (PurgeScope.EVIDENCE, retention.evidence_years_after_closing, "evidence_years_after_closing", purge_evidence),
        (PurgeScope.CASE, retention.case_years_after_closing, "case_years_after_closing", purge_case),
    ):
        rule = f"{rulebook.version}:retention.{key}"
        for case in due_cases(scope, years_before(now, years))[:batch]:
            if purge(case, rule, now) is not None:
                if scope == PurgeScope.EVIDENCE:
                    report.evidence += 1
                else:
                    report.cases += 1
    with transaction.atomic():
        old = Notification.objects.filter(created_at__lt=now - timedelta(days=retention.notification_days))
        report.notifications = old.delete()[0]
        if report.notifications:
            Purge.objects.create(
                scope=PurgeScope.NOTIFICATIONS,
                rule=f"{rulebook.version}:retention.notification_days",
                at=now,
                what={"deleted": report.notifications},
            )
        sent = OutboxMessage.objects.filter(
            status__in=[MessageStatus.DELIVERED, MessageStatus.DEAD],
            created_at__lt=now - timedelta(days=retention.outbox_days),
        )
        report.outbox = sent.delete()[0]
        if report.outbox:
            Purge.objects.create(
                scope=PurgeScope.OUTBOX,
                rule=f"{rulebook.version}:retention.outbox_days",
                at=now,
                what={"deleted": report.outbox},
            )
    if report.evidence or report.cases or report.notifications or report.outbox:
        log.info("retention purge: %s", report)
    return report


_last_run: dict[str, datetime] = {}


def run_if_due(now: datetime | None = None) -> RetentionReport | None:
    """Run the purge at most once an hour per worker process (for the worker's periodic pass); None when not due.

    The purge is idempotent (each case locked and checked again), so two workers running it at once
    purge each case once.
    """
    now = now or timezone.now()
    last = _last_run.get("at")
    if last is not None and timedelta(0) <= now - last < timedelta(hours=1):
        return None
    _last_run["at"] = now
    return purge_expired(now)
