"""Middleware every request passes, API and pages alike."""

import json
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from plaint.errors import InvalidInput
from plaint.limits import NUL_HINT, nul_message, nul_path, too_many_files_sent

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _nul_field(request: HttpRequest) -> str | None:
    """Return the name of the first input of `request` that holds a NUL character, or None.

    Looks at the path, the query string, form fields and file names, and JSON bodies. Raises what
    Django raises for a body it cannot parse (MultiPartParserError, RequestDataTooBig...).
    """
    if "\x00" in request.path_info:
        return "path"
    for source in (request.GET, request.POST if request.method == "POST" else None):
        if not source:
            continue
        for key, values in source.lists():
            if "\x00" in key:
                return key.replace("\x00", "\\0")
            if any("\x00" in value for value in values):
                return key
    if request.method == "POST" and request.content_type in FORM_TYPES:
        for key, files in request.FILES.lists():
            if "\x00" in key or any("\x00" in (f.name or "") for f in files):
                return key.replace("\x00", "\\0")
    elif request.method in ("POST", "PUT", "PATCH") and request.content_type not in FORM_TYPES:
        body = request.body
        # Only a body that could hold a NUL is decoded here: the view decodes it anyway.
        if b"\\u0000" in body or b"\x00" in body:
            try:
                found = nul_path(json.loads(body))
            except ValueError:
                return None  # not JSON: the view's own parsing refuses it
            if found is not None:
                return found or "body"
    return None


class RefuseNulMiddleware:
    """Refuse any request whose path, query, form or JSON text holds a NUL character: 422 naming the field.

    PostgreSQL cannot store NUL in text and would otherwise fail the request with a server error.
    Under /api/ the answer is the API's error body; pages answer with the 422 page in the reader's
    language (so this runs after the language middleware).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = request.path_info.startswith("/api/")
        try:
            field = _nul_field(request)
        except RequestDataTooBig:
            if not api:
                raise
            return JsonResponse(
                {"code": "too_large", "message": "The request body is larger than Plaint accepts."}, status=413
            )
        except TooManyFilesSent:
            if not api:
                raise
            return JsonResponse(too_many_files_sent().as_dict(), status=422)
        except (MultiPartParserError, SuspiciousOperation) as exc:
            if not api:
                raise
            error = InvalidInput("malformed_body", f"The request body cannot be parsed: {exc}.", field="body")
            return JsonResponse(error.as_dict(), status=422)
        if field is None:
            return self.get_response(request)
        if api:
            error = InvalidInput("nul_character", nul_message(field), field=field, hint=NUL_HINT)
            return JsonResponse(error.as_dict(), status=422, json_dumps_params={"ensure_ascii": False})
        return render(request, "422.html", {"field": field}, status=422)
