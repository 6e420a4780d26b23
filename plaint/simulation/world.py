"""The simulated marketplace and its people, bulk-created; and the plan of the reports they will file.

Merchants, listings, consumers and orders are written with bulk_create (the marketplace pushes them in
bulk too); everything that happens to a report afterwards goes through the case actions (engine.py).
Every draw comes from the scenario's seed, so one seed makes one world and one plan.
"""

import bisect
import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from PIL import Image

from plaint.accounts.models import Role, User
from plaint.marketplace.models import Consumer, Listing, Merchant, Order, OrderItem
from plaint.rulebook.schema import Rulebook

from .scenario import DEFAULT_CATEGORY_WEIGHTS, DEFAULT_OTHER_WEIGHT, MERCHANT_KINDS, Scenario

BATCH = 1000
# When in the day consumers file (hours 0 to 23, local time): most in the evening, few at night.
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.5, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2.5, 3, 3, 3, 2.5, 1.5]
# How likely a report against each kind of merchant is founded (what a reviewer finds).
FOUNDED = {"fair": 0.4, "contesting": 0.6, "silent": 0.7, "mixed": 0.6}
# For categories that allow several targets: how often a report names an order, a listing, a merchant.
TARGET_WEIGHTS = {"order": 0.85, "listing": 0.1, "merchant": 0.05}


@dataclass
class SimMerchant:
    pk: int
    external_id: str
    kind: str
    staff: User | None = None


@dataclass(frozen=True)
class SimOrder:
    pk: int
    external_id: str
    consumer_pk: int
    consumer_external_id: str
    merchant: int  # index into World.merchants
    listing_external_id: str
    delivered_at: datetime
    amount: Decimal


@dataclass
class PlannedReport:
    """One report the simulated consumer will file, and what its people will do with it."""

    index: int
    at: datetime
    category: str
    target_type: str
    target_id: str
    order: SimOrder
    evidence: list[str]  # the kinds filed with the report
    founded: bool
    # After filing: when the reporter adds the missing required evidence (None: never).
    adds_missing_after: timedelta | None
    nudge_after: timedelta | None
    withdraw_after: timedelta | None
    reporter: User | None = None
    remedy: str = "refund"


@dataclass
class World:
    merchants: list[SimMerchant]
    orders: list[SimOrder]
    reviewers: list[User]
    supervisor: User
    plan: list[PlannedReport] = field(default_factory=list)


def photo() -> bytes:
    """Return a small real PNG: evidence is inspected (sniffed, hashed) as an uploaded photo would be."""
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    names = list(weights)
    return rng.choices(names, weights=[weights[n] for n in names])[0]


def category_weights(scenario: Scenario, rulebook: Rulebook) -> dict[str, float]:
    """Return the weight of each rulebook category: the scenario's mix, or the defaults."""
    if scenario.category_mix:
        return {c.code: scenario.category_mix.get(c.code, 0.0) for c in rulebook.categories}
    return {c.code: DEFAULT_CATEGORY_WEIGHTS.get(c.code, DEFAULT_OTHER_WEIGHT) for c in rulebook.categories}


def build(scenario: Scenario, rulebook: Rulebook) -> World:
    """Create the marketplace and the people in the scratch database, and plan the reports."""
    rng = random.Random(f"world-{scenario.seed}")
    kinds = [k for k in MERCHANT_KINDS if scenario.merchant_mix.get(k, 0) > 0]
    merchant_rows = [
        Merchant(external_id=f"SIM-M{i:05d}", name=f"Simulated merchant {i}", country="JP", contact_email="")
        for i in range(1, scenario.merchants + 1)
    ]
    Merchant.objects.bulk_create(merchant_rows, batch_size=BATCH)
    merchant_rows = list(Merchant.objects.order_by("id"))
    merchants = [
        SimMerchant(m.pk, m.external_id, rng.choices(kinds, weights=[scenario.merchant_mix[k] for k in kinds])[0])
        for m in merchant_rows
    ]
    listings = [
        Listing(external_id=f"{m.external_id}-L{j}", merchant_id=m.pk, title=f"Imported goods {j} of {m.name}")
        for m in merchant_rows
        for j in range(1, scenario.listings_per_merchant + 1)
    ]
    Listing.objects.bulk_create(listings, batch_size=BATCH)
    listing_ids = dict(Listing.objects.values_list("external_id", "id"))
    consumers = max(1, scenario.orders // 2)
    Consumer.objects.bulk_create(
        [Consumer(external_id=f"SIM-C{i:06d}", name=f"Consumer {i}") for i in range(1, consumers + 1)],
        batch_size=BATCH,
    )
    consumer_rows = list(Consumer.objects.order_by("id").values_list("id", "external_id"))
    # A few large shops and many small ones.
    sizes = [rng.paretovariate(1.3) for _ in merchants]
    span = (scenario.end - scenario.start) + timedelta(days=scenario.history_days)
    origin = scenario.start - timedelta(days=scenario.history_days)
    order_rows, item_rows, drafts = [], [], []
    for i in range(1, scenario.orders + 1):
        m = rng.choices(range(len(merchants)), weights=sizes)[0]
        consumer_pk, consumer_external = consumer_rows[rng.randrange(len(consumer_rows))]
        paid = origin + timedelta(seconds=rng.randrange(int(span.total_seconds())))
        delivered = paid + timedelta(hours=rng.randint(48, 240))
        amount = Decimal(rng.randint(3_000, 120_000)) / 100
        external = f"SIM-O{i:07d}"
        listing = f"{merchants[m].external_id}-L{rng.randint(1, scenario.listings_per_merchant)}"
        order_rows.append(
            Order(
                external_id=external,
                consumer_id=consumer_pk,
                merchant_id=merchants[m].pk,
                amount_paid=amount,
                tariff_paid=(amount * Decimal("0.091")).quantize(Decimal("0.01")),
                paid_at=paid,
                shipped_at=paid + timedelta(hours=24),
                delivered_at=delivered,
            )
        )
        drafts.append((external, consumer_pk, consumer_external, m, listing, delivered, amount))
    Order.objects.bulk_create(order_rows, batch_size=BATCH)
    order_ids = dict(Order.objects.values_list("external_id", "id"))
    for external, _, _, _, listing, _, amount in drafts:
        item_rows.append(
            OrderItem(order_id=order_ids[external], listing_id=listing_ids[listing], title=listing, unit_price=amount)
        )
    OrderItem.objects.bulk_create(item_rows, batch_size=BATCH)
    orders = [
        SimOrder(order_ids[external], external, consumer_pk, consumer_external, m, listing, delivered, amount)
        for external, consumer_pk, consumer_external, m, listing, delivered, amount in drafts
    ]
    User.objects.bulk_create(
        [
            User(username=f"sim-staff-{m.external_id}", role=Role.MERCHANT, merchant_id=m.pk, password="!")
            for m in merchants
        ],
        batch_size=BATCH,
    )
    for merchant, user in zip(merchants, User.objects.filter(role=Role.MERCHANT).order_by("id"), strict=True):
        merchant.staff = user
    reviewers = [
        User.objects.create(username=f"sim-reviewer-{i}", role=Role.REVIEWER, password="!")
        for i in range(1, scenario.reviewers + 1)
    ]
    supervisor = User.objects.create(username="sim-supervisor", role=Role.SUPERVISOR, password="!")
    world = World(merchants, orders, reviewers, supervisor)
    world.plan = _plan(scenario, rulebook, world)
    _reporters(world)
    return world


def _filing_time(rng: random.Random, scenario: Scenario) -> datetime:
    days = max(1, int(scenario.days))
    while True:
        day = timezone.localtime(scenario.start).replace(hour=0, minute=0, second=0, microsecond=0)
        day += timedelta(days=rng.randrange(days))
        at = day + timedelta(hours=rng.choices(range(24), weights=HOUR_WEIGHTS)[0], seconds=rng.randrange(3600))
        if scenario.start <= at < scenario.end:
            return at


def _plan(scenario: Scenario, rulebook: Rulebook, world: World) -> list[PlannedReport]:
    rng = random.Random(f"plan-{scenario.seed}")
    weights = category_weights(scenario, rulebook)
    by_delivery = sorted(world.orders, key=lambda o: (o.delivered_at, o.pk))
    delivered = [o.delivered_at for o in by_delivery]
    used_orders: set[int] = set()
    matters: set[tuple[int, str, str, str]] = set()
    plan: list[PlannedReport] = []
    attempts = 0
    while len(plan) < scenario.reports:
        attempts += 1
        if attempts > scenario.reports * 50:
            raise RuntimeError("could not find enough distinct orders to report; give more orders")
        at = _filing_time(rng, scenario)
        category = rulebook.category(_weighted(rng, weights))
        targets = {t: TARGET_WEIGHTS[t] for t in category.targets}
        target_type = _weighted(rng, targets)
        late = target_type == "order" and rng.random() < scenario.out_of_window_share
        window_start = at - timedelta(days=category.window_days)
        if late:
            low, high = 0, bisect.bisect_left(delivered, window_start)
        else:
            low, high = bisect.bisect_left(delivered, window_start), bisect.bisect_left(delivered, at)
        if high <= low:
            continue
        order = by_delivery[rng.randrange(low, high)]
        if order.pk in used_orders:
            continue
        merchant = world.merchants[order.merchant]
        target_id = {"order": order.external_id, "listing": order.listing_external_id}.get(
            target_type, merchant.external_id
        )
        matter = (order.consumer_pk, target_type, target_id, category.code)
        if matter in matters:
            continue
        used_orders.add(order.pk)
        matters.add(matter)
        missing = bool(category.required_evidence) and rng.random() < scenario.missing_evidence_share
        evidence = [] if missing else list(category.required_evidence)
        if category.recommended_evidence and rng.random() < 0.5:
            evidence.append(rng.choice(category.recommended_evidence))
        adds_later = missing and rng.random() < scenario.late_evidence_share
        plan.append(
            PlannedReport(
                index=0,
                at=at,
                category=category.code,
                target_type=target_type,
                target_id=target_id,
                order=order,
                evidence=evidence,
                founded=rng.random() < FOUNDED[merchant.kind],
                # Most add it within the deadline; some too late, and are refused.
                adds_missing_after=timedelta(hours=rng.uniform(2, 24 * 10)) if adds_later else None,
                nudge_after=timedelta(hours=rng.uniform(48, 24 * 8)) if rng.random() < scenario.nudge_share else None,
                withdraw_after=timedelta(hours=rng.uniform(6, 24 * 5))
                if rng.random() < scenario.withdraw_share
                else None,
                remedy=category.remedies[0],
            )
        )
    plan.sort(key=lambda p: (p.at, p.order.pk))
    for index, report in enumerate(plan):
        report.index = index
    return plan


def _reporters(world: World) -> None:
    """Give each consumer who files a report an account of their own (they file as the marketplace's app would)."""
    consumer_ids = sorted({p.order.consumer_pk for p in world.plan})
    User.objects.bulk_create(
        [User(username=f"sim-consumer-{pk}", role=Role.CONSUMER, consumer_id=pk, password="!") for pk in consumer_ids],
        batch_size=BATCH,
    )
    users = {u.consumer_id: u for u in User.objects.filter(role=Role.CONSUMER).select_related("consumer")}
    for report in world.plan:
        report.reporter = users[report.order.consumer_pk]
