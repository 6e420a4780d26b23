import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .transitions import OPEN_STATES, AppealState, State

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """Return a random case reference such as PL-7KQ3-M2XA (unguessable, easy to read out on a phone)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"PL-{chars[:4]}-{chars[4:]}"


class Channel(models.TextChoices):
    WEB = "web", "Web"
    APP = "app", "App"
    API = "api", "API"
    HOTLINE = "hotline", "Hotline"
    ONLINE_CHAT = "online_chat", "Online chat"
    EMAIL = "email", "E-mail"
    # A trusted flagger's report (plaint/reporters, DSA art. 22), through its own API token.
    TRUSTED_FLAGGER = "trusted_flagger", "Trusted flagger"
    # Opened by a supervisor on the platform's own initiative (docs/investigations.md): no reporter.
    OWN_INITIATIVE = "own_initiative", "Own initiative"


class TargetType(models.TextChoices):
    ORDER = "order", "Order"
    LISTING = "listing", "Listing"
    MERCHANT = "merchant", "Merchant"


class Cluster(models.Model):
    """Reports from different people about one listing (batch) or merchant in one category group (issue 15.4).

    Cases join at intake (cases/clusters.py) while each comes within the rulebook's [clusters]
    window_hours of the last; past it the key starts a new cluster with the next generation.
    """

    # "listing/<listing id>/<batch>/<group>" or "merchant/<merchant id>/<group>".
    key = models.CharField(max_length=200)
    generation = models.PositiveIntegerField(default=1)
    merchant = models.ForeignKey("marketplace.Merchant", on_delete=models.PROTECT, related_name="+", db_index=False)
    listing = models.ForeignKey(
        "marketplace.Listing", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    batch = models.CharField(max_length=64, blank=True)
    category_group = models.CharField(max_length=50)
    rulebook_version = models.CharField(max_length=40)
    opened_at = models.DateTimeField()
    last_report_at = models.DateTimeField()
    # Different reporters whose cases joined (a reporter's second case about the same thing counts once).
    size = models.PositiveIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # What the marketplace was asked to do with the listing at escalation ("batch_withdrawal",
    # "listing_takedown"), empty if nothing.
    measure = models.CharField(max_length=30, blank=True)

    class Meta:
        constraints = [
            # Two first reports racing each other make one cluster: the second's insert fails and it joins.
            models.UniqueConstraint(fields=["key", "generation"], name="cluster_key_generation")
        ]

    def __str__(self) -> str:
        return f"cluster {self.pk} {self.key}"


class Report(models.Model):
    """What the reporter submitted, as submitted; or what a supervisor found, opening an investigation.

    An own-initiative investigation (channel own_initiative) has no reporter: `filed_by` is the
    supervisor who opened it, and every reporter-side step is refused or skipped.
    """

    # Reports are found through their case (which indexes merchant and reporter), not directly.
    reporter = models.ForeignKey(
        "marketplace.Consumer", null=True, blank=True, on_delete=models.PROTECT, related_name="reports", db_index=False
    )
    # Indexed by the idempotency constraint, which starts with it.
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    channel_reference = models.CharField(max_length=100, blank=True, help_text="Call or chat reference")
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    order = models.ForeignKey("marketplace.Order", null=True, blank=True, on_delete=models.PROTECT)
    listing = models.ForeignKey("marketplace.Listing", null=True, blank=True, on_delete=models.PROTECT)
    merchant = models.ForeignKey(
        "marketplace.Merchant", on_delete=models.PROTECT, related_name="reports", db_index=False
    )
    category = models.CharField(max_length=50)
    description = models.TextField()
    remedy_wanted = models.CharField(max_length=30)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    # SHA-256 of the request an idempotency key was first used with (its fields and files), so the same
    # key sent with another request is refused instead of answered with the first case.
    request_digest = models.CharField(max_length=64, blank=True, default="")
    submitted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            # A retried create with the same key returns the first case instead of making a second.
            models.UniqueConstraint(fields=["filed_by", "idempotency_key"], name="report_idempotency_key")
        ]


class Case(models.Model):
    """The platform's handling of a report: its state, clocks and claim. The log is CaseEvent."""

    reference = models.CharField(max_length=20, unique=True, default=new_reference)
    report = models.OneToOneField(Report, on_delete=models.PROTECT, related_name="case")
    # Copied from the report for the queues; indexed by case_merchant and case_reporter below.
    merchant = models.ForeignKey("marketplace.Merchant", on_delete=models.PROTECT, related_name="cases", db_index=False)
    # None on an own-initiative investigation (channel own_initiative).
    reporter = models.ForeignKey(
        "marketplace.Consumer", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    category = models.CharField(max_length=50)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    state = models.CharField(max_length=30, choices=[(s.value, s.value) for s in State], default=State.NEW)
    # Bumped by every change; a change applies only if the version it read is still current.
    version = models.PositiveIntegerField(default=0)
    priority = models.SmallIntegerField(default=0, help_text="Higher is more urgent")
    # Filed by a trusted flagger (plaint/reporters, DSA art. 22): first in the queue, before priority
    # (QUEUE_ORDER), and marked so on every page and in the API.
    trusted_flagger = models.BooleanField(default=False, db_default=False)
    # One of many new accounts that reported this merchant in a short time ([rings]): a possible ring.
    ring_flagged = models.BooleanField(default=False, db_default=False)
    rulebook_version = models.CharField(max_length=40)
    admissibility = models.JSONField(default=dict)
    evidence_due_at = models.DateTimeField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    # Indexed by case_claims below, only where set.
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_cases",
        db_index=False,
    )
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    # Service-level marks: escalated to the supervisors, last nudged (warnings are per clock: CaseClock).
    escalated_at = models.DateTimeField(null=True, blank=True)
    last_nudged_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # The matter the report raises: reporter, target and category ("<consumer id>/order/<order id>/expired_goods").
    # Unique among open cases (case_one_open_per_matter), so one matter is never open twice.
    matter = models.CharField(max_length=120, null=True, blank=True, editable=False)
    # The cluster of reports about the same thing the case joined at intake (cases/clusters.py), if any.
    cluster = models.ForeignKey(
        "Cluster", null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    # The terms `priority` is the sum of (cases/priority.py), by name; empty under rulebooks without
    # [priority]. What `priority` holds beyond their sum was added by an overdue clock or a nudge.
    priority_terms = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(
                fields=["matter"],
                name="case_one_open_per_matter",
                condition=Q(state__in=[s.value for s in sorted(OPEN_STATES)]),
            )
        ]
        indexes = [
            # The review queue (cases/queries.py QUEUE_ORDER): by state, trusted flaggers' first, most
            # urgent, earliest due, longest waiting, then id, so each page and claim_next read a range of
            # it, however long the queue.
            models.Index(
                fields=["state", "-trusted_flagger", "-priority", "decision_due_at", "opened_at", "id"],
                name="case_queue_flagger",
            ),
            # The same for the cases waiting for evidence, whose deadline is the reporter's.
            models.Index(
                fields=["-trusted_flagger", "-priority", "evidence_due_at", "opened_at", "id"],
                name="case_evidence_queue_flagger",
                condition=Q(state="needs_evidence"),
            ),
            # The staff's case list (GET /api/cases, queries.LIST_ORDER): newest first, whole or by state.
            models.Index(fields=["-opened_at", "-id"], name="case_opened"),
            models.Index(fields=["state", "-opened_at", "-id"], name="case_state_opened"),
            # The review queue's counts per filter value (cases/queries.py queue_facets): an index-only
            # scan over one state's entries instead of reading each case row.
            models.Index(fields=["state", "category", "priority", "channel", "merchant"], name="case_queue_facets"),
            # A cluster's members (clusters.py: the page, the decision together, priority refreshes).
            models.Index(fields=["cluster", "opened_at"], name="case_cluster", condition=Q(cluster__isnull=False)),
            # The clocks (cases/clocks.py tick): deadlines that have passed. Partial, so a case
            # that is not waiting on that deadline costs no index entry.
            models.Index(fields=["evidence_due_at"], name="case_evidence_clock", condition=Q(state="needs_evidence")),
            models.Index(
                fields=["response_due_at"], name="case_response_clock", condition=Q(state="awaiting_merchant")
            ),
            models.Index(
                fields=["claimed_by", "claim_expires_at"],
                name="case_claims",
                condition=Q(claimed_by__isnull=False),
            ),
            # The decision clock: cases in review by deadline.
            models.Index(fields=["decision_due_at"], name="case_decision_clock", condition=Q(state="awaiting_review")),
            models.Index(fields=["merchant", "state"], name="case_merchant"),
            models.Index(fields=["reporter", "-opened_at"], name="case_reporter"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def own_initiative(self) -> bool:
        """Return whether the platform opened this case itself (an investigation: no reporter)."""
        return self.reporter_id is None

    def reporter_names(self) -> tuple[str, ...]:
        """Return the reporter's name to mask in texts others read; () on an investigation (no reporter)."""
        return (self.reporter.name,) if self.reporter_id is not None else ()


class Visibility(models.TextChoices):
    PARTIES = "parties", "Reporter, merchant and staff"
    REPORTER = "reporter", "Reporter and staff"
    MERCHANT = "merchant", "Merchant and staff"
    STAFF = "staff", "Staff only"


class CaseEvent(models.Model):
    """One thing that happened to a case. Append-only: the timeline is read from these rows.

    Hash-chained (cases/chain.py): `sequence` is the event's position in its case's log (1, 2, …),
    `prev_hash` the hash of the event before it ("" for the first), `hash` the SHA-256 of its own
    canonical form with `prev_hash`. Written only by `chain.append`.
    """

    # Indexed by event_case_time below.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, db_index=False)
    actor_role = models.CharField(max_length=20)
    at = models.DateTimeField()
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    rulebook_version = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PARTIES)
    sequence = models.PositiveIntegerField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        constraints = [
            # One event per position: two writers that read the same head cannot both append, so the
            # chain never forks. Its index also serves chain.head (the case's last event).
            models.UniqueConstraint(fields=["case", "sequence"], name="event_chain_position"),
        ]
        indexes = [
            models.Index(fields=["case", "at"], name="event_case_time"),
            # The status page's clock breaches of the last day (queries.recent_breaches); partial, so
            # the rest of the log costs no entry.
            models.Index(fields=["at"], name="event_clock_breached", condition=Q(kind="clock_breached")),
        ]

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise RuntimeError("case events are append-only")
        if not self.hash:
            raise RuntimeError("case events are hash-chained: write them with plaint.cases.chain.append")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise RuntimeError("case events are append-only")


class ResponseKind(models.TextChoices):
    ACCEPT = "accept", "Accept the remedy"
    CONTEST = "contest", "Contest"
    RECTIFY = "rectify", "Propose rectification"


class MerchantResponse(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField(max_length=10, choices=ResponseKind.choices)
    explanation = models.TextField()
    rectification_plan = models.TextField(blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("merchant's response")
        verbose_name_plural = _("merchants' responses")


class ReporterReply(models.Model):
    """The reporter's answer to the merchant's answer and counter-evidence: once per case, before the decision.

    Its files are the case's Evidence rows (`evidence_ids`), stored like any of the reporter's.
    """

    # One per case: the database refuses a second even when two arrive at once.
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="reply")
    text = models.TextField()
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    replied_at = models.DateTimeField()
    evidence_ids = models.JSONField(default=list, blank=True)


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"


class Decision(models.Model):
    """A decision on a case with its statement of reasons, frozen as written."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason_codes = models.JSONField(default=list)
    remedy = models.CharField(max_length=30)
    remedy_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    points = models.PositiveIntegerField(default=0)
    track = models.CharField(max_length=20, blank=True)
    automated = models.BooleanField(default=False)
    # The rulebook's automated rule ([[auto_rules]] id) that took the decision; empty for any other
    # (a person's, or a clock's: missing evidence, merchant silence).
    auto_rule = models.CharField(max_length=60, blank=True, default="", db_default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    rulebook_version = models.CharField(max_length=40)
    # The statement of reasons: facts, rule and version, evidence considered, automation, remedy,
    # points, how to appeal. Stored whole, in both languages, so that nothing published later
    # changes what this decision says.
    statement = models.JSONField()
    # Set on the decision an appeal's result makes (cases/actions/appeals.py): the first decision
    # stays as it was written; this one records what changed and why.
    appeal = models.OneToOneField(
        "Appeal", null=True, blank=True, on_delete=models.PROTECT, related_name="new_decision"
    )

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["decided_at", "id"]
        # The automated rules' report: the decisions each live rule took (few; the rest are left out).
        indexes = [
            models.Index(
                fields=["auto_rule", "rulebook_version"], condition=~models.Q(auto_rule=""), name="decision_auto_rule"
            )
        ]


class CaseProblem(models.Model):
    """One problem of a report that names several of the same order (issue 17 item 5; rulebook [problems]).

    A report of one category has no rows: its case's category, admissibility and decision say it all.
    A report of several has one row per category, the case's main category (`Case.category`) first:
    each judged against its own window and evidence, answered by the merchant and decided on its own.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="problems")
    position = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=50)
    # The matter this problem raises (filing.matter_of), for the duplicate check: a second open report
    # of the same problem is refused whichever report names it first or among others.
    matter = models.CharField(max_length=120)
    # Intake's outcome for this problem alone (evaluation.Admissibility.as_dict()).
    admissibility = models.JSONField(default=dict)
    # The merchant's answer to this problem: accept or contest (empty until it answers).
    answer = models.CharField(max_length=10, blank=True, default="")
    # The decision's outcome for this problem, and the points it put on the record.
    outcome = models.CharField(max_length=20, blank=True, default="", choices=[("", "Not decided"), *Outcome.choices])
    points = models.PositiveIntegerField(default=0)
    # The upheld category of the same report whose points absorb this one's ([problems] absorbs).
    absorbed_by = models.CharField(max_length=50, blank=True, default="")
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="problems", db_index=False
    )

    class Meta:
        ordering = ["case", "position"]
        constraints = [models.UniqueConstraint(fields=["case", "category"], name="case_problem_once")]
        # The duplicate check at filing: open cases naming this matter among their problems.
        indexes = [models.Index(fields=["matter"], name="case_problem_matter")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.category}"

    @property
    def intake(self) -> str:
        """Return intake's outcome for this problem: admitted, needs_evidence or inadmissible."""
        return self.admissibility.get("outcome", "")


class StatementTemplate(models.Model):
    """Reusable text a reviewer starts a statement of reasons from: one per category and language.

    Operational text staff maintain in the Django admin (not policy: the rulebook decides, this only
    words it). The body may use the placeholders in `PLACEHOLDERS`; unknown ones are left as written.
    """

    PLACEHOLDERS = ("order", "category", "rule_version", "merchant", "listing", "delivered", "reference")

    # Named in the reader's language: staff edit these in the Django admin.
    category = models.CharField(
        _("category"), max_length=50, help_text=_("A category code of the rulebook, e.g. expired_goods")
    )
    language = models.CharField(_("language"), max_length=10, choices=[("zh-hans", "简体中文"), ("en", "English")])
    title = models.CharField(_("title"), max_length=200)
    # The outcome this wording states; empty for one that fits any. The review page offers the chosen
    # outcome's templates, so a template never argues for another outcome than the one picked.
    outcome = models.CharField(
        _("outcome"),
        max_length=20,
        blank=True,
        default="",
        db_default="",
        choices=[("", _("Any outcome")), *Outcome.choices],
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {order}, {category}, {rule_version}, {merchant}, {listing}, {delivered}, {reference}"
        ),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("statement template")
        verbose_name_plural = _("statement templates")
        ordering = ["category", "language", "title"]
        indexes = [models.Index(fields=["category", "language"], name="statement_template_lookup")]

    def __str__(self) -> str:
        return f"{self.category} [{self.language}] {self.title}"


class SavedQueueFilter(models.Model):
    """A reviewer's named set of review-queue filters, as the queue's query string (one reviewer's own)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_filters")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_queue_filter_name")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.name}"


class CaseClock(models.Model):
    """One run of a service-level clock of a case (cases/clocks.py): started, maybe paused, warned, breached.

    A clock counts the rulebook stage's time (calendar or business). While paused, `due_at` and
    `warn_at` are empty and `remaining_seconds` holds what was left, in the stage's own time.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="clocks")
    stage = models.CharField(max_length=30)
    # The rectification or penalty appeal the clock runs for (rectification and appeal stages).
    subject_id = models.PositiveIntegerField(null=True, blank=True)
    rulebook_version = models.CharField(max_length=40)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_by = models.CharField(max_length=40, blank=True, help_text="What stopped the clock")

    class Meta:
        verbose_name = _("case clock")
        verbose_name_plural = _("case clocks")
        ordering = ["started_at", "id"]
        indexes = [
            # clocks.tick: running clocks whose warning or breach is due. Partial, so stopped,
            # paused and already-fired clocks cost no index entry.
            models.Index(
                fields=["warn_at"],
                name="clock_warn_due",
                condition=Q(stopped_at__isnull=True, warned_at__isnull=True, paused_at__isnull=True),
            ),
            models.Index(
                fields=["due_at"],
                name="clock_breach_due",
                condition=Q(stopped_at__isnull=True, breached_at__isnull=True, paused_at__isnull=True),
            ),
            models.Index(fields=["case", "stage"], name="clock_case_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage}"

    @property
    def running(self) -> bool:
        return self.stopped_at is None


class AppealParty(models.TextChoices):
    REPORTER = "reporter", "Reporter"
    MERCHANT = "merchant", "Merchant"


class Appealed(models.TextChoices):
    """What an appeal contests. `penalty` is points and measures together (the merchant's penalty appeal)."""

    OUTCOME = "outcome", "The outcome"
    INADMISSIBILITY = "inadmissibility", "Inadmissibility"
    REMEDY = "remedy", "The remedy"
    POINTS = "points", "The points"
    MEASURES = "measures", "The measures"
    PENALTY = "penalty", "The points and measures"


class AppealRoute(models.TextChoices):
    RECONSIDERATION = "reconsideration", "Reconsideration by a supervisor"
    COMMITTEE = "committee", "The independent committee"


class AppealResult(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    OVERTURNED = "overturned", "Overturned"
    VARIED = "varied", "Varied"


class Appeal(models.Model):
    """A party's appeal against a decision (or against inadmissibility), routed by the rulebook.

    `decision` is empty for an appeal against inadmissibility: an inadmissible case has no Decision
    row, only its admissibility outcome. The other party may answer once; the appeal's state follows
    transitions.APPEAL_TRANSITIONS.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="appeals")
    party = models.CharField(max_length=10, choices=AppealParty.choices)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField()
    appealed = models.CharField(max_length=20, choices=Appealed.choices)
    route = models.CharField(max_length=20, choices=AppealRoute.choices)
    state = models.CharField(
        max_length=20, choices=[(s.value, s.value) for s in AppealState], default=AppealState.ANSWER_WINDOW.value
    )
    # The rulebook version the appeal was filed under (its windows, answer days and route).
    rulebook_version = models.CharField(max_length=40)
    filed_at = models.DateTimeField()
    # When the window to file it closed (recorded for the statement) and when the other party's answer is due.
    window_closes_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=12, choices=AppealResult.choices, blank=True)
    reasons = models.TextField(blank=True)
    # For a varied result: what changed, e.g. {"remedy": "refund", "amount": "30.00", "points": 2}.
    variation = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The evidence the appellant sent with the appeal, and the other party with its answer (ids of
    # the case's Evidence rows, stored on the case like any evidence).
    evidence_ids = models.JSONField(default=list, blank=True)
    answer_evidence_ids = models.JSONField(default=list, blank=True)
    # The appeal's statement of reasons, both languages, stored whole when it is decided.
    statement = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["filed_at", "id"]
        constraints = [
            # One appeal per party per decision (and per inadmissible case, which has no decision).
            models.UniqueConstraint(
                fields=["decision", "party"], name="appeal_one_per_party", condition=Q(decision__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["case", "party"], name="appeal_one_per_party_inadmissible", condition=Q(decision__isnull=True)
            ),
        ]
        indexes = [
            # The supervisors' list: appeals waiting for a decision, oldest first. Partial: decided
            # appeals cost no entry.
            models.Index(fields=["filed_at"], name="appeal_undecided", condition=~Q(state="decided")),
            # The clocks' tick: answer windows that have closed.
            models.Index(fields=["answer_due_at"], name="appeal_answer_due", condition=Q(state="answer_window")),
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk} on {self.case_id}"

    @property
    def other_party(self) -> str:
        return AppealParty.MERCHANT if self.party == AppealParty.REPORTER else AppealParty.REPORTER

    @property
    def legacy_state(self) -> str:
        """Return the state as the penalty appeal named it: pending, overturned or rejected."""
        if self.state != AppealState.DECIDED:
            return "pending"
        return "rejected" if self.result == AppealResult.CONFIRMED else "overturned"


class QualityMonth(models.Model):
    """Appeals decided in a month, grouped as the quality page shows them (plaint/cases/quality.py).

    Rebuilt whole by the periodic job `quality.refresh_if_due` from the appeals (one GROUP BY), so the
    page adds up a few thousand of these rows instead of joining every appeal to its decision and case.
    """

    # The first day of the month the appeals were decided in, in the server's time zone.
    month = models.DateField()
    # Who took the decision appealed: empty for an automated decision and for an inadmissibility.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # The decision's automated flag; None for an appeal against inadmissibility (no decision).
    automated = models.BooleanField(null=True)
    category = models.CharField(max_length=50)
    # The rulebook version the appealed decision applied (the case's, for an inadmissibility).
    rulebook_version = models.CharField(max_length=40)
    route = models.CharField(max_length=20, choices=AppealRoute.choices)
    decided = models.PositiveIntegerField()
    overturned = models.PositiveIntegerField()
    varied = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "id"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category} {self.decided}"


class CaseRating(models.Model):
    """The consumer's rating of how a closed case was handled: 1 to 5 and a comment, once per case."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="rating")
    # Copied from the case so the supervisors' figures group one table (queries.rating_figures).
    category = models.CharField(max_length=50)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    rated_at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_score_1_to_5")]
        # The figures per period and category.
        indexes = [models.Index(fields=["rated_at", "category"], name="rating_period")]


class EscalationDigest(models.Model):
    """One e-mail digest of breached clocks sent to the supervisors (plaint/cases/digest.py).

    At most one per period: `period_start` is unique, so two workers sending at once send one. The
    next digest covers the escalations from this one's `covers_until`.
    """

    period_start = models.DateTimeField(unique=True)
    covers_from = models.DateTimeField()
    covers_until = models.DateTimeField()
    escalations = models.PositiveIntegerField()
    sent_at = models.DateTimeField()


class ThreadParty(models.TextChoices):
    """Who writes in a case's thread: one of the two parties, or platform staff (a reviewer's question)."""

    REPORTER = "reporter", "Reporter"
    MERCHANT = "merchant", "Merchant"
    STAFF = "staff", "Staff"


class CaseMessage(models.Model):
    """A message in a case's negotiation thread (协商): a party's words, or a reviewer's question to a party.

    Every message is also a `message_posted` event of the case's log; the merchant reads the reporter's
    words with their personal data masked (cases/masking.py), as it reads the report.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=10, choices=ThreadParty.choices)
    # For a reviewer's question: the party asked ("reporter" or "merchant"); empty otherwise.
    addressed_to = models.CharField(max_length=10, blank=True)
    text = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class OfferKind(models.TextChoices):
    REMEDY = "remedy", "A remedy"
    EXTENSION = "extension", "More days for the merchant's answer"


class OfferState(models.TextChoices):
    OPEN = "open", "Open"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Offer(models.Model):
    """An offer one party makes the other in a case's thread: a remedy, or more days for the merchant.

    A remedy offer accepted resolves the case with that remedy (cases/actions/negotiation.py); an
    extension accepted moves the merchant's deadline, within the rulebook's [negotiation] maximum.
    An offer still open when the case leaves the merchant's stage can no longer be accepted.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="offers")
    kind = models.CharField(max_length=10, choices=OfferKind.choices)
    party = models.CharField(max_length=10, choices=ThreadParty.choices)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField()
    # A remedy offer: the remedy (a code of the rulebook's [remedies]) and, for a partial refund, its amount.
    remedy = models.CharField(max_length=30, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # An extension: calendar days added to the merchant's deadline to answer.
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=OfferState.choices, default=OfferState.OPEN)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["made_at", "id"]


class UploadLink(models.Model):
    """A one-time link an agent sends a caller to add evidence files to one case (issue 17, item 9).

    The link carries a signed token naming this row; the row says whether it was used. It adds files
    once, to this case only, until `expires_at` (the case's evidence deadline when it has one).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="upload_links")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The channel it went out by (a name of plaint.notifications.links.SENDERS) and to whom.
    channel = models.CharField(max_length=20)
    recipient = models.CharField(max_length=200)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class AutoRuleSwitch(models.Model):
    """An admin's switch of an automated rule's mode: one row per switch, never changed (the audit trail).

    The latest row of a (rulebook version, rule) is its mode; without one the rulebook's `mode` holds.
    """

    rulebook_version = models.CharField(max_length=40)
    rule = models.CharField(max_length=60)
    mode = models.CharField(max_length=10, choices=[("shadow", "Shadow"), ("live", "Live")])
    switched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    switched_at = models.DateTimeField()
    reason = models.TextField(blank=True, default="")
    # The shadow report the admin read before switching live (None when switching back to shadow).
    replay = models.ForeignKey("AutoRuleReplay", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("automated rule switch")
        verbose_name_plural = _("automated rule switches")
        ordering = ["switched_at", "id"]
        indexes = [models.Index(fields=["rulebook_version", "rule", "switched_at"], name="auto_rule_switch_latest")]


class AutoRuleReplay(models.Model):
    """One run of `replay_rules` for a rule: the shadow report an admin reads before switching it live."""

    rulebook_version = models.CharField(max_length=40)
    rule = models.CharField(max_length=60)
    months = models.PositiveIntegerField()
    since = models.DateTimeField()
    ran_at = models.DateTimeField()
    ran_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Cases of the rule's category decided by people in the months replayed, and of those the ones
    # the rule matched, and the ones where it would have decided as the people did.
    considered = models.PositiveIntegerField()
    matched = models.PositiveIntegerField()
    agreed = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("automated rule replay")
        verbose_name_plural = _("automated rule replays")
        ordering = ["ran_at", "id"]
        indexes = [models.Index(fields=["rulebook_version", "rule", "ran_at"], name="auto_rule_replay_latest")]


class AutoRuleShadow(models.Model):
    """What a shadow rule would have decided on a case people decided, beside what they decided.

    Written when people decide (source "decision") and by `replay_rules` (source "replay"); one row
    per rule version, rule and decision (a replay updates it). Only cases the rule matched have a row.
    """

    rulebook_version = models.CharField(max_length=40)
    rule = models.CharField(max_length=60)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="+")
    would_outcome = models.CharField(max_length=20)
    would_remedy = models.CharField(max_length=30)
    decided_outcome = models.CharField(max_length=20)
    decided_remedy = models.CharField(max_length=30)
    agree = models.BooleanField()
    facts = models.JSONField(default=list)
    source = models.CharField(max_length=10, choices=[("decision", "At the decision"), ("replay", "Replay")])
    recorded_at = models.DateTimeField()
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = _("automated rule shadow decision")
        verbose_name_plural = _("automated rule shadow decisions")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rulebook_version", "rule", "decision"], name="auto_rule_shadow_one")
        ]
        # The report page: a rule's rows, newest first.
        indexes = [models.Index(fields=["rulebook_version", "rule", "decided_at"], name="auto_rule_shadow_rule")]
