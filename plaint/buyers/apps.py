from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BuyersConfig(AppConfig):
    name = "plaint.buyers"
    label = "buyers"
    verbose_name = _("Past buyers told (DSA art. 32)")
