"""The page an upload link opens (issue 17, item 9): a caller adds evidence files to one case without an account.

The signed link is the key (plaint/cases/actions/upload_link.py): a link used, expired, or opened
for another case is refused with a page that says which, and what to do instead.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from plaint.cases import actions
from plaint.errors import DomainError
from plaint.rulebook import loader

from .common import error_message, rejected_files, upload_field
from .filing import evidence_choices, uploads_from

TEMPLATE = "web/upload_link.html"


@require_http_methods(["GET", "POST"])
def upload_page(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The upload form of a valid link (GET); the files added and the link used up (POST)."""
    try:
        link = actions.find_upload_link(reference, token)
    except DomainError as exc:
        return render(request, TEMPLATE, {"error": exc.code, "error_text": error_message(exc)}, status=exc.status)
    case = link.case
    rulebook = loader.get(case.rulebook_version)
    context = {
        "case": case,
        "link": link,
        "kinds": evidence_choices(rulebook, rulebook.category(case.category)),
        **upload_field(rulebook),
    }
    if request.method == "POST":
        try:
            filed = actions.add_evidence_by_link(reference, token, uploads_from(request))
        except DomainError as exc:
            context["refused"] = rejected_files(exc.details.get("rejected_files", []))
            messages.error(request, error_message(exc))
            return render(request, TEMPLATE, context, status=exc.status)
        context |= {"done": True, "refused": rejected_files(filed.rejected_files)}
        messages.success(request, _("Thank you: the files were added to case %(ref)s.") % {"ref": case.reference})
    return render(request, TEMPLATE, context)
