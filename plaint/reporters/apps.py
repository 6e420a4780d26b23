from django.apps import AppConfig


class ReportersConfig(AppConfig):
    name = "plaint.reporters"
    label = "reporters"
