"""Page middleware: a signed-in person sees Plaint in the language they chose, on every device."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

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
