"""The reporting channel's guards: trusted flaggers (EU DSA art. 22) and measures against misuse (art. 23).

A trusted flagger is an organisation an admin registers; it reports through its own accounts' API tokens
as its own marketplace consumer row (`consumer`), so its cases are found, counted and limited like any
reporter's. A reporter measure is a warning or a suspension from reporting, with the figures that led to
it, and the reporter's appeal against a suspension.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FlaggerKind(models.TextChoices):
    BRAND_OWNER = "brand_owner", "Brand owner"
    INSPECTION_BODY = "inspection_body", "Inspection body"
    CONSUMER_ASSOCIATION = "consumer_association", "Consumer association"


class TrustedFlagger(models.Model):
    """An organisation whose reports go first in the queue and are marked so everywhere (DSA art. 22)."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=FlaggerKind.choices)
    contact_email = models.EmailField(blank=True)
    # The reporter row its reports are filed as (external_id "flagger-<id>"), made when it is registered.
    consumer = models.OneToOneField(
        "marketplace.Consumer", on_delete=models.PROTECT, related_name="trusted_flagger", editable=False
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField()
    # DSA art. 22(6): a flagger whose notices are often imprecise or unfounded may lose the status.
    # While set, its accounts cannot file.
    suspended_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("trusted flagger")
        verbose_name_plural = _("trusted flaggers")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class MeasureKind(models.TextChoices):
    WARNING = "warning", "Warning"
    SUSPENSION = "suspension", "Suspension from reporting"


class AppealResult(models.TextChoices):
    LIFTED = "lifted", "Lifted"
    UPHELD = "upheld", "Upheld"


class ReporterMeasure(models.Model):
    """A warning or a suspension from reporting (DSA art. 23), taken under [misuse] of a rulebook version.

    `figures` are what the rule counted (decided, manifestly unfounded, share, window, cases); the
    reasons told to the reporter are written from them. A suspension ends at `ends_at`, or when lifted
    on appeal (`lifted_at`). The reporter appeals once; a supervisor who did not take it decides.
    """

    consumer = models.ForeignKey("marketplace.Consumer", on_delete=models.PROTECT, related_name="reporter_measures")
    kind = models.CharField(max_length=20, choices=MeasureKind.choices)
    figures = models.JSONField()
    rulebook_version = models.CharField(max_length=40)
    taken_at = models.DateTimeField()
    # Empty: taken by the rulebook's rule on a decision (automated); else the supervisor who took it.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ends_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    appeal_text = models.TextField(blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_result = models.CharField(max_length=10, choices=AppealResult.choices, blank=True)
    appeal_reasons = models.TextField(blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    appeal_decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reporter measure")
        verbose_name_plural = _("reporter measures")
        indexes = [
            # Filing asks whether the reporter is suspended now; the misuse rule for the last warning.
            models.Index(fields=["consumer", "kind", "-taken_at"], name="reporter_measure_latest"),
            # The supervisors' list of suspension appeals to decide.
            models.Index(
                fields=["appealed_at"],
                name="reporter_measure_appeals",
                condition=Q(appealed_at__isnull=False, appeal_decided_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.consumer_id} at {self.taken_at:%Y-%m-%d}"
