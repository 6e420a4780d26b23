"""The quality loop: how often decisions are changed on appeal, per reviewer, category and rulebook version.

Supervisors read it to learn where first decisions go wrong (issue 13, item 8). Everything is counted
by the database, in two steps:

- `refresh` (the periodic job `refresh_if_due`, every PLAINT_QUALITY_REFRESH_SECONDS) groups the
  decided appeals by month, the appealed decision's reviewer, the category, the rulebook version and
  the route in one GROUP BY with conditional counts, and stores the groups as QualityMonth rows;
- `quality` adds those rows up in one GROUP BY with a conditional sum per month of the trend, and
  reads the reviewers' names: two queries whatever the number of appeals.

Joining every appeal to its decision and case on each request took 140-225 ms at 100,000 appeals
(bench/appeal_pages.py); the groups are a few thousand rows. The figures are as of the last refresh.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, DateField, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from plaint.errors import InvalidInput
from plaint.rulebook import loader

from .models import Appeal, AppealResult, AppealRoute, QualityMonth
from .transitions import AppealState

CHANGED = (AppealResult.OVERTURNED, AppealResult.VARIED)
DEFAULT_MONTHS = 6
MAX_MONTHS = 24

# Who took the decision appealed: a reviewer or supervisor; the rulebook's automation (e.g. the
# merchant's silence, missing evidence); or, for an appeal against inadmissibility, the admissibility
# check at intake (no Decision row).
REVIEWER = "reviewer"
AUTOMATED = "automated"
ADMISSIBILITY = "admissibility"


@dataclass(frozen=True)
class QualityFilter:
    """What a supervisor narrows the figures to; every field optional."""

    category: str | None = None
    rulebook_version: str | None = None
    reviewer_id: int | None = None
    route: str | None = None
    months: int = DEFAULT_MONTHS


@dataclass
class Figures:
    """Appeals decided and changed, overall and for each month of the trend."""

    decided: int = 0
    overturned: int = 0
    varied: int = 0
    trend: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.overturned + self.varied

    def add(self, row: dict[str, Any], months: int) -> None:
        self.decided += row["n_decided"]
        self.overturned += row["n_overturned"]
        self.varied += row["n_varied"]
        for i in range(months):
            self.trend[i]["decided"] += row[f"m{i}_decided"]
            self.trend[i]["changed"] += row[f"m{i}_changed"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "decided": self.decided,
            "changed": self.changed,
            "overturned": self.overturned,
            "varied": self.varied,
            "rate": rate(self.changed, self.decided),
            "trend": [month | {"rate": rate(month["changed"], month["decided"])} for month in self.trend],
        }


def rate(changed: int, decided: int) -> float | None:
    """Return changed ÷ decided rounded to four places, or None when nothing was decided."""
    return round(changed / decided, 4) if decided else None


def month_starts(now: datetime, months: int) -> list[datetime]:
    """Return the first instants of the last `months` months and of the next one, oldest first.

    Months are the server's (PLAINT_TIME_ZONE): the last one is `now`'s month, still running.
    """
    local = timezone.localtime(now)
    starts = []
    for back in range(months - 1, -2, -1):
        index = local.year * 12 + local.month - 1 - back
        starts.append(timezone.make_aware(datetime(index // 12, index % 12 + 1, 1)))
    return starts


def check_filter(
    *,
    category: str | None = None,
    rulebook_version: str | None = None,
    reviewer_id: int | None = None,
    route: str | None = None,
    months: int | None = None,
) -> QualityFilter:
    """Return the filter, or raise InvalidInput naming the field that is not a known value."""
    category = (category or "").strip() or None
    rulebook_version = (rulebook_version or "").strip() or None
    route = (route or "").strip() or None
    if category is not None:
        known = {c.code for rulebook in loader.versions() for c in rulebook.categories}
        if category not in known:
            raise InvalidInput(
                "unknown_category",
                f"No rulebook version has the category {category!r}.",
                field="category",
                hint=f"Categories: {', '.join(sorted(known))}.",
            )
    if rulebook_version is not None:
        names = sorted(rulebook.version for rulebook in loader.versions())
        if rulebook_version not in names:
            raise InvalidInput(
                "unknown_rulebook_version",
                f"There is no rulebook version {rulebook_version!r}.",
                field="rulebook_version",
                hint=f"Versions: {', '.join(names)}.",
            )
    if route is not None and route not in AppealRoute.values:
        raise InvalidInput(
            "unknown_route",
            f"{route!r} is not an appeal route.",
            field="route",
            hint=f"Routes: {', '.join(AppealRoute.values)}.",
        )
    if reviewer_id is not None and not get_user_model().objects.filter(pk=reviewer_id).exists():
        raise InvalidInput("unknown_reviewer", f"There is no user {reviewer_id}.", field="reviewer")
    if months is None:
        months = DEFAULT_MONTHS
    if not 1 <= months <= MAX_MONTHS:
        raise InvalidInput(
            "invalid_months", f"The trend covers 1 to {MAX_MONTHS} months.", field="months", hint="For example 6."
        )
    return QualityFilter(category, rulebook_version, reviewer_id, route, months)


def appeal_groups() -> QuerySet:
    """Return the decided appeals grouped by month (server time), reviewer, automated, category, version, route.

    Each row has `decided`, `overturned` and `varied` counts. The reviewer is who took the decision
    appealed; the version is the one that decision applied, or the case's for an inadmissibility.
    """
    return (
        Appeal.objects.filter(state=AppealState.DECIDED)
        .exclude(result="")
        .values(
            g_month=TruncMonth("decided_at", output_field=DateField()),
            g_reviewer=F("decision__decided_by_id"),
            g_automated=F("decision__automated"),
            g_category=F("case__category"),
            g_version=Coalesce("decision__rulebook_version", "case__rulebook_version"),
            g_route=F("route"),
        )
        .annotate(
            n_decided=Count("pk"),
            n_overturned=Count("pk", filter=Q(result=AppealResult.OVERTURNED)),
            n_varied=Count("pk", filter=Q(result=AppealResult.VARIED)),
        )
        .order_by()
    )


def refresh(now: datetime | None = None) -> int:
    """Rebuild the QualityMonth rows from the decided appeals; return how many groups there are.

    One GROUP BY over the appeals; the groups (not the appeals) are written in one transaction, so a
    reader sees the old figures or the new, never half.
    """
    now = now or timezone.now()
    rows = [
        QualityMonth(
            month=group["g_month"],
            reviewer_id=group["g_reviewer"],
            automated=group["g_automated"],
            category=group["g_category"],
            rulebook_version=group["g_version"],
            route=group["g_route"],
            decided=group["n_decided"],
            overturned=group["n_overturned"],
            varied=group["n_varied"],
            computed_at=now,
        )
        for group in appeal_groups()
    ]
    with transaction.atomic():
        QualityMonth.objects.all().delete()
        QualityMonth.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def refresh_if_due(now: datetime | None = None) -> int | None:
    """Refresh the figures when the last refresh is PLAINT_QUALITY_REFRESH_SECONDS old (a periodic job).

    Return the number of groups written, or None when the figures are recent enough.
    """
    now = now or timezone.now()
    last = QualityMonth.objects.aggregate(last=Max("computed_at"))["last"]
    if last is not None and now - last < timedelta(seconds=settings.PLAINT_QUALITY_REFRESH_SECONDS):
        return None
    return refresh(now)


def grouped(filters: QualityFilter, starts: list[datetime]) -> QuerySet:
    """Return the query of one row per (reviewer, automated, category, version) adding up the QualityMonth rows.

    `starts` are the trend's month boundaries (month_starts): a sum for each month between two of them.
    """
    months: dict[str, Coalesce] = {}
    for i, start in enumerate(starts[:-1]):
        in_month = Q(month=timezone.localtime(start).date())
        months[f"m{i}_decided"] = Coalesce(Sum("decided", filter=in_month), 0)
        months[f"m{i}_changed"] = Coalesce(Sum(F("overturned") + F("varied"), filter=in_month), 0)
    rows = QualityMonth.objects.all()
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.rulebook_version:
        rows = rows.filter(rulebook_version=filters.rulebook_version)
    if filters.reviewer_id:
        rows = rows.filter(reviewer_id=filters.reviewer_id)
    if filters.route:
        rows = rows.filter(route=filters.route)
    return (
        rows.values(
            q_reviewer=F("reviewer_id"),
            q_automated=F("automated"),
            q_category=F("category"),
            q_version=F("rulebook_version"),
        )
        .annotate(
            n_decided=Sum("decided"),
            n_overturned=Sum("overturned"),
            n_varied=Sum("varied"),
            as_of=Max("computed_at"),
            **months,
        )
        .order_by()
    )


def version_key(version: str) -> tuple:
    """Return a sort key that puts "2" before "10" and names after numbers."""
    return (0, int(version), "") if version.isdigit() else (1, 0, version)


def quality(filters: QualityFilter | None = None, *, now: datetime | None = None) -> dict[str, Any]:
    """Return the appeals decided and changed (overturned or varied) overall, per reviewer, per category
    and per rulebook version, each with its rate and its monthly trend over `filters.months` months.

    "Reviewer" is who took the decision appealed (Decision.decided_by): an automated decision and an
    inadmissibility (no decision) are rows of their own kind, with no reviewer. The totals count every
    decided appeal; the trend, those decided in each month (the last one still running). Rates are None
    where nothing was decided. The figures are those of the last `refresh` (`as_of`; None before the
    first or when nothing is decided). Two queries whatever the number of appeals.
    """
    filters = filters or QualityFilter()
    now = now or timezone.now()
    starts = month_starts(now, filters.months)
    labels = [timezone.localtime(s).strftime("%Y-%m") for s in starts[:-1]]

    def figures() -> Figures:
        return Figures(trend=[{"month": label, "decided": 0, "changed": 0} for label in labels])

    total = figures()
    by_reviewer: dict[tuple[str, int | None], Figures] = {}
    by_category: dict[str, Figures] = {}
    by_version: dict[str, Figures] = {}
    as_of = None
    for row in grouped(filters, starts):
        as_of = max(as_of, row["as_of"]) if as_of else row["as_of"]
        if row["q_reviewer"] is not None:
            who = (REVIEWER, row["q_reviewer"])
        elif row["q_automated"] is None:
            who = (ADMISSIBILITY, None)
        else:
            who = (AUTOMATED, None)
        for table, key in ((by_reviewer, who), (by_category, row["q_category"]), (by_version, row["q_version"])):
            table.setdefault(key, figures()).add(row, filters.months)
        total.add(row, filters.months)

    ids = [pk for kind, pk in by_reviewer if kind == REVIEWER]
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username")) if ids else {}

    def ranked(table: dict) -> list[tuple[Any, Figures]]:
        # Most changed first: that is where to look.
        return sorted(table.items(), key=lambda item: (-item[1].changed, -item[1].decided, str(item[0])))

    return {
        "filters": {
            "category": filters.category,
            "rulebook_version": filters.rulebook_version,
            "reviewer": filters.reviewer_id,
            "route": filters.route,
            "months": filters.months,
        },
        "months": labels,
        "as_of": as_of,
        "total": total.as_dict(),
        "by_reviewer": [
            {"kind": kind, "reviewer": None if pk is None else {"id": pk, "username": names.get(pk, "")}}
            | figures.as_dict()
            for (kind, pk), figures in ranked(by_reviewer)
        ],
        "by_category": [{"category": code} | figures.as_dict() for code, figures in ranked(by_category)],
        "by_rulebook_version": [
            {"rulebook_version": version} | figures.as_dict()
            for version, figures in sorted(by_version.items(), key=lambda item: version_key(item[0]))
        ],
    }
