"""A business calendar about to run out of listed years is named: on the status page, in its JSON
twin, and by a start-up warning, from PLAINT_CALENDAR_WARN_DAYS (60) days before its first uncovered day."""

from datetime import UTC, date, datetime

import pytest
from django.core import checks
from django.test import Client

from plaint.accounts.models import Role
from plaint.rulebook.calendar import coverage
from tests import factories as f
from tests.api_client import ApiClient

# cn.toml lists 2026 only; 1 January 2027 is its first uncovered day (midnight in Beijing is 16:00 UTC).
SIXTY_ONE_DAYS_BEFORE = datetime(2026, 11, 1, 12, tzinfo=UTC)
SIXTY_DAYS_BEFORE = datetime(2026, 11, 2, 12, tzinfo=UTC)
TODAY = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_a_calendar_is_ending_from_sixty_days_before_its_first_uncovered_day(settings):
    [early] = coverage(SIXTY_ONE_DAYS_BEFORE)
    assert (early.name, early.covered_through, early.uncovered_from) == ("cn", date(2026, 12, 31), date(2027, 1, 1))
    assert (early.days_left, early.ending) == (61, False)
    [due] = coverage(SIXTY_DAYS_BEFORE)
    assert (due.days_left, due.ending) == (60, True)
    [past] = coverage(datetime(2027, 1, 5, tzinfo=UTC))
    assert (past.days_left, past.ending) == (-4, True)
    settings.PLAINT_CALENDAR_WARN_DAYS = 30
    assert not coverage(TODAY)[0].ending  # 32 days left


def test_start_up_warns_with_the_first_uncovered_day(time_machine):
    time_machine.move_to(TODAY)
    [warning] = [message for message in checks.run_checks() if message.id == "plaint.W001"]
    assert warning.level == checks.WARNING
    assert "'cn' covers up to 2026-12-31: from 2027-01-01 (in 32 days)" in warning.msg
    assert "calendars/cn.toml" in warning.hint and "years" in warning.hint
    time_machine.move_to(SIXTY_ONE_DAYS_BEFORE)
    assert [message for message in checks.run_checks() if message.id == "plaint.W001"] == []


@pytest.mark.django_db
def test_the_status_page_and_its_json_name_the_first_uncovered_day_in_both_languages(time_machine):
    time_machine.move_to(TODAY)
    supervisor = f.user(Role.SUPERVISOR)
    [cn] = ApiClient(f.token(supervisor)).get("/staff/status").json()["calendars"]
    assert cn == {
        "name": "cn",
        "covered_through": "2026-12-31",
        "uncovered_from": "2027-01-01",
        "days_left": 32,
        "ending": True,
    }
    browser = Client()
    browser.force_login(supervisor)
    chinese = browser.get("/staff/status/").content.decode()  # a supervisor reading in Chinese
    assert "营业日历 cn 只覆盖到 2026-12-31：自 2027-01-01（还有 32 天）起" in chinese
    assert "国务院办公厅关于 2027 年部分节假日安排的通知" in chinese
    english_reader = Client()
    english_reader.force_login(f.user(Role.ADMIN, language="en"))
    english = english_reader.get("/staff/status/").content.decode()
    assert "Business calendar cn covers up to 2026-12-31: from 2027-01-01 (in 32 days)" in english
    assert 'id="calendar-warnings"' in english and '<tr data-calendar="cn" class="msg-warning">' in english

    time_machine.move_to(SIXTY_ONE_DAYS_BEFORE)
    quiet = browser.get("/staff/status/").content.decode()
    assert 'id="calendar-warnings"' not in quiet
    assert '<tr data-calendar="cn"><td>cn</td><td>2026-12-31</td><td>2027-01-01</td><td>61</td></tr>' in quiet
