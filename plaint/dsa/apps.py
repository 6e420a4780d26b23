from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DsaConfig(AppConfig):
    name = "plaint.dsa"
    label = "dsa"
    verbose_name = _("DSA statements of reasons")
