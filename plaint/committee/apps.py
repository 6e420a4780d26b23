from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitteeConfig(AppConfig):
    name = "plaint.committee"
    label = "committee"
    verbose_name = _("Committee")
