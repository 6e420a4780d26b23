"""Appeals (cases.models.Appeal): the merchant's penalty appeal, filed within a window, decided by a supervisor.

An overturned penalty loses its points, and every measure those points alone held up is lifted
(enforcement.actions.revoke_decision_points). The penalty appeal is one kind of Appeal: party
merchant, appealed `penalty`, route reconsideration.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.enforcement.actions import revoke_decision_points
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.rulebook import loader

from .. import clocks
from ..models import Appeal, Appealed, AppealParty, AppealResult, AppealRoute, Case, Decision
from ..notices import tell
from ..transitions import AppealState
from .common import _record


def penalty_appeal_closes(decision: Decision) -> datetime:
    """Return when the merchant's window to appeal the decision's penalty closes."""
    rulebook = loader.get(decision.rulebook_version)
    return clocks.due_at("penalty_appeal", decision.decided_at, rulebook, decision.case)


def appeal_penalty(actor: User, decision: Decision, grounds: str, *, now: datetime | None = None) -> Appeal:
    """File the merchant's appeal against a decision's points and measures."""
    now = now or timezone.now()
    case = decision.case
    if actor.role != Role.MERCHANT or actor.merchant_id != case.merchant_id:
        raise Forbidden("not_the_merchant", "Only staff of the merchant penalised can appeal the penalty.")
    if not grounds.strip():
        raise InvalidInput("grounds", "Say why the penalty is wrong.", field="grounds")
    if not decision.point_entries.filter(revoked_at__isnull=True).exists():
        raise Refused("no_penalty", "This decision put no points on your record; there is no penalty to appeal.")
    window = loader.get(decision.rulebook_version).penalty_appeal_days()
    closes = penalty_appeal_closes(decision)
    if now > closes:
        raise Refused(
            "appeal_window_closed",
            f"Penalties can be appealed within {window} days; this one's window closed "
            f"{timezone.localtime(closes):%Y-%m-%d %H:%M}.",
        )
    _refuse_second(decision, AppealParty.MERCHANT)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                case=case,
                decision=decision,
                party=AppealParty.MERCHANT,
                filed_by=actor,
                grounds=grounds.strip(),
                appealed=Appealed.PENALTY,
                route=AppealRoute.RECONSIDERATION,
                state=AppealState.AWAITING_DECISION,
                rulebook_version=decision.rulebook_version,
                filed_at=now,
                window_closes_at=closes,
            )
            _record(case, "penalty_appeal_filed", actor, now, reason=grounds.strip(), data={"appeal_id": appeal.pk})
            clocks.start(case, "appeal", now, subject_id=appeal.pk)
            _tell(case, "appeal_filed", now, f"appeal-{appeal.pk}-filed", supervisors=True, grounds=grounds.strip())
    except IntegrityError:
        # Two filings at the same moment: the database kept the first.
        _refuse_second(decision, AppealParty.MERCHANT)
        raise
    return appeal


def _refuse_second(decision: Decision, party: str) -> None:
    """Raise Refused naming the party's appeal of this decision, if there is one."""
    first = Appeal.objects.filter(decision=decision, party=party).first()
    if first is not None:
        raise Refused(
            "appeal_exists",
            f"This decision was already appealed by the {party} (appeal {first.pk}, filed "
            f"{timezone.localtime(first.filed_at):%Y-%m-%d %H:%M}); each party appeals a decision once.",
            details={"appeal_id": first.pk},
        )


def decide_penalty_appeal(
    actor: User, appeal: Appeal, *, overturn: bool, reasons: str, now: datetime | None = None
) -> Appeal:
    """Decide an appeal with written reasons; an overturn revokes the points and lifts what they held up."""
    now = now or timezone.now()
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "Penalty appeals are decided by a supervisor.")
    if len(reasons.strip()) < 10:
        raise InvalidInput("reasons", "Write the reasons for the decision (10 characters at least).", field="reasons")
    with transaction.atomic():
        result = AppealResult.OVERTURNED if overturn else AppealResult.CONFIRMED
        if not Appeal.objects.filter(pk=appeal.pk, state=AppealState.AWAITING_DECISION).update(
            state=AppealState.DECIDED, result=result, decided_by=actor, decided_at=now, reasons=reasons.strip()
        ):
            raise Refused("appeal_decided", "This appeal has already been decided.")
        appeal.refresh_from_db()
        decision = appeal.decision
        lifted: list[int] = []
        if overturn:
            lifted = revoke_decision_points(decision, now)
        state = appeal.legacy_state
        clocks.stop(decision.case, ("appeal",), now, f"appeal_{state}", subject_id=appeal.pk)
        _record(
            decision.case,
            "penalty_appeal_decided",
            actor,
            now,
            reason=reasons.strip(),
            data={"appeal_id": appeal.pk, "outcome": state, "measures_lifted": lifted},
        )
        verdict = (
            {"zh": "已获支持，扣分已撤销", "en": "upheld: the points are revoked"}
            if overturn
            else {
                "zh": "未获支持",
                "en": "rejected",
            }
        )
        _tell(
            decision.case,
            "appeal_decided",
            now,
            f"appeal-{appeal.pk}-decided",
            merchant=True,
            verdict=verdict,
            reasons=reasons.strip(),
        )
    return appeal


def _tell(
    case: Case,
    event: str,
    now: datetime,
    key: str,
    *,
    merchant: bool = False,
    supervisors: bool = False,
    **fields: str | dict[str, str],
) -> None:
    tell(case, event, now, key, reporter=False, merchant=merchant, supervisors=supervisors, **fields)
