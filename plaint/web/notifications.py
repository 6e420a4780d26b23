"""The portal's notifications page: each signed-in person's own, newest first; opening one marks it read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from plaint.errors import NotFound
from plaint.notifications import actions

from .common import lang

PER_PAGE = 50
# The page's own words, both languages here so the shared catalog needs no entries for them.
TEXTS = {
    "zh": {
        "title": "通知",
        "all": "全部",
        "unread": "未读",
        "none": "暂无通知。",
        "open": "查看",
        "mark_read": "标为已读",
        "mark_all": "全部标为已读",
        "read": "已读",
        "unread_count": "条未读",
    },
    "en": {
        "title": "Notifications",
        "all": "All",
        "unread": "Unread",
        "none": "No notifications.",
        "open": "Open",
        "mark_read": "Mark read",
        "mark_all": "Mark all read",
        "read": "Read",
        "unread_count": "unread",
    },
}


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """List the person's notifications (`?unread=1` for the unread only), a page at a time."""
    only_unread = request.GET.get("unread") == "1"
    rows = actions.notifications_for(request.user, unread=True if only_unread else None)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    # Written out now, in the language the person reads the page in (not the one it was written in).
    language = translation.get_language() or request.user.language
    for notification in page.object_list:
        notification.shown_title, notification.shown_body = notification.text(language)
    context = {
        "page": page,
        "only_unread": only_unread,
        "query": "unread=1" if only_unread else "",
        "unread": actions.unread_count(request.user),
        "t": TEXTS[lang()],
    }
    return render(request, "web/notifications.html", context)


@login_required
@require_POST
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one of the person's notifications read, then go to its case page (or back to the list)."""
    try:
        notification = actions.mark_read(request.user, notification_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    target = notification.link if request.POST.get("open") else request.POST.get("next", "")
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/notifications/"
    return redirect(target)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the person read."""
    actions.mark_all_read(request.user)
    return redirect("/notifications/")
