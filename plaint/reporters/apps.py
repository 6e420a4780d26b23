from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportersConfig(AppConfig):
    name = "plaint.reporters"
    label = "reporters"
    verbose_name = _("Reporters")
