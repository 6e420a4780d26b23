"""Legal holds: staff keep a case from being purged, with a reason, and lift the hold with one. Both are logged."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.cases import chain
from plaint.cases.models import Case, CaseEvent, Visibility
from plaint.errors import Forbidden, InvalidInput, Refused

from .models import LegalHold

# Who may hold a case: the platform's supervisors and policy admins (not reviewers deciding it).
HOLDING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


def _check(actor: User, reason: str) -> str:
    if actor.role not in HOLDING_ROLES:
        raise Forbidden("supervisors_only", "Only a supervisor or a policy admin can set or lift a legal hold.")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput(
            "hold_reason_required",
            "Say why (at least 5 characters): the proceeding, the authority or the request it is for.",
            field="reason",
        )
    return reason


def _log(case: Case, kind: str, actor: User, now: datetime, reason: str, hold: LegalHold) -> None:
    event = CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        actor_role=actor.role,
        at=now,
        from_state=case.state,
        to_state=case.state,
        reason=reason,
        rulebook_version=case.rulebook_version,
        data={"hold_id": hold.pk},
        visibility=Visibility.STAFF,
    )
    chain.append(case, [event])


def active_hold(case: Case) -> LegalHold | None:
    return LegalHold.objects.filter(case=case, lifted_at__isnull=True).first()


def set_hold(actor: User, case: Case, reason: str, now: datetime | None = None) -> LegalHold:
    """Put the case under a legal hold; Refused (409) if it already is one."""
    reason = _check(actor, reason)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if active_hold(locked):
                raise Refused("already_held", f"Case {case.reference} is already under a legal hold.")
            hold = LegalHold.objects.create(case=locked, reason=reason, set_by=actor, set_at=now)
            _log(locked, "legal_hold_set", actor, now, reason, hold)
    except IntegrityError:
        raise Refused("already_held", f"Case {case.reference} is already under a legal hold.") from None
    return hold


def lift_hold(actor: User, case: Case, reason: str, now: datetime | None = None) -> LegalHold:
    """Lift the case's legal hold; Refused (409) if it has none."""
    reason = _check(actor, reason)
    now = now or timezone.now()
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        hold = active_hold(locked)
        if hold is None:
            raise Refused("not_held", f"Case {case.reference} is not under a legal hold.")
        hold.lifted_by, hold.lifted_at, hold.lift_reason = actor, now, reason
        hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
        _log(locked, "legal_hold_lifted", actor, now, reason, hold)
    return hold
