"""The e-mail addresses Plaint receives mail at: the intake address and one reply address per case.

A case's address carries its reference in the local part's "+detail" (RFC 5233 subaddressing), e.g.
case+PL-7KQ3-M2XA.k3f9a0c2d1e4@reports.example, so a reply lands on its case whatever client sent it.
The part after the dot is a token signed for one party (reporter or merchant): a From header is easy
to forge, so a mail is added to a case only when it comes to the address given to the party it
claims to come from. The reference alone (shown on pages, in subjects) is not enough.
"""

import hashlib
import hmac
import re

from django.conf import settings

REFERENCE = re.compile(r"^PL-[A-Z0-9]{4}-[A-Z0-9]{4}$")


def reply_token(reference: str, party: str) -> str:
    """Return the token that lets `party` ("reporter" or "merchant") add mail to the case `reference`."""
    message = f"case-reply:{reference.upper()}:{party}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:16]


def case_address(reference: str, party: str) -> str:
    """Return the address whose mail `party` sends is added to the case `reference`."""
    detail = f"{reference}.{reply_token(reference, party)}"
    return f"{settings.PLAINT_INBOUND_CASE_PREFIX}+{detail}@{settings.PLAINT_INBOUND_DOMAIN}"


def split_case_detail(detail: str) -> tuple[str, str]:
    """Return (reference, token) of a case address's detail; the token is "" when there is none."""
    reference, _, token = detail.partition(".")
    return reference.upper(), token.lower()


def token_matches(reference: str, party: str, token: str) -> bool:
    """Return whether `token` is the one given to `party` for the case `reference` (constant time)."""
    return bool(token) and hmac.compare_digest(reply_token(reference, party), token.lower())


def intake_address() -> str:
    """Return the address new reports are sent to."""
    return f"{settings.PLAINT_INBOUND_INTAKE_LOCAL}@{settings.PLAINT_INBOUND_DOMAIN}"


def parse_recipient(address: str) -> tuple[str, str | None] | None:
    """Return ("intake", None) or ("case", reference) for one of our addresses, None for any other.

    Domains and the local part are compared without case; the case's detail (reference and token) is
    returned as it is, for `split_case_detail` and the caller to check.
    """
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if not local or domain.lower() != settings.PLAINT_INBOUND_DOMAIN.lower():
        return None
    base, plus, detail = local.partition("+")
    if base.lower() == settings.PLAINT_INBOUND_INTAKE_LOCAL.lower() and not plus:
        return ("intake", None)
    if base.lower() == settings.PLAINT_INBOUND_CASE_PREFIX.lower() and plus:
        return ("case", detail.strip())
    return None
