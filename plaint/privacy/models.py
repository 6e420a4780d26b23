"""Personal data (PIPL): legal holds, purges under the rulebook's [retention], and consumers' erasure requests.

docs/privacy.md says what is kept, for how long and why.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LegalHold(models.Model):
    """Staff keep a case from being purged (a lawsuit, a regulator's inquiry), with a reason; lifted with one."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="legal_holds")
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["set_at", "id"]
        constraints = [
            # One hold in force per case; a lifted one stays as the record of what was held and why.
            models.UniqueConstraint(fields=["case"], name="legal_hold_one_active", condition=Q(lifted_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"hold on {self.case_id}"


class PurgeScope(models.TextChoices):
    EVIDENCE = "evidence", _("Evidence files")
    CASE = "case", _("A case's personal data")
    CONSUMER = "consumer", _("A consumer's name, phone and e-mail")
    NOTIFICATIONS = "notifications", _("Portal notifications")
    OUTBOX = "outbox", _("Sent e-mails and webhooks")


class Purge(models.Model):
    """One purge: what was removed (counts and the SHA-256 of what was removed), when, under which rule.

    `case` is set for the evidence and case scopes (each at most once per case), empty for the bulk ones.
    """

    scope = models.CharField(max_length=20, choices=PurgeScope.choices)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="purges", db_index=False
    )
    # The rule applied: "<rulebook version>:retention.<key>" or "erasure:<request id>".
    rule = models.CharField(max_length=80)
    what = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("purge")
        verbose_name_plural = _("purges")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "scope"], name="purge_once_per_case_scope", condition=Q(case__isnull=False)
            )
        ]
        indexes = [models.Index(fields=["-at"], name="purge_recent")]

    def __str__(self) -> str:
        return f"{self.scope} {self.case_id or ''} {self.at:%Y-%m-%d}"


class ErasureRequest(models.Model):
    """A consumer's request to erase their personal data, and the answer: what was erased, what was kept and why."""

    consumer = models.ForeignKey("marketplace.Consumer", on_delete=models.PROTECT, related_name="erasure_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    # The rulebook's [retention] erasure_answer_days from the request (PIPL art. 47: "timely").
    due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # {"erased": [codes], "kept": [{"case": ref, "reason": code, "until": iso | None}], ...}
    answer = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"erasure {self.pk} of {self.consumer_id}"
