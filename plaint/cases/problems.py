"""Several problems of one order in one report (issue 17 item 5; the rulebook's [problems], version 4 on).

A report names its main category and may name others of the same order (`ReportIn.also`): expired
*and* damaged. Each problem is judged by intake against its own window and evidence, answered by the
merchant (accept or contest) and decided on its own; an upheld problem puts its own category's
points on the record, except where the rulebook says one category absorbs another (the same fact
is not penalised twice). The case's category stays the main one, so every list and figure that
counts cases by category counts a case once, under its main category. The rows are CaseProblem;
a report of one category has none and is handled exactly as before.

Plain functions: the actions (filing, evidence, merchant_response, review, decisions) call them
inside their own transactions.
"""

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from plaint.db import select_rows
from plaint.errors import InvalidInput
from plaint.rulebook import evaluation
from plaint.rulebook.evaluation import ADMITTED, INADMISSIBLE, NEEDS_EVIDENCE, Admissibility
from plaint.rulebook.schema import Category, Rulebook

from .models import Case, CaseProblem, Decision
from .statements import OUTCOME_TITLES
from .transitions import OPEN_STATES

UPHELD = ("upheld", "partly_upheld")


def extra_categories(rulebook: Rulebook, main: Category, also: list[str], target_type: str) -> list[Category]:
    """Return the report's further categories (`also`), checked: known, distinct, on an order, within the limit.

    Raises InvalidInput (field `also`) naming what is wrong and what to send instead.
    """
    if not also:
        return []
    if rulebook.problems is None:
        raise InvalidInput(
            "several_problems_not_available",
            f"Rulebook version {rulebook.version} takes one category per report.",
            field="also",
            hint="Leave `also` out and file one report per problem.",
        )
    if target_type != "order":
        raise InvalidInput(
            "several_problems_need_an_order",
            "Only a report about an order may name several problems.",
            field="also",
            hint="Leave `also` out, or report the order itself.",
        )
    codes = [main.code, *also]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise InvalidInput(
            "problem_named_twice",
            f"The report names {', '.join(repeated)} more than once.",
            field="also",
            hint="Name each problem once; `category` is the main one, `also` the others.",
        )
    limit = rulebook.problems.max_per_report
    if len(codes) > limit:
        raise InvalidInput(
            "too_many_problems",
            f"The report names {len(codes)} problems; rulebook version {rulebook.version} allows {limit} per report.",
            field="also",
            hint=f"Keep the {limit} that matter most, or file another report for the rest.",
        )
    found = []
    for code in also:
        category = rulebook.category(code)
        if category is None:
            raise InvalidInput(
                "unknown_category",
                f"{code!r} is not a category of rulebook version {rulebook.version}.",
                field="also",
                hint="Use one of: " + ", ".join(c.code for c in rulebook.categories if "order" in c.targets),
            )
        found.append(category)
    return found


def open_case_of_matters(matters: list[str]) -> str | None:
    """Return the reference of an open case that raises any of `matters`, as its main matter or as a problem."""
    if not matters:
        return None
    open_states = sorted(OPEN_STATES)
    found = Case.objects.filter(matter__in=matters, state__in=open_states).values_list("reference", flat=True).first()
    if found is None:
        found = (
            CaseProblem.objects.filter(matter__in=matters, case__state__in=open_states)
            .values_list("case__reference", flat=True)
            .first()
        )
    return found


def open_case_of_problem(matter: str) -> bool:
    """Return whether an open case names `matter` among its problems (one indexed query, asked at every filing)."""
    states = sorted(OPEN_STATES)
    sql = (
        f"SELECT 1 FROM {CaseProblem._meta.db_table} p JOIN {Case._meta.db_table} c ON c.id = p.case_id "
        f"WHERE p.matter = %s AND c.state IN ({', '.join(['%s'] * len(states))}) LIMIT 1"
    )
    return bool(select_rows(sql, [matter, *states]))


def combine(rulebook: Rulebook, results: list[tuple[Category, Admissibility]]) -> Admissibility:
    """Return the case's admissibility from each problem's: admitted or waiting for evidence while any problem is.

    Inadmissible only when every problem is (then the main problem's reason stands). The case waits
    for evidence while a problem that is not inadmissible lacks its required evidence (the kinds
    missing are the union, in order). The explanation says each problem's outcome in turn.
    """
    live = [(c, r) for c, r in results if r.outcome != INADMISSIBLE]
    base = (live or results)[0][1]
    waiting = [r for _c, r in live if r.outcome == NEEDS_EVIDENCE]
    missing: list[str] = []
    for result in waiting:
        missing += [kind for kind in result.missing_evidence if kind not in missing]
    outcome = INADMISSIBLE if not live else NEEDS_EVIDENCE if waiting else ADMITTED
    explanation = {
        lang: "\n".join(f"{getattr(c.title, lang)}: {r.explanation[lang]}" for c, r in results) for lang in ("zh", "en")
    }
    return replace(
        base if not waiting else waiting[0],
        outcome=outcome,
        category=results[0][0].code,
        missing_evidence=tuple(missing),
        explanation=explanation,
        reason_code=base.reason_code if outcome == INADMISSIBLE else None,
    )


def summary(results: list[tuple[Category, Admissibility]]) -> list[dict[str, Any]]:
    """Return each problem's intake outcome as stored in the case's admissibility and its intake event."""
    return [
        {
            "category": c.code,
            "title": {"zh": c.title.zh, "en": c.title.en},
            "outcome": r.outcome,
            "reason_code": r.reason_code,
            "missing_evidence": list(r.missing_evidence),
            "explanation": r.explanation,
        }
        for c, r in results
    ]


def create_rows(case: Case, results: list[tuple[Category, Admissibility]], matters: list[str]) -> None:
    """Write one CaseProblem per category of a report of several, the main one first."""
    CaseProblem.objects.bulk_create(
        CaseProblem(case=case, position=i, category=c.code, matter=matters[i], admissibility=r.as_dict())
        for i, (c, r) in enumerate(results)
    )


def several(case: Case) -> bool:
    """Return whether the case's report names several problems (it then has CaseProblem rows)."""
    return "problems" in (case.admissibility or {})


def open_problems(case: Case) -> list[str]:
    """Return the category codes of the case's problems still to be answered and decided, main first."""
    return [p.category for p in live(case) if not p.outcome]


def live(case: Case) -> list[CaseProblem]:
    """Return the case's problems intake did not refuse (the ones answered and decided); [] for one category.

    A case of one category reads nothing: only a report of several carries `problems` in its admissibility.
    """
    if not several(case):
        return []
    return [p for p in case.problems.all() if p.intake != INADMISSIBLE]


def reassess_evidence(case: Case, rulebook: Rulebook, present: set[str]) -> tuple[str, ...]:
    """Admit each problem waiting for evidence that now has it; return the kinds still missing (union, in order)."""
    missing: list[str] = []
    for problem in live(case):
        if problem.intake != NEEDS_EVIDENCE:
            continue
        category = rulebook.category(problem.category)
        lacking = evaluation.missing_evidence(category, present)
        if lacking:
            missing += [kind for kind in lacking if kind not in missing]
            problem.admissibility = problem.admissibility | {"missing_evidence": list(lacking)}
        else:
            problem.admissibility = problem.admissibility | {"outcome": ADMITTED, "missing_evidence": []}
        problem.save(update_fields=["admissibility"])
    return tuple(missing)


def drop_unevidenced(case: Case) -> list[str]:
    """At the evidence deadline: close the problems still waiting as not upheld; return those kept (admitted).

    Called only when at least one problem is admitted: the case goes on with the admitted problems.
    """
    kept = []
    for problem in live(case):
        if problem.intake == NEEDS_EVIDENCE:
            problem.outcome = "not_upheld"
            problem.admissibility = problem.admissibility | {"closed_for_missing_evidence": True}
            problem.save(update_fields=["outcome", "admissibility"])
        else:
            kept.append(problem.category)
    return kept


def check_answers(case: Case, kind: str, accepted: list[str]) -> dict[str, str]:
    """Return the merchant's answer per open problem (accept or contest), checked against the case.

    Accepting the remedy accepts every problem; contesting (or proposing rectification) contests
    every problem not in `accepted`. Raises InvalidInput (field `accepted`) otherwise.
    """
    open_problems = [p.category for p in live(case) if not p.outcome]
    if not open_problems:
        if accepted:
            raise InvalidInput(
                "accepted_not_applicable",
                "This report names one problem; answer it with `kind` alone.",
                field="accepted",
                hint="Leave `accepted` out.",
            )
        return {}
    unknown = sorted(set(accepted) - set(open_problems))
    if unknown:
        raise InvalidInput(
            "unknown_problem",
            f"This report does not name {', '.join(unknown)} among its open problems.",
            field="accepted",
            hint="The open problems are: " + ", ".join(open_problems),
        )
    if kind == "accept":
        return {code: "accept" for code in open_problems}
    if set(accepted) == set(open_problems):
        raise InvalidInput(
            "every_problem_accepted",
            "Every problem is accepted: that is accepting the remedy.",
            field="accepted",
            hint="Send kind 'accept', or leave out of `accepted` the problems you contest.",
        )
    return {code: "accept" if code in accepted else "contest" for code in open_problems}


def record_answers(case: Case, answers: dict[str, str]) -> None:
    """Store the merchant's answer on each problem."""
    for problem in live(case):
        if problem.category in answers:
            problem.answer = answers[problem.category]
            problem.save(update_fields=["answer"])


def overall(outcomes: dict[str, str]) -> str:
    """Return the case's outcome from its problems': upheld or not upheld when all agree, else partly upheld."""
    values = set(outcomes.values())
    if values == {"upheld"}:
        return "upheld"
    if values == {"not_upheld"}:
        return "not_upheld"
    return "partly_upheld"


def check_outcomes(case: Case, outcome: str, given: dict[str, str] | None) -> dict[str, str] | None:
    """Return the reviewer's outcome per problem to decide, checked; None for a case of one problem.

    Every problem still open is decided, each upheld, partly upheld or not upheld, and the case's
    outcome must be the one they make together (`overall`). Raises InvalidInput (field `problems`).
    """
    open_problems = [p.category for p in live(case) if not p.outcome]
    if not open_problems:
        if given:
            raise InvalidInput(
                "problems_not_applicable",
                "This report names one problem; decide it with `outcome` alone.",
                field="problems",
                hint="Leave `problems` out.",
            )
        return None
    if not given and len(open_problems) == 1:
        # The only problem intake let through: the case's outcome is its outcome.
        return {open_problems[0]: outcome}
    given = dict(given or {})
    if set(given) != set(open_problems):
        raise InvalidInput(
            "decide_each_problem",
            "Decide each problem of the report: " + ", ".join(open_problems) + ".",
            field="problems",
            hint="Send `problems` with an outcome (upheld, partly_upheld, not_upheld) for each of them.",
            details={"problems": open_problems},
        )
    bad = sorted(code for code, value in given.items() if value not in OUTCOME_TITLES)
    if bad:
        raise InvalidInput(
            "unknown_outcome",
            f"Decide {', '.join(bad)} as upheld, partly_upheld or not_upheld.",
            field="problems",
        )
    expected = overall(given)
    if outcome != expected:
        raise InvalidInput(
            "outcome_does_not_match_problems",
            f"The problems' outcomes make the case {expected}, not {outcome}.",
            field="outcome",
            hint=f"Send outcome '{expected}'.",
            details={"expected": expected},
        )
    return given


def is_repeat(case: Case, category: Category, rulebook: Rulebook, now: datetime) -> bool:
    """Return whether the merchant was found in breach of `category` (a case's main one, or a problem) lately.

    Within the rulebook's repeat_within_days, by a decision upheld wholly or partly whose points stand;
    only for a category with a repeat_multiplier above 1.
    """
    if category.repeat_multiplier <= 1:
        return False
    since = now - timedelta(days=rulebook.points.repeat_within_days)
    # A decision on one problem by its case's category; on several, by that problem's own outcome.
    found = Q(case__category=category.code, problems__isnull=True) | Q(
        problems__category=category.code, problems__outcome__in=UPHELD
    )
    return Decision.objects.filter(
        found,
        case__merchant_id=case.merchant_id,
        outcome__in=UPHELD,
        decided_at__gte=since,
        point_entries__revoked_at__isnull=True,
    ).exists()


def points_plan(case: Case, rulebook: Rulebook, outcomes: dict[str, str], now: datetime) -> list[dict[str, Any]]:
    """Return each decided problem's points: its category's for its outcome (a repeat multiplied), or 0 if absorbed.

    An upheld problem whose category another upheld problem of the report absorbs ([problems]
    absorbs) gets no points of its own: the absorbing category's points count for the fact.
    """
    absorbs = rulebook.problems.absorbs if rulebook.problems else {}
    upheld = {code for code, outcome in outcomes.items() if outcome in UPHELD}
    plan = []
    for code, outcome in outcomes.items():
        category = rulebook.category(code)
        by = next((other for other in sorted(upheld) if other != code and code in absorbs.get(other, ())), "")
        repeat = outcome in UPHELD and is_repeat(case, category, rulebook, now)
        points = 0 if by else evaluation.decision_points(category, outcome, repeat)
        plan.append(
            {
                "category": code,
                "title": {"zh": category.title.zh, "en": category.title.en},
                "outcome": outcome,
                "outcome_title": OUTCOME_TITLES[outcome],
                "points": points,
                "track": category.track,
                "track_title": {
                    "zh": rulebook.tracks[category.track].title.zh,
                    "en": rulebook.tracks[category.track].title.en,
                },
                "repeat": repeat,
                "absorbed_by": by,
                "absorbed_by_title": {"zh": rulebook.category(by).title.zh, "en": rulebook.category(by).title.en}
                if by
                else None,
            }
        )
    return plan


def record_outcomes(case: Case, decision: Decision, plan: list[dict[str, Any]]) -> None:
    """Store each problem's outcome, points and absorption, and link it to the decision."""
    by_code = {item["category"]: item for item in plan}
    for problem in live(case):
        item = by_code.get(problem.category)
        if item is None:
            continue
        problem.outcome = item["outcome"]
        problem.points = item["points"]
        problem.absorbed_by = item["absorbed_by"]
        problem.decision = decision
        problem.save(update_fields=["outcome", "points", "absorbed_by", "decision"])


def items(case: Case, rulebook: Rulebook) -> list[dict[str, Any]]:
    """Return the case's problems as the API and the case pages read them ([] for a report of one category)."""
    if not several(case):
        return []
    rows = []
    for p in case.problems.all():
        category = rulebook.category(p.category)
        rows.append(
            {
                "category": p.category,
                "title": {"zh": category.title.zh, "en": category.title.en} if category else None,
                "main": p.position == 0,
                "admissibility": p.admissibility,
                "answer": p.answer or None,
                "outcome": p.outcome or None,
                "outcome_title": OUTCOME_TITLES.get(p.outcome),
                "points": p.points,
                "absorbed_by": p.absorbed_by or None,
            }
        )
    return rows
