from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "plaint.monitoring"
    label = "monitoring"
