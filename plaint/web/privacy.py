"""Personal data pages: the consumer's "my data" (download, erasure) and the supervisors' legal holds and purge log."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from plaint.accounts.models import Role
from plaint.cases.access import get_case
from plaint.errors import DomainError
from plaint.privacy import erasure, export, holds
from plaint.privacy.models import LegalHold, Purge
from plaint.rulebook import loader

from .common import apply_domain_error, lang, role_required

consumer_only = role_required(Role.CONSUMER)
holders_only = role_required(*holds.HOLDING_ROLES)


def _language() -> str:
    return "en" if lang() == "en" else "zh-hans"


@consumer_only
def my_data(request: HttpRequest) -> HttpResponse:
    """What Plaint holds about the consumer, how to download it, and the erasure request (GET: confirm; POST: do)."""
    rulebook = loader.in_force(timezone.now())
    retention = rulebook.retention
    if request.method == "POST":
        if request.POST.get("confirm") != "erase":
            messages.error(request, _("Tick the box to confirm that you want your data erased."))
            return redirect("consumer-data")
        done = erasure.request_erasure(request.user)
        lines = erasure.answer_text(done, _language())
        # The account is closed: sign the person out, and show the answer once on this last page.
        logout(request)
        return render(request, "web/consumer/erasure_done.html", {"request_row": done, "lines": lines})
    return render(
        request,
        "web/consumer/my_data.html",
        {
            "years": retention.case_years_after_closing if retention else None,
            "answer_days": retention.erasure_answer_days if retention else None,
        },
    )


@consumer_only
def download_my_data(request: HttpRequest) -> FileResponse:
    """The ZIP of the consumer's data (the API's GET /api/me/data)."""
    response = FileResponse(export.build_zip(request.user, _language()), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.download_name(request.user)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@holders_only
def legal_holds(request: HttpRequest) -> HttpResponse:
    """Cases under a legal hold (set and lift, each with a reason) and the latest purges."""
    if request.method == "POST":
        reference = request.POST.get("reference", "").strip().upper()
        try:
            case = get_case(request.user, reference)
            if request.POST.get("action") == "lift":
                holds.lift_hold(request.user, case, request.POST.get("reason", ""))
                messages.success(request, _("The legal hold on %(case)s was lifted.") % {"case": case.reference})
            else:
                holds.set_hold(request.user, case, request.POST.get("reason", ""))
                messages.success(request, _("Case %(case)s is under a legal hold.") % {"case": case.reference})
        except DomainError as exc:
            apply_domain_error(None, exc, request)
        return redirect("legal-holds")
    active = LegalHold.objects.filter(lifted_at__isnull=True).select_related("case", "set_by").order_by("-set_at")
    purges = Purge.objects.select_related("case").order_by("-at", "-id")[:50]
    return render(request, "web/review/legal_holds.html", {"holds": active[:200], "purges": purges})
