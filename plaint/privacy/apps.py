from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "plaint.privacy"
    label = "privacy"
