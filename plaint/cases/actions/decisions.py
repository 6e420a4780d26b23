"""A decision, whoever takes it (a reviewer, or Plaint on a clock: missing evidence, merchant silence).

It composes the statement of reasons, records the decision under its rulebook version, and enforces
it: the remedy instruction and the points (a repeat within the rulebook's days multiplied), the
webhook and the parties told. The caller takes the transition.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from plaint.accounts.models import User
from plaint.buyers.actions import queue_for_decision
from plaint.enforcement.actions import ORDER_REMEDIES, add_points, award_points, instruct_remedy, remedy_order
from plaint.enforcement.models import RemedyInstruction
from plaint.reporters.misuse import review_reporter
from plaint.rulebook import evaluation
from plaint.rulebook.schema import Category, Rulebook

from .. import problems, statements
from ..models import Case, Decision, Visibility
from ..notices import tell
from .common import _actor_role, _category, _notify, _record


def _make_decision(
    case: Case,
    rulebook: Rulebook,
    *,
    outcome: str,
    reason_codes: list[str],
    facts: str,
    remedy: str,
    remedy_amount: Decimal | None,
    automated: bool,
    actor: User | None,
    missing: list[str],
    now: datetime,
    problem_outcomes: dict[str, str] | None = None,
    auto_rule: dict[str, Any] | None = None,
) -> Decision:
    """Compose, record and enforce a decision; the caller takes the transition.

    A report of several problems is decided per problem (`problem_outcomes`; without it every open
    problem takes `outcome`, as a decision on a clock does): each upheld problem's points, none for
    one another upheld problem absorbs, go on the record per track. `auto_rule` is the deciding
    rule's statement entry (auto_rules.py).
    """
    category = _category(rulebook, case.category)
    repeat = _is_repeat(case, category, rulebook, now)
    points = evaluation.decision_points(category, outcome, repeat)
    plan: list[dict[str, Any]] = []
    open_problems = [p.category for p in problems.live(case) if not p.outcome]
    if open_problems:
        plan = problems.points_plan(case, rulebook, problem_outcomes or {code: outcome for code in open_problems}, now)
        points = sum(item["points"] for item in plan)
        # The track of the heaviest problem names the decision's; the points go on each problem's own.
        heaviest = max(plan, key=lambda item: (item["points"], item["category"] == case.category))
        category_track = heaviest["track"]
        # Each problem's repeat is in its line of the statement's `problems`.
        repeat = False
    else:
        category_track = category.track
    order = remedy_order(case, category.window_days)
    no_remedy = None
    if outcome != "not_upheld" and remedy in ORDER_REMEDIES and order is None:
        # A remedy is carried out on an order: without one the statement says so instead of naming it.
        no_remedy = _no_order_reason(case, category.window_days)
        remedy = "none"
    amount = tariff = None
    if outcome != "not_upheld" and order is not None and remedy in ("refund", "return_and_refund"):
        amount = remedy_amount if remedy_amount is not None else order.amount_paid
        tariff = Decimal("0") if remedy_amount is not None else order.tariff_paid
    statement = statements.compose(
        rulebook=rulebook,
        category=category,
        outcome=outcome,
        reason_codes=reason_codes,
        facts=facts,
        evidence=_evidence_considered(case, rulebook),
        missing_evidence=missing,
        automated=automated,
        decided_by_role=_actor_role(actor),
        remedy=remedy if outcome != "not_upheld" else "none",
        remedy_amount=amount,
        tariff_amount=tariff,
        currency=order.currency if order else "CNY",
        points=points,
        points_expire_at=evaluation.points_expire_at(rulebook, timezone.localtime(now)) if points else None,
        now=now,
        repeat_multiplier=category.repeat_multiplier if repeat else 1,
        no_remedy=no_remedy,
        auto_rule=auto_rule,
        own_initiative=case.own_initiative,
    )
    if plan:
        statement["problems"] = plan
    decision = Decision.objects.create(
        case=case,
        outcome=outcome,
        reason_codes=reason_codes,
        remedy=remedy if outcome != "not_upheld" else "none",
        remedy_amount=remedy_amount,
        points=points,
        track=category_track,
        automated=automated,
        auto_rule=auto_rule["id"] if auto_rule else "",
        decided_by=actor,
        decided_at=now,
        rulebook_version=rulebook.version,
        statement=statement,
    )
    if plan:
        problems.record_outcomes(case, decision, plan)
    if outcome != "not_upheld":
        instruct_remedy(case, decision, decision.remedy, remedy_amount, now, order=order)
        if plan:
            for track in sorted({item["track"] for item in plan}):
                add_points(case, decision, track, sum(i["points"] for i in plan if i["track"] == track), rulebook, now)
        else:
            award_points(case, decision, rulebook, now)
    _notify(
        case,
        "case.decided",
        now,
        key=f"decision-{decision.pk}",
        outcome=outcome,
        reason_codes=reason_codes,
        automated=automated,
        auto_rule=decision.auto_rule or None,
        points=points,
        track=category_track,
        remedy=decision.remedy,
        statement=statement,
    )
    # The outcome, the remedy, what happens next and the appeal's deadline; the statement is on the page.
    tell(case, "decided", now, f"decision-{decision.pk}", reporter=True, merchant=True, **statements.notice(statement))
    if outcome == "not_upheld" and case.reporter_id is not None:
        # Misuse of the report button (DSA art. 23): a warning or a suspension, by the rulebook in force.
        # An investigation has no reporter: its decisions are nobody's reports.
        review_reporter(case.reporter_id, now)
    inform_past_buyers(case, decision, now)
    return decision


def inform_past_buyers(case: Case, decision: Decision, now: datetime) -> None:
    """Queue the telling of the listing's past buyers the decision calls for (DSA art. 32), and log it for staff.

    Inside the decision's transaction, so the run exists exactly when the decision does. A finding in a
    marked category whose report names no single listing is logged for staff, who may act on it.
    """
    outcome, run = queue_for_decision(case, decision, now)
    if run is not None:
        _record(
            case,
            "past_buyers_queued" if run.kind == "found" else "past_buyers_correction_queued",
            None,
            now,
            visibility=Visibility.STAFF,
            data={
                "decision_id": decision.pk,
                "listing_id": run.listing.external_id,
                "orders_from": run.orders_from.isoformat(),
                "orders_until": run.orders_until.isoformat(),
                "rulebook_version": run.rulebook_version,
            },
        )
    elif outcome == "no_listing":
        _record(
            case,
            "past_buyers_not_told",
            None,
            now,
            visibility=Visibility.STAFF,
            reason="The report names no single listing (a merchant, or an order of several listings), so no "
            "listing's past buyers could be told of the finding.",
            data={"decision_id": decision.pk},
        )


def _is_repeat(case: Case, category: Category, rulebook: Rulebook, now: datetime) -> bool:
    """Return whether the merchant was found in breach of the case's category within the rulebook's repeat days.

    A breach found as one problem of a report of several counts too (cases/problems.py).
    """
    return problems.is_repeat(case, category, rulebook, now)


def _no_order_reason(case: Case, window_days: int) -> dict[str, str]:
    """Return, in both languages, why no remedy applies: no order of the reported listing or merchant was found."""
    since = f"{timezone.localtime(case.report.submitted_at - timedelta(days=window_days)):%Y-%m-%d}"
    if case.report.listing_id is not None:
        zh_what, en_what = "该商品", "this listing"
    else:
        zh_what, en_what = "该商家", "this merchant"
    return {
        "zh": f"不适用补救措施：未找到举报人自 {since} 起（本类举报时限 {window_days} 天内）收到的{zh_what}订单，"
        "补救须针对具体订单执行。如有相关订单，举报人可就该订单另行举报。",
        "en": f"No remedy applies: no order of {en_what} that the reporter received since {since} (the "
        f"category's {window_days}-day window) was found, and a remedy is carried out on an order. A "
        "reporter who has such an order can report the order itself.",
    }


def _evidence_considered(case: Case, rulebook: Rulebook) -> list[dict[str, Any]]:
    return [
        {
            "evidence_id": e.pk,
            "kind": e.kind,
            "kind_title": {"zh": rulebook.evidence_kinds[e.kind].zh, "en": rulebook.evidence_kinds[e.kind].en},
            "party": e.party,
            # The parties' statement names each file; the hash is for the dossier and the staff's view.
            "file_name": e.original_name,
            "sha256": e.sha256,
            "captured_at": timezone.localtime(e.captured_at).isoformat() if e.captured_at else None,
        }
        for e in case.evidence.all()
    ]


def record_points_on_acceptance(
    case: Case, rulebook: Rulebook, instruction: RemedyInstruction | None, now: datetime
) -> Decision | None:
    """Record an accepted remedy's points on a category the rulebook marks points_on_acceptance.

    The acceptance is the merchant's admission: it is recorded as an automated upheld decision
    (reason merchant_admitted) carrying the category's points (a repeat multiplied), and the remedy
    instruction points at it. Return None when the category is not marked (or gives no points).
    Runs inside the acceptance's transaction.
    """
    category = _category(rulebook, case.category)
    plan: list[dict[str, Any]] = []
    accepted = [p.category for p in problems.live(case) if not p.outcome]
    if accepted:
        # A report of several problems: each marked problem's points, none for one another absorbs.
        plan = [
            item
            for item in problems.points_plan(case, rulebook, {code: "upheld" for code in accepted}, now)
            if rulebook.category(item["category"]).points_on_acceptance
        ]
        if not plan:
            return None
        category = rulebook.category(plan[0]["category"])
        repeat = False
        points = sum(item["points"] for item in plan)
        if not points:
            return None
    else:
        if not category.points_on_acceptance:
            return None
        repeat = _is_repeat(case, category, rulebook, now)
        points = evaluation.decision_points(category, "upheld", repeat)
    if not points:
        return None
    remedy = case.report.remedy_wanted
    facts = (
        f"The merchant accepted the remedy ({rulebook.remedies[remedy].en}), which settles the consumer's claim. "
        f"Under rulebook version {rulebook.version} a '{category.title.en}' report still records its points when "
        f"the merchant accepts. 商家已同意补救（{rulebook.remedies[remedy].zh}），消费者的诉求已解决；根据规则第 "
        f"{rulebook.version} 版，“{category.title.zh}”类举报在商家同意补救时仍计违规分。"
    )
    statement = statements.compose(
        rulebook=rulebook,
        category=category,
        outcome="upheld",
        reason_codes=["merchant_admitted"],
        facts=facts,
        evidence=_evidence_considered(case, rulebook),
        missing_evidence=[],
        automated=True,
        decided_by_role="system",
        remedy=remedy,
        remedy_amount=instruction.amount if instruction else None,
        tariff_amount=instruction.tariff_amount if instruction else None,
        currency=instruction.currency if instruction else "CNY",
        points=points,
        points_expire_at=evaluation.points_expire_at(rulebook, timezone.localtime(now)),
        now=now,
        repeat_multiplier=category.repeat_multiplier if repeat else 1,
    )
    # The merchant admitted the complaint; the outcome is not appealable inside Plaint (a resolved
    # case is not a decided one), so the statement names only the routes outside it.
    statement["appeal"] = {
        "penalty_appeal_until": None,
        "window_days": None,
        "zh": "商家已同意补救并认可举报；对扣分不服的，可联系平台客服，或向人民法院起诉。",
        "en": "The merchant accepted the remedy and so admitted the complaint; it may contest the points with "
        "customer service, or before a court.",
    }
    if plan:
        statement["problems"] = plan
    decision = Decision.objects.create(
        case=case,
        outcome="upheld",
        reason_codes=["merchant_admitted"],
        remedy=remedy,
        remedy_amount=None,
        points=points,
        track=category.track,
        automated=True,
        decided_by=None,
        decided_at=now,
        rulebook_version=rulebook.version,
        statement=statement,
    )
    if instruction is not None:
        RemedyInstruction.objects.filter(pk=instruction.pk).update(decision=decision)
    if plan:
        problems.record_outcomes(case, decision, plan)
        for track in sorted({item["track"] for item in plan}):
            add_points(case, decision, track, sum(i["points"] for i in plan if i["track"] == track), rulebook, now)
    else:
        award_points(case, decision, rulebook, now)
    _record(
        case,
        "points_on_acceptance",
        None,
        now,
        visibility=Visibility.MERCHANT,
        reason=facts,
        data={"decision_id": decision.pk, "points": points, "track": category.track},
    )
    # The merchant's admission finds the violation as a reviewer's decision would: the buyers are told.
    inform_past_buyers(case, decision, now)
    return decision
