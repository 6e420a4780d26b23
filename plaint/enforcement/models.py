from django.db import models


class PointEntry(models.Model):
    """Violation points on a merchant's record, from one decision. They expire; revoked ones do not count."""

    merchant = models.ForeignKey("marketplace.Merchant", on_delete=models.PROTECT, related_name="points")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="points")
    decision = models.ForeignKey("cases.Decision", on_delete=models.PROTECT, related_name="point_entries")
    track = models.CharField(max_length=20)
    points = models.PositiveIntegerField()
    rulebook_version = models.CharField(max_length=40)
    awarded_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["merchant", "track", "expires_at"], name="points_standing")]


class RemedyInstruction(models.Model):
    """What the marketplace is told to do for the consumer: refund, return and refund, replacement."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="remedy_instructions")
    decision = models.ForeignKey("cases.Decision", null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=30)
    currency = models.CharField(max_length=3, default="CNY")
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    tariff_amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    issued_at = models.DateTimeField()
