"""Drawing a panel from the committee: who is eligible, the seeded draw, and re-running it to verify.

The draw is auditable: the pool of eligible members per seat is one SQL query, recorded sorted on the
panel with the seed; `pick` is a pure function of (seed, composition, pools), so `redraw` gives the
same members to anyone who runs it again (`manage.py verify_draw PANEL_ID`).
"""

import hashlib
import random
import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from plaint.cases.models import Case
from plaint.errors import InvalidInput
from plaint.marketplace.models import Listing, OrderItem

from . import events
from .models import CommitteeMember, Conflict, ConflictKind, Panel, PanelSeat, PanelState, Seat, SeatState

# Serialises draws on PostgreSQL (pg_advisory_xact_lock), so two draws at once cannot both seat a
# member who has one panel left under their load cap. SQLite writes one transaction at a time anyway.
DRAW_LOCK = 7_240_013


def pick(seed: str, composition: Sequence[str], pools: dict[str, list[int]]) -> list[int] | None:
    """Return the member drawn for each seat of `composition`, or None when some seat cannot be filled.

    `random.Random(seed)` (Python's Mersenne Twister, seeded from the seed string's SHA-512) chooses from
    each seat's sorted pool, seat by seat in composition order, never the same member twice.
    """
    rng = random.Random(seed)
    chosen: list[int] = []
    for seat in composition:
        candidates = [member for member in sorted(pools.get(seat, [])) if member not in chosen]
        if not candidates:
            return None
        chosen.append(rng.choice(candidates))
    return chosen


def missing_members(composition: Sequence[str], pools: dict[str, list[int]]) -> dict[str, int]:
    """Return {seat: how many more eligible members it needs} for the seats the pools cannot fill."""
    needed = Counter(composition)
    return {seat: n - len(pools.get(seat, [])) for seat, n in needed.items() if len(pools.get(seat, [])) < n}


def derived_seed(seed: str, position: int, round_: int) -> str:
    """Return the seed of the `round_`-th replacement draw for the seat at `position` of a panel."""
    return hashlib.sha256(f"{seed}/{position}/{round_}".encode()).hexdigest()[:32]


def eligible_pool(
    case: Case, seats: Iterable[str], *, category: str, now: datetime, exclude: Iterable[int] = ()
) -> dict[str, list[int]]:
    """Return {seat: sorted member ids} of the members who may be drawn for `case`, in one SQL query.

    Eligible: active; of the seat; an expert only with `category` in their fields; in term on `now`'s
    date; fewer open seats than their load cap (CommitteeMember.open_seats); no declared conflict with
    the case's merchant, its group or a brand of the case's listing (or its order's listings); never sat
    on a panel of this case; not in `exclude`.
    """
    seats = sorted(set(seats))
    today = timezone.localdate(now)
    merchant = case.merchant
    report = case.report
    ties = Q(kind=ConflictKind.MERCHANT, value=merchant.external_id)
    if merchant.group:
        ties |= Q(kind=ConflictKind.GROUP, value=merchant.group.lower())
    tied = [Conflict.objects.filter(ties, member=OuterRef("pk"))]
    # The brands of the case's listing and of its order's listings, each its own NOT EXISTS so that
    # each is an index lookup on conflict_draw (kind, value) and the listings are read by primary key.
    # (One subquery "listing is the report's OR in the order's items" made PostgreSQL scan every
    # listing: 35 ms at 300,000 listings.)
    listings = []
    if report.listing_id:
        listings.append(Listing.objects.filter(pk=report.listing_id))
    if report.order_id:
        listings.append(
            Listing.objects.filter(pk__in=OrderItem.objects.filter(order_id=report.order_id).values("listing_id"))
        )
    for brands in listings:
        brand_keys = brands.exclude(brand="").annotate(key=Lower("brand")).values("key")
        tied.append(Conflict.objects.filter(kind=ConflictKind.BRAND, value__in=brand_keys, member=OuterRef("pk")))
    sat_before = PanelSeat.objects.filter(member=OuterRef("pk"), panel__case_id=case.pk)
    members = (
        CommitteeMember.objects.filter(active=True, seat__in=seats, term_from__lte=today, term_to__gte=today)
        .filter(~Q(seat=Seat.EXPERT) | _has_field(category))
        .exclude(pk__in=list(exclude))
        .filter(open_seats__lt=F("load_cap"))
        .filter(*[~Exists(t) for t in tied], ~Exists(sat_before))
        .order_by("pk")
        .values_list("pk", "seat")
    )
    pools: dict[str, list[int]] = {seat: [] for seat in seats}
    for member_id, seat in members:
        pools[seat].append(member_id)
    return pools


def _has_field(category: str) -> Q:
    """Return the condition "category is one of the member's expert fields" for this database."""
    if connection.vendor == "postgresql":
        return Q(expert_fields__contains=[category])
    # SQLite has no JSON containment; the codes are [a-z_] words, so their quoted form is exact.
    return Q(expert_fields__icontains=f'"{category}"')


def _lock_draws() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DRAW_LOCK])


def _composition(composition: Sequence[str]) -> list[str]:
    composition = list(composition)
    if not composition:
        raise InvalidInput("empty_composition", "A panel needs at least one seat.", field="composition")
    unknown = [seat for seat in composition if seat not in Seat.values]
    if unknown:
        raise InvalidInput(
            "unknown_seat",
            f"Unknown seat(s) {', '.join(map(repr, unknown))}.",
            field="composition",
            hint=f"Seats are: {', '.join(Seat.values)}.",
        )
    return composition


def draw_panel(
    case: Case,
    composition: Sequence[str],
    *,
    subject: str,
    due_at: datetime,
    now: datetime,
    seed: str | None = None,
    exclude_member_ids: Iterable[int] = (),
    member_share: Decimal | None = None,
) -> Panel:
    """Draw a panel for `case` and return it: voting, or waiting for members if a seat cannot be filled.

    `subject` names what the panel decides ("appeal:17"); `due_at` is its clock and `member_share` the
    share of the time after which a seat without a vote is drawn again (both from the caller's rulebook).
    A panel is never drawn smaller: if a seat's pool is too small, no one is seated, the secretaries are
    told, and `retry_waiting_draws` draws it once enough members are eligible. The draw is on the
    case's log with its seed and pools.
    """
    composition = _composition(composition)
    if ":" not in subject:
        raise InvalidInput("invalid_subject", "A panel's subject is '<kind>:<id>', e.g. 'appeal:17'.", field="subject")
    if member_share is not None and not (0 < member_share < 1):
        raise InvalidInput("invalid_member_share", "member_share is a fraction between 0 and 1.", field="member_share")
    seed = seed or secrets.token_hex(16)
    excluded = sorted(set(exclude_member_ids))
    with transaction.atomic():
        _lock_draws()
        # The pool and the draw first, so the panel is written once with them.
        pools = eligible_pool(case, composition, category=case.category, now=now, exclude=excluded)
        drawn = pick(seed, composition, pools)
        panel = Panel.objects.create(
            case=case,
            subject=subject,
            composition=composition,
            category=case.category,
            seed=seed,
            pool=pools,
            excluded=excluded,
            missing={} if drawn else missing_members(composition, pools),
            requested_at=now,
            drawn_at=now if drawn else None,
            due_at=due_at,
            member_share=member_share,
            state=PanelState.VOTING if drawn else PanelState.WAITING,
        )
        if drawn:
            _seat(panel, drawn, now)
        else:
            events.panel_waiting(panel, now)
        return panel


def _fill(panel: Panel, now: datetime) -> bool:
    """Draw a waiting panel whole from its seed (nobody seated yet); return whether it is now voting."""
    pools = eligible_pool(panel.case, panel.composition, category=panel.category, now=now, exclude=panel.excluded)
    drawn = pick(panel.seed, panel.composition, pools)
    panel.pool = pools
    if drawn is None:
        panel.missing = missing_members(panel.composition, pools)
        panel.save(update_fields=["pool", "missing"])
        events.panel_waiting(panel, now)
        return False
    panel.missing = {}
    panel.drawn_at = now
    panel.state = PanelState.VOTING
    panel.save(update_fields=["pool", "missing", "drawn_at", "state"])
    _seat(panel, drawn, now)
    return True


def _seat(panel: Panel, drawn: list[int], now: datetime) -> None:
    seats = [
        PanelSeat(
            panel=panel,
            member_id=member_id,
            seat=seat,
            position=position,
            seated_at=now,
            vote_due_at=_vote_due(panel, now),
        )
        for position, (seat, member_id) in enumerate(zip(panel.composition, drawn, strict=True))
    ]
    PanelSeat.objects.bulk_create(seats)
    occupy(drawn, 1)
    events.panel_drawn(panel, seats, now)


def occupy(member_ids: Iterable[int], change: int) -> None:
    """Add `change` (1 seated, -1 freed) to the members' open seats, in the caller's transaction."""
    CommitteeMember.objects.filter(pk__in=list(member_ids)).update(open_seats=F("open_seats") + change)


def _vote_due(panel: Panel, seated_at: datetime) -> datetime | None:
    if panel.member_share is None or panel.due_at <= seated_at:
        return None
    return seated_at + (panel.due_at - seated_at) * float(panel.member_share)


def fill_seat(panel: Panel, vacated: PanelSeat, now: datetime) -> PanelSeat | None:
    """Draw a replacement for a recused or replaced seat with a derived seed; None if nobody is eligible.

    Excluded besides the usual: everyone who sat on a panel of this case, the recused member included.
    Without a replacement the panel waits for members (the secretaries are told).
    """
    _lock_draws()
    round_ = PanelSeat.objects.filter(panel=panel, position=vacated.position).count()
    seed = derived_seed(panel.seed, vacated.position, round_)
    pools = eligible_pool(panel.case, [vacated.seat], category=panel.category, now=now, exclude=panel.excluded)
    drawn = pick(seed, [vacated.seat], pools)
    if drawn is None:
        panel.state = PanelState.WAITING
        panel.missing = dict(Counter(panel.missing) + Counter({vacated.seat: 1}))
        panel.save(update_fields=["state", "missing"])
        events.panel_waiting(panel, now)
        return None
    seat = PanelSeat.objects.create(
        panel=panel,
        member_id=drawn[0],
        seat=vacated.seat,
        position=vacated.position,
        seated_at=now,
        vote_due_at=_vote_due(panel, now),
        seed=seed,
        pool=pools[vacated.seat],
    )
    occupy([seat.member_id], 1)
    vacated.replaced_by = seat
    vacated.save(update_fields=["replaced_by"])
    events.seat_filled(panel, vacated, seat, now)
    return seat


def vacancies(panel: Panel) -> list[PanelSeat]:
    """Return the panel's seats left by a member (recused or replaced) that nobody has taken over yet."""
    return list(panel.seats.filter(replaced_by__isnull=True).exclude(state=SeatState.SITTING))


def retry_waiting_draws(now: datetime | None = None) -> int:
    """Draw the panels waiting for members where enough members are now eligible; return how many.

    A periodic job. A panel nobody was seated on is drawn whole from its own seed; a panel waiting for
    a replacement gets its vacant seats filled with derived seeds.
    """
    now = now or timezone.now()
    filled = 0
    for panel_id in (
        Panel.objects.filter(state=PanelState.WAITING).order_by("requested_at").values_list("pk", flat=True)
    ):
        with transaction.atomic():
            _lock_draws()
            panel = (
                Panel.objects.select_for_update()
                .select_related("case", "case__merchant", "case__report")
                .get(pk=panel_id)
            )
            if panel.state != PanelState.WAITING:
                continue
            if not panel.seats.exists():
                filled += _fill(panel, now)
                continue
            panel.missing = {}
            panel.state = PanelState.VOTING
            panel.save(update_fields=["missing", "state"])
            seated = [fill_seat(panel, vacated, now) for vacated in vacancies(panel)]
            filled += all(seated)
    return filled


def redraw(panel: Panel) -> list[int] | None:
    """Return the members the panel's recorded seed and pools draw (None if they could not fill it).

    Anyone can run it: it reads nothing but the panel's seed, composition and pools.
    """
    return pick(panel.seed, panel.composition, {seat: list(ids) for seat, ids in panel.pool.items()})


def verify(panel: Panel) -> dict:
    """Return the panel's draws re-run from their records: each with seed, pools, drawn and whether it matches."""
    first = sorted(panel.seats.filter(seed=""), key=lambda s: s.position)
    recorded = [s.member_id for s in first]
    again = redraw(panel)
    draws = [
        {
            "what": "panel",
            "seed": panel.seed,
            "pools": panel.pool,
            "drawn": recorded,
            "redrawn": again,
            "matches": (again or []) == recorded,
        }
    ]
    for seat in panel.seats.exclude(seed="").order_by("seated_at", "id"):
        redrawn = pick(seat.seed, [seat.seat], {seat.seat: seat.pool})
        draws.append(
            {
                "what": f"replacement for position {seat.position} ({seat.seat})",
                "seed": seat.seed,
                "pools": {seat.seat: seat.pool},
                "drawn": [seat.member_id],
                "redrawn": redrawn,
                "matches": redrawn == [seat.member_id],
            }
        )
    return {"panel": panel.pk, "state": panel.state, "draws": draws, "matches": all(d["matches"] for d in draws)}
