"""Who hears of a panel's draw and outcome: handlers registered by the kind of subject a panel decides.

The committee never imports the apps that ask for panels; they register here instead, e.g. the
appeals register `on_decided("appeal", handle)` and get every decided panel whose subject is "appeal:…",
and `on_drawn("appeal", handle)` for every panel seated (at once, or later when enough members are free).
"""

from collections.abc import Callable

from .models import Panel

Handler = Callable[[Panel], None]

_handlers: dict[str, Handler] = {}
_drawn_handlers: dict[str, Handler] = {}


def on_decided(subject_prefix: str, handler: Handler) -> None:
    """Register `handler(panel)` for decided panels whose subject starts with "<subject_prefix>:".

    Registering the same prefix again replaces the handler (an app's ready() may run twice in tests).
    """
    _handlers[subject_prefix] = handler


def handler_for(subject: str) -> Handler | None:
    """Return the handler registered for the subject's kind, or None."""
    return _handlers.get(subject.split(":", 1)[0])


def decided(panel: Panel) -> None:
    """Call the registered handler of a decided panel, in the deciding transaction (a failure undoes the vote)."""
    handler = handler_for(panel.subject)
    if handler is not None:
        handler(panel)


def on_drawn(subject_prefix: str, handler: Handler) -> None:
    """Register `handler(panel)` for panels seated whose subject starts with "<subject_prefix>:"."""
    _drawn_handlers[subject_prefix] = handler


def drawn(panel: Panel) -> None:
    """Call the registered handler of a panel just seated, in the drawing transaction."""
    handler = _drawn_handlers.get(panel.subject.split(":", 1)[0])
    if handler is not None:
        handler(panel)
