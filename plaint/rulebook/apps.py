from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RulebookConfig(AppConfig):
    name = "plaint.rulebook"
    label = "rulebook"
    verbose_name = _("Rulebook")

    def ready(self) -> None:
        from . import loader

        # A malformed rulebook stops start-up here, naming the file, entry and field.
        loader.check()
        post_migrate.connect(_publish, sender=self)
        checks.register(calendar_coverage)


def _publish(sender: AppConfig, using: str = "default", **kwargs: object) -> None:
    from . import loader

    loader.publish_all()


def calendar_coverage(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """Warn (plaint.W001) for each business calendar in use whose listed years end within PLAINT_CALENDAR_WARN_DAYS.

    A warning, not an error: past its end a calendar still counts Monday to Friday, and Plaint must
    keep running on New Year's Day if nobody added the year in time.
    """
    from django.conf import settings
    from django.utils import timezone

    from .calendar import coverage

    warnings = []
    # The files' calendars: the check does not connect to the database (docs/operations.md).
    for end in coverage(timezone.now(), files_only=True):
        if not end.ending:
            continue
        when = f"in {end.days_left} days" if end.days_left > 0 else "already"
        if end.provisional_through is not None:
            counts = (
                f"business time knows only the statutory holidays listed up to {end.provisional_through}, "
                "provisionally, and no make-up working days: the official notice is awaited."
            )
        else:
            counts = "business time counts weekdays only and knows no public holiday."
        warnings.append(
            checks.Warning(
                f"Business calendar {end.name!r} covers up to {end.covered_through}: from "
                f"{end.uncovered_from} ({when}) {counts}",
                hint=(
                    f"Add {end.uncovered_from.year}'s holidays and make-up working days from the official notice "
                    f"to {settings.PLAINT_RULEBOOK_DIR / 'calendars' / (end.name + '.toml')} and "
                    + (
                        "take the year out of `provisional`"
                        if end.provisional_through is not None
                        else "its year to `years`"
                    )
                    + ' (docs/rulebook.md, "Business calendars").'
                ),
                id="plaint.W001",
            )
        )
    return warnings
