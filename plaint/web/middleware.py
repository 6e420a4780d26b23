"""Request middleware: a signed-in person sees Plaint in the language they chose, on every device; a
request too large to handle is refused before its body is read; every page carries the
Content-Security-Policy."""

from collections.abc import Callable

from csp.constants import HEADER
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

from plaint.errors import LengthRequired, RequestTooLarge
from plaint.evidence.inspection import size_text

SUPPORTED = {code for code, _ in settings.LANGUAGES}


class UserLanguageMiddleware:
    """Activate the signed-in user's `User.language` (after LocaleMiddleware and AuthenticationMiddleware).

    Anonymous visitors keep LocaleMiddleware's choice (the language cookie, then the browser's).
    A stored language Plaint does not serve is ignored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in SUPPORTED:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class RequestSizeMiddleware:
    """Answer 413 to a request whose body is larger than PLAINT_REQUEST_MAX_BYTES, without reading it.

    Django reads a request body only up to its declared Content-Length (WSGIRequest wraps the input in
    a LimitedStream of that length), so the declared length is checked before a byte of the body is
    read. A body sent in chunks without a Content-Length would be read as empty, its files silently
    dropped: it is refused with 411 instead. The API answers with Plaint's error body, the pages with a
    page in the visitor's language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads such a body as empty
        if declared > settings.PLAINT_REQUEST_MAX_BYTES:
            return too_large(request, declared)
        if not declared and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return length_required(request)
        return self.get_response(request)


def too_large(request: HttpRequest, size: int) -> HttpResponse:
    """Return the 413 answer: Plaint's error body for the API, a page otherwise."""
    facts = {
        "limit": size_text(settings.PLAINT_REQUEST_MAX_BYTES),
        "size": size_text(size),
        "file_limit": size_text(settings.PLAINT_EVIDENCE_MAX_BYTES),
        "max_files": settings.PLAINT_EVIDENCE_MAX_FILES,
        "total_limit": size_text(settings.PLAINT_EVIDENCE_MAX_TOTAL_BYTES),
    }
    if request.path.startswith("/api/"):
        error = RequestTooLarge(
            "request_too_large",
            f"The request is {facts['size']}; the limit is {facts['limit']}.",
            field="evidence",
            hint=f"Send at most {facts['max_files']} files of up to {facts['file_limit']} each and "
            f"{facts['total_limit']} in all per request; add the rest to the case in further requests.",
        )
        return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    return render(request, "413.html", facts, status=413)


def length_required(request: HttpRequest) -> HttpResponse:
    """Return the 411 answer to a body sent in chunks without a Content-Length."""
    if request.path.startswith("/api/"):
        error = LengthRequired(
            "length_required",
            "The request body was sent in chunks without a Content-Length; Plaint reads only bodies of "
            "declared length.",
            hint="Send the whole body with a Content-Length header (HTTP clients do when given the body "
            "rather than a stream).",
        )
        return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    message = gettext("Send the form again: its content arrived without its length.")
    return HttpResponse(message, status=411, content_type="text/plain; charset=utf-8")


# The JSON API's answers are data, never a document with scripts or styles of its own.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
API_DOCS = "/api/docs"


def _is_api_data(path: str) -> bool:
    return path.startswith("/api/") and not path.startswith(API_DOCS)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) on every page, the API's documentation included.

    The JSON API gets the fixed API_POLICY instead: django-csp builds its header anew for each response, a
    cost worth paying per page but not on each of the API's many small requests.
    """

    def process_request(self, request: HttpRequest) -> None:
        if not _is_api_data(request.path_info):
            super().process_request(request)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if _is_api_data(request.path_info):
            response.setdefault(HEADER, API_POLICY)
            return response
        return super().process_response(request, response)
