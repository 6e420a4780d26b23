"""Under /api/, every error answer carries Plaint's error body, also those Django or ninja make themselves."""

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

# Codes of the errors Django and ninja answer by themselves (unknown path, wrong method, a CSRF
# refusal from Django's middleware, an unparsable request...).
CODES = {
    400: ("bad_request", "The request cannot be read."),
    401: ("unauthenticated", "Sign in, or send 'Authorization: Bearer <token>'."),
    403: ("forbidden", "This is not allowed for you."),
    404: ("not_found", "There is no such API address."),
    405: ("method_not_allowed", "This address does not take that method."),
    413: ("too_large", "The request body is larger than Plaint accepts."),
    429: ("too_many_requests", "Too many requests; wait and try again."),
}
HINTS = {
    404: "See /api/docs for the API's addresses.",
    405: "The Allow header lists the methods this address takes.",
}


def error_body(status: int, text: str = "") -> dict[str, str]:
    """Return Plaint's error body for an error answer Plaint did not write itself."""
    code, message = CODES.get(status, ("server_error" if status >= 500 else "bad_request", "The request failed."))
    body = {"code": code, "message": message}
    if status == 404 and text:
        body["message"] = f"{message} ({text})"
    if status in HINTS:
        body["hint"] = HINTS[status]
    return body


def _has_error_body(response: HttpResponse) -> bool:
    if not response.get("Content-Type", "").startswith("application/json") or response.streaming:
        return False
    try:
        return "code" in json.loads(response.content)
    except (ValueError, TypeError):
        return False


class ApiErrorBodyMiddleware:
    """Give every 4xx and 5xx answer under /api/ the body {code, message, field, hint}.

    Plaint's own handlers already write it; this catches what Django and ninja answer by themselves.
    Headers that matter to the client (Allow, Retry-After) are kept.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or not request.path_info.startswith("/api/") or _has_error_body(response):
            return response
        replaced = JsonResponse(error_body(response.status_code, request.path_info), status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                replaced[header] = response[header]
        return replaced
