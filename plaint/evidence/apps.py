from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "plaint.evidence"
    label = "evidence"
