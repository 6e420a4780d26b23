"""The SMTP/LMTP receiver (aiosmtpd): takes mail for Plaint's addresses and hands it to ingest_email."""

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import connections

from plaint.cases.addresses import parse_recipient

from .actions import ingest_email
from .parsing import MalformedMail

log = logging.getLogger(__name__)


def _ingest(content: bytes, recipients: list[str]) -> str:
    # Runs in a pool thread, and Django's database connections belong to threads: each mail opens
    # its own and closes it, so no idle pool thread holds a connection (mail is rare next to web requests).
    try:
        result = ingest_email(content, recipients=recipients)
    finally:
        connections.close_all()
    return result.outcome


class Handler:
    """Accepts recipients at Plaint's addresses only (550 for others: no relaying, no junk)."""

    def __init__(self, lmtp: bool = False) -> None:
        self.lmtp = lmtp

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if parse_recipient(address) is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        try:
            outcome = await asyncio.to_thread(_ingest, content, list(envelope.rcpt_tos))
        except MalformedMail as refused:
            # Permanent (RFC 3463 5.6.x, a media error): the sending server bounces it to its author
            # with this reason instead of offering the same unreadable bytes again and again.
            log.warning("inbound mail from %s refused: %s", envelope.mail_from, refused.message)
            status = f"554 5.6.0 Message refused: {refused.message}"
        except Exception:
            # Unexpected: nothing was committed, so the sending server may try again later.
            log.exception("inbound mail from %s failed", envelope.mail_from)
            status = "451 4.3.0 Could not process the message now; try again later"
        else:
            status = f"250 2.0.0 Message accepted ({outcome})"
        if self.lmtp:
            # LMTP answers DATA once per recipient; the message was handled once for all of them.
            return "\r\n".join([status] * len(envelope.rcpt_tos))
        return status


class _LMTPController(Controller):
    def factory(self) -> Any:
        return LMTP(self.handler, **self.SMTP_kwargs)


def controller(host: str, port: int, *, lmtp: bool = False) -> Controller:
    """Return a (not yet started) receiver on host:port; messages over PLAINT_INBOUND_MAX_BYTES get 552."""
    cls = _LMTPController if lmtp else Controller
    return cls(
        Handler(lmtp=lmtp),
        hostname=host,
        port=port,
        data_size_limit=settings.PLAINT_INBOUND_MAX_BYTES,
        decode_data=False,
    )
