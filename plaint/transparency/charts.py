"""The transparency page's charts: SVG drawn on the server by pygal, sized to be read on a phone.

Each chart is a bar chart of (label, value) pairs the page also prints as a table for screen readers.
The SVG carries its styles inside it and no script (pygal's tooltip script is left out): the page
embeds it as an image, which the Content-Security-Policy allows (`img-src data:`) and which runs nothing.
"""

import base64
from collections.abc import Sequence

import pygal
from pygal.style import Style

# 400 wide with large type, so that shown at 390 px (a phone) the labels keep their size.
WIDTH, HEIGHT_PER_BAR, MARGIN = 400, 34, 60


def style(size: int) -> Style:
    """Return Plaint's chart style (its colours and CJK fonts) with labels and values of `size` px."""
    return Style(
        background="#ffffff",
        plot_background="#ffffff",
        foreground="#1f2328",
        foreground_strong="#1f2328",
        foreground_subtle="#d0d7de",
        colors=("#0b6bcb", "#b35900", "#2f7d32", "#8250df"),
        font_family='"Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif',
        label_font_size=size,
        major_label_font_size=size,
        value_font_size=size,
        value_label_font_size=size,
        title_font_size=size + 2,
        legend_font_size=size,
        no_data_font_size=size + 2,
    )


STYLE = style(15)


def bar_chart(title: str, rows: Sequence[tuple[str, float | int]], no_data: str) -> str:
    """Return a horizontal bar chart of `rows` (label, value) as SVG text; `no_data` shows when all are 0."""
    chart = pygal.HorizontalBar(
        width=WIDTH,
        height=MARGIN + HEIGHT_PER_BAR * max(len(rows), 2),
        style=STYLE,
        js=[],
        explicit_size=True,
        disable_xml_declaration=True,
        show_legend=False,
        print_values=True,
        print_zeroes=False,
        show_y_guides=False,
        title=title,
        no_data_text=no_data,
        truncate_label=-1,
        margin=8,
    )
    if any(value for _, value in rows):
        # Listed top to bottom in the order given (pygal draws a horizontal bar chart's first label lowest).
        chart.x_labels = [label for label, _ in reversed(rows)]
        chart.add("", [value for _, value in reversed(rows)])
    return chart.render(is_unicode=True)


def data_uri(svg: str) -> str:
    """Return `svg` as a data: URI for an <img>."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
