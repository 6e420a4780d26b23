"""Rectification orders (整改): ordered with a decision, proven by the merchant, checked by a reviewer.

A missed or rejected rectification has the rulebook's consequence: points on a track, which may
climb the penalty ladder like any others.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import DECIDING_ROLES, Role, User
from plaint.enforcement.actions import add_points
from plaint.enforcement.models import Rectification, RectificationState
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence.actions import Upload, check_uploads
from plaint.evidence.models import Party
from plaint.notifications.emails import at
from plaint.notifications.outbox import enqueue_webhook
from plaint.rulebook import loader
from plaint.rulebook.schema import Stage

from .. import chain, clocks
from ..models import Case, CaseClock, Decision
from ..notices import tell
from .common import _attach, _record

KINDS = ("fix_listing", "withdraw_batch", "supply_customs_document", "other")


def _log(rect: Rectification, kind: str, actor: User | None, now: datetime, reason: str = "") -> None:
    data = {"rectification_id": rect.pk, "kind": rect.kind, "due_at": rect.due_at.isoformat(), "state": rect.state}
    _record(rect.case, kind, actor, now, reason=reason, data=data)


def _notify(rect: Rectification, topic: str, now: datetime) -> None:
    enqueue_webhook(
        topic,
        {
            "rectification_id": rect.pk,
            "case": rect.case.reference,
            "merchant_id": rect.case.merchant.external_id,
            "kind": rect.kind,
            "instructions": rect.instructions,
            "due_at": rect.due_at.isoformat(),
            "state": rect.state,
        },
        key=f"rectification-{rect.pk}-{rect.state}",
        now=now,
    )


def order(case: Case, decision: Decision, kind: str, instructions: str, now: datetime) -> Rectification:
    """Order a rectification with a decision (inside the decision's transaction)."""
    if kind not in KINDS:
        raise InvalidInput(
            "rectification_kind",
            f"{kind!r} is not a kind of rectification.",
            field="rectification.kind",
            hint="Use one of: " + ", ".join(KINDS),
        )
    if not instructions.strip():
        raise InvalidInput(
            "rectification_instructions", "Say what the merchant must change.", field="rectification.instructions"
        )
    rulebook = loader.get(decision.rulebook_version)
    if rulebook.rectification is None:
        raise Refused("no_rectification_rules", "This rulebook version has no rectification rules.")
    rect = Rectification.objects.create(
        case=case,
        decision=decision,
        kind=kind,
        instructions=instructions.strip(),
        due_at=clocks.due_at("rectification", now, rulebook, case),
    )
    _log(rect, "rectification_ordered", decision.decided_by, now, instructions.strip())
    clocks.start(case, "rectification", now, subject_id=rect.pk)
    _notify(rect, "rectification.ordered", now)
    _tell_merchant(
        rect,
        "rectification_ordered",
        now,
        "ordered",
        due=at(rect.due_at),
        instructions=rect.instructions,
    )
    return rect


def _tell_merchant(rect: Rectification, event: str, now: datetime, step: str, **fields: str | dict[str, str]) -> None:
    tell(rect.case, event, now, f"rectification-{rect.pk}-{step}", reporter=False, merchant=True, **fields)


def submit_proof(
    actor: User, rect: Rectification, proof: str, uploads: list[Upload] = (), *, now: datetime | None = None
) -> Rectification:
    """The merchant submits proof of the rectification before its deadline."""
    now = now or timezone.now()
    if actor.role != Role.MERCHANT or actor.merchant_id != rect.case.merchant_id:
        raise Forbidden("not_the_merchant", "Only staff of the merchant ordered can submit the proof.")
    if not proof.strip():
        raise InvalidInput("proof", "Describe what was changed.", field="proof")
    checked, rejected = check_uploads(list(uploads), loader.get(rect.decision.rulebook_version))
    with transaction.atomic():
        if rect.state != RectificationState.ORDERED:
            raise Refused("rectification_not_open", f"The rectification is {rect.state}; proof can no longer be sent.")
        if now > rect.due_at:
            raise Refused(
                "rectification_overdue", f"The deadline passed at {timezone.localtime(rect.due_at):%Y-%m-%d %H:%M}."
            )
        if not Rectification.objects.filter(pk=rect.pk, state=RectificationState.ORDERED).update(
            state=RectificationState.SUBMITTED, proof=proof.strip(), submitted_at=now
        ):
            raise Refused("concurrent_change", "Someone changed this rectification at the same moment; reload it.")
        rect.refresh_from_db()
        # The same storing and logging of files as every other upload.
        chain.append(rect.case, _attach(rect.case, checked, rejected, actor, Party.MERCHANT, now)[1])
        clocks.stop(rect.case, ("rectification",), now, "proof_submitted", subject_id=rect.pk)
        _log(rect, "rectification_submitted", actor, now, proof.strip())
        _notify(rect, "rectification.submitted", now)
    return rect


def review(
    actor: User, rect: Rectification, *, accept: bool, reasons: str, now: datetime | None = None
) -> Rectification:
    """A reviewer accepts or rejects the proof; a rejection has the rulebook's consequence."""
    now = now or timezone.now()
    if actor.role not in DECIDING_ROLES:
        raise Forbidden("not_a_reviewer", "Rectifications are checked by reviewers and supervisors.")
    if len(reasons.strip()) < 4:
        raise InvalidInput("reasons", "Say why the proof is accepted or rejected.", field="reasons")
    state = RectificationState.ACCEPTED if accept else RectificationState.REJECTED
    with transaction.atomic():
        if not Rectification.objects.filter(pk=rect.pk, state=RectificationState.SUBMITTED).update(
            state=state, reviewed_by=actor, reviewed_at=now, review_reasons=reasons.strip()
        ):
            raise Refused("rectification_not_submitted", "Only submitted proof can be accepted or rejected.")
        rect.refresh_from_db()
        _log(rect, f"rectification_{state}", actor, now, reasons.strip())
        _notify(rect, f"rectification.{state}", now)
        verdict = {"zh": "已通过", "en": "accepted"} if accept else {"zh": "未通过", "en": "rejected"}
        _tell_merchant(rect, "rectification_reviewed", now, state, verdict=verdict, reasons=reasons.strip())
        if not accept:
            _consequence(rect, now)
    return rect


def _consequence(rect: Rectification, now: datetime) -> None:
    rulebook = loader.get(rect.decision.rulebook_version)
    rules = rulebook.rectification
    add_points(rect.case, rect.decision, rules.missed_track, rules.missed_points, rulebook, now)


def miss(rect_id: int, now: datetime) -> bool:
    """Mark a rectification without proof as missed, with the consequence (the breach of its clock).

    Return False if it is no longer waiting for proof.
    """
    with transaction.atomic():
        if not Rectification.objects.filter(pk=rect_id, state=RectificationState.ORDERED).update(
            state=RectificationState.MISSED
        ):
            return False
        rect = Rectification.objects.select_related("case__merchant", "decision").get(pk=rect_id)
        _log(rect, "rectification_missed", None, now, "No proof was submitted by the deadline.")
        _notify(rect, "rectification.missed", now)
        _tell_merchant(rect, "rectification_missed", now, "missed")
        _consequence(rect, now)
    return True


def _clock_breached(case: Case, row: CaseClock, spec: Stage, now: datetime) -> bool:
    return miss(row.subject_id, now)


clocks.on_breach("rectification_missed", _clock_breached)
