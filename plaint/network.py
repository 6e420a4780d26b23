"""The address a request came from, as the sign-in and API throttles count it."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """Return the client's IP address: REMOTE_ADDR, or behind PLAINT_PROXY_COUNT proxies the address the
    outermost of them saw, read from X-Forwarded-For; None if there is no valid one.

    Each proxy appends the address it received the request from, so with N proxies the client is the N-th
    entry from the right; entries further left are the client's own claims and are never trusted. A request
    with fewer entries than proxies (one that bypassed them) counts under its left-most entry. An entry that
    is not an IP address falls back to REMOTE_ADDR (django-axes stores the address in an inet column). A
    request without an address at all (a unix socket, a request made up in code) gives None.
    """
    proxies = settings.PLAINT_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            hops = [hop.strip() for hop in forwarded.split(",")]
            address = _valid(hops[-proxies] if len(hops) >= proxies else hops[0])
            if address:
                return address
    return _valid(request.META.get("REMOTE_ADDR", ""))
