"""What a person does with their portal notifications."""

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from plaint.accounts.models import User
from plaint.errors import NotFound

from .models import Notification


def notifications_for(user: User, *, unread: bool | None = None) -> QuerySet[Notification]:
    """Return the person's own notifications, newest first; `unread` True or False filters by read state.

    Uses the index notification_user (or notification_unread for the unread ones).
    """
    rows = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    if unread is True:
        rows = rows.filter(read_at__isnull=True)
    elif unread is False:
        rows = rows.filter(read_at__isnull=False)
    return rows


def unread_count(user: User) -> int:
    """Return how many of the person's notifications are unread."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: User, notification_id: int, *, now: datetime | None = None) -> Notification:
    """Mark one of the person's notifications read and return it; reading it again changes nothing.

    Someone else's notification is NotFound, the same as one that does not exist.
    """
    now = now or timezone.now()
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is None:
        raise NotFound("notification_not_found", f"You have no notification {notification_id}.")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def mark_all_read(user: User, *, now: datetime | None = None) -> int:
    """Mark every unread notification of the person read; return how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now or timezone.now())
