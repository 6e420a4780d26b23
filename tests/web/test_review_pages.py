"""The review console's pages: permissions, the queue's filters and counts, claim / release, deciding."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from plaint.cases.models import Case, Decision, StatementTemplate
from tests.web import casework_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return casework_world.build()


def client_for(user, language="en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["consumer", "merchant", "agent"])
def test_review_pages_are_refused_to_parties_and_agents(world, role):
    client = client_for(world["users"][role])
    ref = world["in_review"].reference
    for url in ("/review/", f"/review/cases/{ref}/", "/review/supervisor/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/review/cases/{ref}/claim/").status_code == 403
    assert Case.objects.get(reference=ref).claimed_by_id is None


def test_supervisor_view_is_refused_to_a_reviewer(world):
    assert client_for(world["users"]["reviewer"]).get("/review/supervisor/").status_code == 403
    assert client_for(world["users"]["supervisor"]).get("/review/supervisor/").status_code == 200


def test_unknown_case_is_not_found(world):
    assert client_for(world["users"]["reviewer"]).get("/review/cases/PL-NONE-XXXX/").status_code == 404


def test_queue_lists_cases_in_review_with_counts_per_filter_value(world):
    client = client_for(world["users"]["reviewer"])
    html = client.get("/review/").content.decode()
    assert world["in_review"].reference in html
    assert world["waiting"].reference not in html  # still with the merchant
    assert "Expired goods" in html and "Tokyo Beauty" in html
    filtered = client.get("/review/?category=counterfeit").content.decode()
    assert world["in_review"].reference not in filtered and "No case matches these filters." in filtered
    overdue = client.get("/review/?overdue=1").content.decode()
    assert world["in_review"].reference not in overdue
    Case.objects.filter(pk=world["in_review"].pk).update(decision_due_at=timezone.now() - timedelta(hours=2))
    overdue = client.get("/review/?overdue=1").content.decode()
    assert world["in_review"].reference in overdue and "hours overdue" in overdue


def test_queue_page_makes_the_same_number_of_queries_for_many_cases(world):
    """The queue never loads every case: its query count does not grow with the number of cases."""
    client = client_for(world["users"]["reviewer"])
    with CaptureQueriesContext(connection) as few:
        assert client.get("/review/?channel=web").status_code == 200
    base = Case.objects.get(pk=world["in_review"].pk)
    # Copies of the case in review, through the ORM (their report is shared: the queue never reads it).
    for i in range(40):
        Case.objects.bulk_create(
            [
                Case(
                    reference=f"PL-BULK-{i:04d}",
                    report=casework_world.extra_report(base.report, i),
                    merchant_id=base.merchant_id,
                    reporter_id=base.reporter_id,
                    category=base.category if i % 2 else "counterfeit",
                    channel="web",
                    state="awaiting_review",
                    priority=i % 3,
                    rulebook_version=base.rulebook_version,
                    decision_due_at=timezone.now() + timedelta(days=1),
                    opened_at=timezone.now(),
                    updated_at=timezone.now(),
                )
            ]
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/review/?channel=web")
    assert page.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    html = page.content.decode()
    assert "41 cases" in html
    # The next page continues after the last case shown (a cursor) and keeps the filters the reviewer chose.
    first = set(re.findall(r"PL-BULK-\d{4}|" + base.reference, html))
    link = re.search(r'href="\?(channel=web&amp;after=[^"]+)" rel="next"', html)
    assert len(first) == 25 and link
    second = client.get("/review/?" + link.group(1).replace("&amp;", "&")).content.decode()
    rest = set(re.findall(r"PL-BULK-\d{4}|" + base.reference, second))
    assert len(rest) == 16 and not first & rest
    assert 'rel="next"' not in second and 'rel="first"' in second


def test_claim_with_htmx_returns_the_claim_box_and_a_second_reviewer_is_told_who_holds_it(world):
    ref = world["in_review"].reference
    first = client_for(world["users"]["reviewer"]).post(f"/review/cases/{ref}/claim/", HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    assert f'id="claim-{ref}"' in first.content.decode() and "Claimed by you" in first.content.decode()
    second = client_for(world["users"]["reviewer2"]).post(f"/review/cases/{ref}/claim/", HTTP_HX_REQUEST="true")
    html = second.content.decode()
    assert "Another reviewer is working on this case." in html and world["users"]["reviewer"].username in html
    assert Case.objects.get(reference=ref).claimed_by == world["users"]["reviewer"]
    released = client_for(world["users"]["reviewer"]).post(f"/review/cases/{ref}/release/")
    assert released.status_code == 302
    assert Case.objects.get(reference=ref).claimed_by_id is None


def test_workspace_starts_neutral_and_fills_the_chosen_template_in_the_reviewers_language(world):
    ref = world["in_review"].reference
    html = client_for(world["users"]["reviewer"], "zh-hans").get(f"/review/cases/{ref}/").content.decode()
    assert ">领取</button>" in html  # the claim button, in Chinese
    client = client_for(world["users"]["reviewer"], "en")
    client.post(f"/review/cases/{ref}/claim/")
    html = client.get(f"/review/cases/{ref}/").content.decode()
    version = world["in_review"].rulebook_version
    filled = f"The goods of order O-2 were expired on delivery (Expired goods, rulebook version {version})."
    # Neutral: no outcome ticked, no template chosen, the statement empty.
    assert filled not in html
    assert 'name="outcome" value="upheld" required id="decide_outcome_0" checked' not in html
    assert "checked" not in html.split('id="decision-form"')[1].split("</fieldset>")[0]
    template = StatementTemplate.objects.get(category="expired_goods", language="en")
    assert f'<option value="{template.pk}" data-outcome="upheld" >' in html
    # Chosen (the no-script form, or the outcome's first template through htmx), it is filled in.
    assert filled in client.get(f"/review/cases/{ref}/?template={template.pk}").content.decode()
    assert filled in client.get(f"/review/cases/{ref}/template/?template={template.pk}").content.decode()
    assert world["waiting"].reference in html  # another case against the same merchant and listing, linked
    sha = world["in_review"].evidence.get().sha256
    assert sha in html  # the full hash in the gallery


def test_deciding_without_a_claim_says_so_and_keeps_the_statement(world):
    ref = world["in_review"].reference
    response = client_for(world["users"]["reviewer"]).post(
        f"/review/cases/{ref}/decide/",
        {"outcome": "upheld", "reason_codes": ["violation_established"], "statement": "My careful reasons here."},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Claim the case before deciding it" in html and "My careful reasons here." in html
    assert not Decision.objects.filter(case__reference=ref).exists()


def test_reviewer_decides_with_an_edited_template_statement(world):
    ref = world["in_review"].reference
    client = client_for(world["users"]["reviewer"])
    client.post(f"/review/cases/{ref}/claim/")
    response = client.post(
        f"/review/cases/{ref}/decide/",
        {
            "outcome": "upheld",
            "reason_codes": ["violation_established"],
            "remedy": "refund",
            "statement": "The goods of order O-2 were expired on delivery. The merchant gave no batch record.",
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get(case__reference=ref)
    assert decision.outcome == "upheld" and decision.statement["facts"].endswith("no batch record.")
    page = client.get(f"/review/cases/{ref}/").content.decode()
    assert "The merchant gave no batch record." in page and 'name="statement"' not in page


def test_decision_form_refuses_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["reviewer"])
    assert client.post(f"/review/cases/{world['in_review'].reference}/claim/").status_code == 403


def test_the_review_console_escapes_what_parties_wrote(world):
    ref = world["waiting"].reference
    html = client_for(world["users"]["reviewer"]).get(f"/review/cases/{ref}/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_no_template_syntax_leaks_into_the_pages(world):
    """A multi-line {# #} comment is not a comment in Django templates: it would show on the page."""
    ref = world["in_review"].reference
    pages = [
        (world["users"]["reviewer"], "/review/"),
        (world["users"]["reviewer"], f"/review/cases/{ref}/"),
        (world["users"]["supervisor"], "/review/supervisor/"),
        (world["users"]["merchant"], "/merchant/"),
        (world["users"]["merchant"], f"/merchant/cases/{world['waiting'].reference}/"),
        (world["users"]["merchant"], "/merchant/standing/"),
    ]
    for user, path in pages:
        html = client_for(user).get(path).content.decode()
        assert "{#" not in html and "{%" not in html and "{{" not in html, path


def test_overdue_while_waiting_for_evidence_means_the_evidence_deadline(world):
    client = client_for(world["users"]["reviewer"])
    waiting = world["other_case"]  # not as described, filed without files: waiting for evidence
    assert Case.objects.get(pk=waiting.pk).state == "needs_evidence"
    assert waiting.reference not in client.get("/review/?state=needs_evidence&overdue=1").content.decode()
    Case.objects.filter(pk=waiting.pk).update(evidence_due_at=timezone.now() - timedelta(hours=1))
    html = client.get("/review/?state=needs_evidence&overdue=1").content.decode()
    assert waiting.reference in html and "1 hour overdue" in html


def test_partly_upheld_refund_without_an_amount_is_refused_on_the_amount_field(world):
    ref = world["in_review"].reference
    client = client_for(world["users"]["reviewer"])
    client.post(f"/review/cases/{ref}/claim/")
    response = client.post(
        f"/review/cases/{ref}/decide/",
        {"outcome": "partly_upheld", "reason_codes": ["partly_established"], "remedy": "refund", "statement": "Half."},
    )
    assert response.status_code == 422 and not Decision.objects.filter(case__reference=ref).exists()
    response = client.post(
        f"/review/cases/{ref}/decide/",
        {
            "outcome": "partly_upheld",
            "reason_codes": ["partly_established"],
            "remedy": "refund",
            "statement": "Half of the jars were expired.",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422 and "A partly upheld refund needs the amount to refund." in html
    assert 'id="decide_remedy_amount"' in html and "Half of the jars were expired." in html
    response = client.post(
        f"/review/cases/{ref}/decide/",
        {
            "outcome": "partly_upheld",
            "reason_codes": ["partly_established"],
            "remedy": "refund",
            "remedy_amount": "194.50",
            "statement": "Half of the jars were expired.",
        },
    )
    assert response.status_code == 302
    assert str(Decision.objects.get(case__reference=ref).remedy_amount) == "194.50"


def test_supervisor_view_shows_open_monitoring_flags_with_their_figures(world):
    from plaint.monitoring.models import MonitoringFlag

    MonitoringFlag.objects.create(
        merchant=world["shop"],
        reason="spike",
        raised_at=timezone.now(),
        figures={
            "window_days": 30,
            "orders": 400,
            "reports": 24,
            "report_rate_per_1000": 60.0,
            "baseline_rate_per_1000": 8.5,
            "decided": 10,
            "upheld": 7,
            "upheld_rate": 0.7,
        },
    )
    html = client_for(world["users"]["supervisor"]).get("/review/supervisor/").content.decode()
    assert "Sudden rise in reports" in html
    assert "60.0 reports per 1,000 orders (own baseline 8.5): 24 reports on 400 orders in 30 days." in html
    assert "Upheld rate 0.7 (7 of 10 decided)." in html
    assert f"/review/?merchant={world['shop'].pk}" in html


def test_queue_opens_a_case_by_its_reference(world):
    ref = world["in_review"].reference
    response = client_for(world["users"]["reviewer"]).get("/review/", {"ref": f" {ref.lower()} "})
    assert response.status_code == 302 and response["Location"] == f"/review/cases/{ref}/"


@pytest.mark.parametrize(
    ("language", "captured"), [("zh-hans", "2026年11月20日 10:16"), ("en", "Nov. 20, 2026, 10:16 a.m.")]
)
def test_workspace_writes_dates_the_way_the_language_does(world, language, captured):
    case = world["in_review"]
    client = client_for(world["users"]["reviewer"], language)
    client.post(f"/review/cases/{case.reference}/claim/")
    case.refresh_from_db()
    delivered = timezone.localtime(case.report.order.delivered_at)
    with translation.override(language):
        delivered_text = formats.date_format(delivered, "DATETIME_FORMAT")
        until = formats.date_format(timezone.localtime(case.claim_expires_at), "TIME_FORMAT")
    html = client.get(f"/review/cases/{case.reference}/").content.decode()
    assert captured in html  # the photo's capture time (EXIF 2026:11:20 10:16:30)
    assert delivered_text in html and f"{delivered:%Y-%m-%d %H:%M}" not in html
    assert until in html


def test_next_case_button_claims_the_head_of_the_filtered_queue_and_opens_it(world):
    ref = world["in_review"].reference
    client = client_for(world["users"]["reviewer"])
    html = client.get("/review/?category=expired_goods").content.decode()
    assert 'action="/review/next/"' in html and 'name="category" value="expired_goods"' in html
    assert ">Next case</button>" in html
    assert ">下一个案件</button>" in client_for(world["users"]["reviewer2"], "zh-hans").get("/review/").content.decode()
    # Filters that match nothing claim nothing and say so.
    empty = client.post("/review/next/", {"category": "counterfeit"}, follow=True)
    assert "No unclaimed case matches these filters." in empty.content.decode()
    assert empty.redirect_chain[-1][0] == "/review/?category=counterfeit"
    assert Case.objects.get(reference=ref).claimed_by_id is None
    opened = client.post("/review/next/", {"category": "expired_goods"}, follow=True)
    assert opened.redirect_chain[-1][0] == f"/review/cases/{ref}/"
    assert f"You claimed {ref}, the most urgent case waiting." in opened.content.decode()
    assert Case.objects.get(reference=ref).claimed_by == world["users"]["reviewer"]
    # The other reviewer's next case is not the one just claimed: nothing else is in review.
    other = client_for(world["users"]["reviewer2"]).post("/review/next/", follow=True)
    assert "No unclaimed case matches these filters." in other.content.decode()
    assert client.get("/review/next/").status_code == 302  # a GET claims nothing


def test_next_case_is_refused_to_parties_and_agents(world):
    for role in ("consumer", "merchant", "agent"):
        assert client_for(world["users"][role]).post("/review/next/").status_code == 403
    assert Case.objects.get(pk=world["in_review"].pk).claimed_by_id is None


def test_after_a_decision_the_workspace_offers_the_next_case(world):
    ref = world["in_review"].reference
    client = client_for(world["users"]["reviewer"])
    client.post(f"/review/cases/{ref}/claim/")
    assert ">Next case</button>" not in client.get(f"/review/cases/{ref}/").content.decode()  # deciding first
    client.post(
        f"/review/cases/{ref}/decide/",
        {"outcome": "not_upheld", "reason_codes": ["insufficient_evidence"], "statement": "No batch record shown."},
    )
    assert ">Next case</button>" in client.get(f"/review/cases/{ref}/").content.decode()
