"""Sending a person a link by a channel: e-mail today; an SMS provider plugs in beside it.

A sender queues its message in the outbox inside the caller's transaction (so a rolled-back step sends
nothing) and says whether it could: a person with no address on that channel gets nothing. To add a
channel, write a class with `name` and `send` and register it: `register(SmsSender())`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .outbox import enqueue_email


@dataclass(frozen=True)
class LinkMessage:
    """What to send: to whom (an address on the sender's channel), the words in both languages, the link."""

    recipient: str
    language: str  # "zh-hans" or "en"
    subject: dict[str, str]  # {"zh": ..., "en": ...}
    body: dict[str, str]  # {"zh": ..., "en": ...}; the link is added after it
    link: str
    key: str  # the idempotency key of the message


class LinkSender(Protocol):
    """A channel that can carry a link to a person."""

    name: str
    # The field of a consumer's record that holds their address on this channel ("email", "phone").
    address_field: str

    def send(self, message: LinkMessage, now: datetime) -> bool:
        """Queue the message; return whether it was queued (False: no address, or the key was used)."""
        ...


class EmailSender:
    """Links by e-mail, through the outbox (delivered by the worker with retries)."""

    name = "email"
    address_field = "email"

    def send(self, message: LinkMessage, now: datetime) -> bool:
        code = "en" if message.language.startswith("en") else "zh"
        body = f"{message.body[code]}\n\n{message.link}\n"
        return enqueue_email(message.recipient, message.subject[code], body, "link", message.key, now)


SENDERS: dict[str, LinkSender] = {}


def register(sender: LinkSender) -> None:
    """Make a channel available by its name (a second sender of the same name replaces the first)."""
    SENDERS[sender.name] = sender


def sender(name: str) -> LinkSender | None:
    """Return the sender registered as `name`, or None."""
    return SENDERS.get(name)


register(EmailSender())
