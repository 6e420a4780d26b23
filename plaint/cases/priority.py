"""A case's priority as the sum of the rulebook's [priority] terms, each kept so the reviewer sees why.

`compute` is the one plain function: inputs in, the total and its terms out. `refresh` reads a
case's inputs, computes, and stores both on the case (Case.priority, Case.priority_terms), keeping
what an overdue clock or a nudge added on top (the part of `priority` beyond the old terms' sum). The
review queue and claim-next order by `priority` through the case_queue index, so the total is stored,
never computed while the queue is read. Age grows by itself: the worker's `refresh_ages` adds it
once a day. docs/screening.md, "Priority".
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from plaint.evidence.models import EvidenceFlag, Party
from plaint.rulebook import loader
from plaint.rulebook.schema import PriorityWeights

from .models import Case
from .transitions import OPEN_STATES

# The order the terms are shown in.
TERMS = ("severity", "amount", "cluster", "trusted_flagger", "reporter", "forensics", "age")


@dataclass(frozen=True)
class Inputs:
    """What a case's priority is computed from."""

    category: str
    amount: Decimal | None = None
    # Different reporters in the case's cluster, this one included (0 or 1: no cluster to speak of).
    cluster_size: int = 0
    # Whether the report came from a trusted flagger. Nothing sets it yet: Plaint has no trusted
    # flaggers until that work lands, so the term is 0 for every case today.
    trusted_flagger: bool = False
    reporter_upheld: int = 0
    reporter_unfounded: int = 0
    forensics_flags: int = 0
    age_days: int = 0


def compute(weights: PriorityWeights, inputs: Inputs) -> tuple[int, dict[str, int]]:
    """Return the priority and its terms by name (TERMS), each term already weighted and bounded.

    A missing amount (a listing or merchant report) counts 0; a negative `age_days` (a clock behind)
    counts 0. The reporter's record is bounded by +-reporter_max together.
    """
    amount = int(inputs.amount // 100) if inputs.amount is not None and inputs.amount > 0 else 0
    record = inputs.reporter_upheld * weights.reporter_upheld + inputs.reporter_unfounded * weights.reporter_unfounded
    terms = {
        "severity": weights.severity.get(inputs.category, weights.default_severity),
        "amount": min(amount * weights.amount_per_100, weights.amount_max),
        "cluster": min(max(inputs.cluster_size - 1, 0) * weights.cluster_per_report, weights.cluster_max),
        "trusted_flagger": weights.trusted_flagger if inputs.trusted_flagger else 0,
        "reporter": max(-weights.reporter_max, min(record, weights.reporter_max)),
        "forensics": min(inputs.forensics_flags, weights.forensics_flags_counted) * weights.forensics_per_flag,
        "age": min(max(inputs.age_days, 0) * weights.age_per_day, weights.age_max),
    }
    return sum(terms.values()), terms


def raised(case: Case) -> int:
    """Return what overdue clocks and nudges added to the case's priority beyond its terms (0 without terms)."""
    if not case.priority_terms:
        return 0
    return case.priority - sum(case.priority_terms.values())


def flag_count(case: Case, weights: PriorityWeights) -> int:
    """Return the forensics flags on the reporter's evidence of the case that the weights count (one statement)."""
    if not weights.forensics_per_flag or not weights.forensics_codes:
        return 0
    return EvidenceFlag.objects.filter(
        evidence__case=case, evidence__party=Party.REPORTER, code__in=weights.forensics_codes
    ).count()


def inputs_of(case: Case, now: datetime, *, cluster_size: int | None = None) -> Inputs:
    """Return the case's inputs as stored: its order's amount, cluster, the reporter's record and flags.

    Three statements (the reporter's record is two, the flags one); the report, its order and the
    cluster are read through the case when not already loaded. `cluster_size` saves reading the cluster.
    """
    from .reading import reporter_record  # reading imports the actions' modules that import this one

    weights = loader.get(case.rulebook_version).priority
    report = case.report
    record = reporter_record(case.reporter_id)  # an investigation's (no reporter) is empty
    if cluster_size is None:
        cluster_size = case.cluster.size if case.cluster_id else 0
    flags = flag_count(case, weights) if weights is not None else 0
    return Inputs(
        category=case.category,
        amount=report.order.amount_paid if report.order_id else None,
        cluster_size=cluster_size,
        reporter_upheld=record["upheld"],
        reporter_unfounded=record["unfounded"],
        forensics_flags=flags,
        age_days=(now - case.opened_at).days,
        trusted_flagger=case.trusted_flagger,
    )


def refresh(case: Case, now: datetime, *, inputs: Inputs | None = None) -> Case:
    """Compute the case's priority again and store it with its terms; return the case.

    Nothing changes for a case under a rulebook without [priority], or a closed one. The case's
    version is not bumped: a new priority is no reason to refuse a reviewer's step read before it.
    Call inside a transaction (the row is locked so two refreshes do not lose a clock's raise).
    """
    weights = loader.get(case.rulebook_version).priority
    if weights is None or case.state not in OPEN_STATES:
        return case
    inputs = inputs or inputs_of(case, now)
    total, terms = compute(weights, inputs)
    with transaction.atomic():
        current = Case.objects.select_for_update().values("priority", "priority_terms").get(pk=case.pk)
        extra = current["priority"] - sum(current["priority_terms"].values()) if current["priority_terms"] else 0
        case.priority, case.priority_terms = total + extra, terms
        Case.objects.filter(pk=case.pk).update(priority=case.priority, priority_terms=terms)
    return case


def explained(case: Case) -> dict:
    """Return the case's priority as the reviewer reads it: the total, each term, and what clocks added."""
    terms = case.priority_terms or {}
    return {
        "total": case.priority,
        "terms": [{"term": name, "value": terms[name]} for name in TERMS if name in terms],
        "raised": raised(case),
        "rulebook_version": case.rulebook_version,
        "computed": bool(terms),
    }


# The age term counts whole days, so a pass an hour is enough (per worker process).
AGE_PASS_EVERY = timedelta(hours=1)
_last_age_pass: list[datetime] = []


def refresh_ages_if_due(now: datetime | None = None) -> int:
    """Run `refresh_ages` at most once per AGE_PASS_EVERY in this process (the worker's periodic job)."""
    now = now or timezone.now()
    if _last_age_pass and now - _last_age_pass[0] < AGE_PASS_EVERY:
        return 0
    _last_age_pass[:] = [now]
    return refresh_ages(now)


def refresh_ages(now: datetime | None = None, limit: int = 500) -> int:
    """Bring the age term of open cases up to their age; return how many changed.

    Reads open cases of rulebooks with [priority] at least a day old, oldest first; a case whose age
    term is already right is skipped without a write; at most `limit` writes per pass.
    """
    now = now or timezone.now()
    versions = [r.version for r in loader.versions() if r.priority is not None]
    if not versions:
        return 0
    changed = 0
    rows = Case.objects.filter(
        state__in=OPEN_STATES, rulebook_version__in=versions, opened_at__lte=now - timedelta(days=1)
    ).only("pk", "rulebook_version", "opened_at", "priority_terms")
    for case in rows.order_by("opened_at", "id").iterator(chunk_size=500):
        weights = loader.get(case.rulebook_version).priority
        due = min((now - case.opened_at).days * weights.age_per_day, weights.age_max)
        if not case.priority_terms or case.priority_terms.get("age", 0) == due:
            continue
        with transaction.atomic():
            current = Case.objects.select_for_update().values("priority", "priority_terms").get(pk=case.pk)
            terms = dict(current["priority_terms"])
            delta = due - terms.get("age", 0)
            terms["age"] = due
            Case.objects.filter(pk=case.pk).update(priority=current["priority"] + delta, priority_terms=terms)
        changed += 1
        if changed >= limit:
            break
    return changed
