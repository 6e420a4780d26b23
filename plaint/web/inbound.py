"""The page a confirmation link opens: a report mailed from an unverified address, and a button to file it.

No sign-in: the link itself, signed and sent to the account's address on record, shows that its
reader holds that mailbox. Filing takes a POST (a button), so a mail scanner that opens links does
not file anybody's report.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from plaint.errors import DomainError
from plaint.inbound.actions import confirm_held_mail, find_held_mail

TEMPLATE = "web/inbound/confirm.html"


@require_http_methods(["GET", "POST"])
def confirm_mail(request: HttpRequest, token: str) -> HttpResponse:
    """Show what a held report mail is and what became of it; POST files it."""
    try:
        if request.method == "POST":
            confirm_held_mail(token)
            return redirect("inbound-confirm", token=token)
        mail = find_held_mail(token)
    except DomainError as exc:
        return render(request, TEMPLATE, {"error": exc.code}, status=exc.status)
    held = getattr(mail, "held", None) if mail.outcome == "held" else None
    context = {"mail": mail, "held": held, "case": mail.case, "now": timezone.now()}
    return render(request, TEMPLATE, context)
