"""The run page's charts: SVG drawn on the server by pygal (as the transparency page's).

Each is embedded as an image (a data: URI), so pygal's small configuration script inside the SVG never
runs and the page stays one file with nothing to fetch.
"""

from collections.abc import Sequence

import pygal
from django.utils.html import format_html
from django.utils.safestring import SafeString

from plaint.transparency import charts

COMMON = {"style": charts.style(12), "js": [], "explicit_size": True, "disable_xml_declaration": True, "margin": 8}


def _svg(chart: pygal.graph.graph.Graph, title: str) -> SafeString:
    """Return the chart as an <img> of its SVG, the title its text for screen readers (the page heads it)."""
    return format_html('<img class="chart" src="{}" alt="{}">', charts.data_uri(chart.render(is_unicode=True)), title)


def bars(title: str, rows: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[str]) -> SafeString:
    """Return horizontal bars, one group per row (label) with one bar per series, listed top to bottom."""
    chart = pygal.HorizontalBar(
        width=760,
        height=60 + 16 * len(series) * max(len(rows), 2),
        # pygal measures labels in Latin widths: room for Chinese ones.
        margin_left=120,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        print_values=True,
        show_y_guides=False,
        truncate_label=-1,
        **COMMON,
    )
    # pygal draws a horizontal chart's first label lowest: give them bottom to top.
    chart.x_labels = [label for label, _ in reversed(rows)]
    for i, name in enumerate(series):
        chart.add(name, [values[i] for _, values in reversed(rows)])
    return _svg(chart, title)


def columns(title: str, labels: Sequence[str], values: Sequence[float]) -> SafeString:
    """Return one column per label (e.g. per day), every seventh label written under the axis."""
    chart = pygal.Bar(
        width=760,
        height=300,
        show_legend=False,
        x_labels_major_every=7,
        show_minor_x_labels=False,
        truncate_label=-1,
        **COMMON,
    )
    chart.x_labels = list(labels)
    chart.add(title, list(values))
    return _svg(chart, title)
