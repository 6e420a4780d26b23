"""The independent committee: its members, their declared conflicts, the panels drawn from it, votes.

The committee knows nothing of what a panel decides (an appeal, an audit): a panel names its case and a
`subject` string, and whoever asked for the panel hears of its outcome through `committee.on_decided`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plaint.accounts.models import Role


class Seat(models.TextChoices):
    CONSUMER_REP = "consumer_rep", "Consumer representative"
    EXPERT = "expert", "Expert"
    LAWYER = "lawyer", "Lawyer"


class CommitteeMember(models.Model):
    """A member of the committee: a seat, an expert's fields, a term, and how many panels at once."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="committee_member")
    display_name = models.CharField(max_length=200)
    seat = models.CharField(max_length=20, choices=Seat.choices)
    # Rulebook category codes an expert may sit on (validated against the rulebook versions); empty for
    # the other seats.
    expert_fields = models.JSONField(default=list, blank=True)
    term_from = models.DateField()
    term_to = models.DateField()
    load_cap = models.PositiveSmallIntegerField(default=3, help_text="Open panels at once")
    # Seats on panels not yet decided. Kept by the committee's actions in the transaction that seats or
    # frees the member (draw, recusal, replacement, decision), so the draw compares two columns instead
    # of counting seats per member.
    open_seats = models.PositiveIntegerField(default=0, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["seat", "display_name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(term_to__gte=models.F("term_from")), name="member_term_in_order"),
            models.CheckConstraint(condition=Q(load_cap__gte=1), name="member_load_cap_positive"),
        ]
        indexes = [
            # The draw (committee/draw.py eligible_pool): active members of the asked seats.
            models.Index(fields=["seat", "term_from", "term_to"], name="member_draw", condition=Q(active=True)),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.seat})"

    def clean(self) -> None:
        # The one place the rule "platform staff are never members" is checked for forms and the admin;
        # actions.add_member checks it too, with the API's error.
        if self.user_id and self.user.role != Role.COMMITTEE:
            raise ValidationError(
                {"user": f"Only an account with the role 'committee' can be a member; this one is {self.user.role!r}."}
            )
        from .actions import known_categories

        unknown = sorted(set(self.expert_fields or []) - known_categories())
        if unknown:
            raise ValidationError({"expert_fields": f"Not a rulebook category: {', '.join(unknown)}."})
        if self.seat == Seat.EXPERT and not self.expert_fields:
            raise ValidationError({"expert_fields": "An expert needs at least one field (a rulebook category)."})
        if self.term_from and self.term_to and self.term_to < self.term_from:
            raise ValidationError({"term_to": "The term ends before it starts."})


class ConflictKind(models.TextChoices):
    MERCHANT = "merchant", "Merchant"
    BRAND = "brand", "Brand"
    GROUP = "group", "Merchant group"


class Conflict(models.Model):
    """A tie a member declared: they are never drawn for a case about that merchant, brand or group."""

    member = models.ForeignKey(CommitteeMember, on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField(max_length=10, choices=ConflictKind.choices)
    # The merchant's external id, a brand name or a group name, as the marketplace spells it.
    value = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    declared_at = models.DateTimeField()

    class Meta:
        ordering = ["declared_at", "id"]
        constraints = [models.UniqueConstraint(fields=["member", "kind", "value"], name="conflict_once")]
        indexes = [
            # The draw's NOT EXISTS: conflicts with this case's merchant, group or brands, by member.
            models.Index(fields=["kind", "value", "member"], name="conflict_draw"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind}={self.value}"


class PanelState(models.TextChoices):
    WAITING = "waiting_for_members", "Waiting for members"
    VOTING = "voting", "Voting"
    DECIDED = "decided", "Decided"


class Choice(models.TextChoices):
    CONFIRM = "confirm", "Confirm"
    OVERTURN = "overturn", "Overturn"
    VARY = "vary", "Vary"


class Panel(models.Model):
    """A panel drawn for a case: what it decides, its seats, the draw's seed and pools, its clock, its outcome."""

    # Indexed by panel_case below.
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="panels", db_index=False)
    # What the panel decides, "<kind>:<id>" (e.g. "appeal:17"); the kind routes the outcome (on_decided).
    subject = models.CharField(max_length=100)
    composition = models.JSONField(
        help_text='The seats asked, in draw order, e.g. ["consumer_rep", "expert", "lawyer"]'
    )
    category = models.CharField(max_length=50)
    # The draw, recorded so anyone can re-run it (draw.redraw, manage.py verify_draw).
    seed = models.CharField(max_length=64)
    pool = models.JSONField(default=dict, help_text="Eligible member ids per seat, sorted, at the draw")
    excluded = models.JSONField(default=list, blank=True, help_text="Member ids the caller excluded")
    # What a waiting panel lacks: {seat: how many more eligible members it needs}.
    missing = models.JSONField(default=dict, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # The share of the time to due_at after which a seat without a vote is given to someone else.
    member_share = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    state = models.CharField(max_length=20, choices=PanelState.choices)
    outcome = models.JSONField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("panel")
        verbose_name_plural = _("panels")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["case"], name="panel_case"),
            # An appeal's panel, found by its subject ("appeal:17").
            models.Index(fields=["subject"], name="panel_subject"),
            # retry_waiting_draws and the secretary's page: panels waiting for members, oldest first.
            models.Index(fields=["requested_at"], name="panel_waiting", condition=Q(state="waiting_for_members")),
        ]

    def __str__(self) -> str:
        return f"panel {self.pk} ({self.subject})"

    @property
    def size(self) -> int:
        return len(self.composition)


class SeatState(models.TextChoices):
    SITTING = "sitting", "Sitting"
    RECUSED = "recused", "Recused"
    REPLACED = "replaced", "Replaced (no vote in time)"


class PanelSeat(models.Model):
    """A member's seat on a panel. A recused or replaced seat stays, pointing at who took it over."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="seats")
    # Indexed by seat_member below.
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="seats", db_index=False)
    seat = models.CharField(max_length=20, choices=Seat.choices)
    # Position in the panel's composition; a replacement takes the position of the seat it replaces.
    position = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=SeatState.choices, default=SeatState.SITTING)
    recusal_reason = models.TextField(blank=True)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    seated_at = models.DateTimeField()
    # When this member must have voted, or the seat goes to someone else (Panel.member_share); None: no limit.
    vote_due_at = models.DateTimeField(null=True, blank=True)
    # When the seat stopped counting against the member's load cap: recused, replaced, or the panel decided.
    ended_at = models.DateTimeField(null=True, blank=True)
    # A replacement's own draw: its derived seed and the pool it was drawn from (empty for the first draw).
    seed = models.CharField(max_length=80, blank=True)
    pool = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "seated_at", "id"]
        constraints = [models.UniqueConstraint(fields=["panel", "member"], name="seat_once_per_panel")]
        indexes = [
            # The member's portal: a member's seats.
            models.Index(fields=["member", "state"], name="seat_member"),
            # replace_missed_members: sitting seats whose vote is overdue.
            models.Index(fields=["vote_due_at"], name="seat_vote_due", condition=Q(state="sitting")),
        ]

    def __str__(self) -> str:
        return f"{self.panel_id}/{self.position} {self.member_id} ({self.state})"


class Vote(models.Model):
    """A member's vote on a panel, with written reasons; one per member and panel."""

    # Indexed by vote_once_per_member, which starts with it.
    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="votes", db_index=False)
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="votes")
    seat = models.CharField(max_length=20, choices=Seat.choices)
    choice = models.CharField(max_length=10, choices=Choice.choices)
    reasons = models.TextField()
    variation = models.JSONField(null=True, blank=True)
    voted_at = models.DateTimeField()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["voted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["panel", "member"], name="vote_once_per_member")]

    def __str__(self) -> str:
        return f"{self.panel_id} {self.member_id} {self.choice}"
