"""The inputs of a simulated run, with the defaults an operator starts from."""

from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from plaint.errors import InvalidInput

MERCHANT_KINDS = ("fair", "contesting", "silent", "mixed")
DEFAULT_MERCHANT_MIX = {"fair": 0.5, "contesting": 0.2, "silent": 0.1, "mixed": 0.2}
# The share of reports per category when the operator gives no mix: roughly what a cross-border
# marketplace receives. A category of the rulebook not named here gets DEFAULT_OTHER_WEIGHT.
DEFAULT_CATEGORY_WEIGHTS = {
    "product_quality": 0.25,
    "not_as_described": 0.2,
    "damaged_on_arrival": 0.15,
    "counterfeit": 0.1,
    "expired_goods": 0.07,
    "false_advertising": 0.07,
    "service_attitude": 0.07,
    "customs_and_tariff": 0.06,
    "prohibited_sales": 0.03,
}
DEFAULT_OTHER_WEIGHT = 0.03


@dataclass(frozen=True)
class Scenario:
    """What is simulated. Shares are between 0 and 1; a mix's weights need not add up to 1."""

    seed: int
    start: datetime  # aware, in the platform's time zone
    end: datetime
    merchants: int = 200
    orders: int = 20_000
    reports: int = 3_000
    listings_per_merchant: int = 5
    # Orders are spread from this many days before the start to its end, so that the monitoring job
    # finds a history and the older orders can still be reported in the long windows.
    history_days: int = 120
    category_mix: dict[str, float] = field(default_factory=dict)  # empty: DEFAULT_CATEGORY_WEIGHTS
    merchant_mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MERCHANT_MIX))
    reviewers: int = 3
    # Cases each reviewer decides (or sends back for evidence) in a working day, at most.
    capacity: int = 30
    # The reviewers' working hours on the working days of the decision clock's calendar; None: the calendar's own.
    hours: tuple[time, time] | None = None
    # Consumers: the share of reports filed without the evidence the category requires; of those, the
    # share whose reporter adds it later (some after the deadline); the share that nudge; that withdraw;
    # the share filed after the category's window (inadmissible).
    missing_evidence_share: float = 0.2
    late_evidence_share: float = 0.6
    nudge_share: float = 0.15
    withdraw_share: float = 0.02
    out_of_window_share: float = 0.03
    # The share of the cases a reviewer takes up in which they first ask the reporter for more evidence.
    review_evidence_share: float = 0.08

    @property
    def days(self) -> float:
        return (self.end - self.start) / timedelta(days=1)

    def as_dict(self) -> dict[str, Any]:
        """Return the scenario as the JSON report shows it."""
        data = asdict(self)
        data["start"] = self.start.isoformat()
        data["end"] = self.end.isoformat()
        data["hours"] = [t.strftime("%H:%M") for t in self.hours] if self.hours else None
        return data


def parse_mix(text: str, known: list[str] | tuple[str, ...], name: str) -> dict[str, float]:
    """Return {"a": 0.5, "b": 0.5} from "a=0.5,b=0.5"; refuse a name not in `known` or a weight below zero."""
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        key = key.strip()
        try:
            weight = float(value) if sep else float("nan")
        except ValueError:
            weight = float("nan")
        if key not in known:
            raise InvalidInput(
                f"unknown_{name}", f"{key!r} is not one of: {', '.join(known)}.", field=name, hint=f"e.g. {known[0]}=1"
            )
        if not weight >= 0:
            raise InvalidInput(
                f"{name}_weight", f"{part!r}: give each a weight of 0 or more, e.g. {key}=0.3.", field=name
            )
        mix[key] = weight
    if not mix or sum(mix.values()) <= 0:
        raise InvalidInput(f"{name}_empty", f"Give at least one {name} a weight above 0.", field=name)
    return mix


def validate(scenario: Scenario) -> None:
    """Refuse a scenario that cannot run: no time, no people, shares outside 0 to 1."""
    if scenario.end <= scenario.start:
        raise InvalidInput("days", "The period must last at least a day.", field="days")
    for name in ("merchants", "orders", "reports", "reviewers", "capacity", "listings_per_merchant"):
        if getattr(scenario, name) < 1:
            raise InvalidInput(name, f"{name} must be at least 1.", field=name)
    if scenario.reports > scenario.orders:
        raise InvalidInput(
            "reports", "Each report is about its own order: give at least as many orders.", field="reports"
        )
    for name in (
        "missing_evidence_share",
        "late_evidence_share",
        "nudge_share",
        "withdraw_share",
        "out_of_window_share",
        "review_evidence_share",
    ):
        if not 0 <= getattr(scenario, name) <= 1:
            raise InvalidInput(name, f"{name} is a share: from 0 to 1.", field=name)
    if scenario.hours and scenario.hours[0] >= scenario.hours[1]:
        raise InvalidInput("hours", "The working hours must start before they end, e.g. 09:00-18:00.", field="hours")
