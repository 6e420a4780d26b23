"""Automated decisions by the rulebook's rules ([[auto_rules]]), shadow first (docs/screening.md).

A rule is evaluated on a case's facts as stored (the merchant's answers, the reporter's evidence
and its EXIF capture times and forensics flags, the order's delivery and amount, the listing's
declared expiry), read as of one moment. A rule in shadow mode decides nothing: when people decide
a case of its category, what it would have decided is recorded beside what they decided
(`record_shadow`), and `replay` does the same over past decided cases. An admin switches a rule live
(`switch_rule`, audited) only once a replay report exists; a live rule then decides a case whose
merchant stayed silent, through the same decision path as people (merchant_response.py).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from plaint.accounts.models import Role, User
from plaint.enforcement.actions import remedy_order
from plaint.errors import Forbidden, InvalidInput, NotFound, Refused
from plaint.evidence.models import EvidenceFlag, Party
from plaint.marketplace.models import Listing
from plaint.rulebook import loader
from plaint.rulebook.auto_rules import CaseFacts, Verdict, evaluate
from plaint.rulebook.loader import RulebookError
from plaint.rulebook.schema import AutoRule, Rulebook

from .models import AutoRuleReplay, AutoRuleShadow, AutoRuleSwitch, Case, Decision, MerchantResponse

MODES = ("shadow", "live")
# Disagreements listed per rule in the report (the counts cover them all).
DISAGREEMENTS_SHOWN = 50
MAX_REPLAY_MONTHS = 36


def case_facts(case: Case, at: datetime) -> CaseFacts:
    """Return what the case showed at `at`: later answers, files and flags are not seen (a replay reads the past).

    Edge cases: no order found (a listing or merchant report without one) → no delivery, no amount;
    no listing, or one without a declared expiry → no expiry.
    """
    report = case.report
    rulebook = loader.get(case.rulebook_version)
    category = rulebook.category(case.category)
    order = remedy_order(case, category.window_days) if category else report.order
    listing = report.listing
    if listing is None and order is not None:
        listing = (
            Listing.objects.filter(pk__in=order.items.values("listing_id"), expiry_date__isnull=False)
            .order_by("expiry_date")
            .first()
        )
    answered = MerchantResponse.objects.filter(case=case, responded_at__lt=at).exists()
    silent = not answered and case.response_due_at is not None and case.response_due_at <= at
    evidence = list(
        case.evidence.filter(party=Party.REPORTER, uploaded_at__lte=at).values_list(
            "kind", "content_type", "captured_at"
        )
    )
    flags = EvidenceFlag.objects.filter(
        evidence__case=case, evidence__party=Party.REPORTER, flagged_at__lte=at
    ).values_list("code", flat=True)
    return CaseFacts(
        merchant_silent=silent,
        reporter_kinds=frozenset(kind for kind, _, _ in evidence),
        delivered_at=timezone.localtime(order.delivered_at) if order and order.delivered_at else None,
        photo_captures=tuple(
            timezone.localtime(captured)
            for _, content_type, captured in evidence
            if captured is not None and content_type.startswith("image/")
        ),
        listing_expiry=listing.expiry_date if listing is not None else None,
        amount_paid=order.amount_paid if order is not None else None,
        currency=order.currency if order is not None else "CNY",
        forensics_flags=tuple(flags),
    )


def latest_switch(version: str, rule_id: str) -> AutoRuleSwitch | None:
    """Return the admin's last switch of the rule under that version, or None if never switched."""
    return (
        AutoRuleSwitch.objects.filter(rulebook_version=version, rule=rule_id)
        .select_related("switched_by")
        .order_by("-switched_at", "-id")
        .first()
    )


def mode_of(version: str, rule: AutoRule) -> str:
    """Return the rule's mode under that version: the admin's last switch, else the rulebook's (shadow)."""
    switch = latest_switch(version, rule.id)
    return switch.mode if switch is not None else rule.mode


def statement_entry(rule: AutoRule, verdict: Verdict) -> dict[str, Any]:
    """Return what a decision's statement of reasons says of the rule: its id, title, and the facts that met it."""
    return {
        "id": rule.id,
        "title": {"zh": rule.title.zh, "en": rule.title.en},
        "facts": verdict.met_facts(),
    }


def deciding_rule(case: Case, rulebook: Rulebook, now: datetime) -> tuple[AutoRule, Verdict] | None:
    """Return the first live rule of the case's category whose conditions all hold now, with its verdict.

    None when the version has no rule for the category, none is live, or none matches.
    """
    facts: CaseFacts | None = None
    for rule in rulebook.auto_rules:
        if rule.category != case.category or mode_of(rulebook.version, rule) != "live":
            continue
        facts = facts or case_facts(case, now)
        verdict = evaluate(rule, facts, rulebook)
        if verdict.matched:
            return rule, verdict
    return None


def _record(
    rule: AutoRule, rulebook: Rulebook, decision: Decision, verdict: Verdict, source: str, now: datetime
) -> bool:
    agree = decision.outcome == rule.outcome
    AutoRuleShadow.objects.update_or_create(
        rulebook_version=rulebook.version,
        rule=rule.id,
        decision=decision,
        defaults={
            "case_id": decision.case_id,
            "would_outcome": rule.outcome,
            "would_remedy": rule.remedy,
            "decided_outcome": decision.outcome,
            "decided_remedy": decision.remedy,
            "agree": agree,
            "facts": list(verdict.facts),
            "source": source,
            "recorded_at": now,
            "decided_at": decision.decided_at,
        },
    )
    return agree


def record_shadow(case: Case, decision: Decision, now: datetime) -> int:
    """Record, beside a decision people took, what each shadow rule of the case's category would have decided.

    Only rules that match leave a row. Return how many rows were written. Called inside the
    decision's transaction; a version without rules (or without one for the category) reads nothing.
    """
    rulebook = loader.get(case.rulebook_version)
    rules = [r for r in rulebook.auto_rules if r.category == case.category]
    if not rules:
        return 0
    facts = case_facts(case, decision.decided_at)
    written = 0
    for rule in rules:
        if mode_of(rulebook.version, rule) != "shadow":
            continue
        verdict = evaluate(rule, facts, rulebook)
        if verdict.matched:
            _record(rule, rulebook, decision, verdict, "decision", now)
            written += 1
    return written


def months_before(moment: datetime, months: int) -> datetime:
    """Return the same local day and time `months` calendar months earlier (the month's last day if shorter)."""
    local = timezone.localtime(moment)
    month_index = local.year * 12 + local.month - 1 - months
    year, month = divmod(month_index, 12)
    day = local.day
    while True:
        try:
            return local.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def rules_version(version: str | None) -> Rulebook:
    """Return the rulebook whose rules are meant: `version`, or the newest version that has automated rules."""
    if version:
        try:
            return loader.get(version)
        except RulebookError:
            raise NotFound(
                "unknown_rulebook_version", f"There is no rulebook version {version!r}.", field="version"
            ) from None
    with_rules = [r for r in loader.versions() if r.auto_rules]
    if not with_rules:
        raise NotFound("no_auto_rules", "No rulebook version has automated rules ([[auto_rules]]).")
    return max(with_rules, key=lambda r: r.effective_from)


def _rule(rulebook: Rulebook, rule_id: str) -> AutoRule:
    rule = rulebook.auto_rule(rule_id)
    if rule is None:
        raise NotFound(
            "unknown_rule",
            f"Rulebook version {rulebook.version} has no automated rule {rule_id!r}.",
            field="rule",
            hint="Use one of: " + ", ".join(r.id for r in rulebook.auto_rules),
        )
    return rule


def _may_run(actor: User | None) -> None:
    if actor is not None and actor.role != Role.ADMIN:
        raise Forbidden("not_an_admin", "Only a policy admin may replay or switch automated rules.")


def replay(
    rulebook: Rulebook,
    *,
    months: int,
    rule_id: str | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> list[AutoRuleReplay]:
    """Replay the version's rules (or one) over the cases people decided in the last `months`; return the reports.

    Each decision taken by a person (not an appeal's) in the rule's category is evaluated on the
    case's facts as they stood when it was decided; a match is recorded beside the decision (a row
    already there is updated). `actor` None is the command line; otherwise an admin.
    """
    _may_run(actor)
    if not 1 <= months <= MAX_REPLAY_MONTHS:
        raise InvalidInput(
            "months", f"Replay between 1 and {MAX_REPLAY_MONTHS} months.", field="months", hint="For example 6."
        )
    now = now or timezone.now()
    since = months_before(now, months)
    rules = [_rule(rulebook, rule_id)] if rule_id else list(rulebook.auto_rules)
    reports = []
    for rule in rules:
        considered = matched = agreed = 0
        decisions = (
            Decision.objects.filter(
                case__category=rule.category,
                automated=False,
                appeal__isnull=True,
                decided_at__gte=since,
                decided_at__lte=now,
            )
            .select_related("case__report")
            .order_by("decided_at", "id")
        )
        for decision in decisions.iterator(chunk_size=500):
            considered += 1
            verdict = evaluate(rule, case_facts(decision.case, decision.decided_at), rulebook)
            if verdict.matched:
                matched += 1
                agreed += _record(rule, rulebook, decision, verdict, "replay", now)
        reports.append(
            AutoRuleReplay.objects.create(
                rulebook_version=rulebook.version,
                rule=rule.id,
                months=months,
                since=since,
                ran_at=now,
                ran_by=actor,
                considered=considered,
                matched=matched,
                agreed=agreed,
            )
        )
    return reports


def switch_rule(
    actor: User, version: str, rule_id: str, mode: str, *, reason: str = "", now: datetime | None = None
) -> AutoRuleSwitch:
    """Switch a rule of a version live or back to shadow, as an admin; the row is the audit trail (who, when, why).

    Refused: switching live without a shadow report (a replay) of that version's rule, and a switch to
    the mode the rule is already in.
    """
    if actor.role != Role.ADMIN:
        raise Forbidden("not_an_admin", "Only a policy admin may switch an automated rule on or off.")
    if mode not in MODES:
        raise InvalidInput("mode", f"{mode!r} is not a mode.", field="mode", hint="Use live or shadow.")
    rulebook = rules_version(version)
    rule = _rule(rulebook, rule_id)
    now = now or timezone.now()
    if mode_of(rulebook.version, rule) == mode:
        raise Refused("already_in_mode", f"The rule {rule.id} is already in {mode} mode under version {version}.")
    replay_row = None
    if mode == "live":
        replay_row = (
            AutoRuleReplay.objects.filter(rulebook_version=rulebook.version, rule=rule.id).order_by("-ran_at").first()
        )
        if replay_row is None:
            raise Refused(
                "no_shadow_report",
                f"The rule {rule.id} has no shadow report under version {version}: replay it over past "
                "decided cases and read the agreement with people before switching it on.",
                hint=f"Run `manage.py replay_rules --months 6 --rule {rule.id}` or press Replay on the page.",
            )
    return AutoRuleSwitch.objects.create(
        rulebook_version=rulebook.version,
        rule=rule.id,
        mode=mode,
        switched_by=actor,
        switched_at=now,
        reason=reason.strip(),
        replay=replay_row,
    )


@dataclass
class RuleReport:
    rulebook_version: str
    rule: AutoRule
    mode: str
    switch: AutoRuleSwitch | None
    replay: AutoRuleReplay | None
    matched: int
    agreed: int
    decided_live: int
    disagreements: list[AutoRuleShadow]

    @property
    def rate(self) -> float | None:
        """Return agreed ÷ matched (four places), None when the rule matched nothing."""
        return round(self.agreed / self.matched, 4) if self.matched else None


def report(version: str | None = None) -> list[RuleReport]:
    """Return each rule of a version (default: the newest with rules) with its mode and its agreement with people.

    Counted over every shadow row (recorded at decisions and by replays); a handful of indexed queries a rule.
    """
    rulebook = rules_version(version)
    out = []
    for rule in rulebook.auto_rules:
        rows = AutoRuleShadow.objects.filter(rulebook_version=rulebook.version, rule=rule.id)
        counts = rows.aggregate(matched=Count("id"), agreed=Count("id", filter=Q(agree=True)))
        out.append(
            RuleReport(
                rulebook_version=rulebook.version,
                rule=rule,
                mode=mode_of(rulebook.version, rule),
                switch=latest_switch(rulebook.version, rule.id),
                replay=AutoRuleReplay.objects.filter(rulebook_version=rulebook.version, rule=rule.id)
                .order_by("-ran_at", "-id")
                .first(),
                matched=counts["matched"],
                agreed=counts["agreed"],
                decided_live=Decision.objects.filter(rulebook_version=rulebook.version, auto_rule=rule.id).count(),
                disagreements=list(rows.filter(agree=False).select_related("case")[:DISAGREEMENTS_SHOWN]),
            )
        )
    return out
