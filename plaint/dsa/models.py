from django.db import models
from django.utils.translation import gettext_lazy as _


class StatementState(models.TextChoices):
    PENDING = "pending", "Pending"
    SUBMITTED = "submitted", "Submitted"
    # The decision or measure restricts nothing the DSA counts (a warning, a report not upheld).
    NOT_REQUIRED = "not_required", "No statement required"
    # Its category, measure or remedy has no [dsa] mapping: last_error names it.
    UNMAPPED = "unmapped", "Not mapped"
    # The database refused the statement itself (its answer is in last_error).
    REJECTED = "rejected", "Rejected by the database"
    DEAD = "dead", "Gave up after retries"


class DsaStatement(models.Model):
    """One statement of reasons for the DSA Transparency Database: its body, frozen, and its submission.

    One row per decision and per measure, made by the worker's queueing pass (plaint/dsa/submission.py);
    the unique puid is what the database also refuses twice, so a statement is never sent twice.
    """

    puid = models.CharField(max_length=120, unique=True)
    decision = models.OneToOneField(
        "cases.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="dsa_statement"
    )
    measure = models.OneToOneField(
        "enforcement.Measure", null=True, blank=True, on_delete=models.PROTECT, related_name="dsa_statement"
    )
    # The JSON sent, byte for byte the same on every attempt; empty when no statement is sent.
    body = models.TextField(blank=True)
    state = models.CharField(max_length=14, choices=StatementState.choices, default=StatementState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The database's own identifier of the statement, from its answer (empty if it already had the puid).
    uuid = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name = _("DSA statement of reasons")
        verbose_name_plural = _("DSA statements of reasons")
        indexes = [
            # submit_due: pending statements due now, oldest first.
            models.Index(fields=["next_attempt_at"], name="dsa_statement_due", condition=models.Q(state="pending")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision__isnull=False, measure__isnull=True)
                | models.Q(decision__isnull=True, measure__isnull=False),
                name="dsa_statement_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.puid} ({self.state})"
