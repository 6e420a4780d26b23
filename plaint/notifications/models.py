from django.db import models


class WebhookEndpoint(models.Model):
    """A receiver of the marketplace's: decisions and enforcement instructions are POSTed here, signed."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200, help_text="Shared secret for the HMAC-SHA256 signature")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


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
        indexes = [
            # The worker's query: pending messages due now, oldest first.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
        ]
