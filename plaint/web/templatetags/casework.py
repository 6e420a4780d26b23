"""Template filters of the merchant portal and the review console."""

from django import template

from plaint.web import casework

register = template.Library()


@register.filter
def measure_name(kind: str) -> str:
    """{{ measure.kind|measure_name }}: an enforcement measure in words."""
    return str(casework.MEASURE_LABELS.get(kind, kind))


@register.filter
def outcome_name(outcome: str) -> str:
    return str(casework.OUTCOME_LABELS.get(outcome, outcome))
