from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "plaint.inbound"
    label = "inbound"
    verbose_name = "Inbound e-mail"
