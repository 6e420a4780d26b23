"""The quality loop for supervisors: decisions changed on appeal per reviewer, category and rulebook version."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from plaint.accounts.models import Role
from plaint.cases import quality
from plaint.errors import Forbidden
from plaint.limits import RowId

from ..schemas import ERRORS

router = Router()


class Month(Schema):
    month: str = Field(description="YYYY-MM in the server's time zone; the last month is still running")
    decided: int
    changed: int
    rate: float | None = Field(description="changed ÷ decided; null when nothing was decided")


class Figures(Schema):
    decided: int = Field(description="Appeals decided")
    changed: int = Field(description="Of those, overturned or varied")
    overturned: int
    varied: int
    rate: float | None = Field(description="changed ÷ decided, four places; null when nothing was decided")
    trend: list[Month]


class Reviewer(Schema):
    id: int
    username: str


class ReviewerFigures(Figures):
    kind: str = Field(
        description="reviewer (a person took the decision), automated (the rulebook's automation), "
        "admissibility (an appeal against inadmissibility: no decision row)"
    )
    reviewer: Reviewer | None


class CategoryFigures(Figures):
    category: str


class VersionFigures(Figures):
    rulebook_version: str = Field(description="The version the appealed decision applied")


class Filters(Schema):
    category: str | None
    rulebook_version: str | None
    reviewer: int | None
    route: str | None
    months: int


class QualityOut(Schema):
    filters: Filters
    months: list[str]
    as_of: datetime | None = Field(
        description="When the figures were counted (every PLAINT_QUALITY_REFRESH_SECONDS); null before the "
        "first count or when no appeal is decided"
    )
    total: Figures
    by_reviewer: list[ReviewerFigures] = Field(description="Most changed first")
    by_category: list[CategoryFigures] = Field(description="Most changed first")
    by_rulebook_version: list[VersionFigures]


@router.get("", response={200: QualityOut, **ERRORS})
def figures(
    request: HttpRequest,
    category: str | None = None,
    rulebook_version: str | None = None,
    reviewer: RowId | None = None,
    route: str | None = None,
    months: int | None = None,
) -> dict:
    """Appeals decided and changed on appeal (overturned or varied), with the rate and the monthly trend
    (`months`, default 6, at most 24), per reviewer of the decision appealed, per category and per
    rulebook version. Supervisors only. Counted by the database every few minutes (`as_of`): the same
    few queries whatever the number of appeals."""
    if request.auth.role != Role.SUPERVISOR:
        raise Forbidden("not_a_supervisor", "The quality figures are for supervisors.")
    filters = quality.check_filter(
        category=category, rulebook_version=rulebook_version, reviewer_id=reviewer, route=route, months=months
    )
    return quality.quality(filters)
