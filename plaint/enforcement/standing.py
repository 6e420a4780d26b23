"""A merchant's record as it stands: points per track, measures, and what the next threshold does."""

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from plaint.marketplace.models import Merchant
from plaint.rulebook.schema import Rulebook

from .models import Measure, PointEntry


def live_points(merchant: Merchant, track: str, now: datetime) -> QuerySet[PointEntry]:
    """Return the point entries that count at `now`: not revoked, not expired."""
    return PointEntry.objects.filter(merchant=merchant, track=track, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def total(merchant: Merchant, track: str, now: datetime) -> int:
    """Return the track's total at `now`."""
    return live_points(merchant, track, now).aggregate(total=Sum("points"))["total"] or 0


def standing(merchant: Merchant, rulebook: Rulebook, now: datetime) -> dict[str, Any]:
    """Return the merchant's standing: per track the total, the entries and the next step; the measures."""
    tracks = {}
    for track, meta in rulebook.tracks.items():
        entries = list(live_points(merchant, track, now).select_related("case").order_by("awarded_at"))
        points = sum(e.points for e in entries)
        upcoming = [step for step in rulebook.ladder_for(track) if step.points > points]
        tracks[track] = {
            "title": {"zh": meta.title.zh, "en": meta.title.en},
            "total": points,
            "entries": [
                {
                    "case": e.case.reference,
                    "points": e.points,
                    # In the marketplace's local time: a reset "on 1 January" reads as 1 January.
                    "awarded_at": timezone.localtime(e.awarded_at).isoformat(),
                    "expires_at": timezone.localtime(e.expires_at).isoformat() if e.expires_at else None,
                }
                for e in entries
            ],
            "next_threshold": {
                "points": upcoming[0].points,
                "points_to_go": upcoming[0].points - points,
                "measures": [m.model_dump(mode="json", exclude_none=True) for m in upcoming[0].measures],
            }
            if upcoming
            else None,
        }
    measures = list(merchant.measures.select_related("trigger_case").order_by("-starts_at", "-id"))
    return {
        "merchant_id": merchant.external_id,
        "name": merchant.name,
        "rulebook_version": rulebook.version,
        "as_of": now.isoformat(),
        "tracks": tracks,
        "active_measures": [m.as_dict() for m in measures if m.active],
        "history": [m.as_dict() for m in measures if not m.active],
    }


# E-Commerce Law of the PRC, art. 36: warnings, suspensions and terminations of service are published.
PUBLISHED_KINDS = ("warning", "suspension", "takedown", "removal")


def published_measures() -> QuerySet[Measure]:
    """Return the measures the public page lists, newest first (lifted ones stay, marked as lifted)."""
    return Measure.objects.filter(kind__in=PUBLISHED_KINDS).select_related("merchant").order_by("-starts_at", "-id")


def recompute_all(rulebook: Rulebook, now: datetime) -> dict[int, dict[str, dict[str, int | None]]]:
    """Return every merchant's live total and next threshold per track, from one grouped query.

    {merchant id: {track: {"total": n, "next_threshold": points or None}}}; merchants without live
    points are left out (their totals are 0).
    """
    ladders = {track: [step.points for step in rulebook.ladder_for(track)] for track in rulebook.tracks}
    rows = (
        PointEntry.objects.filter(revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .values("merchant_id", "track")
        .annotate(total=Sum("points"))
    )
    result: dict[int, dict[str, dict[str, int | None]]] = {}
    for row in rows:
        upcoming = [p for p in ladders.get(row["track"], []) if p > row["total"]]
        result.setdefault(row["merchant_id"], {})[row["track"]] = {
            "total": row["total"],
            "next_threshold": upcoming[0] if upcoming else None,
        }
    return result
