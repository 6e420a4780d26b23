from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RulebookConfig(AppConfig):
    name = "plaint.rulebook"
    label = "rulebook"

    def ready(self) -> None:
        from . import loader

        # A malformed rulebook stops start-up here, naming the file, entry and field.
        loader.check()
        post_migrate.connect(_publish, sender=self)


def _publish(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from . import loader

    loader.publish_all()
