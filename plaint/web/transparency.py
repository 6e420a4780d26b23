"""The public transparency report, /transparency/: figures of a period, charts with their tables, definitions.

No sign-in. The figures come from plaint.transparency (the worker's monthly roll-up), never from cases.
"""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plaint.cases.models import Channel
from plaint.errors import InvalidInput
from plaint.rulebook import loader
from plaint.transparency.charts import bar_chart, data_uri
from plaint.transparency.report import Period, parse_period, previous_periods, report

from .appeals import RESULT_LABELS
from .casework import OUTCOME_LABELS
from .common import CHANNEL_NAMES, pick

REASONS = {
    "out_of_window": gettext_lazy("Filed after the category's time window"),
    "out_of_scope": gettext_lazy("The category does not apply to what was reported"),
}
MEASURES = {
    "warning": gettext_lazy("Warning"),
    "demotion": gettext_lazy("Demotion in search"),
    "listing_restriction": gettext_lazy("Listing restriction"),
    "takedown": gettext_lazy("All listings taken down"),
    "suspension": gettext_lazy("Shop suspended"),
    "removal": gettext_lazy("Removed from the platform"),
    "deposit_deduction": gettext_lazy("Deposit deduction"),
}
# The time charts' spans (hours): coarser than the stored buckets, so seven bars fit a phone.
SPANS = ((24, gettext_lazy("Within a day")), (48, gettext_lazy("1–2 days")), (72, gettext_lazy("2–3 days")),
         (168, gettext_lazy("3–7 days")), (336, gettext_lazy("1–2 weeks")), (720, gettext_lazy("2–4 weeks")),
         (None, gettext_lazy("Over 30 days")))  # fmt: skip


def _spans(histogram: list[dict[str, Any]]) -> list[tuple[str, int]]:
    counts = [0] * len(SPANS)
    for bucket in histogram:
        bound = bucket["up_to_hours"]
        index = next(i for i, (top, _) in enumerate(SPANS) if top is None or (bound is not None and bound <= top))
        counts[index] += bucket["count"]
    return [(str(label), n) for (_, label), n in zip(SPANS, counts, strict=True)]


def _chart(key: str, title: str, rows: list[tuple[str, int]], header: str) -> dict[str, Any]:
    return {
        "id": key,
        "title": title,
        "image": data_uri(bar_chart(title, rows, _("Nothing to count in this period."))),
        "rows": rows,
        "header": header,
    }


def _categories() -> dict[str, str]:
    names: dict[str, str] = {}
    for rulebook in loader.versions():
        for category in rulebook.categories:
            names[category.code] = pick(category.title)
    return names


def transparency(request: HttpRequest) -> HttpResponse:
    """The period's figures (default: the current month), the picker, the charts and how each is counted."""
    today = timezone.localdate()
    choices = previous_periods(today)
    categories = _categories()
    error = None
    try:
        period = parse_period(request.GET.get("period") or choices[0].label)
    except InvalidInput as exc:
        period, error = choices[0], exc
    category = request.GET.get("category") or None
    channel = request.GET.get("channel") or None
    if category not in categories:
        category = None
    if channel not in Channel.values:
        channel = None
    figures = report(period, category, channel)
    count = _("Number")
    ended = [
        (str(_("Inadmissible")), figures["admissibility"]["inadmissible"]),
        (str(_("Withdrawn")), figures["withdrawn"]),
        (str(_("Resolved by the merchant")), figures["resolved_by_merchant"]),
    ] + [(str(OUTCOME_LABELS[key]), figures["decided"][key]) for key in OUTCOME_LABELS]
    charts = [
        _chart(
            "received",
            _("Reports received, by channel"),
            [
                (str(CHANNEL_NAMES.get(row["channel"], row["channel"])), row["received"])
                for row in figures["by_channel"]
            ],
            _("Channel"),
        ),
        _chart("ended", _("How cases ended"), ended, _("Outcome")),
        _chart(
            "answer",
            _("Time from filing to the merchant's answer"),
            _spans(figures["time_to_merchant_answer"]["histogram"]),
            _("Time"),
        ),
        _chart(
            "decision",
            _("Time from filing to the decision"),
            _spans(figures["time_to_decision"]["histogram"]),
            _("Time"),
        ),
    ]
    context = {
        "period": period,
        "choices": _grouped_choices(choices, period),
        "error": error,
        "figures": figures,
        "charts": charts,
        "count_header": count,
        "category": category,
        "channel": channel,
        "categories": sorted(categories.items()),
        "channels": [(code, str(name)) for code, name in CHANNEL_NAMES.items()],
        "category_names": categories,
        "channel_names": {code: str(name) for code, name in CHANNEL_NAMES.items()},
        "reasons": [(str(REASONS.get(code, code)), n) for code, n in figures["inadmissible_by_reason"].items()],
        "outcomes": [(str(OUTCOME_LABELS[key]), figures["decided"][key]) for key in OUTCOME_LABELS],
        "appeal_results": [(str(RESULT_LABELS[key]), n) for key, n in figures["appeals"]["results"].items()],
        "measures": [(str(MEASURES.get(kind, kind)), n) for kind, n in figures["measures_started"].items()],
        "query": _query(period, category, channel),
    }
    return render(request, "web/transparency.html", context, status=422 if error else 200)


def _grouped_choices(choices: list[Period], current: Period) -> list[Period]:
    return choices if current in choices else [current, *choices]


def _query(period: Period, category: str | None, channel: str | None) -> str:
    chosen = {"period": period.label, "category": category, "channel": channel}
    return urlencode({name: value for name, value in chosen.items() if value})
