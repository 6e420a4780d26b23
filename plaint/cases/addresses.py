"""The e-mail addresses Plaint receives mail at: the intake address and one reply address per case.

A case's address carries its reference in the local part's "+detail" (RFC 5233 subaddressing), e.g.
case+PL-7KQ3-M2XA@reports.example, so a reply lands on its case whatever client sent it.
"""

import re

from django.conf import settings

REFERENCE = re.compile(r"^PL-[A-Z0-9]{4}-[A-Z0-9]{4}$")


def case_address(reference: str) -> str:
    """Return the address whose mail is added to the case `reference`."""
    return f"{settings.PLAINT_INBOUND_CASE_PREFIX}+{reference}@{settings.PLAINT_INBOUND_DOMAIN}"


def intake_address() -> str:
    """Return the address new reports are sent to."""
    return f"{settings.PLAINT_INBOUND_INTAKE_LOCAL}@{settings.PLAINT_INBOUND_DOMAIN}"


def parse_recipient(address: str) -> tuple[str, str | None] | None:
    """Return ("intake", None) or ("case", reference) for one of our addresses, None for any other.

    Domains and the local part are compared without case; a reference is read upper-case (people
    retype it), and a malformed one is returned as it is for the caller to refuse.
    """
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if not local or domain.lower() != settings.PLAINT_INBOUND_DOMAIN.lower():
        return None
    base, plus, detail = local.partition("+")
    if base.lower() == settings.PLAINT_INBOUND_INTAKE_LOCAL.lower() and not plus:
        return ("intake", None)
    if base.lower() == settings.PLAINT_INBOUND_CASE_PREFIX.lower() and plus:
        return ("case", detail.strip().upper())
    return None
