from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "plaint.enforcement"
    label = "enforcement"
