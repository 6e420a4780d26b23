from django.db import models
from django.utils.translation import gettext_lazy as _

from plaint.storage import held_storage


class Outcome(models.TextChoices):
    FILED = "filed", "A report was filed"
    EVIDENCE_ADDED = "evidence_added", "Evidence was added to a case"
    ANSWERED = "answered", "Not matched: the sender was told why and how to report"
    IGNORED = "ignored", "Automatic mail (auto-reply, bounce, list): not answered"
    REFUSED = "refused", "Too large: the sender was told the limit"
    HELD = "held", "From an unverified address: held until the account's owner confirms it"
    EXPIRED = "expired", "Held and never confirmed: deleted"


class InboundMail(models.Model):
    """A received e-mail, once: a mail delivered again (same Message-ID) is recognised by `key`."""

    # sha256 of the Message-ID, or of the whole message when it has none (ids may be up to 998 characters).
    key = models.CharField(max_length=64, unique=True)
    message_id = models.TextField(blank=True)
    sender = models.CharField(max_length=320, blank=True)
    recipient = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField()
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # Why a mail was answered instead of acted on (unknown_sender, unknown_case, no_order, open_case, ...);
    # "confirmed" for a held mail its owner confirmed.
    reason = models.CharField(max_length=40, blank=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("received e-mail")
        verbose_name_plural = _("received e-mails")
        ordering = ["-received_at", "-id"]
        indexes = [
            # The loop breaker in inbound.actions counts the answers a sender got in the last day.
            models.Index(fields=["sender", "received_at"], name="inbound_sender_time"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id or self.key} ({self.outcome})"


class HeldMail(models.Model):
    """A report mail from an address the marketplace has not verified, kept until its owner confirms it.

    The confirmation link went to `consumer`'s address on record; following it files the report from
    `raw` as it would have been filed at once. Unconfirmed by `expires_at`, the row and the file are
    deleted (inbound.actions.expire_held_mail) and the InboundMail says "expired".
    """

    mail = models.OneToOneField(InboundMail, on_delete=models.CASCADE, related_name="held")
    consumer = models.ForeignKey("marketplace.Consumer", on_delete=models.CASCADE, related_name="+")
    # The message as received: confirming parses it again, so it is filed with its own words and files.
    raw = models.FileField(upload_to="inbound/held/", storage=held_storage, max_length=200)
    held_at = models.DateTimeField()
    # The periodic expiry job looks up the rows due.
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("held report e-mail")
        verbose_name_plural = _("held report e-mails")

    def __str__(self) -> str:
        return f"{self.mail} held until {self.expires_at:%Y-%m-%d %H:%M}"
