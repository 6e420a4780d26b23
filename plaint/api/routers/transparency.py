"""The transparency report: public, no sign-in. The figures are the worker's (plaint/transparency/)."""

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from plaint.transparency.report import PERIOD_HINT, parse_period, report, rows_for_csv

from ..schemas import ERRORS

router = Router()
# The CSV's 200 is text, not JSON: said so in the document (ninja would describe it as JSON).
CSV_200 = {200: {"description": "CSV, UTF-8", "content": {"text/csv": {"schema": {"type": "string"}}}}}


class PeriodQuery(Schema):
    period: str = Field(description=f"A month, quarter or year. {PERIOD_HINT}", examples=["2026-11"])
    category: str | None = Field(None, max_length=50, description="Only this rulebook category")
    channel: str | None = Field(None, max_length=20, description="Only this channel: web, app, api, hotline, …")


@router.get("", response={200: dict[str, Any], **ERRORS}, auth=None)
def figures(request: HttpRequest, query: Query[PeriodQuery]) -> dict:
    """The period's figures (docs/transparency.md defines each); 422 naming `period` for a bad period."""
    return report(parse_period(query.period), query.category, query.channel)


@router.get("/csv", response=ERRORS, auth=None, openapi_extra={"responses": CSV_200})
def figures_csv(request: HttpRequest, query: Query[PeriodQuery]) -> HttpResponse:
    """The period's figures per category, channel, figure and key, as CSV (UTF-8)."""
    period = parse_period(query.period)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows_for_csv(period, query.category, query.channel))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="plaint-transparency-{period.label}.csv"'
    return response
