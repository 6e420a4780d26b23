from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WebhookEndpoint(models.Model):
    """A receiver of the marketplace's: decisions and enforcement instructions are POSTed here, signed."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200, help_text="Shared secret for the HMAC-SHA256 signature")
    active = models.BooleanField(default=True)
    # Endpoints made before the v2 signature have it on (their receivers may check only v1);
    # new ones off. Deprecated with v1 itself (docs/webhooks.md, Signatures).
    legacy_signature = models.BooleanField(
        default=False,
        help_text="Also send the deprecated v1 signature (X-Plaint-Timestamp, X-Plaint-Signature), which does "
        "not cover the Idempotency-Key. Turn it off once the receiver checks Plaint-Signature (v2).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name


class WebhookSubscription(models.Model):
    """A topic pattern an endpoint receives (plaint/notifications/topics.py); none at all means every topic."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="subscriptions")
    # A topic ("case.decided"), a family ("remedy.*") or "*".
    topic = models.CharField(max_length=60)

    class Meta:
        constraints = [
            # Also the index of the outbox's fan-out: (endpoint, topic) is looked up per endpoint.
            models.UniqueConstraint(fields=["endpoint", "topic"], name="webhook_subscription_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}: {self.topic}"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead letter"


class Channel(models.TextChoices):
    WEBHOOK = "webhook", "Webhook"
    EMAIL = "email", "E-mail"


class OutboxMessage(models.Model):
    """A side effect waiting to leave: written in the transaction that caused it, sent by the worker."""

    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEBHOOK)
    # A webhook goes to an endpoint; an e-mail to a recipient, with a subject.
    endpoint = models.ForeignKey(
        WebhookEndpoint, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    recipient = models.EmailField(blank=True)
    subject = models.CharField(max_length=200, blank=True)
    # An e-mail about a case is answered to the case's own address (plaint/inbound/).
    reply_to = models.EmailField(blank=True)
    topic = models.CharField(max_length=60)
    # The receiver may see one message more than once after a crash; it drops repeats by this key.
    idempotency_key = models.CharField(max_length=100, unique=True)
    body = models.TextField(help_text="The JSON sent, byte for byte the same on every attempt")
    status = models.CharField(max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            # The worker's query: pending messages due now, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
            # The status page's oldest undelivered message; partial, so delivered rows cost nothing.
            models.Index(fields=["created_at"], name="outbox_pending_age", condition=Q(status="pending")),
        ]


class Notification(models.Model):
    """A step of a case told to one person in the portal; written with the e-mail, in one transaction."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    # "<the e-mail's key>:<user id>": the same step is told to the same person once.
    key = models.CharField(max_length=120, unique=True)
    # A reference, not a foreign key: notifications sit below cases (cases call notifications).
    case_reference = models.CharField(max_length=20, blank=True)
    event = models.CharField(max_length=40)
    # In the person's language when it was written (User.language): what is shown when `params` is empty
    # (notifications written before it) or no longer fits the event's text.
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    # The event's fields (emails.render): the notification is written out when read, in the reader's
    # language and time zone at that moment.
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=300, blank=True, help_text="The page's path, e.g. /consumer/cases/PL-…/")
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("portal notification")
        verbose_name_plural = _("portal notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list a person reads: their notifications, newest first.
            models.Index(fields=["user", "-created_at"], name="notification_user"),
            # The unread count and list; partial, so read notifications cost no entry.
            models.Index(fields=["user", "-created_at"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"

    def text(self, language: str) -> tuple[str, str]:
        """Return (title, body) in `language` (a Django language code), rendered from the event's fields now.

        Falls back to the words stored when it was written if it has no fields or its event's text
        no longer takes them.
        """
        from . import emails

        if self.params and self.event in emails.TEXTS:
            try:
                return emails.render(self.event, **self.params)[emails.lang(language)]
            except (KeyError, IndexError, ValueError, TypeError):
                pass
        return self.title, self.body
