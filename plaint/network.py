"""The address a request came from, as the sign-in and API throttles count it."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """Return the client's IP address: REMOTE_ADDR, or behind PLAINT_PROXY_COUNT proxies the address the
    outermost of them saw, read from X-Forwarded-For.

    Each proxy appends the address it received the request from, so with N proxies the client is the N-th
    entry from the right; entries further left are the client's own claims and are never trusted. A request
    with fewer entries than proxies (one that bypassed them) counts under its left-most entry.
    """
    proxies = settings.PLAINT_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            hops = [hop.strip() for hop in forwarded.split(",")]
            return hops[-proxies] if len(hops) >= proxies else hops[0]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
