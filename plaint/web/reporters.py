"""The reporter's standing (warnings, suspensions from reporting, the appeal) and the supervisors' appeals page."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from plaint.accounts.models import Role
from plaint.errors import DomainError
from plaint.reporters import misuse

from .common import error_message, role_required

consumer_only = role_required(Role.CONSUMER)
supervisor_only = role_required(Role.SUPERVISOR)


def standing_context(consumer_id: int) -> dict[str, Any]:
    """Return the standing page's context: the measures as misuse.measure_item, the suspension in force."""
    now = timezone.now()
    current = misuse.suspension_in_force(consumer_id, now)
    return {
        "measures": [misuse.measure_item(m, now) for m in misuse.measures_of(consumer_id)],
        "suspended": misuse.measure_item(current, now) if current else None,
    }


@consumer_only
def standing(request: HttpRequest) -> HttpResponse:
    """The consumer's warnings and suspensions from reporting, with the reasons and the appeal."""
    return render(request, "web/consumer/standing.html", standing_context(request.user.consumer_id))


@consumer_only
@require_POST
def appeal(request: HttpRequest, measure_id: int) -> HttpResponse:
    """Appeal a suspension from reporting; a refused appeal comes back with its text and the reason."""
    try:
        misuse.appeal_suspension(request.user, measure_id, request.POST.get("text", ""))
    except DomainError as exc:
        context = standing_context(request.user.consumer_id) | {
            "appeal_error": error_message(exc),
            "appeal_text": request.POST.get("text", ""),
        }
        return render(request, "web/consumer/standing.html", context, status=exc.status)
    messages.success(request, _("Your appeal was sent. A supervisor who did not take the suspension decides it."))
    return redirect("consumer-standing")


def _appeal_rows() -> list[dict[str, Any]]:
    now = timezone.now()
    return [misuse.measure_item(m, now) | {"consumer": m.consumer} for m in misuse.appeals_to_decide()]


@supervisor_only
def appeals_page(request: HttpRequest) -> HttpResponse:
    """The suspensions from reporting appealed and not yet decided, oldest first, each with its decision form."""
    return render(request, "web/review/reporter_appeals.html", {"rows": _appeal_rows()})


@supervisor_only
@require_POST
def decide(request: HttpRequest, measure_id: int) -> HttpResponse:
    """Lift or uphold a suspension from reporting, with reasons the reporter reads."""
    try:
        measure = misuse.decide_suspension_appeal(
            request.user, measure_id, request.POST.get("result", ""), request.POST.get("reasons", "")
        )
    except DomainError as exc:
        context = {
            "rows": _appeal_rows(),
            "error_for": measure_id,
            "error": error_message(exc),
            "reasons": request.POST.get("reasons", ""),
        }
        return render(request, "web/review/reporter_appeals.html", context, status=exc.status)
    if measure.appeal_result == "lifted":
        messages.success(request, _("The suspension is lifted; the reporter is told."))
    else:
        messages.success(request, _("The suspension stays; the reporter is told why."))
    return redirect("review-reporter-appeals")
