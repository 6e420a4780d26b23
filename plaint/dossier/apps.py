from django.apps import AppConfig


class DossierConfig(AppConfig):
    name = "plaint.dossier"
    label = "dossier"
    verbose_name = "Dossiers"
