from django.db import models
from django.utils.translation import gettext_lazy as _


class PointEntry(models.Model):
    """Violation points on a merchant's record, from one decision. They expire; revoked ones do not count."""

    merchant = models.ForeignKey("marketplace.Merchant", on_delete=models.PROTECT, related_name="points")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="points")
    decision = models.ForeignKey("cases.Decision", on_delete=models.PROTECT, related_name="point_entries")
    track = models.CharField(max_length=20)
    points = models.PositiveIntegerField()
    rulebook_version = models.CharField(max_length=40)
    awarded_at = models.DateTimeField()
    # None once the track's total reached the rulebook's no-reset level: these points stay.
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("point entry")
        verbose_name_plural = _("point entries")
        indexes = [models.Index(fields=["merchant", "track", "expires_at"], name="points_standing")]


class RemedyState(models.TextChoices):
    INSTRUCTED = "instructed", "Instructed"
    EXECUTED = "executed", "Executed"
    FAILED = "failed", "Failed"


class RemedyInstruction(models.Model):
    """What the marketplace is told to do for the consumer: refund, return and refund, replacement.

    The marketplace confirms its execution (amount, time, its own reference) or reports its failure
    (plaint/cases/actions/remedies.py); one not confirmed by `confirm_due_at` is overdue.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="remedy_instructions")
    decision = models.ForeignKey("cases.Decision", null=True, blank=True, on_delete=models.PROTECT)
    # The order the remedy is carried out on: the report's own, or for a listing or merchant report
    # the consumer's order found for it (enforcement.actions.remedy_order).
    order = models.ForeignKey("marketplace.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30)
    currency = models.CharField(max_length=3, default="CNY")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    tariff_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    issued_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=RemedyState.choices, default=RemedyState.INSTRUCTED)
    # From the rulebook's [remedy_execution] confirm_days; None under versions without it.
    confirm_due_at = models.DateTimeField(null=True, blank=True)
    # Set once when the confirmation deadline passed unconfirmed (the supervisors told, the webhook sent).
    overdue_at = models.DateTimeField(null=True, blank=True)
    # The marketplace's confirmation: what it paid, when, under its own reference (unique per remedy).
    executed_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    executed_currency = models.CharField(max_length=3, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    execution_reference = models.CharField(max_length=100, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The marketplace's report that it could not carry the remedy out (the latest one).
    failure_reason = models.TextField(blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("remedy instruction")
        verbose_name_plural = _("remedy instructions")
        indexes = [
            # clocks.tick: unconfirmed remedies whose confirmation deadline passed, not yet chased.
            models.Index(
                fields=["confirm_due_at"],
                name="remedy_confirm_due",
                condition=models.Q(state="instructed", overdue_at__isnull=True),
            ),
            # The supervisors' page: remedies overdue or failed and still not executed.
            models.Index(
                fields=["issued_at"],
                name="remedy_unpaid",
                condition=models.Q(state="failed") | models.Q(state="instructed", overdue_at__isnull=False),
            ),
        ]


class Measure(models.Model):
    """An enforcement step on a merchant from the rulebook's penalty ladder, with the cases behind it."""

    merchant = models.ForeignKey("marketplace.Merchant", on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(max_length=30)
    track = models.CharField(max_length=20)
    threshold = models.PositiveIntegerField(help_text="The track total whose crossing started it")
    weight = models.FloatField(null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    starts_at = models.DateTimeField()
    # None for measures without a duration (warning, removal, deposit deduction).
    ends_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    rulebook_version = models.CharField(max_length=40)
    trigger_case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="triggered_measures")
    # References of every case whose points made up the total at that moment.
    cases = models.JSONField(default=list)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [
            models.Index(fields=["merchant", "-starts_at"], name="measure_merchant"),
            # end_due_measures: timed measures still running.
            models.Index(fields=["ends_at"], name="measure_due", condition=models.Q(ended_at__isnull=True)),
        ]

    @property
    def active(self) -> bool:
        return self.ended_at is None and self.revoked_at is None and self.kind not in ("warning",)

    def as_dict(self) -> dict:
        """Return the measure as webhooks and the standing show it."""

        def iso(value: object) -> str | None:
            return value.isoformat() if value else None

        return {
            "measure_id": self.pk,
            "merchant_id": self.merchant.external_id,
            "kind": self.kind,
            "track": self.track,
            "threshold": self.threshold,
            "weight": self.weight,
            "amount": str(self.amount) if self.amount is not None else None,
            "starts_at": iso(self.starts_at),
            "ends_at": iso(self.ends_at),
            "ended_at": iso(self.ended_at),
            "revoked_at": iso(self.revoked_at),
            "rulebook_version": self.rulebook_version,
            "trigger_case": self.trigger_case.reference,
            "cases": self.cases,
        }


class RectificationState(models.TextChoices):
    ORDERED = "ordered", "Ordered"
    SUBMITTED = "submitted", "Proof submitted"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    MISSED = "missed", "Missed"


class Rectification(models.Model):
    """A change a decision orders the merchant to make, by a deadline, checked by a reviewer."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="rectifications")
    decision = models.ForeignKey("cases.Decision", on_delete=models.PROTECT, related_name="rectifications")
    kind = models.CharField(max_length=40)
    instructions = models.TextField()
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=RectificationState.choices, default=RectificationState.ORDERED)
    proof = models.TextField(blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reasons = models.TextField(blank=True)

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        indexes = [
            # The clock: orders whose deadline passed without proof.
            models.Index(fields=["due_at"], name="rectification_due", condition=models.Q(state="ordered")),
        ]
