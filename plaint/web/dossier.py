"""The public pages of dossiers: checking one (upload a ZIP) and Plaint's public key. No sign-in."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plaint.dossier import signing
from plaint.dossier.verify import verify
from plaint.errors import DomainError

from .common import error_message

KIND_NAMES = {
    "changed": gettext_lazy("changed"),
    "missing": gettext_lazy("missing"),
    "unexpected": gettext_lazy("not in the manifest"),
    "signature": gettext_lazy("signature does not match"),
    "manifest": gettext_lazy("manifest unreadable"),
}


def verify_page(request: HttpRequest) -> HttpResponse:
    """Upload a dossier ZIP; the page says whether it is intact and which file changed, or that the signature fails."""
    context: dict = {"key_id": signing.key_id()}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose the dossier's .zip file.")
            status = 422
        else:
            try:
                verdict = verify(upload)
            except DomainError as exc:
                context["error"] = error_message(exc)
                status = exc.status
            else:
                context["verdict"] = verdict
                context["problems"] = [
                    {"path": p.path, "kind": str(KIND_NAMES.get(p.kind, p.kind)), "detail": p.detail}
                    for p in verdict.problems
                ]
                context["file_name"] = upload.name
    return render(request, "web/dossier/verify.html", context, status=status)


def public_key(request: HttpRequest) -> HttpResponse:
    """Plaint's dossier public key as PEM text (the API gives it as JSON: /api/dossier/public-key)."""
    body = f"# Plaint dossier signing key, Ed25519, key id {signing.key_id()}\n{signing.public_key_pem()}"
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    return response
