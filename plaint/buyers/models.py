"""Past buyers of a listing told that a decision found it illegal (DSA art. 32), and told again if that changes.

A run is queued in the transaction of the decision (plaint/buyers/actions.py) and carried out by the
worker; each buyer it tells is one PastBuyerNotice, unique per buyer and decision, so a run that is
retried or run by two workers at once never tells anyone twice.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    FOUND = "found", "The listing was found illegal"
    WITHDRAWN = "withdrawn", "The finding was overturned on appeal"


class PastBuyerRun(models.Model):
    """One decision's telling of a listing's past buyers: queued with the decision, carried out by the worker."""

    # Indexed: a case's latest run says whether its buyers stand told (actions.queue_for_decision).
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    decision = models.OneToOneField("cases.Decision", on_delete=models.PROTECT, related_name="past_buyer_run")
    kind = models.CharField(max_length=10, choices=RunKind.choices)
    # The finding a withdrawal corrects: it tells those who stand told of the listing and category and whom
    # no other standing finding covers (actions._record_buyers).
    follows = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    listing = models.ForeignKey("marketplace.Listing", on_delete=models.PROTECT, related_name="+", db_index=False)
    # The case's category: a buyer is told once per listing and category while a finding of it stands
    # (actions._record_buyers), whichever decision made it.
    category = models.CharField(max_length=50)
    # The version in force at the decision, whose [past_buyers] and categories' flags decided the run.
    rulebook_version = models.CharField(max_length=40)
    # The buyers: orders of the listing paid in [orders_from, orders_until] (the decision's moment).
    orders_from = models.DateTimeField()
    orders_until = models.DateTimeField()
    # The message's fields (plaint.notifications.emails TEXTS), in both languages, fixed when queued.
    fields = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    # A worker's lease on the run while it works; another may take it over once it has passed.
    locked_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How many buyers it told (portal, e-mail or both), counted when it finished.
    buyers = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("past buyer run")
        verbose_name_plural = _("past buyer runs")
        ordering = ["created_at", "id"]
        indexes = [
            # The worker's query (actions.run_due): unfinished runs, oldest first; partial, so finished
            # runs cost no entry.
            models.Index(fields=["id"], name="past_buyer_run_pending", condition=Q(finished_at__isnull=True)),
            # The other runs of the same listing and category, which a run's buyers are checked against and
            # which it locks while it records them (actions._record_buyers).
            models.Index(fields=["listing", "category"], name="past_buyer_run_listing"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} run for decision {self.decision_id}"


class PastBuyerNotice(models.Model):
    """One buyer told of one decision: the e-mail's and the portal notification's keys are made from it."""

    run = models.ForeignKey(PastBuyerRun, on_delete=models.PROTECT, related_name="notices", db_index=False)
    decision = models.ForeignKey("cases.Decision", on_delete=models.PROTECT, related_name="+", db_index=False)
    # Indexed by past_buyer_consumer below (a consumer's notices; erasing a consumer).
    consumer = models.ForeignKey("marketplace.Consumer", on_delete=models.PROTECT, related_name="+", db_index=False)
    told_at = models.DateTimeField()

    class Meta:
        verbose_name = _("past buyer notice")
        verbose_name_plural = _("past buyer notices")
        constraints = [
            # Once per buyer per decision: a retried run inserts nothing new. Its index also serves the
            # run's batches (a decision's buyers in consumer order).
            models.UniqueConstraint(fields=["decision", "consumer"], name="past_buyer_once_per_decision"),
        ]
        indexes = [models.Index(fields=["consumer"], name="past_buyer_consumer")]

    def __str__(self) -> str:
        return f"consumer {self.consumer_id} told of decision {self.decision_id}"
