# The real local SMTP server the notification tests use: Plaint's answers to mail are delivered to it.
from tests.notifications.conftest import inbox  # noqa: F401
