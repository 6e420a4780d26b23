"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, and settings pointing at it."""

import socket
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An SMTP server's mailboxes: every message it accepted, with its envelope recipients."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        # The client's address and port of each message's SMTP session: one entry per connection.
        self.sessions: list[tuple[str, int]] = []
        # Recipients the server refuses (550), as a real one refuses an unknown mailbox.
        self.refuse: set[str] = set()
        self.controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # aiosmtpd's handler hook
        if address in self.refuse:
            return "550 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=default)))
        if session.peer not in self.sessions:
            self.sessions.append(session.peer)
        return "250 Message accepted for delivery"

    def start(self) -> "Inbox":
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        """Return the messages for one address, in the order received."""
        return [message for rcpt, message in self.messages if address in rcpt]


@pytest.fixture
def inbox(settings):
    """A started local SMTP server; Plaint's e-mail goes to it by SMTP."""
    running = Inbox().start()
    settings.PLAINT_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = running.port
    settings.PLAINT_BASE_URL = "https://plaint.test"
    yield running
    running.stop()
