"""Small SVG charts drawn on the server: horizontal bars per label, and columns per day. No script, no library."""

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#2f6db5", "#e08a1e", "#4c9a52", "#b23b3b")


def _scale(top: float) -> float:
    """Return a round number at or above `top` for an axis."""
    if top <= 0:
        return 1.0
    step = 10 ** (len(str(int(top))) - 1)
    return float(((int(top) // step) + 1) * step)


def bars(rows: Sequence[tuple[str, Sequence[float | None]]], series: Sequence[str], unit: str = "") -> SafeString:
    """Return horizontal bars: one group per row (its label), one bar per series; None draws no bar."""
    label_width, plot_width, bar, gap = 280, 400, 12, 10
    group = bar * len(series) + gap
    height = 30 + group * len(rows) + 20
    top = _scale(max([v for _, values in rows for v in values if v is not None] or [0]))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + plot_width + 70}" height="{height}" '
        f'role="img" class="chart">'
    ]
    for i, name in enumerate(series):
        parts.append(
            f'<rect x="{label_width + i * 150}" y="4" width="10" height="10" fill="{COLOURS[i % 4]}"/>'
            f'<text x="{label_width + i * 150 + 14}" y="13" font-size="11">{escape(name)}</text>'
        )
    for r, (label, values) in enumerate(rows):
        y = 30 + r * group
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar * len(series) / 2 + 4}" font-size="11" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for i, value in enumerate(values):
            if value is None:
                continue
            width = plot_width * value / top
            parts.append(
                f'<rect x="{label_width}" y="{y + i * bar}" width="{width:.1f}" height="{bar - 2}" '
                f'fill="{COLOURS[i % 4]}"><title>{escape(label)}: {value:g}{escape(unit)}</title></rect>'
                f'<text x="{label_width + width + 4:.1f}" y="{y + i * bar + bar - 3}" font-size="10">{value:g}</text>'
            )
    axis_y = height - 14
    parts.append(
        f'<line x1="{label_width}" y1="{axis_y}" x2="{label_width + plot_width}" y2="{axis_y}" stroke="#999"/>'
    )
    for k in range(5):
        x = label_width + plot_width * k / 4
        tick = f"{top * k / 4:g}{escape(unit)}"
        parts.append(f'<text x="{x:.1f}" y="{height - 2}" font-size="10" text-anchor="middle">{tick}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above


def columns(labels: Sequence[str], values: Sequence[float], name: str) -> SafeString:
    """Return one column per label (e.g. per day), with every seventh label written under it."""
    plot_height, left, width = 180, 40, max(12, min(28, 700 // max(1, len(labels))))
    top = _scale(max(values or [0]))
    total = left + width * len(labels) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{plot_height + 50}" '
        'role="img" class="chart">',
        f'<text x="{left}" y="12" font-size="11">{escape(name)}</text>',
    ]
    base = plot_height + 20
    for k in range(5):
        y = base - plot_height * k / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{total - 10}" y2="{y:.1f}" stroke="#e4e4e4"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{top * k / 4:g}</text>'
        )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_height * value / top
        x = left + i * width
        parts.append(
            f'<rect x="{x + 1}" y="{base - h:.1f}" width="{width - 2}" height="{h:.1f}" fill="{COLOURS[0]}">'
            f"<title>{escape(label)}: {value:g}</title></rect>"
        )
        if i % 7 == 0:
            parts.append(f'<text x="{x}" y="{base + 14}" font-size="10">{escape(label)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text in it is escaped above
