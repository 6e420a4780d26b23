from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "plaint.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from . import actions, clocks  # noqa: F401 - importing the stages registers their clock handlers

        # A breach or deadline without a handler would be marked and then do nothing: refuse to start.
        missing = clocks.missing_handlers()
        if missing:
            raise ImproperlyConfigured(f"plaint.cases.clocks: no handler registered for {', '.join(missing)}")
