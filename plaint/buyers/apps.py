from django.apps import AppConfig


class BuyersConfig(AppConfig):
    name = "plaint.buyers"
    label = "buyers"
    verbose_name = "Past buyers told (DSA art. 32)"
