"""The HTML page of a run's figures: a Django template, in the language asked for, with SVG charts."""

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from . import charts


def _stage(stage: str) -> str:
    return {
        "acknowledgement": _("Acknowledgement"),
        "merchant_response": _("Merchant's answer"),
        "decision": _("Decision"),
        "rectification": _("Rectification"),
        "appeal": _("Appeal"),
        "committee": _("Committee"),
    }.get(stage, stage)


def render(figures: dict[str, Any], language: str) -> str:
    """Return the page for `figures` in `language` (zh-hans or en)."""
    lang = "zh" if language.startswith("zh") else "en"
    with translation.override(language):
        timing = [
            (row["title"][lang], [row["median_hours"], row["p90_hours"]])
            for code, row in figures["time_to_decision"].items()
        ]
        sla = [(_stage(stage), [row["started"], row["breached"]]) for stage, row in figures["sla"].items()]
        cases = figures["cases"]
        closed = [
            (_("People"), [cases["closed_by"]["people"]]),
            (_("Clocks"), [cases["closed_by"]["clock"]]),
            (_("Intake"), [cases["closed_by"]["intake"]]),
            (_("Open at the end"), [cases["open_at_end"]]),
        ]
        days = figures["days"]
        context = {
            "f": figures,
            "lang": lang,
            "rulebook_title": figures["rulebook"]["title"][lang],
            "timing_rows": [(code, row, row["title"][lang]) for code, row in figures["time_to_decision"].items()],
            "sla_rows": [(_stage(stage), row) for stage, row in figures["sla"].items()],
            "timing_chart": charts.bars(
                _("Hours from filing to decision or resolution"), timing, [_("Median"), _("90th percentile")]
            ),
            "sla_chart": charts.bars(_("Service-level clocks"), sla, [_("Clocks started"), _("Breached")]),
            "closed_chart": charts.bars(_("How cases closed"), closed, [_("Cases")]),
            "backlog_chart": charts.columns(
                _("Cases awaiting review at midnight"), [d["day"][5:] for d in days], [d["backlog"] for d in days]
            ),
            "language_code": language,
        }
        return render_to_string("simulation/report.html", context)
