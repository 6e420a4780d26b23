"""Appeals (cases.models.Appeal): either party contests a closed outcome; the rulebook routes it.

What each party may appeal (`appealable`): the reporter side (the consumer, or an agent or the
marketplace for them) a decision not upheld or partly upheld, an automated close (missing evidence,
merchant silence) or an inadmissibility; the merchant a decision upheld or partly upheld, its
remedy, its points or its measures (`penalty`: points and measures together). One appeal per party
per decision. A version of the rulebook without [appeals] keeps the first rule: only the merchant's
penalty appeal, within [points] appeal_days.

The other party is told at once and may answer once, with evidence, within [appeals] answer_days,
when the appeal is about the outcome, the remedy or an inadmissibility; an appeal of points and
measures alone is the merchant's and the platform's matter, so it goes straight to its decision.
The answer, or the end of its window (a deadline the clocks fire), moves the appeal to
`awaiting_decision`, when the `appeal` service-level clock starts.

An overturned penalty loses its points, and every measure those points alone held up is lifted
(enforcement.actions.revoke_decision_points).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.db import insert_many
from plaint.enforcement.actions import revoke_decision_points
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.evidence.actions import Upload, check_uploads
from plaint.rulebook import loader

from .. import clocks
from ..models import Appeal, Appealed, AppealParty, AppealResult, AppealRoute, Case, Decision, Outcome
from ..notices import tell
from ..transitions import AppealState, State, appeal_transition
from .common import _actor_role, _attach, _locked, _notify, _record, _reporter_side

# Appeals the other party answers; the rest (points and measures) go straight to their decision.
ANSWERED = frozenset({Appealed.OUTCOME, Appealed.REMEDY, Appealed.INADMISSIBILITY})
# Appeals counted in the outcome window; the others in the penalty window.
OUTCOME_KINDS = frozenset({Appealed.OUTCOME, Appealed.REMEDY, Appealed.INADMISSIBILITY})
GROUNDS_MAX_CHARS = 8000


@dataclass
class FiledAppeal:
    appeal: Appeal
    rejected_files: list[dict[str, str]] = field(default_factory=list)


def party_of(actor: User, case: Case) -> str | None:
    """Return the side of the case `actor` appeals or answers for (reporter or merchant), or None."""
    if actor.role == Role.MERCHANT:
        return AppealParty.MERCHANT if actor.merchant_id == case.merchant_id else None
    return AppealParty.REPORTER if _reporter_side(actor, case) else None


def appealed_decision(case: Case) -> Decision | None:
    """Return the decision an appeal of the case is against: its latest first decision (None if inadmissible)."""
    return case.decisions.filter(appeal__isnull=True).order_by("-decided_at", "-id").first()


def appealable(case: Case, party: str, decision: Decision | None = None) -> list[str]:
    """Return what `party` may appeal of the case under its rulebook (ignoring windows and earlier appeals).

    Empty when the case is neither decided nor inadmissible, or the decision leaves the party nothing
    to contest.
    """
    rulebook = loader.get(case.rulebook_version)
    if case.state == State.INADMISSIBLE:
        allowed = [Appealed.INADMISSIBILITY] if party == AppealParty.REPORTER else []
        return allowed if rulebook.appeals else []
    if case.state != State.DECIDED:
        return []
    decision = decision or appealed_decision(case)
    if decision is None:
        return []
    penalised = decision.point_entries.filter(revoked_at__isnull=True).exists()
    if rulebook.appeals is None:
        # The first rule: only the merchant's penalty appeal.
        return [Appealed.PENALTY] if party == AppealParty.MERCHANT and penalised else []
    kinds: list[str] = []
    if party == AppealParty.REPORTER:
        if decision.outcome in (Outcome.NOT_UPHELD, Outcome.PARTLY_UPHELD):
            kinds.append(Appealed.OUTCOME)
        if decision.outcome == Outcome.PARTLY_UPHELD or (decision.outcome == Outcome.UPHELD and decision.automated):
            kinds.append(Appealed.REMEDY)
    elif decision.outcome in (Outcome.UPHELD, Outcome.PARTLY_UPHELD):
        kinds.append(Appealed.OUTCOME)
        if decision.remedy != "none":
            kinds.append(Appealed.REMEDY)
        if penalised:
            kinds += [Appealed.POINTS, Appealed.MEASURES, Appealed.PENALTY]
    return kinds


def window(case: Case, appealed: str, decision: Decision | None = None) -> tuple[datetime, datetime]:
    """Return (opens, closes) of the window to appeal `appealed`: from the decision, or the inadmissibility."""
    decision = decision if decision is not None else appealed_decision(case)
    rulebook = loader.get(case.rulebook_version)
    opens = decision.decided_at if decision is not None else (case.closed_at or case.opened_at)
    stage = "decision_appeal" if appealed in OUTCOME_KINDS else "penalty_appeal"
    return opens, clocks.due_at(stage, opens, rulebook, case)


def open_appeals(case: Case, party: str, now: datetime) -> list[dict[str, Any]]:
    """Return the appeals open to `party` now, each {"appealed", "opens", "closes"}; empty once it appealed."""
    decision = appealed_decision(case)
    kinds = appealable(case, party, decision)
    if not kinds or _first(case, decision, party) is not None:
        return []
    result = []
    for kind in kinds:
        opens, closes = window(case, kind, decision)
        if now <= closes:
            result.append({"appealed": kind, "opens": opens, "closes": closes})
    return result


def penalty_appeal_closes(decision: Decision) -> datetime:
    """Return when the merchant's window to appeal the decision's penalty closes."""
    rulebook = loader.get(decision.rulebook_version)
    return clocks.due_at("penalty_appeal", decision.decided_at, rulebook, decision.case)


def file_appeal(
    actor: User,
    case: Case,
    appealed: str,
    grounds: str,
    uploads: list[Upload] = (),
    *,
    now: datetime | None = None,
) -> FiledAppeal:
    """File a party's appeal of the case's decision (or inadmissibility), with grounds and new evidence.

    Refused: a stranger (Forbidden), nothing to appeal or not this (409 not_appealable), after the
    window (409 appeal_window_closed with its dates), a second appeal of the party (409
    appeal_exists naming the first). Empty grounds are 422. Files that fail the evidence checks are
    returned as rejected and the appeal is kept.
    """
    now = now or timezone.now()
    party = party_of(actor, case)
    if party is None:
        raise Forbidden("not_a_party", "Only the parties to a case can appeal its decision.")
    grounds = grounds.strip()
    if not grounds:
        raise InvalidInput("grounds", "Say why the decision is wrong: the grounds of the appeal.", field="grounds")
    if len(grounds) > GROUNDS_MAX_CHARS:
        raise InvalidInput("grounds", f"The grounds are limited to {GROUNDS_MAX_CHARS} characters.", field="grounds")
    if appealed not in Appealed.values:
        raise InvalidInput(
            "appealed",
            f"{appealed!r} is not something an appeal contests.",
            field="appealed",
            hint="One of: " + ", ".join(Appealed.values),
        )
    rulebook = loader.get(case.rulebook_version)
    decision = appealed_decision(case)
    kinds = appealable(case, party, decision)
    if appealed not in kinds:
        raise Refused(
            "not_appealable",
            f"The {party} cannot appeal the {appealed} of this case"
            + (f"; it may appeal: {', '.join(kinds)}." if kinds else " (the case is " + case.state + ")."),
            details={"appealable": kinds},
        )
    _refuse_second(case, decision, party)
    opens, closes = window(case, appealed, decision)
    if now > closes:
        raise Refused(
            "appeal_window_closed",
            f"This can be appealed from {timezone.localtime(opens):%Y-%m-%d %H:%M} to "
            f"{timezone.localtime(closes):%Y-%m-%d %H:%M}; the window has closed.",
            details={"opens_at": opens.isoformat(), "closes_at": closes.isoformat()},
        )
    checked, rejected = check_uploads(list(uploads), rulebook)
    answered = rulebook.appeals is not None and appealed in ANSWERED
    route = rulebook.appeals.routes.route(case.category, appealed) if rulebook.appeals else AppealRoute.RECONSIDERATION
    try:
        with transaction.atomic():
            case = _locked(case)
            stored, events = _attach(case, checked, rejected, actor, party, now)
            appeal = Appeal.objects.create(
                case=case,
                decision=decision,
                party=party,
                filed_by=actor,
                grounds=grounds,
                appealed=appealed,
                route=route,
                state=AppealState.ANSWER_WINDOW if answered else AppealState.AWAITING_DECISION,
                rulebook_version=case.rulebook_version,
                filed_at=now,
                window_closes_at=closes,
                answer_due_at=clocks.due_at("appeal_answer", now, rulebook, case) if answered else None,
                evidence_ids=[e.pk for e in stored],
            )
            insert_many(events)
            _filed(case, appeal, actor, now)
    except IntegrityError:
        # Two filings at the same moment: the database kept the first.
        _refuse_second(case, decision, party)
        raise
    return FiledAppeal(appeal, [r.as_dict() for r in rejected])


def appeal_penalty(actor: User, decision: Decision, grounds: str, *, now: datetime | None = None) -> Appeal:
    """File the merchant's appeal against a decision's points and measures (the penalty endpoint)."""
    case = decision.case
    if actor.role != Role.MERCHANT or actor.merchant_id != case.merchant_id:
        raise Forbidden("not_the_merchant", "Only staff of the merchant penalised can appeal the penalty.")
    if not grounds.strip():
        raise InvalidInput("grounds", "Say why the penalty is wrong.", field="grounds")
    if not decision.point_entries.filter(revoked_at__isnull=True).exists():
        raise Refused("no_penalty", "This decision put no points on your record; there is no penalty to appeal.")
    return file_appeal(actor, case, Appealed.PENALTY, grounds, now=now).appeal


def _filed(case: Case, appeal: Appeal, actor: User, now: datetime) -> None:
    """Log, tell and announce a filed appeal (inside the filing's transaction)."""
    # The penalty appeal keeps its own event and tells the supervisors, as it always did: the
    # merchant's points are not the reporter's to answer.
    legacy = appeal.appealed == Appealed.PENALTY
    _record(
        case,
        "penalty_appeal_filed" if legacy else "appeal_filed",
        actor,
        now,
        reason=appeal.grounds,
        data=_appeal_data(appeal),
    )
    if appeal.state == AppealState.AWAITING_DECISION:
        clocks.start(case, "appeal", now, subject_id=appeal.pk)
    key = f"appeal-{appeal.pk}-filed"
    if legacy:
        tell(case, "appeal_filed", now, key, reporter=False, merchant=False, supervisors=True, grounds=appeal.grounds)
    else:
        tell(
            case,
            "appeal_received",
            now,
            key,
            reporter=appeal.party == AppealParty.MERCHANT,
            merchant=appeal.party == AppealParty.REPORTER,
            supervisors=appeal.state == AppealState.AWAITING_DECISION,
            party=PARTY_TITLES[appeal.party],
            appealed=APPEALED_TITLES[appeal.appealed],
            grounds=appeal.grounds,
            due=_due_text(appeal.answer_due_at),
        )
    _notify(case, "appeal.filed", now, key, appeal=appeal_payload(appeal))


def answer_appeal(
    actor: User, appeal: Appeal, answer: str, uploads: list[Upload] = (), *, now: datetime | None = None
) -> FiledAppeal:
    """The other party answers an appeal once, with evidence, within its window; the appeal then awaits its decision."""
    now = now or timezone.now()
    case = appeal.case
    party = party_of(actor, case)
    if party is None:
        raise NotFound("appeal_not_found", f"No appeal {appeal.pk}.")
    if party == appeal.party:
        raise Forbidden("own_appeal", "The other party answers an appeal; the appellant cannot answer its own.")
    answer = answer.strip()
    if not answer:
        raise InvalidInput("answer", "Write the answer to the appeal.", field="answer")
    if len(answer) > GROUNDS_MAX_CHARS:
        raise InvalidInput("answer", f"The answer is limited to {GROUNDS_MAX_CHARS} characters.", field="answer")
    appeal_transition("answer", appeal.state, _actor_role(actor))
    if appeal.answer_due_at and now > appeal.answer_due_at:
        raise Refused(
            "answer_window_closed",
            f"The answer was due by {timezone.localtime(appeal.answer_due_at):%Y-%m-%d %H:%M}.",
            details={"answer_due_at": appeal.answer_due_at.isoformat()},
        )
    rulebook = loader.get(case.rulebook_version)
    checked, rejected = check_uploads(list(uploads), rulebook)
    with transaction.atomic():
        case = _locked(case)
        stored, events = _attach(case, checked, rejected, actor, party, now)
        if not Appeal.objects.filter(pk=appeal.pk, state=AppealState.ANSWER_WINDOW).update(
            state=AppealState.AWAITING_DECISION,
            answer=answer,
            answered_by=actor,
            answered_at=now,
            answer_evidence_ids=[e.pk for e in stored],
        ):
            raise Refused("appeal_answered", "This appeal was already answered, or its answer window closed.")
        appeal.refresh_from_db()
        insert_many(events)
        _record(case, "appeal_answered", actor, now, reason=answer, data=_appeal_data(appeal))
        _awaiting_decision(case, appeal, now)
    return FiledAppeal(appeal, [r.as_dict() for r in rejected])


def _answer_window_closed(case: Case, now: datetime) -> bool:
    """Move the case's appeals whose answer window closed unanswered on to their decision; return whether any."""
    moved = False
    for appeal in case.appeals.filter(state=AppealState.ANSWER_WINDOW, answer_due_at__lte=now):
        with transaction.atomic():
            appeal_transition("close_answer_window", appeal.state, "system")
            if not Appeal.objects.filter(pk=appeal.pk, state=AppealState.ANSWER_WINDOW).update(
                state=AppealState.AWAITING_DECISION
            ):
                continue  # answered at the same moment, or another worker closed it
            appeal.refresh_from_db()
            _record(case, "appeal_answer_window_closed", None, now, data=_appeal_data(appeal))
            _awaiting_decision(case, appeal, now)
            moved = True
    return moved


def _awaiting_decision(case: Case, appeal: Appeal, now: datetime) -> None:
    clocks.start(case, "appeal", now, subject_id=appeal.pk)
    tell(
        case,
        "appeal_awaiting_decision",
        now,
        f"appeal-{appeal.pk}-awaiting",
        reporter=False,
        merchant=False,
        supervisors=True,
        party=PARTY_TITLES[appeal.party],
        appealed=APPEALED_TITLES[appeal.appealed],
        grounds=appeal.grounds,
    )


clocks.on_deadline("appeal_answer", _answer_window_closed)


def _first(case: Case, decision: Decision | None, party: str) -> Appeal | None:
    if decision is not None:
        return Appeal.objects.filter(decision=decision, party=party).first()
    return Appeal.objects.filter(case=case, decision__isnull=True, party=party).first()


def _refuse_second(case: Case, decision: Decision | None, party: str) -> None:
    """Raise Refused naming the party's appeal of this decision (or inadmissibility), if there is one."""
    first = _first(case, decision, party)
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
        tell(
            decision.case,
            "appeal_decided",
            now,
            f"appeal-{appeal.pk}-decided",
            reporter=False,
            merchant=True,
            verdict=verdict,
            reasons=reasons.strip(),
        )
    return appeal


# --- what appeals say ---------------------------------------------------------------------------

PARTY_TITLES = {
    AppealParty.REPORTER: {"zh": "举报人", "en": "the reporter"},
    AppealParty.MERCHANT: {"zh": "商家", "en": "the merchant"},
}
APPEALED_TITLES = {
    Appealed.OUTCOME: {"zh": "处理结果", "en": "the outcome"},
    Appealed.INADMISSIBILITY: {"zh": "不予受理决定", "en": "the inadmissibility"},
    Appealed.REMEDY: {"zh": "补救措施", "en": "the remedy"},
    Appealed.POINTS: {"zh": "扣分", "en": "the points"},
    Appealed.MEASURES: {"zh": "处罚措施", "en": "the measures"},
    Appealed.PENALTY: {"zh": "扣分及处罚措施", "en": "the points and measures"},
}


def _due_text(value: datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "-"


def _appeal_data(appeal: Appeal) -> dict[str, Any]:
    return {
        "appeal_id": appeal.pk,
        "party": appeal.party,
        "appealed": appeal.appealed,
        "route": appeal.route,
        "state": appeal.state,
        "answer_due_at": appeal.answer_due_at.isoformat() if appeal.answer_due_at else None,
        "evidence_ids": appeal.evidence_ids,
    }


def appeal_payload(appeal: Appeal) -> dict[str, Any]:
    """Return the appeal as webhooks carry it (no personal data: the parties by side only)."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": appeal.pk,
        "decision_id": appeal.decision_id,
        "party": appeal.party,
        "appealed": appeal.appealed,
        "route": appeal.route,
        "state": appeal.state,
        "filed_at": iso(appeal.filed_at),
        "window_closes_at": iso(appeal.window_closes_at),
        "answer_due_at": iso(appeal.answer_due_at),
        "answered_at": iso(appeal.answered_at),
        "result": appeal.result or None,
        "decided_at": iso(appeal.decided_at),
        "rulebook_version": appeal.rulebook_version,
    }
