"""The merchant's answer: accept the remedy, contest, or propose rectification; or its silence.

The merchant's clock starts when a case is admitted (`_tell_merchant_to_answer` says by when); an
answer other than accepting sends the case to review and starts the review's clocks. When the
clock breaches, the category's silence rule applies: uphold (automated decision) or refer to review.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.enforcement.actions import instruct_remedy, remedy_order
from plaint.errors import Forbidden, InvalidInput, Refused
from plaint.evidence.actions import Upload, check_uploads
from plaint.evidence.models import Party
from plaint.notifications.emails import at
from plaint.rulebook import loader
from plaint.rulebook.schema import Stage

from .. import auto_rules, chain, clocks, problems
from ..inputs import ResponseIn
from ..models import Case, CaseClock, MerchantResponse, ResponseKind
from ..notices import tell
from ..transitions import State, transition
from .common import Filed, _apply, _attach, _category, _locked, _notify
from .decisions import _make_decision, record_points_on_acceptance


def respond_as_merchant(
    actor: User, case: Case, data: ResponseIn, uploads: list[Upload] = (), *, now: datetime | None = None
) -> Filed:
    """Answer a report: accept the remedy, contest it (with counter-evidence), or propose rectification."""
    now = now or timezone.now()
    if actor.role != Role.MERCHANT or actor.merchant_id != case.merchant_id:
        raise Forbidden("not_the_merchant", "Only staff of the merchant reported can answer this case.")
    if case.state == State.AWAITING_MERCHANT and case.response_due_at and now > case.response_due_at:
        raise Refused(
            "response_deadline_passed",
            f"The deadline to answer passed at {timezone.localtime(case.response_due_at):%Y-%m-%d %H:%M}.",
        )
    if data.kind == ResponseKind.ACCEPT and case.reporter_id is None:
        raise Refused(
            "no_remedy_to_accept",
            f"Case {case.reference} was opened on the platform's own initiative: there is no consumer's remedy "
            "to accept.",
            hint="Contest it with your explanation and counter-evidence, or propose a rectification.",
            details={"case": case.reference},
        )
    if data.kind == ResponseKind.RECTIFY and not data.rectification_plan.strip():
        raise InvalidInput("rectification_plan", "Describe the rectification you propose.", field="rectification_plan")
    rulebook = loader.get(case.rulebook_version)
    checked, rejected = check_uploads(list(uploads), rulebook)
    with transaction.atomic():
        case = _locked(case)
        transition(
            {"accept": "accept_remedy", "contest": "contest", "rectify": "propose_rectification"}[data.kind],
            case.state,
            Role.MERCHANT,
        )
        # A report of several problems: the answer to each (accepting the remedy accepts them all).
        answers = problems.check_answers(case, data.kind, data.accepted)
        problems.record_answers(case, answers)
        MerchantResponse.objects.create(
            case=case,
            kind=data.kind,
            explanation=data.explanation,
            rectification_plan=data.rectification_plan,
            responded_by=actor,
            responded_at=now,
        )
        chain.append(case, _attach(case, checked, rejected, actor, Party.MERCHANT, now)[1])
        info = {"response": data.kind, "explanation": data.explanation, "rectification_plan": data.rectification_plan}
        if answers:
            info["answers"] = answers
        if data.kind == ResponseKind.ACCEPT:
            resolve_with_remedy(case, actor, now, case.report.remedy_wanted, None, reason=data.explanation, data=info)
        else:
            name = "contest" if data.kind == ResponseKind.CONTEST else "propose_rectification"
            _apply(
                case,
                name,
                actor,
                now,
                reason=data.explanation,
                data=info,
                decision_due_at=_to_review_clocks(case, now, name),
            )
            tell(
                case,
                "answered",
                now,
                f"{case.reference}-answered",
                reporter=True,
                merchant=False,
                answer=data.explanation,
            )
    return Filed(case, created=False, rejected_files=[r.as_dict() for r in rejected])


def resolve_with_remedy(
    case: Case,
    actor: User,
    now: datetime,
    remedy: str,
    amount: Decimal | None,
    *,
    reason: str,
    data: dict[str, Any],
    told: str = "resolved",
    **webhook: Any,
) -> None:
    """Resolve a case awaiting the merchant with a remedy: transition, instruction, webhook, the parties told.

    The merchant's acceptance of the remedy asked for, and an offer accepted in the negotiation
    (negotiation.py), both end here; call it inside the caller's transaction on the locked case.
    `told` is the parties' message (notifications/emails.py).
    """
    _apply(case, "accept_remedy", actor, now, reason=reason, data=data)
    rulebook = loader.get(case.rulebook_version)
    # The remedy on the consumer's order: the one the report names, or of the listing or merchant reported.
    order = remedy_order(case, _category(rulebook, case.category).window_days)
    instruction = instruct_remedy(case, None, remedy, amount, now, order=order)
    # Accepting settles the claim, not the violation, on the categories the rulebook marks.
    record_points_on_acceptance(case, rulebook, instruction, now)
    extra = {"amount": str(amount)} if amount is not None else {}
    _notify(case, "case.resolved", now, key=f"case-{case.reference}-resolved", remedy=remedy, **extra, **webhook)
    title = loader.get(case.rulebook_version).remedies[remedy]
    tell(
        case,
        told,
        now,
        f"{case.reference}-resolved",
        reporter=True,
        merchant=True,
        remedy={"zh": title.zh, "en": title.en},
    )


def handle_merchant_silence(case: Case, *, now: datetime | None = None) -> Case | None:
    """Apply the rulebook's consequence of merchant silence once the response deadline has passed.

    Return None when the case no longer qualifies.
    """
    now = now or timezone.now()
    rulebook = loader.get(case.rulebook_version)
    category = _category(rulebook, case.category)
    with transaction.atomic():
        case = _locked(case)
        if case.state != State.AWAITING_MERCHANT or not case.response_due_at or case.response_due_at > now:
            return None
        due = timezone.localtime(case.response_due_at)
        # A live automated rule of the category whose every condition holds decides first (auto_rules.py).
        found = auto_rules.deciding_rule(case, rulebook, now)
        if found is not None:
            rule, verdict = found
            facts = (
                f"The merchant did not answer by the deadline of {due:%Y-%m-%d %H:%M}. The automated rule "
                f"'{rule.title.en}' ({rule.id}) of rulebook version {rulebook.version} decided: "
                + " ".join(f["en"] for f in verdict.met_facts())
                + f" 商家未在 {due:%Y-%m-%d %H:%M} 前答复。规则第 {rulebook.version} 版的自动化规则“{rule.title.zh}”"
                f"（{rule.id}）作出决定：" + "".join(f["zh"] for f in verdict.met_facts())
            )
            decision = _make_decision(
                case,
                rulebook,
                outcome=rule.outcome,
                reason_codes=list(rule.reason_codes),
                facts=facts,
                remedy=rule.remedy,
                remedy_amount=None,
                automated=True,
                actor=None,
                missing=[],
                now=now,
                auto_rule=auto_rules.statement_entry(rule, verdict),
            )
            _apply(
                case,
                "uphold_for_silence",
                None,
                now,
                reason=facts,
                data=chain.decision_data(decision) | {"outcome": rule.outcome, "auto_rule": rule.id},
            )
        elif category.silence == "uphold":
            facts = (
                f"The merchant did not answer by the deadline of {due:%Y-%m-%d %H:%M}; under the rulebook "
                f"a '{category.title.en}' report is then upheld. 商家未在 {due:%Y-%m-%d %H:%M} 前答复，"
                f"根据规则，“{category.title.zh}”类举报视为成立。"
            )
            decision = _make_decision(
                case,
                rulebook,
                outcome="upheld",
                reason_codes=["merchant_silent"],
                facts=facts,
                remedy=case.report.remedy_wanted,
                remedy_amount=None,
                automated=True,
                actor=None,
                missing=[],
                now=now,
            )
            _apply(
                case,
                "uphold_for_silence",
                None,
                now,
                reason=facts,
                data=chain.decision_data(decision) | {"outcome": "upheld"},
            )
        else:
            _apply(
                case,
                "refer_silence_to_review",
                None,
                now,
                reason=f"The merchant did not answer by {due:%Y-%m-%d %H:%M}; the case goes to review.",
                decision_due_at=_to_review_clocks(case, now, "refer_silence_to_review"),
            )
            tell(
                case,
                "silence_referred",
                now,
                f"{case.reference}-silence",
                reporter=True,
                merchant=True,
                due=at(due),
            )
    return case


def _to_review_clocks(case: Case, now: datetime, by: str) -> datetime:
    """Stop the merchant's clock and start the review's (acknowledgement, decision); return the decision's due."""
    clocks.stop(case, ("merchant_response",), now, by)
    clocks.start(case, "acknowledgement", now)
    return clocks.start(case, "decision", now).due_at


def _tell_merchant_to_answer(case: Case, now: datetime) -> None:
    """Tell the merchant a case awaits its answer, and by when (once per case: the key is the case's)."""
    due = at(case.response_due_at)
    tell(case, "to_answer", now, f"{case.reference}-to-answer", reporter=False, merchant=True, due=due)


def _silence_breached(case: Case, row: CaseClock, spec: Stage, now: datetime) -> bool:
    return handle_merchant_silence(case, now=now) is not None


clocks.on_breach("merchant_silence", _silence_breached)
