from django.apps import AppConfig


class DsaConfig(AppConfig):
    name = "plaint.dsa"
    label = "dsa"
    verbose_name = "DSA statements of reasons"
