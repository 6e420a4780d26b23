"""The run: simulated consumers, merchants and reviewers call the case actions with `now=`, and the clocks tick.

Time moves from event to event in order (a heap); every simulated hour the worker's periodic jobs run
as the worker runs them (every one of PERIODIC_JOBS but the outbox's delivery: the clocks, the
escalation digest, the end of timed measures, the daily monitoring, quality and transparency figures), and
at each midnight the state of the queues is counted. What a person does with a case is drawn from a
random generator of that report's own (from the seed and the report's place in the plan), so it does
not depend on the order in which other things happened.

A domain error (a refusal, e.g. evidence sent after its deadline or an answer after the merchant's)
is what the person would see: the run counts it by action and code and goes on. Anything else is a
fault: the run stops and names the step.
"""

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import import_string

from plaint.accounts.models import User
from plaint.cases import actions, queries
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case
from plaint.cases.transitions import OPEN_STATES, State
from plaint.errors import DomainError
from plaint.evidence.actions import Upload
from plaint.notifications.worker import DELIVERY_JOB, PERIODIC_JOBS
from plaint.rulebook import calendar
from plaint.rulebook.schema import Rulebook

from .scenario import Scenario
from .world import PlannedReport, World, photo

CLOCKS_JOB = "plaint.cases.clocks.tick"
# At one moment: the day's count first (it closes the day before), then the worker's pass, then people.
SNAPSHOT, TICK, PERSON = 0, 1, 2
# How long a reviewer whose claim was refused (someone took the case first) waits before looking again.
IDLE = timedelta(minutes=20)
# What each kind of merchant does with a report it is asked to answer: weights of accepting the remedy,
# contesting, proposing rectification, and staying silent; founded and unfounded reports apart. And how
# many hours after the case reached it the merchant answers (some answer after the deadline, and are refused).
ANSWERS = {
    "fair": ({"accept": 0.8, "rectify": 0.1, "contest": 0.1}, {"contest": 0.85, "accept": 0.15}, (2, 36)),
    "contesting": ({"contest": 0.85, "rectify": 0.1, "accept": 0.05}, {"contest": 0.95, "accept": 0.05}, (12, 60)),
    "silent": ({"silent": 0.9, "contest": 0.1}, {"silent": 0.9, "contest": 0.1}, (24, 96)),
    "mixed": (
        {"accept": 0.3, "contest": 0.3, "rectify": 0.1, "silent": 0.3},
        {"accept": 0.1, "contest": 0.5, "silent": 0.4},
        (4, 72),
    ),
}


class SimulationFault(RuntimeError):
    """A domain function failed with something other than a domain error: a bug the run found."""


@dataclass
class Day:
    """The queues at the end of a day (local midnight), and what the reviewers did that day."""

    day: date
    backlog: int  # cases awaiting review
    awaiting_merchant: int
    needs_evidence: int
    reviewed: int = 0  # decisions and requests for evidence by the reviewers


@dataclass
class Outcome:
    days: list[Day] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # (action, code) -> count
    case_ids: list[int] = field(default_factory=list)
    ticks: int = 0


@dataclass
class _Reviewer:
    user: User
    done: Counter = field(default_factory=Counter)  # local date -> cases handled
    idle: bool = True  # nothing of theirs in the event queue: a wake calls them
    waiting: set[int] = field(default_factory=set)  # cases they asked more evidence for


class Run:
    """One run of a scenario's period over its world: the event queue and the simulated people."""

    def __init__(self, scenario: Scenario, rulebook: Rulebook, world: World) -> None:
        self.scenario = scenario
        self.rulebook = rulebook
        self.world = world
        self.outcome = Outcome()
        self.heap: list[tuple[datetime, int, int, Callable[..., None], tuple]] = []
        self.sequence = itertools.count()
        self.case_of: dict[int, int] = {}  # plan index -> case id
        self.report_of: dict[int, PlannedReport] = {}  # case id -> its planned report
        self.rngs: dict[int, random.Random] = {}
        self.asked: set[int] = set()  # cases a reviewer already asked for more evidence
        self.photo = photo()
        self.reviewers = [_Reviewer(user) for user in world.reviewers]
        decision = rulebook.sla.decision
        self.calendar = calendar.calendar(decision.calendar) if decision.calendar else None
        if scenario.hours:
            self.hours = scenario.hours
        elif self.calendar is not None:
            self.hours = (self.calendar.start, self.calendar.end)
        else:
            self.hours = (time(9), time(18))
        minutes = (datetime.combine(date.min, self.hours[1]) - datetime.combine(date.min, self.hours[0])).seconds / 60
        self.handling = timedelta(minutes=minutes / scenario.capacity)
        self.reviewed_today: Counter = Counter()
        self.jobs: dict[str, Callable[[datetime], Any]] = {}

    # --- the event queue ------------------------------------------------------------------------

    def at(self, when: datetime, order: int, step: Callable[..., None], *args: Any) -> None:
        if when <= self.scenario.end:
            heapq.heappush(self.heap, (when, order, next(self.sequence), step, args))

    def run(self) -> Outcome:
        """Run the whole period; return what happened on the way (the figures are read from the database after)."""
        start, end = self.scenario.start, self.scenario.end
        hour = start.replace(minute=0, second=0, microsecond=0)
        while hour <= end:
            if hour >= start:
                self.at(hour, TICK, self.tick)
            hour += timedelta(hours=1)
        midnight = timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        while midnight <= end:
            self.at(midnight, SNAPSHOT, self.snapshot)
            midnight += timedelta(days=1)
        for report in self.world.plan:
            self.at(report.at, PERSON, self.file, report)
        for reviewer in self.reviewers:
            self._call(reviewer, start)
        while self.heap:
            when, _, _, step, args = heapq.heappop(self.heap)
            step(when, *args)
        return self.outcome

    def _do(self, action: str, where: str, call: Callable[[], Any]) -> Any:
        """Call a domain function; count a domain error by code and return None; stop on anything else."""
        self.outcome.attempts[action] += 1
        try:
            return call()
        except DomainError as exc:
            self.outcome.refused[(action, exc.code)] += 1
            return None
        except Exception as exc:
            raise SimulationFault(f"{action} ({where}) failed: {type(exc).__name__}: {exc}") from exc

    def _rng(self, report: PlannedReport) -> random.Random:
        if report.index not in self.rngs:
            self.rngs[report.index] = random.Random(f"report-{self.scenario.seed}-{report.index}")
        return self.rngs[report.index]

    def _case(self, case_id: int) -> Case:
        return Case.objects.select_related("report", "report__order", "merchant", "reporter").get(pk=case_id)

    def _uploads(self, kinds: list[str]) -> list[Upload]:
        return [Upload(f"{kind}.png", self.photo, kind) for kind in kinds]

    # --- the worker ------------------------------------------------------------------------------

    def tick(self, now: datetime) -> None:
        """The worker's pass: every periodic job but the delivery of the outbox (nothing leaves a simulation)."""
        self.outcome.ticks += 1
        fired = None
        for name in PERIODIC_JOBS:
            if name == DELIVERY_JOB:
                continue
            job = self.jobs.setdefault(name, import_string(name))
            result = self._do(name.removeprefix("plaint."), f"at {now.isoformat()}", lambda job=job: job(now))
            if name == CLOCKS_JOB:
                fired = result
        if fired is not None and (fired.silence_handled or fired.returned_to_review or fired.claims_lapsed):
            self.wake(now)

    def snapshot(self, now: datetime) -> None:
        counts = dict(
            Case.objects.filter(state__in=OPEN_STATES).order_by().values_list("state").annotate(n=Count("id"))
        )
        day = (timezone.localtime(now) - timedelta(days=1)).date()
        self.outcome.days.append(
            Day(
                day=day,
                backlog=counts.get(State.AWAITING_REVIEW, 0),
                awaiting_merchant=counts.get(State.AWAITING_MERCHANT, 0),
                needs_evidence=counts.get(State.NEEDS_EVIDENCE, 0),
                reviewed=self.reviewed_today[day],
            )
        )

    # --- consumers -------------------------------------------------------------------------------

    def file(self, now: datetime, report: PlannedReport) -> None:
        data = ReportIn(
            target_type=report.target_type,
            target_id=report.target_id,
            category=report.category,
            description=f"Simulated report {report.index}: {report.category} about {report.target_type} "
            f"{report.target_id}.",
            remedy_wanted=report.remedy,
            channel="app",
        )
        where = f"report {report.index} at {now.isoformat()}"
        filed = self._do(
            "file_report",
            where,
            lambda: actions.file_report(report.reporter, data, self._uploads(report.evidence), now=now),
        )
        if filed is None:
            return
        case = filed.case
        self.case_of[report.index] = case.pk
        self.report_of[case.pk] = report
        self.outcome.case_ids.append(case.pk)
        self._after(now, report, case)
        if report.nudge_after:
            self.at(now + report.nudge_after, PERSON, self.nudge, report)
        if report.withdraw_after:
            self.at(now + report.withdraw_after, PERSON, self.withdraw, report)

    def _after(self, now: datetime, report: PlannedReport, case: Case) -> None:
        """Schedule what the parties do next, now that the case is in its new state."""
        if case.state == State.AWAITING_MERCHANT:
            self._merchant_turn(now, report)
        elif case.state == State.AWAITING_REVIEW:
            self.wake(now)
        elif case.state == State.NEEDS_EVIDENCE and report.adds_missing_after is not None:
            self.at(now + report.adds_missing_after, PERSON, self.add_missing, report)

    def add_missing(self, now: datetime, report: PlannedReport) -> None:
        case = self._case(self.case_of[report.index])
        if case.state != State.NEEDS_EVIDENCE:
            return
        kinds = list(case.admissibility.get("missing_evidence") or []) or ["other"]
        filed = self._do(
            "add_evidence",
            f"report {report.index} at {now.isoformat()}",
            lambda: actions.add_evidence(report.reporter, case, self._uploads(kinds), now=now),
        )
        if filed is not None:
            self._after(now, report, filed.case)

    def nudge(self, now: datetime, report: PlannedReport) -> None:
        case = self._case(self.case_of[report.index])
        if case.state in OPEN_STATES:  # a reporter chases only a case still open
            self._do("nudge_case", f"report {report.index}", lambda: actions.nudge_case(report.reporter, case, now=now))

    def withdraw(self, now: datetime, report: PlannedReport) -> None:
        case = self._case(self.case_of[report.index])
        if case.state in OPEN_STATES:
            self._do(
                "withdraw_report",
                f"report {report.index}",
                lambda: actions.withdraw_report(report.reporter, case, "Sorted out with the shop.", now=now),
            )

    # --- merchants -------------------------------------------------------------------------------

    def _merchant_turn(self, now: datetime, report: PlannedReport) -> None:
        rng = self._rng(report)
        merchant = self.world.merchants[report.order.merchant]
        founded, unfounded, (low, high) = ANSWERS[merchant.kind]
        weights = founded if report.founded else unfounded
        kind = rng.choices(list(weights), weights=list(weights.values()))[0]
        delay = timedelta(hours=rng.uniform(low, high))
        if kind != "silent":
            self.at(now + delay, PERSON, self.answer, report, kind)

    def answer(self, now: datetime, report: PlannedReport, kind: str) -> None:
        case = self._case(self.case_of[report.index])
        if case.state != State.AWAITING_MERCHANT:
            return
        staff = self.world.merchants[report.order.merchant].staff
        data = ResponseIn(
            kind=kind,
            explanation={
                "accept": "We accept and will refund.",
                "contest": "The goods were as described; see our records.",
                "rectify": "We will correct the listing.",
            }[kind],
            rectification_plan="Correct the listing and check the batch." if kind == "rectify" else "",
        )
        answered = self._do(
            f"respond_as_merchant:{kind}",
            f"report {report.index} at {now.isoformat()}",
            lambda: actions.respond_as_merchant(staff, case, data, now=now),
        )
        if answered is not None and answered.case.state == State.AWAITING_REVIEW:
            self.wake(now)

    # --- reviewers -------------------------------------------------------------------------------

    def _working_day(self, day: date) -> bool:
        if self.calendar is not None:
            return self.calendar.is_working_day(day)
        return day.isoweekday() <= 5

    def _next_shift(self, now: datetime) -> datetime:
        local = timezone.localtime(now)
        day = local.date()
        if local.time() >= self.hours[0]:
            day += timedelta(days=1)
        while not self._working_day(day):
            day += timedelta(days=1)
        return timezone.make_aware(datetime.combine(day, self.hours[0]), local.tzinfo)

    def _call(self, reviewer: _Reviewer, when: datetime) -> None:
        """Have the reviewer look at the queue at `when`, unless they are already at work or due to look."""
        if reviewer.idle:
            reviewer.idle = False
            self.at(when, PERSON, self.review, reviewer)

    def wake(self, now: datetime) -> None:
        """A case may have reached review: idle reviewers look at the queue (they do not poll it)."""
        for reviewer in self.reviewers:
            self._call(reviewer, now)

    def review(self, now: datetime, reviewer: _Reviewer) -> None:
        """The reviewer takes up the next case: their own claimed one first, then the queue's most urgent."""
        reviewer.idle = True
        local = timezone.localtime(now)
        if (
            not self._working_day(local.date())
            or not self.hours[0] <= local.time() < self.hours[1]
            or reviewer.done[local.date()] >= self.scenario.capacity
        ):
            self._call(reviewer, self._next_shift(now))
            return
        case = None
        if reviewer.waiting:  # cases they asked evidence for, back in review: their claim may still hold
            case = queries.review_queue(now, mine=reviewer.user).first()
        case = case or queries.review_queue(now, include_claimed=False).first()
        if case is None:
            return  # idle until a case reaches review (wake) or the next shift
        claimed = self._do(
            "claim_case",
            f"{case.reference} at {now.isoformat()}",
            lambda: actions.claim_case(reviewer.user, case, now=now),
        )
        if claimed is None:
            self._call(reviewer, now + IDLE)
            return
        reviewer.idle = False
        reviewer.waiting.discard(case.pk)
        self.at(now + self.handling, PERSON, self.finish, reviewer, case.pk)

    def finish(self, now: datetime, reviewer: _Reviewer, case_id: int) -> None:
        """The reviewer decides the case they worked on, or asks the reporter for more evidence first."""
        case = self._case(case_id)
        day = timezone.localtime(now).date()
        reviewer.done[day] += 1
        self.reviewed_today[day] += 1
        report = self._report_of(case_id)
        if case.state == State.AWAITING_REVIEW:
            rng = self._rng(report) if report else random.Random(case_id)
            if case_id not in self.asked and rng.random() < self.scenario.review_evidence_share:
                self._ask_evidence(now, reviewer, case, report, rng)
            else:
                self._decide(now, reviewer, case, report, rng)
        reviewer.idle = True
        self._call(reviewer, now)

    def _report_of(self, case_id: int) -> PlannedReport | None:
        return self.report_of.get(case_id)

    def _ask_evidence(
        self, now: datetime, reviewer: _Reviewer, case: Case, report: PlannedReport, rng: random.Random
    ) -> None:
        self.asked.add(case.pk)
        category = self.rulebook.category(case.category)
        kinds = list(category.recommended_evidence[:1]) or ["other"]
        asked = self._do(
            "request_more_evidence",
            f"{case.reference} at {now.isoformat()}",
            lambda: actions.request_more_evidence(reviewer.user, case, kinds, "Please send this to decide.", now=now),
        )
        if asked is not None:
            reviewer.waiting.add(case.pk)
        if asked is not None and rng.random() < self.scenario.late_evidence_share:
            delay = timedelta(hours=rng.uniform(2, 24 * 10))
            self.at(now + delay, PERSON, self.send_requested, report, kinds)

    def send_requested(self, now: datetime, report: PlannedReport, kinds: list[str]) -> None:
        case = self._case(self.case_of[report.index])
        if case.state == State.NEEDS_EVIDENCE:
            added = self._do(
                "add_evidence",
                f"report {report.index} at {now.isoformat()}",
                lambda: actions.add_evidence(report.reporter, case, self._uploads(kinds), now=now),
            )
            if added is not None and added.case.state == State.AWAITING_REVIEW:
                self.wake(now)

    def _reason(self, *codes: str) -> str:
        for code in codes:
            if code in self.rulebook.reason_codes:
                return code
        return next(iter(self.rulebook.reason_codes))

    def _decide(
        self, now: datetime, reviewer: _Reviewer, case: Case, report: PlannedReport | None, rng: random.Random
    ) -> None:
        founded = report.founded if report else rng.random() < 0.5
        remedy = case.report.remedy_wanted
        amount = None
        if not founded:
            missing = bool(case.admissibility.get("missing_evidence"))
            outcome, code = "not_upheld", self._reason("insufficient_evidence" if missing else "unfounded")
        elif rng.random() < 0.75:
            outcome, code = "upheld", self._reason("violation_established")
        else:
            outcome, code = "partly_upheld", self._reason("partly_established")
            if remedy in ("refund", "return_and_refund"):
                paid = report.order.amount if report else Decimal("100")
                amount = (paid / 2).quantize(Decimal("0.01"))
        data = DecisionIn(
            outcome=outcome,
            reason_codes=[code],
            statement=f"Simulated decision: the report is {outcome.replace('_', ' ')} on the evidence.",
            remedy_amount=amount,
        )
        self._do(
            f"decide_case:{outcome}",
            f"{case.reference} at {now.isoformat()}",
            lambda: actions.decide_case(reviewer.user, case, data, now=now),
        )


def run(scenario: Scenario, rulebook: Rulebook, world: World) -> Outcome:
    """Run the scenario's period over the world built for it; return the days, attempts and refusals."""
    return Run(scenario, rulebook, world).run()
