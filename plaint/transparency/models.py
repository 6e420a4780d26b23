"""The transparency report's figures: one row per day (and per month) × category × channel × figure × key.

The worker's daily job (jobs.py) fills `DailyFigure` with grouped SQL and rolls the month up into
`MonthlyFigure`; the public page and the API read only the months, so a year's report sums at most twelve
months' rows whatever the number of cases.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FigureRow(models.Model):
    category = models.CharField(max_length=50)
    channel = models.CharField(max_length=20)
    # What is counted (figures.FIGURES) and, where a figure is split, by what: an outcome, a reason code,
    # a currency, a measure's kind, or a histogram bucket's upper bound in hours ("inf" for the last).
    figure = models.CharField(max_length=40)
    key = models.CharField(max_length=60, blank=True, default="")
    value = models.BigIntegerField()
    # The sum of money for `remedies` (in the key's currency); empty for every other figure.
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)

    class Meta:
        abstract = True


class DailyFigure(FigureRow):
    """One figure of one local calendar day (PLAINT_TIME_ZONE), dated by the moment it counts."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "category", "channel", "figure", "key"], name="daily_figure_one")
        ]


class MonthlyFigure(FigureRow):
    """The sum of a month's DailyFigure rows; `month` is its first day. What the page and the API read."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "category", "channel", "figure", "key"], name="monthly_figure_one")
        ]


class ComputedDay(models.Model):
    """A day the job has computed (a day with nothing to count has no figure rows, but has this)."""

    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()
    rows = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("computed day")
        verbose_name_plural = _("computed days")
