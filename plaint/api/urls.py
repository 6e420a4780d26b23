from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer

from plaint.errors import DomainError

from .auth import AUTH
from .routers import (
    appeals,
    cases,
    committee,
    marketplace,
    merchants,
    monitoring,
    notifications,
    rectifications,
    review,
    rulebook,
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
api.add_router("/merchants", merchants.router, tags=["merchants"])
api.add_router("/", appeals.router, tags=["appeals"])
api.add_router("/committee", committee.router, tags=["committee"])
api.add_router("/monitoring", monitoring.router, tags=["monitoring"])
api.add_router("/rectifications", rectifications.router, tags=["rectifications"])
api.add_router("/rulebook", rulebook.router, tags=["rulebook"])
api.add_router("/notifications", notifications.router, tags=["notifications"])
api.add_router("/staff", notifications.status_router, tags=["status"])


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


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


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "unauthenticated", "message": "Sign in, or send 'Authorization: Bearer <token>'."},
        status=401,
    )
