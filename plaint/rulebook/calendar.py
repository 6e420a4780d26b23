"""Business time: working hours on working days of a calendar kept as data.

A calendar says the working hours, the working weekdays, the public holidays and the make-up
working days (调休: a weekend day worked in exchange for a longer holiday). Pure functions: no
database, no clock of their own.
"""

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .loader import RulebookError
from .schema import Category, Rulebook


class _Hours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: time
    end: time


class _CalendarFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    time_zone: str
    working_hours: _Hours
    weekdays: list[int] = Field(min_length=1)
    holidays: list[date] = []
    workdays: list[date] = []

    @field_validator("weekdays")
    @classmethod
    def iso_weekdays(cls, value: list[int]) -> list[int]:
        if any(day < 1 or day > 7 for day in value):
            raise ValueError("ISO weekdays run from 1 (Monday) to 7 (Sunday)")
        return value


@dataclass(frozen=True)
class BusinessCalendar:
    name: str
    tz: ZoneInfo
    start: time
    end: time
    weekdays: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        """Return whether `day` is worked: a make-up working day is, a holiday is not, else the weekday rule."""
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.isoweekday() in self.weekdays

    def _open(self, day: date) -> datetime:
        return datetime.combine(day, self.start, self.tz)

    def _close(self, day: date) -> datetime:
        return datetime.combine(day, self.end, self.tz)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the moment `duration` of business time after `start` (aware datetimes).

        Time before opening, after closing and on days off does not count; a deadline that falls
        exactly at closing time stays there rather than moving to the next opening.
        """
        moment = start.astimezone(self.tz)
        left = duration
        while True:
            day = moment.date()
            if self.is_working_day(day):
                opening, closing = self._open(day), self._close(day)
                moment = max(moment, opening)
                if moment < closing:
                    available = closing - moment
                    if left <= available:
                        return moment + left
                    left -= available
            moment = self._open(day + timedelta(days=1))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time from `start` to `end` (zero if `end` is not after `start`)."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(self.tz).date()
        last = end.astimezone(self.tz).date()
        while day <= last:
            if self.is_working_day(day):
                lo, hi = max(start, self._open(day)), min(end, self._close(day))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


def parse_calendar(text: str, source: str) -> BusinessCalendar:
    """Return the calendar in `text`; raise RulebookError naming the file and the field."""
    try:
        data = _CalendarFile.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"{source}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise RulebookError(f"{source}: field {field}: {first['msg']}") from None
    if data.working_hours.end <= data.working_hours.start:
        raise RulebookError(f"{source}: field working_hours: end must be after start")
    clash = set(data.holidays) & set(data.workdays)
    if clash:
        raise RulebookError(f"{source}: {sorted(clash)[0]} is both a holiday and a make-up working day")
    return BusinessCalendar(
        name=data.name,
        tz=ZoneInfo(data.time_zone),
        start=data.working_hours.start,
        end=data.working_hours.end,
        weekdays=frozenset(data.weekdays),
        holidays=frozenset(data.holidays),
        workdays=frozenset(data.workdays),
    )


@cache
def calendar(name: str) -> BusinessCalendar:
    """Return the named calendar from the rulebook folder's calendars/ (e.g. "cn")."""
    path = Path(settings.PLAINT_RULEBOOK_DIR) / "calendars" / f"{name}.toml"
    if not path.exists():
        raise RulebookError(f"{path}: no such business calendar")
    return parse_calendar(path.read_text(encoding="utf-8"), str(path))


# Deadlines that are a party's window rather than a service level: calendar days, each from its
# own place in the rulebook.
WINDOWS = {
    "evidence": lambda rb: rb.intake.evidence_deadline_days,
    "decision_appeal": lambda rb: rb.intake.appeal_window_days,
    "penalty_appeal": lambda rb: rb.points.appeal_days,
}


@dataclass(frozen=True)
class Clock:
    """How one stage's time counts: its length, its warning lead and its calendar (None: every hour)."""

    length: timedelta
    warn_before: timedelta
    business: BusinessCalendar | None

    def advance(self, start: datetime, duration: timedelta) -> datetime:
        """Return the moment `duration` of this clock's time after `start`."""
        if self.business is None:
            return start + duration
        return self.business.add(start, duration)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Return this clock's time between two moments (zero if `end` is not after `start`)."""
        if self.business is None:
            return max(end - start, timedelta(0))
        return self.business.between(start, end)


def clock_for(rulebook: Rulebook, stage: str, category: Category | None = None) -> Clock:
    """Return the clock of a [sla] stage, or of a window ("evidence", "decision_appeal", "penalty_appeal").

    A business-time day is one day of the calendar's working hours (09:00-18:00: nine hours), so
    "5 days" from Monday 10:00 ends the next Monday 10:00 when every day between is worked.
    merchant_response takes its length from the category's response_days.
    """
    if stage in WINDOWS:
        return Clock(timedelta(days=WINDOWS[stage](rulebook)), timedelta(0), None)
    spec = rulebook.sla.stage(stage)
    amount, unit = spec.length(category)
    business = calendar(spec.calendar) if spec.time == "business" else None
    if unit == "hours":
        length = timedelta(hours=amount)
    elif business is not None:
        length = amount * (datetime.combine(date.min, business.end) - datetime.combine(date.min, business.start))
    else:
        length = timedelta(days=amount)
    return Clock(length, timedelta(hours=spec.warn_before_hours), business)


def deadline(rulebook: Rulebook, stage: str, start: datetime, category: Category | None = None) -> datetime:
    """Return when `stage` (or a window) started at `start` runs out, in its own time."""
    clock = clock_for(rulebook, stage, category)
    return clock.advance(start, clock.length)
