"""API rate limits: requests per token and per client address in a fixed window, counted in Django's cache.

One cache operation per request (an increment of one counter), so the limit is cheap next to the request it
guards, and shared by every web process that shares the cache (PLAINT_CACHE_URL). Which counter a request
increments:

- a bearer token this process has seen accepted: that token's (PLAINT_API_RATE_PER_TOKEN);
- anything else — no token, signed-in pages' requests, a token not (yet) seen accepted: the client address's
  (PLAINT_API_RATE_PER_ADDRESS). So guessing tokens, or sending a new made-up one with each request, is
  limited per address; a client's first request with its token counts against its address, the rest against
  the token.

Over the limit the answer is 429 with Retry-After and the error body {code, message, hint}; a cache that is
down lets requests through (and logs it) rather than refusing the whole API.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from plaint.errors import RateLimited
from plaint.network import client_address

log = logging.getLogger(__name__)

PREFIX = "/api/"
# Digests of tokens this process has seen sign a request in (bounded; see _remember): a token counts against
# its address until a request with it has succeeded here. Only which counter to use, never whether the token
# is valid (auth.py asks the database each time), so a revoked token stays in here harmlessly.
_accepted: set[str] = set()


def _remember(token_hash: str) -> None:
    if len(_accepted) > 10_000:
        _accepted.clear()
    _accepted.add(token_hash)


def _bearer_hash(request: HttpRequest) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    # A digest, so the cache never holds a token itself; 128 bits tell tokens apart and keep the key short.
    return hashlib.blake2b(token.strip().encode(), digest_size=16).hexdigest()


def _count(key: str, window: int) -> int:
    """Increment `key` (created for `window` seconds); return the count, or 0 if the cache can't be reached."""
    try:
        try:
            return cache.incr(key)
        except ValueError:
            # First request of the window; another process may create the key between the two calls.
            if cache.add(key, 1, timeout=window + 1):
                return 1
            return cache.incr(key)
    except Exception:
        log.exception("API rate limit not counted: the cache (PLAINT_CACHE_URL) is not answering")
        return 0


def _refusal(kind: str, limit: int, window: int, retry_after: int) -> HttpResponse:
    counted = "this API token" if kind == "token" else "requests from this address"
    error = RateLimited(
        "rate_limited",
        f"Too many requests: {counted} may make {limit} requests per {window} seconds.",
        hint=f"Retry after {retry_after} seconds (the Retry-After header); spread requests out or batch them.",
    )
    response = HttpResponse(
        json.dumps(error.as_dict(), ensure_ascii=False), status=error.status, content_type="application/json"
    )
    response["Retry-After"] = str(retry_after)
    return response


class ApiRateLimitMiddleware:
    """Refuse API requests over the per-token or per-address limit with 429 before any other work is done.

    The limits are read once, when the middleware is loaded (as Django's own middleware reads its settings).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.window = settings.PLAINT_API_RATE_WINDOW
        self.limits = {"token": settings.PLAINT_API_RATE_PER_TOKEN, "address": settings.PLAINT_API_RATE_PER_ADDRESS}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        window = self.window
        token_hash = _bearer_hash(request)
        if token_hash is not None and token_hash in _accepted:
            kind, ident = "token", token_hash
        else:
            kind, ident = "address", client_address(request) or "unknown"
        limit = self.limits[kind]
        if limit > 0 and window > 0:
            now = time.time()
            slot = int(now // window)
            if _count(f"rl:{kind[0]}:{ident}:{slot}", window) > limit:
                return _refusal(kind, limit, window, max(1, int((slot + 1) * window - now + 0.999)))
        response = self.get_response(request)
        # A token counts as accepted only if it signed the request in (django-ninja sets request.auth) and
        # nothing else could have: a public endpoint answers any made-up token, and beside a session cookie the
        # session may be what let the request through.
        if (
            kind == "address"
            and token_hash is not None
            and getattr(request, "auth", None) is not None
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            _remember(token_hash)
        return response
