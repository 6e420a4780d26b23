"""/transparency/: public, in both languages, every figure of the period shown, charts with their tables."""

import pytest

from plaint.transparency.jobs import compute_day

from .conftest import DAY

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_period_without_signing_in(world, client):
    compute_day(DAY)
    page = client.get("/transparency/", {"period": "2026-12"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Transparency report" in text and "Counted up to and including 2026-12-03." in text
    figures = page.context["figures"]
    assert figures["reports_received"] == 5
    assert [chart["id"] for chart in page.context["charts"]] == ["received", "ended", "answer", "decision"]
    received = dict(page.context["charts"][0]["rows"])
    assert received == {"Hotline": 1, "Web": 4}
    assert text.count('src="data:image/svg+xml;base64,') == 4
    assert "How these are counted" in text and 'href="/api/transparency/csv?period=2026-12"' in text


def test_the_page_in_chinese(world, client):
    compute_day(DAY)
    client.post("/language/", {"language": "zh-hans", "next": "/"})
    text = client.get("/transparency/", {"period": "2026-12", "channel": "hotline"}).content.decode()
    assert "透明度报告" in text and "统计口径" in text and "热线" in text


def test_a_bad_period_on_the_page_says_so_and_shows_the_current_month(client):
    page = client.get("/transparency/", {"period": "2026-13"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 422
    assert "That is not a period" in page.content.decode()
