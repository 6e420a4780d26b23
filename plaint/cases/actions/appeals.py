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
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.committee import callbacks as committee_callbacks
from plaint.committee.draw import draw_panel
from plaint.committee.events import SEAT_TEXT
from plaint.committee.models import Choice, Panel
from plaint.enforcement.actions import (
    ORDER_REMEDIES,
    add_points,
    instruct_remedy,
    remedy_amounts,
    revoke_decision_points,
)
from plaint.enforcement.models import Measure
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.evidence.actions import Upload, check_uploads
from plaint.notifications.outbox import enqueue_webhook
from plaint.rulebook import evaluation, loader
from plaint.rulebook.schema import Rulebook

from .. import chain, clocks, statements
from ..models import Appeal, Appealed, AppealParty, AppealResult, AppealRoute, Case, Decision, Outcome
from ..notices import tell
from ..transitions import SYSTEM, AppealState, State, appeal_transition
from .common import _actor_role, _apply, _attach, _locked, _notify, _record, _reporter_side
from .decisions import _evidence_considered, inform_past_buyers

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
            chain.append(case, events)
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
    if appeal.state == AppealState.AWAITING_DECISION:
        _start_decision(case, appeal, now)


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
        chain.append(case, events)
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
    _start_decision(case, appeal, now)
    if appeal.route == AppealRoute.COMMITTEE:
        return  # the draw tells the members seated, or the secretaries when it waits for members
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


def _start_decision(case: Case, appeal: Appeal, now: datetime) -> None:
    """Start the appeal's decision: a supervisor's `appeal` clock, or the committee's clock and panel draw."""
    if appeal.route != AppealRoute.COMMITTEE:
        clocks.start(case, "appeal", now, subject_id=appeal.pk)
        return
    rulebook = loader.get(appeal.rulebook_version)
    clock = clocks.start(case, "committee", now, subject_id=appeal.pk)
    draw_panel(
        case,
        panel_seats(case, rulebook),
        subject=f"appeal:{appeal.pk}",
        due_at=clock.due_at,
        now=now,
        member_share=rulebook.appeals.panel.member_vote_share,
    )


# --- the committee's route ------------------------------------------------------------------------

CHOICE_RESULTS = {
    Choice.CONFIRM: AppealResult.CONFIRMED,
    Choice.OVERTURN: AppealResult.OVERTURNED,
    Choice.VARY: AppealResult.VARIED,
}
CHOICE_TITLES = {
    Choice.CONFIRM: {"zh": "维持", "en": "confirm"},
    Choice.OVERTURN: {"zh": "撤销", "en": "overturn"},
    Choice.VARY: {"zh": "变更", "en": "vary"},
}


def panel_seats(case: Case, rulebook: Rulebook) -> tuple[str, ...]:
    """Return the seats of the panel an appeal of `case` gets: the serious panel on a serious track or above
    the rulebook's amount (what the order cost), else the ordinary one."""
    rules = rulebook.appeals.panel
    order = case.report.order
    at_stake = order.amount_paid if order is not None else Decimal("0")
    serious = rulebook.category(case.category).track in rules.serious_tracks or (
        rules.serious_amount is not None and at_stake > rules.serious_amount
    )
    return tuple(rules.serious_seats if serious else rules.seats)


def _appeal_of(panel: Panel) -> Appeal:
    return Appeal.objects.select_related("case", "decision").get(pk=int(panel.subject.split(":", 1)[1]))


def _panel_drawn(panel: Panel) -> None:
    """Tell both parties and the marketplace that a panel was drawn for the appeal (by seat, never by name)."""
    appeal = _appeal_of(panel)
    now = panel.drawn_at or timezone.now()
    seats = " / ".join(SEAT_TEXT[s]["en"] for s in panel.composition)
    seats_zh = "、".join(SEAT_TEXT[s]["zh"] for s in panel.composition)
    _notify(
        appeal.case,
        "appeal.panel_drawn",
        now,
        f"appeal-{appeal.pk}-panel-{panel.pk}-drawn",
        appeal=appeal_payload(appeal),
        panel={"id": panel.pk, "seats": panel.composition, "seed": panel.seed, "due_at": panel.due_at.isoformat()},
    )
    tell(
        appeal.case,
        "appeal_panel_drawn",
        now,
        f"appeal-{appeal.pk}-panel-{panel.pk}-drawn",
        reporter=True,
        merchant=True,
        seats={"zh": seats_zh, "en": seats},
        due=_due_text(panel.due_at),
    )


def _panel_decided(panel: Panel) -> None:
    """Carry out a panel's majority as the appeal's result, through the same path as a reconsideration."""
    appeal = _appeal_of(panel)
    outcome = panel.outcome
    result = CHOICE_RESULTS[outcome["choice"]]
    variation = dict(outcome.get("variation") or {})
    first = appeal.decision
    if (
        result == AppealResult.VARIED
        and appeal.appealed in (Appealed.OUTCOME, Appealed.REMEDY)
        and first is not None
        and first.outcome == Outcome.NOT_UPHELD
    ):
        # A panel that varies a report not upheld grants part of it.
        variation.setdefault("outcome", Outcome.PARTLY_UPHELD)
    variation = _checked_variation(appeal, result, variation)
    majority = [v for v in outcome["votes"] if v["choice"] == outcome["choice"]]
    reasons = "\n".join(
        f"{SEAT_TEXT[v['seat']]['zh']} / {SEAT_TEXT[v['seat']]['en']}: {v['reasons']}" for v in majority
    )
    appeal_transition("decide_appeal", appeal.state, SYSTEM)
    _conclude(appeal, result, reasons, variation, None, panel.decided_at, panel=_panel_part(panel))


def _panel_part(panel: Panel) -> dict[str, Any]:
    """Return what the appeal's statement says of the panel: its seats, the vote count, the dissent."""
    outcome = panel.outcome
    return {
        "panel_id": panel.pk,
        "seats": [{"seat": s, **SEAT_TEXT[s]} for s in panel.composition],
        "counts": outcome["counts"],
        "majority": outcome["majority"],
        "choice": outcome["choice"],
        "dissent": [
            {"seat": v["seat"], "choice": v["choice"], "reasons": v["reasons"], **SEAT_TEXT[v["seat"]]}
            for v in outcome["dissent"]
        ],
        "seed": panel.seed,
    }


def _panel_text(panel: dict[str, Any]) -> tuple[str, str]:
    counts = panel["counts"]
    seats_zh = "、".join(s["zh"] for s in panel["seats"])
    seats_en = ", ".join(s["en"] for s in panel["seats"])
    votes_zh = "，".join(f"{CHOICE_TITLES[c]['zh']} {counts.get(c, 0)} 票" for c in CHOICE_TITLES)
    votes_en = ", ".join(f"{CHOICE_TITLES[c]['en']} {counts.get(c, 0)}" for c in CHOICE_TITLES)
    zh = f"合议庭：{seats_zh}（共 {len(panel['seats'])} 人）。表决：{votes_zh}。\n"
    en = f"Panel: {seats_en} ({len(panel['seats'])} members). Votes: {votes_en}.\n"
    for d in panel["dissent"]:
        zh += f"少数意见（{d['zh']}，{CHOICE_TITLES[d['choice']]['zh']}）：{d['reasons']}\n"
        en += f"Dissent ({d['en']}, {CHOICE_TITLES[d['choice']]['en']}): {d['reasons']}\n"
    return zh, en


committee_callbacks.on_drawn("appeal", _panel_drawn)
committee_callbacks.on_decided("appeal", _panel_decided)


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


def _refuse_first_decider(actor: User, decision: Decision | None) -> None:
    """Raise Forbidden if `actor` took the decision appealed: another supervisor decides its appeal."""
    if decision is not None and decision.decided_by_id == actor.pk:
        raise Forbidden(
            "took_first_decision", "A supervisor who took the first decision cannot reconsider it; another must."
        )


def decide_penalty_appeal(
    actor: User, appeal: Appeal, *, overturn: bool, reasons: str, now: datetime | None = None
) -> Appeal:
    """Decide an appeal with written reasons; an overturn revokes the points and lifts what they held up."""
    now = now or timezone.now()
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "Penalty appeals are decided by a supervisor.")
    _refuse_first_decider(actor, appeal.decision)
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
            data={
                "appeal_id": appeal.pk,
                "outcome": state,
                "measures_lifted": lifted,
                "statement_sha256": chain.appeal_statement_digest(appeal),
            },
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


# --- reconsideration ------------------------------------------------------------------------------

VARIATION_KEYS = frozenset({"outcome", "remedy", "amount", "points", "lift_measures"})


def decide_appeal(
    actor: User,
    appeal: Appeal,
    result: str,
    reasons: str,
    variation: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> Appeal:
    """A supervisor who did not take the first decision reconsiders an appeal, with reasons, and enforces the result.

    confirmed: nothing changes. overturned / varied: the effects go through the same machinery as a
    first decision. An outcome or remedy changed makes a new Decision (its `appeal` set) beside the
    first: a winning reporter gets the remedy instruction (a varied remedy: the difference) and the
    merchant the points; a winning merchant loses the points and every measure they alone held up,
    and a refund already paid follows the rulebook's refund_on_merchant_win (in the webhook). Points
    and measures appealed are revoked (overturned) or reduced and lifted (varied: `points`,
    `lift_measures`). An overturned inadmissibility re-admits the case to the merchant.
    """
    now = now or timezone.now()
    if actor.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "Appeals are reconsidered by a supervisor.")
    _refuse_first_decider(actor, appeal.decision)
    if appeal.route != AppealRoute.RECONSIDERATION:
        raise Refused("appeal_for_committee", "The rulebook sends this appeal to the committee's panel.")
    reasons = reasons.strip()
    if len(reasons) < 10:
        raise InvalidInput("reasons", "Write the reasons for the decision (10 characters at least).", field="reasons")
    if result not in AppealResult.values:
        raise InvalidInput(
            "result", f"{result!r} is not a result.", field="result", hint="confirmed, overturned, varied"
        )
    variation = _checked_variation(appeal, result, variation or {})
    appeal_transition("decide_appeal", appeal.state, _actor_role(actor))
    return _conclude(appeal, result, reasons, variation, actor, now)


def _conclude(
    appeal: Appeal,
    result: str,
    reasons: str,
    variation: dict[str, Any],
    actor: User | None,
    now: datetime,
    panel: dict[str, Any] | None = None,
) -> Appeal:
    """Record an appeal's result and enforce it: the one path of a supervisor's and a panel's decision.

    `actor` is the reconsidering supervisor, or None for the committee's panel (`panel`: its seats,
    votes and dissent, for the statement).
    """
    with transaction.atomic():
        case = _locked(appeal.case)
        if not Appeal.objects.filter(pk=appeal.pk, state=AppealState.AWAITING_DECISION).update(
            state=AppealState.DECIDED, result=result, reasons=reasons, variation=variation, decided_by=actor,
            decided_at=now,
        ):  # fmt: skip
            raise Refused("appeal_decided", "This appeal has already been decided.")
        appeal.refresh_from_db()
        effect = _enforce(case, appeal, actor, now) if result != AppealResult.CONFIRMED else {"kind": "none"}
        statement = _statement(case, appeal, effect, panel)
        Appeal.objects.filter(pk=appeal.pk).update(statement=statement)
        appeal.statement = statement
        clocks.stop(case, ("appeal", "committee"), now, f"appeal_{result}", subject_id=appeal.pk)
        legacy = appeal.appealed == Appealed.PENALTY and appeal.route == AppealRoute.RECONSIDERATION
        _record(
            case,
            "penalty_appeal_decided" if legacy else "appeal_decided",
            actor,
            now,
            reason=reasons,
            data=_appeal_data(appeal)
            | {"result": result, "effect": effect, "statement_sha256": chain.appeal_statement_digest(appeal)},
        )
        policy = loader.get(case.rulebook_version).appeals
        _notify(
            case,
            "appeal.decided",
            now,
            f"appeal-{appeal.pk}-decided",
            appeal=appeal_payload(appeal),
            effect=effect,
            refund_on_merchant_win=policy.refund_on_merchant_win if policy else "keep",
            statement=statement,
        )
        tell(
            case,
            "appeal_result",
            now,
            f"appeal-{appeal.pk}-result",
            reporter=True,
            merchant=True,
            result=RESULT_TITLES[result],
            appealed=APPEALED_TITLES[appeal.appealed],
            statement={"zh": statement["zh"], "en": statement["en"]},
        )
    return appeal


def _checked_variation(appeal: Appeal, result: str, variation: dict[str, Any]) -> dict[str, Any]:
    if result != AppealResult.VARIED:
        return {}
    unknown = set(variation) - VARIATION_KEYS
    if unknown or not variation:
        raise InvalidInput(
            "variation",
            "A varied result says what changes: " + ", ".join(sorted(VARIATION_KEYS)) + ".",
            field="variation",
        )
    if appeal.appealed == Appealed.INADMISSIBILITY:
        raise InvalidInput("result", "An inadmissibility is confirmed or overturned, not varied.", field="result")
    checked: dict[str, Any] = {}
    if "outcome" in variation:
        if variation["outcome"] not in Outcome.values:
            raise InvalidInput(
                "variation", "variation.outcome: upheld, partly_upheld or not_upheld.", field="variation"
            )
        checked["outcome"] = variation["outcome"]
    if "remedy" in variation:
        checked["remedy"] = str(variation["remedy"])
    if variation.get("amount") is not None:
        try:
            amount = Decimal(str(variation["amount"]))
        except InvalidOperation:
            amount = Decimal("-1")
        if amount < 0:
            raise InvalidInput("variation", "variation.amount: a sum of money, 0 or more.", field="variation")
        checked["amount"] = str(amount)
    if "points" in variation:
        points = variation["points"]
        if not isinstance(points, int) or isinstance(points, bool) or points < 0:
            raise InvalidInput("variation", "variation.points: a whole number, 0 or more.", field="variation")
        checked["points"] = points
    if "lift_measures" in variation:
        ids = variation["lift_measures"]
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise InvalidInput("variation", "variation.lift_measures: a list of measure ids.", field="variation")
        checked["lift_measures"] = ids
    return checked


def _enforce(case: Case, appeal: Appeal, actor: User | None, now: datetime) -> dict[str, Any]:
    """Carry out an overturned or varied appeal; return what it did (for the log, webhook and statement)."""
    if appeal.appealed == Appealed.INADMISSIBILITY:
        return _readmit(case, appeal, actor, now)
    first = appeal.decision
    if appeal.appealed in (Appealed.POINTS, Appealed.MEASURES, Appealed.PENALTY):
        return _revise_penalty(case, appeal, first, now)
    return _revise_outcome(case, appeal, first, actor, now)


def _readmit(case: Case, appeal: Appeal, actor: User | None, now: datetime) -> dict[str, Any]:
    from .filing import matter_of, open_case_of
    from .merchant_response import _tell_merchant_to_answer

    report = case.report
    target = {"order": report.order_id, "listing": report.listing_id}.get(report.target_type, report.merchant_id)
    matter = matter_of(case.reporter_id, report.target_type, target, case.category)
    other = open_case_of(matter)
    if other is not None:
        raise Refused(
            "duplicate_report",
            f"Case {other} about the same matter is open; this one cannot be re-admitted beside it.",
            details={"open_case": other},
        )
    admissibility = case.admissibility | {"outcome": "admitted", "readmitted_on_appeal": appeal.pk}
    _apply(
        case,
        "readmit_on_appeal",
        actor,
        now,
        reason=appeal.reasons,
        data={"appeal_id": appeal.pk},
        admissibility=admissibility,
        closed_at=None,
        matter=matter,
        response_due_at=clocks.start(case, "merchant_response", now).due_at,
    )
    _tell_merchant_to_answer(case, now)
    return {"kind": "readmitted", "state": case.state}


def _revise_penalty(case: Case, appeal: Appeal, first: Decision, now: datetime) -> dict[str, Any]:
    """Revoke the decision's points (overturned) or reduce them and lift measures (varied)."""
    before = sum(first.point_entries.filter(revoked_at__isnull=True).values_list("points", flat=True))
    if appeal.result == AppealResult.OVERTURNED:
        lifted = revoke_decision_points(first, now)
        return {"kind": "penalty_revised", "points_before": before, "points_after": 0, "measures_lifted": lifted}
    variation = appeal.variation
    lifted: list[int] = []
    after = before
    if "points" in variation and variation["points"] < before:
        lifted = revoke_decision_points(first, now)
        after = variation["points"]
        rulebook = loader.get(first.rulebook_version)
        add_points(case, first, first.track, after, rulebook, now)
    for measure in Measure.objects.filter(
        pk__in=variation.get("lift_measures", []), merchant_id=case.merchant_id, revoked_at__isnull=True
    ).select_related("merchant", "trigger_case"):
        Measure.objects.filter(pk=measure.pk).update(revoked_at=now)
        enqueue_webhook(
            "measure.lifted",
            measure.as_dict() | {"lifted_at": now.isoformat()},
            key=f"measure-{measure.pk}-lifted",
            now=now,
        )
        lifted.append(measure.pk)
    return {"kind": "penalty_revised", "points_before": before, "points_after": after, "measures_lifted": lifted}


def _revise_outcome(case: Case, appeal: Appeal, first: Decision, actor: User | None, now: datetime) -> dict[str, Any]:
    """Make the new decision an overturned or varied outcome or remedy brings, and enforce the difference."""
    rulebook = loader.get(first.rulebook_version)
    category = rulebook.category(case.category)
    variation = appeal.variation
    reporter_won = appeal.party == AppealParty.REPORTER
    if appeal.result == AppealResult.OVERTURNED:
        outcome = Outcome.UPHELD if reporter_won else Outcome.NOT_UPHELD
    else:
        outcome = variation.get(
            "outcome", Outcome.PARTLY_UPHELD if first.outcome != Outcome.NOT_UPHELD else first.outcome
        )
    granted = outcome != Outcome.NOT_UPHELD
    remedy = variation.get("remedy") or (first.remedy if first.remedy != "none" else case.report.remedy_wanted)
    if not granted:
        remedy = "none"
    elif remedy not in category.remedies:
        raise InvalidInput("variation", f"{remedy!r} is not a remedy for this category.", field="variation")
    amount = Decimal(variation["amount"]) if "amount" in variation else None
    if appeal.result == AppealResult.OVERTURNED and reporter_won:
        amount = None  # the whole order, with its tariff
    order = case.report.order
    if amount is not None and order is not None and amount > order.amount_paid:
        raise InvalidInput("variation", f"The amount is more than the {order.amount_paid} paid.", field="variation")
    multiplier = (first.statement.get("points") or {}).get("repeat_multiplier", 1)
    points = evaluation.decision_points(category, outcome, False) * multiplier
    if "points" in variation and granted:
        points = variation["points"]
    # The money: what the marketplace was told to pay so far, and what the new decision grants.
    paid_before = sum((r.amount + r.tariff_amount for r in case.remedy_instructions.all()), Decimal("0"))
    after_paid, after_tariff = (
        remedy_amounts(order, remedy, amount) if granted and order is not None and remedy in ORDER_REMEDIES
        else (Decimal("0"), Decimal("0"))
    )  # fmt: skip
    total_after = after_paid + after_tariff
    facts = appeal.reasons
    if granted == (first.outcome != Outcome.NOT_UPHELD):
        codes = list(first.reason_codes)
    else:
        codes = ["violation_established"] if granted else ["unfounded"]
    codes = [c for c in codes if c in rulebook.reason_codes] or ["unfounded"]
    statement = statements.compose(
        rulebook=rulebook,
        category=category,
        outcome=outcome,
        reason_codes=codes,
        facts=facts,
        evidence=_evidence_considered(case, rulebook),
        missing_evidence=[],
        automated=False,
        decided_by_role=actor.role if actor is not None else "committee",
        remedy=remedy,
        remedy_amount=after_paid if granted and order is not None else None,
        tariff_amount=after_tariff if granted and order is not None else None,
        currency=order.currency if order else "CNY",
        points=points,
        points_expire_at=evaluation.points_expire_at(rulebook, timezone.localtime(now)) if points else None,
        now=now,
        repeat_multiplier=multiplier,
    )
    statement["on_appeal"] = {"appeal_id": appeal.pk, "first_decision_id": first.pk, "result": appeal.result}
    decision = Decision.objects.create(
        case=case,
        outcome=outcome,
        reason_codes=[c["code"] for c in statement["reason_codes"]],
        remedy=remedy,
        remedy_amount=amount,
        points=points,
        track=category.track,
        automated=False,
        decided_by=actor,
        decided_at=now,
        rulebook_version=rulebook.version,
        statement=statement,
        appeal=appeal,
    )
    # The listing's past buyers: told of a finding the appeal made, or that the finding they were told of fell.
    inform_past_buyers(case, decision, now)
    # Points: the first decision's go; the new decision's come (the ladder moves either way).
    lifted = revoke_decision_points(first, now) if first.point_entries.filter(revoked_at__isnull=True).exists() else []
    if points:
        add_points(case, decision, category.track, points, rulebook, now)
    # The remedy: a consumer who gains gets the difference; a consumer who loses keeps or returns
    # what was paid as the rulebook says.
    difference = total_after - paid_before
    if difference > 0 and order is not None:
        instruct_remedy(case, decision, remedy, difference, now)
    policy = loader.get(case.rulebook_version).appeals
    refund_policy = policy.refund_on_merchant_win if policy else "keep"
    if difference != 0 or remedy != first.remedy:
        enqueue_webhook(
            "remedy.revised",
            {
                "case": case.reference,
                "order_id": order.external_id if order else None,
                "appeal_id": appeal.pk,
                "before": {"remedy": first.remedy, "total": str(paid_before)},
                "after": {"remedy": remedy, "total": str(total_after)},
                "difference": str(difference),
                "currency": order.currency if order else "CNY",
                # When the consumer loses money already paid: keep (the platform bears it) or
                # claw_back (the marketplace takes it back).
                "refund_on_merchant_win": refund_policy if difference < 0 else None,
            },
            key=f"appeal-{appeal.pk}-remedy-revised",
            now=now,
        )
    return {
        "kind": "outcome_revised",
        **chain.decision_data(decision),
        "outcome_before": first.outcome,
        "outcome_after": outcome,
        "remedy_before": {"remedy": first.remedy, "total": str(paid_before)},
        "remedy_after": {"remedy": remedy, "total": str(total_after)},
        "points_before": first.points,
        "points_after": points,
        "measures_lifted": lifted,
        "refund_on_merchant_win": refund_policy if difference < 0 else None,
    }


RESULT_TITLES = {
    AppealResult.CONFIRMED: {"zh": "维持原决定", "en": "the decision is confirmed"},
    AppealResult.OVERTURNED: {"zh": "撤销原决定", "en": "the decision is overturned"},
    AppealResult.VARIED: {"zh": "变更原决定", "en": "the decision is varied"},
}
REMAINS = {
    "zh": "对复核结果仍不服的，消费者可向消费者协会或 12315 投诉，任何一方均可向人民法院起诉；"
    "在欧盟，还可提交经认证的庭外争议解决机构（《数字服务法》第 21 条）。",
    "en": "Whoever still disagrees may turn to a consumer association or 12315 (the consumer) or a court "
    "(either party); in the EU, also to a certified out-of-court dispute settlement body (DSA art. 21).",
}


def _effect_text(effect: dict[str, Any], rulebook: Rulebook) -> dict[str, str]:
    kind = effect.get("kind")
    if kind == "none":
        return {"zh": "原决定不变。", "en": "The first decision stands unchanged."}
    if kind == "readmitted":
        return {
            "zh": "案件重新受理，转商家答复。",
            "en": "The case is admitted again and goes to the merchant to answer.",
        }
    if kind == "penalty_revised":
        lifted = len(effect["measures_lifted"])
        return {
            "zh": f"扣分由 {effect['points_before']} 分改为 {effect['points_after']} 分；解除处罚措施 {lifted} 项。",
            "en": f"Points go from {effect['points_before']} to {effect['points_after']}; {lifted} measure(s) lifted.",
        }
    before, after = effect["remedy_before"], effect["remedy_after"]

    def remedy(side: dict[str, str], language: str) -> str:
        title = rulebook.remedies.get(side["remedy"])
        name = getattr(title, language) if title is not None else side["remedy"]
        return name if side["remedy"] == "none" else f"{name} {side['total']}"

    zh = (
        f"处理结果改为「{statements.OUTCOME_TITLES[effect['outcome_after']]['zh']}」；扣分 {effect['points_before']} → "
        f"{effect['points_after']}；补救：{remedy(before, 'zh')} → {remedy(after, 'zh')}。"
    )
    en = (
        f"The outcome is now {statements.OUTCOME_TITLES[effect['outcome_after']]['en'].lower()}; points "
        f"{effect['points_before']} → {effect['points_after']}; remedy: {remedy(before, 'en')} → "
        f"{remedy(after, 'en')}."
    )
    if effect.get("refund_on_merchant_win") == "keep":
        zh += "已支付的退款不予追回。"
        en += " The refund already paid is not taken back."
    elif effect.get("refund_on_merchant_win") == "claw_back":
        zh += "已支付的退款由平台追回。"
        en += " The refund already paid is taken back by the marketplace."
    return {"zh": zh, "en": en}


def _statement(
    case: Case, appeal: Appeal, effect: dict[str, Any], panel: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Return the appeal's statement of reasons: grounds, what was considered, who decided, result, reasons, effect.

    Both languages, for both parties, stored whole on the appeal, with what remains outside Plaint. A
    panel's decision adds the panel by seat, the vote count and the dissent (`panel`, see _panel_part).
    """
    considered = {
        "grounds": appeal.grounds,
        "appellant_evidence_ids": appeal.evidence_ids,
        "answer": appeal.answer,
        "answer_evidence_ids": appeal.answer_evidence_ids,
        "first_decision_id": appeal.decision_id,
    }
    role = {"zh": "主管（未参与原决定）", "en": "a supervisor who did not take the first decision"}
    panel_zh = panel_en = ""
    if panel is not None:
        role = {"zh": "独立申诉委员会合议庭", "en": "a panel of the independent appeals committee"}
        panel_zh, panel_en = _panel_text(panel)
    effect_text = _effect_text(effect, loader.get(case.rulebook_version))
    party, what, result = PARTY_TITLES[appeal.party], APPEALED_TITLES[appeal.appealed], RESULT_TITLES[appeal.result]
    answer_zh = f"对方答复：{appeal.answer}" if appeal.answer else "对方未答复。"
    answer_en = f"The other party answered: {appeal.answer}" if appeal.answer else "The other party did not answer."
    zh = (
        f"申诉复核决定（举报 {case.reference}）\n申诉人：{party['zh']}；申诉事项：{what['zh']}。\n"
        f"申诉理由：{appeal.grounds}\n{answer_zh}\n考虑了原决定、双方提交的证据（申诉新证据 "
        f"{len(appeal.evidence_ids)} 份，答复证据 {len(appeal.answer_evidence_ids)} 份）。\n"
        f"复核人：{role['zh']}。\n{panel_zh}结果：{result['zh']}。\n理由：{appeal.reasons}\n"
        f"效果：{effect_text['zh']}\n{REMAINS['zh']}"
    )
    en = (
        f"Decision on appeal (report {case.reference})\nAppellant: {party['en']}; appealed: {what['en']}.\n"
        f"Grounds: {appeal.grounds}\n{answer_en}\nConsidered: the first decision and both parties' evidence "
        f"({len(appeal.evidence_ids)} new file(s) with the appeal, "
        f"{len(appeal.answer_evidence_ids)} with the answer).\n"
        f"Decided by: {role['en']}.\n{panel_en}Result: {result['en']}.\nReasons: {appeal.reasons}\n"
        f"Effect: {effect_text['en']}\n{REMAINS['en']}"
    )
    return {
        "appeal_id": appeal.pk,
        "party": appeal.party,
        "appealed": appeal.appealed,
        "considered": considered,
        "decided_by_role": role,
        "panel": panel,
        "result": appeal.result,
        "result_title": result,
        "reasons": appeal.reasons,
        "effect": effect,
        "effect_text": effect_text,
        "remains": REMAINS,
        "zh": zh,
        "en": en,
    }


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
