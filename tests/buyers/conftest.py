"""The local SMTP server the buyers' e-mail goes to."""

from tests.notifications.conftest import inbox  # noqa: F401
