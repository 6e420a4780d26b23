"""What a run gives operators, read from the scratch database at its end; and the checks that it adds up.

Every figure is counted from the rows the case actions wrote (cases, their events, decisions, clocks,
remedy instructions, measures, monitoring flags), not from the simulation's own bookkeeping, so the
figures say what Plaint did. `problems` checks them against each other.
"""

import math
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from plaint.cases.models import Case, CaseClock, CaseEvent, Decision
from plaint.cases.transitions import FINAL_STATES, OPEN_STATES, State
from plaint.enforcement.actions import ORDER_REMEDIES
from plaint.enforcement.models import Measure, RemedyInstruction
from plaint.monitoring.models import MonitoringFlag
from plaint.rulebook.schema import Rulebook

from .engine import Outcome
from .scenario import Scenario
from .world import World

# Who closed a case, by the transition that closed it: Plaint at intake, a clock (a deadline that ran
# out), or a person (a reviewer's decision, the merchant accepting, the reporter withdrawing).
CLOSED_BY = {
    "declare_inadmissible": "intake",
    "close_for_missing_evidence": "clock",
    "uphold_for_silence": "clock",
    "decide": "people",
    "accept_remedy": "people",
    "withdraw": "people",
}
# The closings that end a case with an outcome: the time from filing to them is the time to decision.
DECIDING = ("decide", "accept_remedy", "uphold_for_silence", "close_for_missing_evidence")
UPHELD = ("upheld", "partly_upheld")
# Events of the case log worth counting for operators: chased, escalated, evidence asked in review,
# claims that ran out, cases back in review.
COUNTED_EVENTS = ("nudged", "escalated", "request_more_evidence", "claim_lapsed", "return_to_review")
CENT = Decimal("0.01")


def percentile(values: list[float], share: float) -> float | None:
    """Return the nearest-rank percentile of `values` (share 0.5: the median, 0.9: p90); None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _hours(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _closings() -> dict[int, tuple[str, datetime]]:
    """Return {case id: (the transition that closed it, when)} for every closed case."""
    closings: dict[int, tuple[str, datetime]] = {}
    for case_id, kind, at in CaseEvent.objects.filter(to_state__in=FINAL_STATES).values_list("case_id", "kind", "at"):
        if case_id in closings:
            raise AssertionError(f"case {case_id} was closed twice ({closings[case_id][0]}, then {kind})")
        closings[case_id] = (kind, at)
    return closings


def _cases(rulebook: Rulebook) -> tuple[dict[str, Any], dict[str, Any]]:
    cases = list(Case.objects.values_list("id", "category", "state", "opened_at"))
    closings = _closings()
    by_state = Counter(state for _, _, state, _ in cases)
    closed_by: Counter = Counter()
    closings_kinds: Counter = Counter()
    durations: dict[str, list[float]] = defaultdict(list)
    for case_id, category, state, opened_at in cases:
        if state in OPEN_STATES:
            continue
        kind, at = closings[case_id]
        closings_kinds[kind] += 1
        closed_by[CLOSED_BY.get(kind, "other")] += 1
        if kind in DECIDING:
            hours = (at - opened_at).total_seconds() / 3600
            durations[category].append(hours)
            durations["all"].append(hours)
    closed = sum(closed_by.values())
    summary = {
        "filed": len(cases),
        "open_at_end": sum(by_state[s] for s in OPEN_STATES),
        "closed": closed,
        "by_state": {state: by_state.get(state, 0) for state in [*sorted(OPEN_STATES), *sorted(FINAL_STATES)]},
        "closed_by": {who: closed_by.get(who, 0) for who in ("intake", "clock", "people", "other")},
        "closed_by_share": {who: _share(closed_by.get(who, 0), closed) for who in ("intake", "clock", "people")},
        "closings": dict(sorted(closings_kinds.items())),
    }
    titles = {c.code: {"zh": c.title.zh, "en": c.title.en} for c in rulebook.categories}
    filed = Counter(category for _, category, _, _ in cases)
    timing = {
        code: {
            "title": titles.get(code, {"zh": code, "en": code}) if code != "all" else {"zh": "全部", "en": "All"},
            "filed": filed.get(code, 0) if code != "all" else len(cases),
            "decided": len(durations.get(code, [])),
            "median_hours": _hours(percentile(durations.get(code, []), 0.5)),
            "p90_hours": _hours(percentile(durations.get(code, []), 0.9)),
        }
        for code in [*[c.code for c in rulebook.categories], "all"]
    }
    return summary, timing


def _sla() -> dict[str, dict[str, int]]:
    rows = CaseClock.objects.order_by().values("stage").annotate(started=Count("id"))
    breached = dict(
        CaseClock.objects.filter(breached_at__isnull=False).order_by().values_list("stage").annotate(n=Count("id"))
    )
    warned = dict(
        CaseClock.objects.filter(warned_at__isnull=False).order_by().values_list("stage").annotate(n=Count("id"))
    )
    return {
        row["stage"]: {
            "started": row["started"],
            "breached": breached.get(row["stage"], 0),
            "warned": warned.get(row["stage"], 0),
            "breached_share": _share(breached.get(row["stage"], 0), row["started"]),
        }
        for row in sorted(rows, key=lambda r: r["stage"])
    }


def _flow() -> dict[date, Counter]:
    """Return per local day how many cases entered review and how many left it, from the case events."""
    flow: dict[date, Counter] = defaultdict(Counter)
    events = CaseEvent.objects.exclude(to_state="")
    for at, source, target in events.values_list("at", "from_state", "to_state"):
        day = timezone.localtime(at).date()
        if target == State.AWAITING_REVIEW and source != State.AWAITING_REVIEW:
            flow[day]["entered"] += 1
        if source == State.AWAITING_REVIEW and target != State.AWAITING_REVIEW:
            flow[day]["left"] += 1
    return flow


def _days(outcome: Outcome) -> list[dict[str, Any]]:
    flow = _flow()
    return [
        {
            "day": d.day.isoformat(),
            "backlog": d.backlog,
            "entered_review": flow[d.day]["entered"],
            "left_review": flow[d.day]["left"],
            "reviewed": d.reviewed,
            "awaiting_merchant": d.awaiting_merchant,
            "needs_evidence": d.needs_evidence,
        }
        for d in outcome.days
    ]


def _remedies() -> dict[str, Any]:
    instructed = {
        row["kind"]: {"count": row["n"], "amount": str(Decimal(row["amount"] or 0).quantize(CENT))}
        for row in RemedyInstruction.objects.order_by("kind")
        .values("kind")
        .annotate(n=Count("id"), amount=Sum("amount"))
    }
    # A decision that names a remedy the marketplace carries out, with no instruction sent (issue 18, item 2).
    stated = (
        Decision.objects.filter(outcome__in=UPHELD, remedy__in=ORDER_REMEDIES)
        .exclude(pk__in=RemedyInstruction.objects.filter(decision__isnull=False).values("decision_id"))
        .count()
    )
    total = sum(v["count"] for v in instructed.values())
    return {"instructed": total, "by_kind": instructed, "stated_not_instructed": stated}


def _ladder(rulebook: Rulebook) -> list[dict[str, Any]]:
    reached = {
        (row["track"], row["threshold"]): row["merchants"]
        for row in Measure.objects.order_by()
        .values("track", "threshold")
        .annotate(merchants=Count("merchant", distinct=True))
    }
    steps = [
        {
            "track": step.track,
            "points": step.points,
            "measures": [m.kind for m in step.measures],
            "merchants": reached.pop((step.track, step.points), 0),
        }
        for step in sorted(rulebook.ladder, key=lambda s: (s.track, s.points))
    ]
    # Measures from outside the ladder (the monitoring job's, for illegal goods).
    steps += [
        {"track": track, "points": threshold, "measures": [], "merchants": merchants}
        for (track, threshold), merchants in sorted(reached.items())
    ]
    return steps


def compute(scenario: Scenario, rulebook: Rulebook, world: World, outcome: Outcome) -> dict[str, Any]:
    """Return every figure of the run (what `report` prints and writes)."""
    cases, timing = _cases(rulebook)
    decisions = Counter(
        (outcome_, automated) for outcome_, automated in Decision.objects.values_list("outcome", "automated")
    )
    refused: dict[str, dict[str, int]] = defaultdict(dict)
    for (action, code), n in sorted(outcome.refused.items()):
        refused[action][code] = n
    return {
        "scenario": scenario.as_dict(),
        "rulebook": {"version": rulebook.version, "title": {"zh": rulebook.title.zh, "en": rulebook.title.en}},
        "merchants": dict(sorted(Counter(m.kind for m in world.merchants).items())),
        "cases": cases,
        "time_to_decision": timing,
        "decisions": {
            f"{o}{' (automated)' if a else ''}": n
            for (o, a), n in sorted(decisions.items(), key=lambda i: (i[0][0], i[0][1]))
        },
        "sla": _sla(),
        "days": _days(outcome),
        "remedies": _remedies(),
        "ladder": _ladder(rulebook),
        "events": {kind: CaseEvent.objects.filter(kind=kind).count() for kind in COUNTED_EVENTS},
        "monitoring_flags": dict(
            MonitoringFlag.objects.order_by().values_list("reason").annotate(n=Count("id")).order_by("reason")
        ),
        "actions": dict(sorted(outcome.attempts.items())),
        "refused": dict(refused),
        "ticks": outcome.ticks,
    }


def problems(figures: dict[str, Any]) -> list[str]:
    """Return what does not add up in the figures (empty when everything does)."""
    found = []
    cases = figures["cases"]
    closed_by = cases["closed_by"]
    if closed_by["other"]:
        found.append(f"{closed_by['other']} cases closed by a transition the figures do not know")
    if cases["filed"] != cases["closed"] + cases["open_at_end"] or cases["closed"] != sum(closed_by.values()):
        found.append(f"filed {cases['filed']} != closed {cases['closed']} + open {cases['open_at_end']}")
    if cases["filed"] != sum(cases["by_state"].values()):
        found.append("the cases by state do not add up to the cases filed")
    shares = cases["closed_by_share"]
    if cases["closed"] and abs(sum(shares.values()) - 1) > 0.001:
        found.append(f"the shares closed by intake, clocks and people add up to {sum(shares.values())}")
    decided = sum(cases["closings"].get(kind, 0) for kind in DECIDING)
    if figures["time_to_decision"]["all"]["decided"] != decided:
        found.append("the time to decision does not count every decided or resolved case")
    before = 0
    for day in figures["days"]:
        if day["backlog"] < 0:
            found.append(f"{day['day']}: negative backlog {day['backlog']}")
        if day["backlog"] != before + day["entered_review"] - day["left_review"]:
            found.append(
                f"{day['day']}: backlog {day['backlog']} != {before} + {day['entered_review']} entered "
                f"- {day['left_review']} left"
            )
        before = day["backlog"]
    return found
