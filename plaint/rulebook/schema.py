"""The rulebook's shape. Everything policy lives here as data; code reads it, never hard-codes it."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .dsa import Dsa

TargetType = Literal["order", "listing", "merchant"]
Silence = Literal["review", "uphold"]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Frozen):
    """A text in both languages Plaint serves."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


class IntakeLimits(Frozen):
    """How many reports one reporter may file (counted over the last hour and the last 24 hours)."""

    reports_per_hour: int = Field(gt=0)
    reports_per_day: int = Field(gt=0)

    @model_validator(mode="after")
    def day_covers_hour(self) -> "IntakeLimits":
        if self.reports_per_day < self.reports_per_hour:
            raise ValueError("reports_per_day: cannot be below reports_per_hour")
        return self


class Intake(Frozen):
    evidence_deadline_days: int = Field(gt=0)
    description_max_chars: int = Field(gt=0, le=20000)
    claim_timeout_minutes: int = Field(gt=0)
    # A reviewer who asked the reporter for evidence gets the case back when it comes, unless not seen
    # (signed in, decided, or holding another live claim) for more than this many days; then the
    # queue. Versions without it give the case back to the reviewer whenever they still hold the claim.
    claim_kept_days: int | None = Field(None, gt=0)
    # How the fresh claim_timeout_minutes of a case given back to that reviewer counts: "calendar" (every
    # minute; versions without the key) or "working_hours" (the acknowledgement clock's working hours,
    # so evidence that comes in the evening is not lost to the night).
    returned_claim_time: Literal["calendar", "working_hours"] = "calendar"
    # Versions without [appeals] only: days to appeal an outcome (then only outside Plaint).
    appeal_window_days: int | None = Field(None, gt=0)
    # Version 3 on: days the reporter has, from the merchant's answer, to answer its counter-evidence
    # once (before the decision). Absent: the reporter has no such answer.
    reply_days: int | None = Field(None, gt=0)
    # Per-reporter rate limits (DSA art. 23). Versions without them (before 3) set none.
    limits: IntakeLimits | None = None
    # Short videos (MP4, MOV) as evidence: the largest file in MiB and the longest in seconds.
    # Versions without them accept no video.
    video_max_mb: int | None = Field(None, gt=0, le=500)
    video_max_seconds: int | None = Field(None, gt=0, le=3600)


ClockTime = Literal["calendar", "business"]
# What a breach does: escalate to the supervisors (the escalated queue, a case.escalated webhook,
# an e-mail to each supervisor), raise the case's priority by the stage's raise_priority, apply the
# category's consequence of merchant silence, or the rectification's consequence of a missed deadline.
BreachAction = Literal["escalate", "raise_priority", "merchant_silence", "rectification_missed"]
# Stages whose breach has a consequence that must happen, or the case would wait forever.
REQUIRED_BREACH = {"merchant_response": "merchant_silence", "rectification": "rectification_missed"}


class Stage(Frozen):
    """One service-level clock: its length, how it counts, its warning and what a breach does."""

    days: int | None = Field(None, gt=0, description="In business time, working days of the calendar's hours")
    hours: int | None = Field(None, gt=0)
    time: ClockTime
    calendar: str | None = Field(None, description="A file in the rulebook folder's calendars/, for business time")
    warn_before_hours: int = Field(gt=0, description="Counted in the stage's own time (business hours if business)")
    on_breach: tuple[BreachAction, ...] = ()
    raise_priority: int = Field(0, ge=0, le=10)

    @field_validator("calendar")
    @classmethod
    def calendar_exists(cls, value: str | None) -> str | None:
        if value is not None:
            from .calendar import calendar  # the calendar module reads files through the loader

            try:
                calendar(value)
            except ImproperlyConfigured as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def consistent(self) -> "Stage":
        if self.days is not None and self.hours is not None:
            raise ValueError("days, hours: give the length in days or in hours, not both")
        if self.time == "business" and self.calendar is None:
            raise ValueError('calendar: business time needs a calendar (e.g. calendar = "cn")')
        if self.time == "calendar" and self.calendar is not None:
            raise ValueError('calendar: calendar time counts every hour; remove calendar or set time = "business"')
        if "raise_priority" in self.on_breach and self.raise_priority == 0:
            raise ValueError("raise_priority: on_breach raises priority, so set raise_priority (1 to 10)")
        if len(set(self.on_breach)) != len(self.on_breach):
            raise ValueError("on_breach: lists an action twice")
        return self

    def length(self, category: "Category | None" = None) -> "tuple[int, str]":
        """Return (number, unit): the stage's own length, or the category's response_days for merchant_response."""
        if self.days is not None:
            return self.days, "days"
        if self.hours is not None:
            return self.hours, "hours"
        if category is None:
            raise ValueError("this stage's length is the category's response_days; pass the category")
        return category.response_days, "days"


class Sla(Frozen):
    # The clocks of a case's stages (see plaint/cases/clocks.py for when each starts and stops).
    acknowledgement: Stage
    merchant_response: Stage
    decision: Stage
    rectification: Stage
    appeal: Stage
    nudge_priority: int = Field(ge=0, le=10)
    nudge_cooldown_hours: int = Field(gt=0)
    # The committee panel's clock, for appeals routed to the committee (optional until one is).
    committee: Stage | None = None

    @model_validator(mode="after")
    def stages_complete(self) -> "Sla":
        for name in STAGES:
            stage: Stage = getattr(self, name)
            if name == "merchant_response":
                if stage.days is not None or stage.hours is not None:
                    raise ValueError(
                        "merchant_response: days, hours: its length is each category's response_days; remove them"
                    )
            elif stage.days is None and stage.hours is None:
                raise ValueError(f"{name}: days, hours: give its length as days or hours")
            for action, home in ((a, s) for s, a in REQUIRED_BREACH.items()):
                if action in stage.on_breach and name != home:
                    raise ValueError(f"{name}: on_breach: {action!r} only applies to the {home} stage")
            if name in REQUIRED_BREACH and REQUIRED_BREACH[name] not in stage.on_breach:
                raise ValueError(
                    f"{name}: on_breach: must include {REQUIRED_BREACH[name]!r}, or a breached case waits forever"
                )
        if self.committee is not None:
            if self.committee.days is None and self.committee.hours is None:
                raise ValueError("committee: days, hours: give its length as days or hours")
            if set(self.committee.on_breach) & set(REQUIRED_BREACH.values()):
                raise ValueError("committee: on_breach: only 'escalate' and 'raise_priority' apply to the committee")
        return self

    def stage(self, name: str) -> Stage:
        """Return the stage called `name`; raise KeyError for an unknown one (or an absent committee clock)."""
        if name == "committee" and self.committee is not None:
            return self.committee
        if name not in STAGES:
            raise KeyError(name)
        return getattr(self, name)


STAGES = ("acknowledgement", "merchant_response", "decision", "rectification", "appeal")


class Points(Frozen):
    expiry: Literal["end_of_calendar_year", "rolling_365_days"]
    # Per track: a total at or above this no longer expires.
    no_reset_at: dict[str, int] = Field(default_factory=dict)
    # Versions without [appeals] only: days the merchant has to appeal a decision's penalty.
    appeal_days: int | None = Field(None, gt=0)
    # A category's repeat_multiplier applies when the merchant was found in breach of the same
    # category within this many days before.
    repeat_within_days: int = Field(365, gt=0)


MeasureKind = Literal[
    "warning", "demotion", "listing_restriction", "takedown", "suspension", "removal", "deposit_deduction"
]
# Measures that last for a period and end by themselves.
TIMED_MEASURES = frozenset({"demotion", "listing_restriction", "takedown", "suspension"})


class MeasureSpec(Frozen):
    kind: MeasureKind
    days: int | None = Field(None, gt=0)
    weight: float | None = Field(None, gt=0, lt=1, description="Search ranking multiplier, for demotion")
    amount: Decimal | None = Field(None, gt=0, description="Deposit deducted, for deposit_deduction")

    @model_validator(mode="after")
    def complete(self) -> "MeasureSpec":
        if self.kind in TIMED_MEASURES and self.days is None:
            raise ValueError(f"a {self.kind} needs days")
        if self.kind not in TIMED_MEASURES and self.days is not None:
            raise ValueError(f"a {self.kind} has no duration; remove days")
        if self.kind == "demotion" and self.weight is None:
            raise ValueError("a demotion needs weight (e.g. 0.7)")
        if self.kind == "deposit_deduction" and self.amount is None:
            raise ValueError("a deposit_deduction needs amount")
        return self


class LadderStep(Frozen):
    track: str
    points: int = Field(gt=0)
    measures: tuple[MeasureSpec, ...] = Field(min_length=1)


class Rectification(Frozen):
    # The deadline is the [sla.rectification] stage.
    missed_points: int = Field(ge=0)
    missed_track: str


class IllegalGoods(Frozen):
    category: str
    count: int = Field(gt=0)
    within_days: int = Field(gt=0)
    suspension_days: int = Field(gt=0)


class Baseline(Frozen):
    """How much of its own history a merchant needs before its report rate can spike against it."""

    min_windows: int = Field(gt=0, description="Earlier windows with orders (3 windows of 30 days: three months)")
    min_orders: int = Field(gt=0, description="Orders in those earlier windows together")


# The rule for a version without [monitoring.baseline] (version 1 has none): any earlier window with
# an order makes a baseline, however thin. Kept so version 1 reads as it always did; a new version
# states its own [monitoring.baseline], whose fields are then required.
UNSTATED_BASELINE = Baseline(min_windows=1, min_orders=1)


class Monitoring(Frozen):
    window_days: int = Field(gt=0)
    history_windows: int = Field(gt=0, le=24)
    spike_factor: float = Field(gt=1)
    min_reports: int = Field(ge=1)
    max_report_rate: float = Field(gt=0)
    max_upheld_rate: float = Field(gt=0, le=1)
    min_decided: int = Field(ge=1)
    baseline: Baseline | None = None
    illegal_goods: IllegalGoods | None = None

    @model_validator(mode="after")
    def baseline_fits_the_history(self) -> "Monitoring":
        if self.baseline and self.baseline.min_windows > self.history_windows:
            raise ValueError(
                f"baseline: min_windows: {self.baseline.min_windows} is more than the "
                f"{self.history_windows} history_windows kept, so no merchant could ever spike"
            )
        return self

    def baseline_rule(self) -> Baseline:
        """Return [monitoring.baseline], or for a version without one the rule versions before 2 were read by."""
        return self.baseline or UNSTATED_BASELINE


class Track(Frozen):
    title: Text


class Alternative(Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Text


class Phrases(Frozen):
    """Words in both languages: a category's phrases or examples for the suggested category ([triage])."""

    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()

    @model_validator(mode="after")
    def not_blank(self) -> "Phrases":
        if any(not p.strip() for p in (*self.zh, *self.en)):
            raise ValueError("a phrase is blank")
        return self


class Triage(Frozen):
    """The category suggested from a consumer's words (version 3 on; docs/screening.md)."""

    # The cold start: a top score below this suggests no category ("none").
    min_score: float = Field(gt=0)
    # A trained model: a top probability below this suggests no category.
    min_probability: float = Field(0.3, gt=0, lt=1)
    # How many suggested categories the filing page puts first.
    shown: int = Field(3, ge=1, le=10)


class Clusters(Frozen):
    """Reports from different people about one listing (batch) or merchant, grouped (version 4 on)."""

    # A report joins the key's cluster if the cluster's last report came within this many hours;
    # later, it starts a new cluster.
    window_hours: int = Field(gt=0, le=24 * 30)
    # The cluster's size (distinct reporters) at which it goes to the supervisors.
    escalate_at: int = Field(ge=2, le=10000)
    # Category groups: categories of one group about one target are one matter for clustering. A
    # category in no group is a group of its own.
    groups: dict[str, tuple[str, ...]] = {}
    # What the marketplace is asked to do with the listing when the cluster escalates: for a listing
    # with a batch, and for one without. None: nothing is asked (a merchant-wide cluster asks nothing).
    measure_with_batch: Literal["batch_withdrawal", "listing_takedown"] | None = "batch_withdrawal"
    measure_without_batch: Literal["listing_takedown"] | None = "listing_takedown"

    def group_of(self, category: str) -> str:
        """Return the category's group (the category itself when no group lists it)."""
        for name, members in self.groups.items():
            if category in members:
                return name
        return category


class PriorityWeights(Frozen):
    """The terms of a case's priority (version 4 on; plaint/cases/priority.py)."""

    # Severity of the category: its entry in `severity`, else `default_severity`.
    severity: dict[str, int] = {}
    default_severity: int = Field(0, ge=0, le=1000)
    # The order's amount paid: `amount_per_100` for each whole 100 (the order's currency), at most `amount_max`.
    amount_per_100: int = Field(0, ge=0, le=100)
    amount_max: int = Field(0, ge=0, le=1000)
    # The cluster: `cluster_per_report` for each other reporter in the case's cluster, at most `cluster_max`.
    cluster_per_report: int = Field(0, ge=0, le=100)
    cluster_max: int = Field(0, ge=0, le=1000)
    # A report from a trusted flagger.
    trusted_flagger: int = Field(0, ge=0, le=1000)
    # The reporter's record: per earlier case upheld, per earlier case found unfounded (negative
    # lowers), together bounded by +-reporter_max.
    reporter_upheld: int = Field(0, ge=-100, le=100)
    reporter_unfounded: int = Field(0, ge=-100, le=100)
    reporter_max: int = Field(0, ge=0, le=1000)
    # Forensics flags on the reporter's evidence (copy, before delivery, edited, no capture time
    # counted by `forensics_codes`): per flag, at most forensics_flags_counted flags.
    forensics_per_flag: int = Field(0, ge=-100, le=100)
    forensics_codes: tuple[str, ...] = ("copy", "before_delivery", "edited")
    forensics_flags_counted: int = Field(3, ge=0, le=50)
    # Age: per whole day since the case opened, at most age_max (the worker refreshes it daily).
    age_per_day: int = Field(0, ge=0, le=100)
    age_max: int = Field(0, ge=0, le=1000)


class CategoryPoints(Frozen):
    upheld: int = Field(ge=0)
    partly_upheld: int = Field(ge=0)


class Category(Frozen):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Text
    # What the category covers, in a sentence (version 3 on; optional).
    description: Text | None = None
    targets: tuple[TargetType, ...] = Field(min_length=1)
    window_days: int = Field(gt=0, description="Days to report; for order reports counted from delivery")
    required_evidence: tuple[str, ...]
    recommended_evidence: tuple[str, ...] = ()
    response_days: int = Field(gt=0, description="Days the merchant has to answer")
    silence: Silence = Field(description="What merchant silence leads to")
    track: str
    points: CategoryPoints
    remedies: tuple[str, ...] = Field(min_length=1)
    # Added to a case's priority in the review queue (higher is more urgent).
    priority: int = Field(0, ge=0, le=10)
    # Points are multiplied by this for a repeat offence (see points.repeat_within_days).
    repeat_multiplier: int = Field(1, ge=1, le=10)
    # The merchant's acceptance of the remedy settles the consumer's claim, not the violation: on a
    # category marked so, an accepted remedy still records the category's upheld points (version 3).
    points_on_acceptance: bool = False
    # Version 3 on: short phrases, and whole example sentences, a consumer describing this category's
    # problem might write; the cold start of the suggested category scores them ([triage]).
    phrases: Phrases | None = None
    examples: Phrases | None = None
    # Version 4 on: an upheld finding in this category makes the listing's sale illegal, so its past buyers
    # are told ([past_buyers]; DSA art. 32). Ignored by a version without [past_buyers].
    inform_past_buyers: bool = False


class RemedyExecution(Frozen):
    """Following a remedy to the money: the marketplace's confirmation, and the consumer's way back."""

    # Calendar days from the instruction for the marketplace to confirm a remedy's execution; past
    # them it is overdue: the supervisors are told and the remedy.overdue webhook chases it.
    confirm_days: int = Field(gt=0)
    # Calendar days from the merchant's acceptance in which the consumer may reopen the case when the
    # money never arrived.
    reopen_days: int = Field(gt=0)


AppealRoute = Literal["reconsideration", "committee"]
# What an appeal contests; `penalty` is points and measures together (the merchant's penalty appeal).
AppealedKind = Literal["outcome", "inadmissibility", "remedy", "points", "measures", "penalty"]
Seat = Literal["consumer_rep", "expert", "lawyer"]
# What is appealed within the outcome window; the rest (points, measures, penalty) within the penalty window.
OUTCOME_APPEALS = frozenset({"outcome", "inadmissibility", "remedy"})


class AppealRoutes(Frozen):
    """Who decides an appeal: a supervisor's reconsideration or the committee.

    The most specific entry wins: the category's entry for what is appealed, the category's default,
    the entry for what is appealed, then `default`.
    """

    default: AppealRoute
    appealed: dict[AppealedKind, AppealRoute] = Field(default_factory=dict)
    # Per category code: {"default": ..., "<what is appealed>": ...}
    categories: dict[str, dict[str, AppealRoute]] = Field(default_factory=dict)

    @field_validator("categories")
    @classmethod
    def keys_known(cls, value: dict[str, dict[str, AppealRoute]]) -> dict[str, dict[str, AppealRoute]]:
        allowed = {"default", *AppealedKind.__args__}
        for code, table in value.items():
            for key in table:
                if key not in allowed:
                    raise ValueError(f"{code}: {key!r} is not 'default' or one of {sorted(AppealedKind.__args__)}")
        return value

    def route(self, category: str, appealed: str) -> str:
        """Return the route of an appeal of `appealed` in `category`."""
        table = self.categories.get(category, {})
        return table.get(appealed) or table.get("default") or self.appealed.get(appealed) or self.default


class Panel(Frozen):
    """The committee's panel: its seats, and the larger panel of the serious track or a high amount."""

    seats: tuple[Seat, ...] = Field(min_length=1)
    serious_seats: tuple[Seat, ...] = Field(min_length=1)
    # Tracks whose appeals go to the larger panel, and the remedy amount (in the order's currency)
    # above which any appeal does.
    serious_tracks: tuple[str, ...] = ()
    serious_amount: Decimal | None = Field(None, gt=0)
    # The share of the panel's time after which a member who has not voted is replaced by a new draw
    # (version 3 on); without it a member keeps the seat until the panel's deadline.
    member_vote_share: Decimal | None = Field(None, gt=0, lt=1)

    @model_validator(mode="after")
    def majorities(self) -> "Panel":
        for name in ("seats", "serious_seats"):
            if len(getattr(self, name)) % 2 == 0:
                raise ValueError(f"{name}: an even number of seats can tie; give an odd number")
        if len(self.serious_seats) < len(self.seats):
            raise ValueError("serious_seats: the serious panel cannot be smaller than the ordinary one")
        return self


class Appeals(Frozen):
    """Appeals inside Plaint: who may appeal what, for how long, and who decides."""

    # Calendar days from the decision (or the inadmissibility) to appeal the outcome, its remedy or
    # an inadmissibility; and to appeal the points and measures.
    outcome_days: int = Field(gt=0)
    penalty_days: int = Field(gt=0)
    # Calendar days the other party has to answer an appeal.
    answer_days: int = Field(gt=0)
    # What happens to a refund already paid when the merchant wins: the consumer keeps it (the
    # platform bears it), or the marketplace claws it back. Stated in the appeal.decided webhook.
    refund_on_merchant_win: Literal["keep", "claw_back"]
    routes: AppealRoutes
    panel: Panel | None = None


class PastBuyers(Frozen):
    """Telling a listing's past buyers that a decision found it illegal (DSA art. 32; version 4 on)."""

    # Buyers of the listing whose orders were paid within this many calendar months before the decision.
    months: int = Field(gt=0, le=24)


class Escalation(Frozen):
    """How supervisors hear of breached clocks by e-mail: one digest per period, not one mail per case."""

    digest_minutes: int = Field(gt=0, le=1440)


class Negotiation(Frozen):
    """Negotiation inside a case (协商): how far the parties may move the merchant's deadline together."""

    # Calendar days, in total over the case, that accepted extensions may add to the merchant's
    # deadline to answer; 0 allows none.
    max_extension_days: int = Field(ge=0, le=30)


class Misuse(Frozen):
    """Misuse of the report button (EU DSA art. 23(2)): when a reporter is warned, then suspended.

    A report is manifestly unfounded when its case was decided not upheld (its latest decision) with one
    of `reason_codes`: a reviewer's explicit mark, never inferred from a plain "not upheld".
    """

    reason_codes: tuple[str, ...] = Field(min_length=1)
    # The decisions counted: those taken in the last window_days.
    window_days: int = Field(gt=0, le=3650)
    # Fewer decided reports than this in the window: nothing is said, however they ended.
    min_decided: int = Field(gt=0)
    # The share of the window's decided reports that were manifestly unfounded for a warning...
    warn_share: float = Field(gt=0, le=1)
    # ...and, after a warning and a manifestly unfounded report since it, for a suspension.
    suspend_share: float = Field(gt=0, le=1)
    suspension_days: int = Field(gt=0, le=365)


class Rings(Frozen):
    """Many new accounts reporting one merchant in a short time: flagged as a possible reporting ring."""

    # An account (the marketplace's consumer, by when Plaint first heard of it) younger than this is new.
    account_age_days: int = Field(gt=0)
    window_hours: int = Field(gt=0, le=24 * 30)
    # This many distinct new accounts reporting one merchant within window_hours raise the flag.
    min_accounts: int = Field(ge=2)


class TrustedFlaggers(Frozen):
    """Trusted flaggers (EU DSA art. 22): their own evidence kinds, each for the categories it applies to."""

    evidence: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class Problems(Frozen):
    """Several problems of one order in one report (version 4 on; issue 17 item 5)."""

    # How many categories one report may name, the main one included.
    max_per_report: int = Field(ge=2, le=10)
    # Per category code, the categories whose points it absorbs: when both are upheld on one report
    # (the same facts seen twice), only the absorbing category's points count.
    absorbs: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class AutoRuleConditions(Frozen):
    """What a case must show for an automated rule to decide it: a closed vocabulary, checked at load.

    Each condition given must hold (AND). Unknown names are refused (extra="forbid"). A rule decides
    when the merchant's answer deadline passes, so `merchant_silent` must be true (checked by AutoRule).
    """

    # The merchant gave no answer by its deadline.
    merchant_silent: bool = False
    # The reporter sent evidence of every one of these kinds.
    evidence_kinds_include: tuple[str, ...] = ()
    # A photo of the reporter's has an EXIF capture time on or after the order's delivery.
    photo_captured_after_delivery: bool = False
    # The listing's declared expiry date (the marketplace's push) is before the order's delivery day.
    listing_expired_at_delivery: bool = False
    # The listing's declared expiry date is before the capture day of a photo of the reporter's.
    listing_expiry_before_capture: bool = False
    # The order's amount paid is at most this (in the order's currency).
    amount_at_most: Decimal | None = Field(None, gt=0)
    # Forensics flagged none of the reporter's evidence (a copy, before delivery, no capture time, edited).
    no_forensics_flags: bool = False


class AutoRule(Frozen):
    """A rule that decides a clear-cut case by itself (docs/screening.md, "Automated decisions")."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Text
    category: str
    # Every rule starts in shadow mode: it records what it would decide beside what people decide,
    # deciding nothing. A rulebook never switches a rule on; an admin does in Plaint, per version,
    # after reading its shadow report (audited; plaint/cases/auto_rules.py).
    mode: Literal["shadow"] = "shadow"
    # A rule finds for the reporter in full: anything less is for people to weigh.
    outcome: Literal["upheld"] = "upheld"
    remedy: str
    reason_codes: tuple[str, ...] = Field(min_length=1)
    conditions: AutoRuleConditions

    @model_validator(mode="after")
    def decides_on_silence(self) -> "AutoRule":
        if not self.conditions.merchant_silent:
            raise ValueError(
                f"auto_rules ({self.id}): conditions: merchant_silent must be true: a rule decides when the "
                "merchant's answer deadline passes in silence"
            )
        if len(self.conditions.model_fields_set) < 2:
            raise ValueError(f"auto_rules ({self.id}): conditions: name at least one condition besides merchant_silent")
        return self


class Retention(Frozen):
    """How long personal data is kept (PIPL art. 19: no longer than the purpose needs) and erasure's deadline."""

    # Years after a case closed that its personal data and its evidence files are kept (E-Commerce Law
    # art. 31: transaction information at least three years from the transaction's completion).
    case_years_after_closing: int = Field(ge=3, le=30)
    evidence_years_after_closing: int = Field(ge=3, le=30)
    # Days portal notifications and delivered e-mails and webhooks (their bodies name people) are kept.
    notification_days: int = Field(ge=30, le=3650)
    outbox_days: int = Field(ge=7, le=3650)
    # Days within which a consumer's erasure request is answered (PIPL art. 47, 50: timely).
    erasure_answer_days: int = Field(ge=1, le=30)


class Rulebook(Frozen):
    version: str = Field(pattern=r"^[0-9A-Za-z.\-]+$")
    effective_from: datetime
    title: Text
    changes: str = ""
    intake: Intake
    sla: Sla
    points: Points
    tracks: dict[str, Track]
    evidence_kinds: dict[str, Text]
    remedies: dict[str, Text]
    reason_codes: dict[str, Text]
    alternatives: tuple[Alternative, ...] = Field(min_length=1)
    categories: tuple[Category, ...] = Field(min_length=1)
    ladder: tuple[LadderStep, ...] = ()
    monitoring: Monitoring | None = None
    rectification: Rectification | None = None
    # Versions without it keep the first rule: only the merchant's penalty appeal, to a supervisor,
    # within [points] appeal_days.
    appeals: Appeals | None = None
    # Versions without it (before 3) neither chase unconfirmed remedies nor let a resolved case reopen.
    remedy_execution: RemedyExecution | None = None
    # Versions without it e-mail each supervisor once per escalated case.
    escalation: Escalation | None = None
    # Version 3 on. Versions without it allow messages and offers but no extension of a deadline.
    negotiation: Negotiation | None = None
    # Versions without it (before 3) say nothing of the EU DSA Transparency Database; their decisions
    # are classified by the first version that does (plaint/dsa/statements.py).
    dsa: Dsa | None = None
    # Version 3 on. Versions without it suggest no category from the consumer's words.
    triage: Triage | None = None
    # Version 4 on. Versions without them warn and suspend no reporter, flag no ring, and know no
    # trusted flagger's own evidence kinds (flaggers' reports still go first in the queue).
    misuse: Misuse | None = None
    rings: Rings | None = None
    trusted_flaggers: TrustedFlaggers | None = None
    # Version 4 on. Versions without it take one category per report.
    problems: Problems | None = None
    # Version 4 on: rules that decide clear-cut cases, shadow first. Versions without them decide none.
    auto_rules: tuple[AutoRule, ...] = ()
    # Version 4 on. Versions without it tell no past buyer, whatever their categories say.
    past_buyers: PastBuyers | None = None
    # Version 4 on. Versions without them group no reports and keep the category's fixed priority.
    clusters: Clusters | None = None
    priority: PriorityWeights | None = None
    # Version 4 on. Versions without it purge nothing; an erasure request is answered at once all the same.
    retention: Retention | None = None

    @field_validator("effective_from")
    @classmethod
    def aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("needs a time zone offset, e.g. 2026-01-01T00:00:00+08:00")
        return value

    @model_validator(mode="after")
    def references_resolve(self) -> "Rulebook":
        seen: set[str] = set()
        for index, category in enumerate(self.categories):
            where = f"categories[{index}] ({category.code})"
            if category.code in seen:
                raise ValueError(f"{where}: code: {category.code!r} is used by two categories")
            seen.add(category.code)
            if category.track not in self.tracks:
                raise ValueError(f"{where}: track: {category.track!r} is not one of {sorted(self.tracks)}")
            for field in ("required_evidence", "recommended_evidence"):
                for kind in getattr(category, field):
                    if kind not in self.evidence_kinds:
                        raise ValueError(f"{where}: {field}: {kind!r} is not in [evidence_kinds]")
            for remedy in category.remedies:
                if remedy not in self.remedies:
                    raise ValueError(f"{where}: remedies: {remedy!r} is not in [remedies]")
        for code in ("insufficient_evidence", "out_of_scope", "out_of_window", "unfounded", "merchant_silent"):
            if code not in self.reason_codes:
                raise ValueError(f"reason_codes: {code!r} is required (Plaint's own decisions use it)")
        for index, step in enumerate(self.ladder):
            if step.track not in self.tracks:
                raise ValueError(f"ladder[{index}]: track: {step.track!r} is not one of {sorted(self.tracks)}")
        for track in self.points.no_reset_at:
            if track not in self.tracks:
                raise ValueError(f"points: no_reset_at: {track!r} is not one of {sorted(self.tracks)}")
        if self.rectification and self.rectification.missed_track not in self.tracks:
            raise ValueError(f"rectification: missed_track: {self.rectification.missed_track!r} is not a track")
        if self.monitoring and self.monitoring.illegal_goods:
            if self.category(self.monitoring.illegal_goods.category) is None:
                raise ValueError("monitoring: illegal_goods: category is not a category of this rulebook")
        if self.triage is not None and not any(c.phrases for c in self.categories):
            raise ValueError("triage: no category has phrases, so no category could ever be suggested")
        if "none" not in self.remedies:
            raise ValueError("remedies: 'none' is required (a decision that is not upheld grants it)")
        self._appeals_resolve()
        self._dsa_resolve()
        self._channel_resolve()
        self._problems_resolve()
        self._auto_rules_resolve()
        self._screening_resolve()
        return self

    def _channel_resolve(self) -> None:
        if self.misuse is not None:
            for code in self.misuse.reason_codes:
                if code not in self.reason_codes:
                    raise ValueError(f"misuse: reason_codes: {code!r} is not in [reason_codes]")
        if self.trusted_flaggers is not None:
            for kind, codes in self.trusted_flaggers.evidence.items():
                if kind not in self.evidence_kinds:
                    raise ValueError(f"trusted_flaggers: evidence: {kind!r} is not in [evidence_kinds]")
                for code in codes:
                    if self.category(code) is None:
                        raise ValueError(f"trusted_flaggers: evidence: {kind}: {code!r} is not a category")

    def flagger_kinds(self) -> dict[str, tuple[str, ...]]:
        """Return the trusted flaggers' own evidence kinds and the categories each applies to ({} before version 4)."""
        return dict(self.trusted_flaggers.evidence) if self.trusted_flaggers else {}

    def _problems_resolve(self) -> None:
        if self.problems is None:
            return
        for code, absorbed in self.problems.absorbs.items():
            if self.category(code) is None:
                raise ValueError(f"problems: absorbs: {code!r} is not a category of this rulebook")
            for other in absorbed:
                if self.category(other) is None:
                    raise ValueError(f"problems: absorbs: {code}: {other!r} is not a category of this rulebook")
                if other == code or code in self.problems.absorbs.get(other, ()):
                    raise ValueError(f"problems: absorbs: {code} and {other} cannot absorb each other")

    def _auto_rules_resolve(self) -> None:
        ids: set[str] = set()
        for index, rule in enumerate(self.auto_rules):
            where = f"auto_rules[{index}] ({rule.id})"
            if rule.id in ids:
                raise ValueError(f"{where}: id: {rule.id!r} is used by two rules")
            ids.add(rule.id)
            category = self.category(rule.category)
            if category is None:
                raise ValueError(f"{where}: category: {rule.category!r} is not a category of this rulebook")
            if rule.remedy not in category.remedies:
                raise ValueError(f"{where}: remedy: {rule.remedy!r} is not one of {list(category.remedies)}")
            for code in rule.reason_codes:
                if code not in self.reason_codes:
                    raise ValueError(f"{where}: reason_codes: {code!r} is not in [reason_codes]")
            for kind in rule.conditions.evidence_kinds_include:
                if kind not in self.evidence_kinds:
                    raise ValueError(
                        f"{where}: conditions: evidence_kinds_include: {kind!r} is not in [evidence_kinds]"
                    )

    def auto_rule(self, rule_id: str) -> "AutoRule | None":
        """Return the automated rule with this id, or None."""
        return next((r for r in self.auto_rules if r.id == rule_id), None)

    def _screening_resolve(self) -> None:
        codes = {c.code for c in self.categories}
        if self.clusters is not None:
            for name, members in self.clusters.groups.items():
                for code in members:
                    if code not in codes:
                        raise ValueError(f"clusters: groups: {name}: {code!r} is not a category of this rulebook")
        if self.priority is not None:
            for code in self.priority.severity:
                if code not in codes:
                    raise ValueError(f"priority: severity: {code!r} is not a category of this rulebook")

    def _dsa_resolve(self) -> None:
        if self.dsa is None:
            return
        for code in self.dsa.categories:
            if self.category(code) is None:
                raise ValueError(f"dsa: categories: {code!r} is not a category of this rulebook")
        for kind in self.dsa.measures:
            if kind not in MeasureKind.__args__:
                raise ValueError(f"dsa: measures: {kind!r} is not a measure kind ({', '.join(MeasureKind.__args__)})")
        for code in self.dsa.remedies:
            if code not in self.remedies:
                raise ValueError(f"dsa: remedies: {code!r} is not in [remedies]")

    def _appeals_resolve(self) -> None:
        if self.appeals is None:
            if self.intake.appeal_window_days is None:
                raise ValueError("intake: appeal_window_days: required without an [appeals] section")
            if self.points.appeal_days is None:
                raise ValueError("points: appeal_days: required without an [appeals] section")
            return
        if self.intake.appeal_window_days is not None:
            raise ValueError("intake: appeal_window_days: [appeals] outcome_days says it; remove this one")
        if self.points.appeal_days is not None:
            raise ValueError("points: appeal_days: [appeals] penalty_days says it; remove this one")
        routes = self.appeals.routes
        for code in routes.categories:
            if self.category(code) is None:
                raise ValueError(f"appeals: routes: categories: {code!r} is not a category of this rulebook")
        used = {routes.default, *routes.appealed.values(), *(r for t in routes.categories.values() for r in t.values())}
        if "committee" in used:
            if self.appeals.panel is None:
                raise ValueError("appeals: panel: appeals go to the committee, so say its panel ([appeals.panel])")
            if self.sla.committee is None:
                raise ValueError("sla: committee: appeals go to the committee, so give its clock ([sla.committee])")
        if self.appeals.panel is not None:
            for track in self.appeals.panel.serious_tracks:
                if track not in self.tracks:
                    raise ValueError(f"appeals: panel: serious_tracks: {track!r} is not one of {sorted(self.tracks)}")

    def outcome_appeal_days(self) -> int:
        """Return the days to appeal an outcome ([appeals] outcome_days, or [intake] appeal_window_days before it)."""
        return self.appeals.outcome_days if self.appeals else self.intake.appeal_window_days

    def penalty_appeal_days(self) -> int:
        """Return the days to appeal points and measures ([appeals] penalty_days, or [points] appeal_days before it)."""
        return self.appeals.penalty_days if self.appeals else self.points.appeal_days

    def ladder_for(self, track: str) -> list[LadderStep]:
        """Return the track's ladder steps, lowest threshold first."""
        return sorted((s for s in self.ladder if s.track == track), key=lambda s: s.points)

    def category(self, code: str) -> Category | None:
        """Return the category with this code, or None."""
        for category in self.categories:
            if category.code == code:
                return category
        return None
