"""Where a case is and what happens next: its stages, the current one, its deadline and the consequence.

Computed from the case's state, its deadlines and running clocks, its decisions and appeals, and the
rulebook it is handled under (the category's `silence`, the decision clock's `on_breach`, the
reply and appeal windows), so the words say what the rulebook really does. The pages and the API's
case detail (`progress`) read it alike; sentences come in both languages, dates in Plaint's time zone.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from plaint.rulebook import loader
from plaint.rulebook.calendar import deadline
from plaint.rulebook.schema import Rulebook

from .access import MERCHANT, REPORTER
from .models import Case, ReporterReply, ResponseKind
from .transitions import DECIDABLE_STATES, AppealState, State

STAGES = ("filed", "merchant_answer", "review", "decision", "remedy", "appeal_window")
TITLES = {
    "filed": {"zh": "已提交", "en": "Filed"},
    "merchant_answer": {"zh": "商家答复", "en": "Merchant's answer"},
    "review": {"zh": "审核", "en": "Review"},
    "decision": {"zh": "决定", "en": "Decision"},
    "remedy": {"zh": "补救", "en": "Remedy"},
    "appeal_window": {"zh": "申诉期", "en": "Appeal window"},
}
DONE, CURRENT, UPCOMING, SKIPPED = "done", "current", "upcoming", "skipped"


@dataclass(frozen=True)
class ReplyWindow:
    opens_at: datetime
    due_at: datetime


def reply_window(case: Case, rulebook: Rulebook | None = None) -> ReplyWindow | None:
    """Return when the reporter's reply to the merchant's answer opens and closes, or None if it has none.

    None when the rulebook gives no [intake] reply_days (versions before 3) or the merchant has not
    contested nor proposed rectification (an acceptance or silence leaves nothing to answer).
    Whether a reply was made, or the case was decided since, is for the caller to check. None on an
    own-initiative investigation: it has no reporter to reply.
    """
    if case.reporter_id is None:
        return None
    rulebook = rulebook or loader.get(case.rulebook_version)
    if not rulebook.intake.reply_days:
        return None
    answer = (
        case.responses.filter(kind__in=(ResponseKind.CONTEST, ResponseKind.RECTIFY))
        .order_by("-responded_at")
        .values_list("responded_at", flat=True)
        .first()
    )
    if answer is None:
        return None
    return ReplyWindow(answer, deadline(rulebook, "reply", answer))


def _when(value: datetime) -> dict[str, str]:
    local = timezone.localtime(value)
    return {"zh": f"{local.month}月{local.day}日 {local:%H:%M}", "en": f"{local.day} {local:%b %H:%M}"}


def _text(zh: str, en: str, value: datetime | None = None) -> dict[str, str]:
    if value is None:
        return {"zh": zh, "en": en}
    when = _when(value)
    return {"zh": zh.format(due=when["zh"]), "en": en.format(due=when["en"])}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _merchant_consequence(silence: str, side: str, due: datetime) -> dict[str, str]:
    """The category's `silence` rule in words, for `side`."""
    if side == MERCHANT:
        zh, en = "若您未在 {due} 前答复，", "If you do not answer by {due}, "
    else:
        zh, en = "若商家未在 {due} 前答复，", "If the merchant does not answer by {due}, "
    yours_zh, yours_en = ("您的举报", "your report") if side == REPORTER else ("该举报", "the report")
    if silence == "uphold":
        return _text(zh + f"{yours_zh}将自动认定成立。", en + f"{yours_en} is upheld automatically.", due)
    return _text(
        zh + "案件将直接转交审核员，不再等待答复。", en + "the case goes to a reviewer without the answer.", due
    )


def _decision_consequence(rulebook: Rulebook, due: datetime) -> dict[str, str]:
    """The decision clock's `on_breach` in words."""
    if "escalate" in rulebook.sla.decision.on_breach:
        return _text(
            "若 {due} 前仍未作出决定，案件将转交主管处理。",
            "If no decision is taken by {due}, a supervisor takes the case up.",
            due,
        )
    return _text(
        "若 {due} 前仍未作出决定，案件将优先处理。",
        "If no decision is taken by {due}, the case moves up the queue.",
        due,
    )


def _appeal_until(statement: dict[str, Any], side: str) -> datetime | None:
    appeal = statement.get("appeal") or {}
    if side == REPORTER:
        keys = ("reporter_appeal_until",)
    elif side == MERCHANT:
        keys = ("merchant_appeal_until", "penalty_appeal_until")
    else:
        keys = ("reporter_appeal_until", "merchant_appeal_until", "penalty_appeal_until")
    dates = [datetime.fromisoformat(appeal[k]) for k in keys if appeal.get(k)]
    return max(dates) if dates else None


def progress(case: Case, side: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Return the case's stages as `side` reads them, the current one with its deadline and consequence.

    Each stage: `stage`, `title` {zh, en}, `status` (done, current, upcoming, skipped), `at` (when it
    was done), `due_at` and `if_passes` {zh, en} (the current stage's deadline and what its passing
    does), `note` {zh, en} or None. `current` names the current stage, or None once nothing is pending.
    """
    now = now or timezone.now()
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    stages = {
        s: {
            "stage": s,
            "title": TITLES[s],
            "status": UPCOMING,
            "at": None,
            "due_at": None,
            "if_passes": None,
            "note": None,
        }
        for s in STAGES
    }

    def mark(
        stage: str,
        status: str,
        *,
        at: datetime | None = None,
        due: datetime | None = None,
        if_passes: dict[str, str] | None = None,
        note: dict[str, str] | None = None,
    ) -> None:
        stages[stage] |= {"status": status, "at": _iso(at), "due_at": _iso(due), "if_passes": if_passes}
        if note is not None:
            stages[stage]["note"] = note

    state = case.state
    mark("filed", DONE, at=case.opened_at)
    responses = list(case.responses.order_by("responded_at"))
    decisions = list(case.decisions.all())
    review_request = (case.admissibility or {}).get("review_request")
    answered_at = responses[-1].responded_at if responses else None
    went_to_review = bool(responses) or case.events.filter(kind="refer_silence_to_review").exists()

    if state == State.NEEDS_EVIDENCE and not review_request:
        mark(
            "filed",
            CURRENT,
            at=case.opened_at,
            due=case.evidence_due_at,
            if_passes=_text(
                "若 {due} 前未补充所需证据，举报将以证据不足结案（不成立）。",
                "If the evidence asked for is not added by {due}, the report is closed as not upheld.",
                case.evidence_due_at,
            )
            if case.evidence_due_at
            else None,
        )
    elif state == State.AWAITING_MERCHANT:
        mark(
            "merchant_answer",
            CURRENT,
            due=case.response_due_at,
            if_passes=_merchant_consequence(category.silence if category else "review", side, case.response_due_at)
            if case.response_due_at
            else None,
        )
    elif answered_at is not None:
        mark("merchant_answer", DONE, at=answered_at)
    elif went_to_review or (decisions and state != State.INADMISSIBLE):
        mark("merchant_answer", SKIPPED)

    if state in DECIDABLE_STATES and (review_request or state == State.AWAITING_REVIEW):
        if state == State.NEEDS_EVIDENCE:
            mark(
                "review",
                CURRENT,
                due=case.evidence_due_at,
                if_passes=_text(
                    "审核员要求补充证据；若 {due} 前未补充，案件将不待该证据而回到审核。",
                    "The reviewer asked for evidence; if it does not come by {due}, "
                    "the case returns to review without it.",
                    case.evidence_due_at,
                )
                if case.evidence_due_at
                else None,
            )
        else:
            mark(
                "review",
                CURRENT,
                due=case.decision_due_at,
                if_passes=_decision_consequence(rulebook, case.decision_due_at) if case.decision_due_at else None,
            )
        window = reply_window(case, rulebook)
        if window is not None and now <= window.due_at and not ReporterReply.objects.filter(case=case).exists():
            if side == REPORTER:
                note = _text(
                    "您可在 {due} 前对商家的答复和证据作出一次回应。",
                    "You may answer the merchant's answer and evidence once, until {due}.",
                    window.due_at,
                )
            else:
                note = _text(
                    "举报人可在 {due} 前对商家的答复和证据作出一次回应。",
                    "The reporter may answer the merchant's answer and evidence once, until {due}.",
                    window.due_at,
                )
            stages["review"]["note"] = note

    # A case the merchant resolved by accepting skips review and decision, even where the rulebook records
    # the points of the acceptance as an automated decision (points_on_acceptance).
    first = decisions[0] if decisions and state != State.RESOLVED else None
    if first is not None:
        mark("review", SKIPPED if first.automated else DONE, at=None if first.automated else first.decided_at)
        mark("decision", DONE, at=first.decided_at)
        latest = decisions[-1]
        if latest.outcome == "not_upheld" or latest.remedy == "none":
            mark("remedy", SKIPPED)
        else:
            issued = case.remedy_instructions.order_by("-issued_at").values_list("issued_at", flat=True).first()
            mark("remedy", DONE if issued else UPCOMING, at=issued)
    elif state == State.RESOLVED:
        mark("review", SKIPPED)
        mark("decision", SKIPPED)
        issued = case.remedy_instructions.order_by("-issued_at").values_list("issued_at", flat=True).first()
        mark(
            "remedy",
            DONE if issued else UPCOMING,
            at=issued,
            note=_text(
                "商家已同意补救，由平台执行。", "The merchant accepted the remedy; the marketplace carries it out."
            ),
        )
        mark("appeal_window", SKIPPED)
    elif state in (State.INADMISSIBLE, State.WITHDRAWN):
        for stage in STAGES[1:]:
            if stages[stage]["status"] != DONE:
                mark(stage, SKIPPED)

    pending_appeal = case.appeals.exclude(state=AppealState.DECIDED).exists()
    if pending_appeal:
        mark("appeal_window", CURRENT, note=_text("申诉审理中。", "An appeal is being decided."))
    elif first is not None:
        until = _appeal_until(decisions[-1].statement, side)
        if until is not None and now <= until:
            mark(
                "appeal_window",
                CURRENT,
                due=until,
                if_passes=_text(
                    "{due} 之后，本决定在平台内不可再申诉。",
                    "After {due} the decision can no longer be appealed on the platform.",
                    until,
                ),
            )
        elif case.appeals.exists() or until is not None:
            mark("appeal_window", DONE, at=until)
        else:
            mark("appeal_window", SKIPPED)
    if state == State.WITHDRAWN:
        stages["filed"]["note"] = _text("举报已撤回。", "The report was withdrawn.")
    elif state == State.INADMISSIBLE and not pending_appeal:
        stages["filed"]["note"] = _text("举报不予受理。", "The report could not be accepted.")
    current = next((s for s in STAGES if stages[s]["status"] == CURRENT), None)
    return {"current": current, "stages": [stages[s] for s in STAGES]}
