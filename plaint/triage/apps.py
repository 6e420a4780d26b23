from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "plaint.triage"
    label = "triage"
    verbose_name = "Screening: the suggested category"
