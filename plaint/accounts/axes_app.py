"""django-axes (failed sign-ins, settings.py) under a name the admin shows in the reader's language.

Not in apps.py: Django takes an apps module's only AppConfig as the app's own, and this one is axes'.
"""

from axes.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AppConfig):
    verbose_name = _("Sign-in attempts")
