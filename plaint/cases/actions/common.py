"""What every case action shares: the one place a case changes, its log, its webhook, the checks of who acts.

An action reads the case again locked (`_locked`), takes a transition (`_apply`: asks `transitions`,
stops the case's clocks when it closes, writes the change guarded by the case's version, appends the
event), or changes fields without one (`_change`, `_record`), and writes outbox rows (`_notify` for the
marketplace's webhook; `notices.tell` for the parties), all inside the caller's transaction.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import F

from plaint.accounts.models import DECIDING_ROLES, Role, User
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence import forensics
from plaint.evidence.actions import CheckedUpload, store
from plaint.evidence.models import Evidence, Party
from plaint.notifications.outbox import enqueue_webhook
from plaint.rulebook.schema import Category, Rulebook

from .. import chain, clocks
from ..masking import mask_text
from ..models import Case, CaseEvent, Visibility
from ..transitions import OPEN_STATES, SYSTEM, transition


@dataclass
class Filed:
    case: Case
    created: bool
    rejected_files: list[dict[str, str]] = field(default_factory=list)
    # The evidence this call stored (not all the case's evidence).
    stored: list[Evidence] = field(default_factory=list)


def _actor_role(user: User | None) -> str:
    return user.role if user is not None else SYSTEM


def _event(
    case: Case,
    kind: str,
    actor: User | None,
    now: datetime,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    visibility: str = Visibility.PARTIES,
    from_state: str = "",
    to_state: str = "",
) -> CaseEvent:
    """Return an unsaved event of the case (see `_record`)."""
    return CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        actor_role=_actor_role(actor),
        at=now,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        rulebook_version=case.rulebook_version,
        data=data or {},
        visibility=visibility,
    )


def _record(case: Case, kind: str, actor: User | None, now: datetime, **fields: Any) -> CaseEvent:
    """Append an event to the case's log (chained to its head: `chain.append`)."""
    event = _event(case, kind, actor, now, **fields)
    chain.append(case, [event])
    return event


def _change(case: Case, now: datetime, **changes: Any) -> None:
    """Write `changes` to the case if nobody changed it since it was read; raise Refused if someone did."""
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if updated != 1:
        raise Refused(
            "concurrent_change",
            "Someone else changed this case at the same moment. Reload it and try again.",
        )
    for name, value in changes.items():
        setattr(case, name, value)
    case.version += 1
    case.updated_at = now


def _apply(
    case: Case,
    name: str,
    actor: User | None,
    now: datetime,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
    visibility: str = Visibility.PARTIES,
    **changes: Any,
) -> CaseEvent:
    """Take transition `name` on the case as `actor` (None: Plaint itself), with further field changes."""
    t = transition(name, case.state, _actor_role(actor))
    source = case.state
    if t.target not in OPEN_STATES:
        changes.setdefault("closed_at", now)
        changes.setdefault("claimed_by", None)
        changes.setdefault("claim_expires_at", None)
        clocks.stop(case, clocks.CASE_STAGES, now, name)
    _change(case, now, state=t.target.value, **changes)
    return _record(
        case,
        name,
        actor,
        now,
        reason=reason,
        data=data,
        visibility=visibility,
        from_state=source,
        to_state=t.target.value,
    )


def _notify(case: Case, topic: str, now: datetime, key: str, **extra: Any) -> None:
    report = case.report
    enqueue_webhook(
        topic,
        {
            "case": case.reference,
            "state": case.state,
            "category": case.category,
            "merchant_id": case.merchant.external_id,
            "consumer_id": case.reporter.external_id if case.reporter_id else None,
            "target_type": report.target_type,
            "order_id": report.order.external_id if report.order_id else None,
            "listing_id": report.listing.external_id if report.listing_id else None,
            "rulebook_version": case.rulebook_version,
            **extra,
        },
        key=key,
        now=now,
    )


def _locked(case: Case) -> Case:
    """Return the case read again inside the transaction (rows locked on PostgreSQL)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("report", "report__order", "report__listing", "merchant", "reporter")
        .get(pk=case.pk)
    )


def _category(rulebook: Rulebook, code: str) -> Category:
    category = rulebook.category(code)
    if category is None:
        raise InvalidInput(
            "unknown_category",
            f"{code!r} is not a category of rulebook version {rulebook.version}.",
            field="category",
            hint="Use one of: " + ", ".join(c.code for c in rulebook.categories),
        )
    return category


def _attach(
    case: Case,
    checked: list[CheckedUpload],
    rejected: list,
    actor: User,
    party: str,
    now: datetime,
    *,
    with_report: bool = False,
    screen: bool = True,
) -> tuple[list[Evidence], list[CaseEvent]]:
    """Store checked uploads on the case; return them and the (unsaved) events that record them.

    Refused files are recorded too, visible to the side that sent them. Files sent with the report
    itself (`with_report`) are marked so, so the timeline does not read them as added later. Without
    `screen` (PLAINT_INTAKE_SCREENING off at filing) the photos get no forensics flags.
    """
    names = case.reporter_names()
    stored = [store(case, item, actor, party, now, mask=lambda text: mask_text(text, names)) for item in checked]
    photos = [e for e in stored if e.phash is not None]
    if photos and screen:
        # Forensics in the same transaction: a few indexed statements per photo (docs/evidence.md).
        order = case.report.order if case.report.order_id else None
        flags = forensics.screen(photos, delivered_at=order.delivered_at if order else None, now=now)
        # Kept on each photo for the filing's priority (cases/priority.py), which need not read them back.
        for photo in photos:
            photo.flag_codes = [flag.code for flag in flags if flag.evidence is photo]
    mark = {"with_report": True} if with_report else {}
    events = [_event(case, "evidence_added", actor, now, data=_evidence_summary(e) | mark) for e in stored]
    if rejected:
        side = Visibility.REPORTER if party == Party.REPORTER else Visibility.MERCHANT
        events.append(
            _event(
                case, "evidence_rejected", actor, now, data={"files": [r.as_dict() for r in rejected]}, visibility=side
            )
        )
    return stored, events


def _evidence_summary(evidence: Evidence) -> dict[str, Any]:
    return {
        "evidence_id": evidence.pk,
        "kind": evidence.kind,
        "party": evidence.party,
        "file": evidence.original_name,
        "content_type": evidence.content_type,
        "sha256": evidence.sha256,
        "captured_at": evidence.captured_at.isoformat() if evidence.captured_at else None,
    }


def _reporter_side(actor: User, case: Case) -> bool:
    """Return whether `actor` acts for the case's reporter (the consumer, or an agent or the marketplace for them).

    On an own-initiative investigation there is no reporter's side: those who act for one are refused
    (409 no_reporter); the merchant and staff get False.
    """
    if case.reporter_id is None:
        if actor.role in (Role.CONSUMER, Role.AGENT, Role.MARKETPLACE):
            raise no_reporter(case)
        return False
    if actor.role == Role.CONSUMER:
        return actor.consumer_id == case.reporter_id
    if actor.role == Role.TRUSTED_FLAGGER:
        return actor.flagger_id is not None and actor.flagger.consumer_id == case.reporter_id
    return actor.role in (Role.AGENT, Role.MARKETPLACE)


def no_reporter(case: Case) -> Refused:
    """Return the refusal of a reporter's step on an own-initiative investigation, which has no reporter."""
    return Refused(
        "no_reporter",
        f"Case {case.reference} was opened on the platform's own initiative: it has no reporter, so no "
        "reporter's step (evidence, reply, negotiation, withdrawal, nudge, appeal, rating) applies to it.",
        hint="The merchant answers it and a reviewer decides it; the merchant may appeal the decision.",
        details={"case": case.reference, "channel": case.channel},
    )


def _require_decider(actor: User) -> None:
    if actor.role not in DECIDING_ROLES:
        raise Forbidden("not_a_reviewer", "Only reviewers and supervisors work the review queue.")
