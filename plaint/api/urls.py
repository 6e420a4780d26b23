from django.core.exceptions import TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from plaint.errors import DomainError
from plaint.limits import too_many_files_sent

from .auth import AUTH
from .middleware import error_body
from .routers import (
    appeals,
    auto_rules,
    cases,
    clusters,
    committee,
    dossier,
    marketplace,
    merchants,
    monitoring,
    negotiation,
    notifications,
    privacy,
    quality,
    rectifications,
    remedies,
    reporters,
    review,
    rulebook,
    transparency,
    triage,
    webhooks,
)


class Utf8JSONRenderer(JSONRenderer):
    # Chinese text stays readable in responses instead of \uXXXX escapes.
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="Plaint API",
    version="1",
    description="Reports, cases, decisions and enforcement. Every error has a `code`, a `message`, "
    "and where it applies the `field` and a `hint` saying what to do.",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=AUTH,
    urls_namespace="api",
)
api.add_router("/marketplace", marketplace.router, tags=["marketplace"])
api.add_router("/", cases.router, tags=["cases"])
api.add_router("/review", review.router, tags=["review"])
api.add_router("/clusters", clusters.router, tags=["review"])
api.add_router("/merchants", merchants.router, tags=["merchants"])
api.add_router("/", appeals.router, tags=["appeals"])
api.add_router("/", negotiation.router, tags=["negotiation"])
api.add_router("/", dossier.router, tags=["dossier"])
api.add_router("/committee", committee.router, tags=["committee"])
api.add_router("/monitoring", monitoring.router, tags=["monitoring"])
api.add_router("/quality", quality.router, tags=["quality"])
api.add_router("/rectifications", rectifications.router, tags=["rectifications"])
api.add_router("/", remedies.router, tags=["remedies"])
api.add_router("/rulebook", rulebook.router, tags=["rulebook"])
api.add_router("/transparency", transparency.router, tags=["transparency"])
api.add_router("/triage", triage.router, tags=["triage"])
api.add_router("/auto-rules", auto_rules.router, tags=["auto-rules"])
api.add_router("/notifications", notifications.router, tags=["notifications"])
api.add_router("/staff", notifications.status_router, tags=["status"])
api.add_router("/", reporters.router, tags=["reporters"])
api.add_router("/", privacy.router, tags=["privacy"])
api.add_router("/webhooks", webhooks.router, tags=["webhooks"])


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if getattr(exc, "retry_after", None):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "form", "query", "path", "data")]
        errors.append({"field": ".".join(loc), "message": error.get("msg", "invalid")})
    first = errors[0] if errors else {"field": "", "message": "invalid input"}
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": f"{first['field']}: {first['message']}" if first["field"] else first["message"],
            "field": first["field"],
            "errors": errors,
        },
        status=422,
    )


@api.exception_handler(TooManyFilesSent)
def too_many_files(request: HttpRequest, exc: TooManyFilesSent) -> HttpResponse:
    error = too_many_files_sent()
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": "Sign in, or send 'Authorization: Bearer <token>'."},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Errors ninja raises itself: an unparsable body (422 here, as any invalid input), a CSRF refusal, 429."""
    if exc.status_code == 400:
        body = {
            "code": "malformed_body",
            "message": f"The request body cannot be parsed: {exc}.",
            "field": "body",
            "hint": "Send JSON (Content-Type: application/json) or the multipart form the operation documents.",
        }
        return api.create_response(request, body, status=422)
    body = error_body(exc.status_code)
    if exc.status_code == 403 and "CSRF" in str(exc):
        body = {
            "code": "csrf_failed",
            "message": "The CSRF check failed for this signed-in session.",
            "hint": "Send the page's CSRF token in the X-CSRFToken header, or use a bearer token instead.",
        }
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"code": "not_found", "message": str(exc) or "Not found."}, status=404)
