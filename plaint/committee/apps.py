from django.apps import AppConfig


class CommitteeConfig(AppConfig):
    name = "plaint.committee"
    label = "committee"
