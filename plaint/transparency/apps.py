from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    name = "plaint.transparency"
    label = "transparency"
