from django import template

register = template.Library()


@register.filter
def percent(rate: float | None) -> str:
    """Return a rate (0.25) as a percentage with one decimal ("25.0%"); '' for None (nothing decided)."""
    return "" if rate is None else f"{rate * 100:.1f}%"
