"""A person's portal notifications, and the admins' status of background work (the status page's twin)."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from plaint.accounts.models import Role
from plaint.cases.queries import recent_breaches
from plaint.errors import Forbidden
from plaint.limits import PageNumber, RowId
from plaint.notifications import actions, status
from plaint.notifications.models import Notification
from plaint.rulebook.calendar import coverage

from ..schemas import ERRORS

router = Router()
status_router = Router()

PAGE = 50
# Who may read the status of background work.
STATUS_ROLES = {Role.ADMIN, Role.SUPERVISOR}


class NotificationOut(Schema):
    id: int
    case: str
    event: str
    title: str
    body: str
    link: str
    created_at: str
    read_at: str | None


class NotificationsOut(Schema):
    unread: int
    page: int
    items: list[NotificationOut]


def _out(notification: Notification, language: str) -> dict:
    title, body = notification.text(language)
    return {
        "id": notification.pk,
        "case": notification.case_reference,
        "event": notification.event,
        "title": title,
        "body": body,
        "link": notification.link,
        "created_at": notification.created_at.isoformat(),
        "read_at": notification.read_at.isoformat() if notification.read_at else None,
    }


@router.get("", response={200: NotificationsOut, **ERRORS})
def notifications(request: HttpRequest, unread: bool | None = None, page: PageNumber = 1) -> dict:
    """Your own notifications, newest first, 50 a page; `unread=true` for the unread only, `false` for the read."""
    page = max(page, 1)
    rows = actions.notifications_for(request.auth, unread=unread)[(page - 1) * PAGE : page * PAGE]
    return {
        "unread": actions.unread_count(request.auth),
        "page": page,
        "items": [_out(n, request.auth.language) for n in rows],
    }


@router.post("/{notification_id}/read", response={200: NotificationOut, **ERRORS})
def read(request: HttpRequest, notification_id: RowId) -> dict:
    """Mark one of your notifications read (again is harmless); someone else's is 404."""
    return _out(actions.mark_read(request.auth, notification_id), request.auth.language)


@status_router.get("/status", response={200: dict, **ERRORS})
def background_status(request: HttpRequest) -> dict:
    """Queue depths per channel, the oldest undelivered message, failing and dead deliveries, the
    service-level breaches of the last 24 hours, and how far each business calendar in use reaches
    (`calendars`: name, covered_through, uncovered_from, provisional_through (the last day of years listed with
    their statutory holidays only, or null), days_left, and `ending` when its end is
    within PLAINT_CALENDAR_WARN_DAYS) — for admins and supervisors."""
    if request.auth.role not in STATUS_ROLES:
        raise Forbidden("not_staff_admin", "The status of background work is for admins and supervisors.")
    now = timezone.now()
    calendars = [end.as_dict() for end in coverage(now)]
    return status.deliveries(now) | {"breaches": recent_breaches(now), "calendars": calendars}
