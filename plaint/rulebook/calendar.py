"""Business time: working hours on working days of a calendar kept as data.

A calendar says the working hours, the working weekdays, the public holidays and the make-up
working days (调休: a weekend day worked in exchange for a longer holiday), and the years whose
official arrangement it holds. Pure functions: no database, no clock of their own.

Past its last year a calendar knows no holidays: business time there follows the weekday rule
alone. A provisional year (its notice not out yet) lists only the statutory holidays, no make-up
working days, and counts as not covered all the same. Nothing fails; instead `weekday_rule_from`
(on a calendar, on a Clock, or in a `Reckoned` result) names the first such day a computation
reached, for the caller to record, and
`coverage` lists each calendar's end for the status page and the start-up check.
"""

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import loader
from .loader import RulebookError
from .schema import STAGES, Category, Rulebook


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
    # The years whose dates are listed: in full from the official notice, except the `provisional` ones.
    years: list[int] = Field(min_length=1)
    # The last of `years` whose notice is not out yet: only their statutory holidays are listed (as the
    # law fixes them), no make-up working days. They count as not covered (the start-up warning and
    # the status page keep naming them; clocks record weekday_rule_from), but their holidays are off.
    provisional: list[int] = []

    @field_validator("years")
    @classmethod
    def consecutive_years(cls, value: list[int]) -> list[int]:
        if sorted(value) != list(range(min(value), max(value) + 1)):
            raise ValueError("list consecutive years once each, e.g. [2026, 2027]")
        return sorted(value)

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
    # The first day of the first year listed, and the first day after the last: the days in
    # between are covered by an official arrangement.
    covered_from: date
    uncovered_from: date
    # The first day after the last year listed (provisional years included): from it no holiday is known.
    listed_until: date

    def covers(self, day: date) -> bool:
        """Return whether `day` falls in a year whose official arrangement the calendar holds."""
        return self.covered_from <= day < self.uncovered_from

    def weekday_rule_from(self, start: datetime, end: datetime) -> date | None:
        """Return the first day from `start` to `end` (local dates) that the calendar does not cover, or None.

        Such a day was counted by the weekday rule alone: a holiday of a year not yet listed counts
        as worked; in a provisional year only the statutory holidays are known, not the make-up
        working days. `end` before `start` is read as the same day.
        """
        first, last = start.astimezone(self.tz).date(), max(start, end).astimezone(self.tz).date()
        if first < self.covered_from:
            return first
        if last >= self.uncovered_from:
            return max(first, self.uncovered_from)
        return None

    def reckon(self, start: datetime, duration: timedelta) -> "Reckoned":
        """Return the moment `duration` of business time after `start`, and where the calendar ran out on the way."""
        at = self.add(start, duration)
        return Reckoned(at, self.weekday_rule_from(start, at))

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
    first, last = data.years[0], data.years[-1]
    provisional = sorted(data.provisional)
    if provisional and provisional != data.years[len(data.years) - len(provisional) :]:
        raise RulebookError(f"{source}: field provisional: must be the last of the years listed ({first}-{last})")
    for day in data.workdays:
        if day.year in provisional:
            raise RulebookError(
                f"{source}: field workdays: {day} is in a provisional year; make-up working days come "
                "only from the official notice, so list them with the year's whole arrangement"
            )
    for field in ("holidays", "workdays"):
        for day in getattr(data, field):
            # A year's New Year arrangement may begin in the December before it.
            if not first - 1 <= day.year <= last:
                raise RulebookError(
                    f"{source}: field {field}: {day} is outside the years listed ({first}-{last}); "
                    f"add {day.year} to years once its whole arrangement is listed"
                )
    return BusinessCalendar(
        name=data.name,
        tz=ZoneInfo(data.time_zone),
        start=data.working_hours.start,
        end=data.working_hours.end,
        weekdays=frozenset(data.weekdays),
        holidays=frozenset(data.holidays),
        workdays=frozenset(data.workdays),
        covered_from=date(first, 1, 1),
        uncovered_from=date(provisional[0] if provisional else last + 1, 1, 1),
        listed_until=date(last + 1, 1, 1),
    )


@dataclass(frozen=True)
class Reckoned:
    """A moment reckoned in a clock's time, and the first day on the way its calendar did not cover.

    `weekday_rule_from` is None when every day counted was covered (always, for calendar time);
    otherwise the days from it on were counted by the weekday rule alone, and the caller should
    record that with the moment (see `event_data`).
    """

    at: datetime
    weekday_rule_from: date | None = None

    def event_data(self) -> dict[str, str]:
        """Return {"weekday_rule_from": "2027-01-01"} to add to the event that records the moment, or {}."""
        return {"weekday_rule_from": self.weekday_rule_from.isoformat()} if self.weekday_rule_from else {}


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
    "decision_appeal": lambda rb: rb.outcome_appeal_days(),
    "penalty_appeal": lambda rb: rb.penalty_appeal_days(),
    # The other party's answer to an appeal (versions with [appeals] only).
    "appeal_answer": lambda rb: rb.appeals.answer_days,
    # The marketplace's confirmation of a remedy, and the reporter's reopening of a case the merchant
    # resolved whose money never arrived (versions with [remedy_execution] only).
    "remedy_confirmation": lambda rb: rb.remedy_execution.confirm_days,
    "reopen_unpaid": lambda rb: rb.remedy_execution.reopen_days,
    # The reporter's answer to the merchant's counter-evidence (versions with [intake] reply_days only).
    "reply": lambda rb: rb.intake.reply_days,
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

    def reckon(self, start: datetime, duration: timedelta) -> Reckoned:
        """Return `advance(start, duration)` with the first day on the way its calendar did not cover."""
        at = self.advance(start, duration)
        return Reckoned(at, self.weekday_rule_from(start, at))

    def weekday_rule_from(self, start: datetime, end: datetime) -> date | None:
        """Return the first day from `start` to `end` counted by the weekday rule alone; None for calendar time."""
        if self.business is None:
            return None
        return self.business.weekday_rule_from(start, end)


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


def reckon_deadline(rulebook: Rulebook, stage: str, start: datetime, category: Category | None = None) -> Reckoned:
    """Return `deadline(...)` with the first day on the way its calendar did not cover (None if all were)."""
    clock = clock_for(rulebook, stage, category)
    return clock.reckon(start, clock.length)


def calendars_in_use(*, files_only: bool = False) -> list[str]:
    """Return the names of the calendars the stages of the rulebook versions count business time by.

    The published versions' (loader.versions); with `files_only` the rulebook files' alone, which reads
    no database (the start-up check).
    """
    rulebooks = loader.file_versions() if files_only else loader.versions()
    names = {getattr(rulebook.sla, stage).calendar for rulebook in rulebooks for stage in STAGES}
    return sorted(name for name in names if name)


@dataclass(frozen=True)
class Coverage:
    """How far a calendar in use reaches, seen from a day: its first uncovered day and the days left to it."""

    name: str
    covered_through: date
    uncovered_from: date
    days_left: int  # zero or less: business time is already past the calendar's end
    ending: bool  # within the warning's lead (PLAINT_CALENDAR_WARN_DAYS) or already past
    # The last day of the provisional years (statutory holidays only, no make-up days), or None.
    provisional_through: date | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "covered_through": self.covered_through.isoformat(),
            "uncovered_from": self.uncovered_from.isoformat(),
            "provisional_through": self.provisional_through.isoformat() if self.provisional_through else None,
            "days_left": self.days_left,
            "ending": self.ending,
        }


def coverage(now: datetime, warn_days: int | None = None, *, files_only: bool = False) -> list[Coverage]:
    """Return the coverage of every calendar in use at `now`; `ending` when its end is within `warn_days`.

    `warn_days` defaults to settings.PLAINT_CALENDAR_WARN_DAYS. Days are counted in the calendar's own
    time zone, so the count changes at its midnight. `files_only`: see calendars_in_use.
    """
    lead = settings.PLAINT_CALENDAR_WARN_DAYS if warn_days is None else warn_days
    found = []
    for name in calendars_in_use(files_only=files_only):
        cal = calendar(name)
        left = (cal.uncovered_from - now.astimezone(cal.tz).date()).days
        provisional = cal.listed_until - timedelta(days=1) if cal.listed_until > cal.uncovered_from else None
        found.append(
            Coverage(name, cal.uncovered_from - timedelta(days=1), cal.uncovered_from, left, left <= lead, provisional)
        )
    return found
