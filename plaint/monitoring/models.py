from django.db import models
from django.utils.translation import gettext_lazy as _


class MerchantFigures(models.Model):
    """One run of the monitoring job for one merchant: the window's figures and the baseline."""

    merchant = models.ForeignKey("marketplace.Merchant", on_delete=models.CASCADE, related_name="figures")
    computed_at = models.DateTimeField()
    window_start = models.DateTimeField()
    orders = models.PositiveIntegerField()
    reports = models.PositiveIntegerField()
    decided = models.PositiveIntegerField()
    upheld = models.PositiveIntegerField()
    report_rate = models.FloatField(help_text="Reports per 1,000 orders in the window")
    upheld_rate = models.FloatField(null=True, help_text="Share of the window's decided cases upheld")
    baseline_rate = models.FloatField(null=True, help_text="Mean report rate of the earlier windows")

    class Meta:
        verbose_name = _("merchant figures")
        verbose_name_plural = _("merchant figures")
        indexes = [models.Index(fields=["merchant", "-computed_at"], name="figures_latest")]


class FlagState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    # Turned into an own-initiative investigation: `case` is the case opened from it.
    ACTED = "acted", "Investigation opened"


class MonitoringFlag(models.Model):
    """A merchant put in the supervisors' queue by the monitoring job, with the figures that caused it."""

    merchant = models.ForeignKey("marketplace.Merchant", on_delete=models.PROTECT, related_name="flags")
    reason = models.CharField(max_length=30)  # spike, report_rate, upheld_rate, illegal_goods
    figures = models.JSONField()
    raised_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=FlagState.choices, default=FlagState.OPEN)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="monitoring_flags"
    )

    class Meta:
        verbose_name = _("monitoring flag")
        verbose_name_plural = _("monitoring flags")
        constraints = [
            # One open flag per merchant and reason: a rerun refreshes nothing twice.
            models.UniqueConstraint(
                fields=["merchant", "reason"], condition=models.Q(state="open"), name="one_open_flag"
            )
        ]
