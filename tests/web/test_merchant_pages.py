"""The merchant portal's pages: who may open them, what the merchant sees, answering, escaping, CSRF."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from plaint.cases.models import Case
from plaint.evidence.models import Evidence
from tests import factories as f
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


def test_merchant_home_lists_only_own_cases_waiting_for_an_answer(world):
    page = client_for(world["users"]["merchant"]).get("/merchant/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world["waiting"].reference in html
    assert world["in_review"].reference not in html  # answered already: not in "waiting for your answer"
    assert world["other_case"].reference not in html
    everything = client_for(world["users"]["merchant"]).get("/merchant/?show=all").content.decode()
    assert world["in_review"].reference in everything and world["other_case"].reference not in everything


def test_merchant_case_page_hides_contact_details_and_escapes_the_report(world):
    page = client_for(world["users"]["merchant"]).get(f"/merchant/cases/{world['waiting'].reference}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "13800000000" not in html and "c1@example.cn" not in html and "李娜" not in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="explanation"' in html
    assert '<label for="answer_id_explanation">' in html or 'for="answer_explanation"' in html


def test_another_merchants_case_is_not_found(world):
    page = client_for(world["users"]["other_merchant"]).get(f"/merchant/cases/{world['waiting'].reference}/")
    assert page.status_code == 404
    assert "过期了".encode() not in page.content and b"Tokyo Beauty" not in page.content  # nothing leaks
    posted = client_for(world["users"]["other_merchant"]).post(
        f"/merchant/cases/{world['waiting'].reference}/", {"kind": "accept", "explanation": "ok"}
    )
    assert posted.status_code == 404
    assert Case.objects.get(pk=world["waiting"].pk).state == "awaiting_merchant"


@pytest.mark.parametrize("role", ["consumer", "reviewer", "agent"])
def test_other_roles_are_refused_the_merchant_portal(world, role):
    client = client_for(world["users"][role])
    assert client.get("/merchant/").status_code == 403
    assert client.get(f"/merchant/cases/{world['waiting'].reference}/").status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(world):
    response = Client().get("/merchant/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_merchant_contests_with_counter_evidence(world):
    ref = world["waiting"].reference
    response = client_for(world["users"]["merchant"]).post(
        f"/merchant/cases/{ref}/",
        {
            "kind": "contest",
            "explanation": "发货时在保质期内。",
            "evidence_kind": "other",
            "evidence": [
                SimpleUploadedFile("waybill.jpg", f.jpeg("gray"), "image/jpeg"),
                SimpleUploadedFile("batch.jpg", f.jpeg("blue"), "image/jpeg"),
            ],
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(reference=ref)
    assert case.state == "awaiting_review"
    assert Evidence.objects.filter(case=case, party="merchant").count() == 2
    page = client_for(world["users"]["merchant"]).get(f"/merchant/cases/{ref}/").content.decode()
    assert "发货时在保质期内。" in page and 'name="explanation"' not in page  # answered: no second form


def test_rectification_without_a_plan_is_refused_and_keeps_the_text(world):
    ref = world["waiting"].reference
    response = client_for(world["users"]["merchant"]).post(
        f"/merchant/cases/{ref}/",
        {"kind": "rectify", "explanation": "We will relabel the batch.", "evidence_kind": "other"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Describe the rectification you propose." in html
    assert "We will relabel the batch." in html  # nothing the merchant typed is lost
    assert Case.objects.get(reference=ref).state == "awaiting_merchant"


def test_answer_form_refuses_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["merchant"])
    response = client.post(f"/merchant/cases/{world['waiting'].reference}/", {"kind": "accept", "explanation": "ok"})
    assert response.status_code == 403
    assert Case.objects.get(pk=world["waiting"].pk).state == "awaiting_merchant"


def test_merchant_pages_are_in_chinese_for_a_chinese_user(world):
    html = client_for(world["users"]["merchant"], "zh-hans").get("/merchant/").content.decode()
    assert "等待您答复" in html
    html = client_for(world["users"]["merchant"], "en").get("/merchant/").content.decode()
    assert "Waiting for your answer" in html


def test_standing_page_uses_the_layout_and_is_refused_to_consumers(world):
    assert client_for(world["users"]["merchant"]).get("/merchant/standing/").status_code == 200
    assert client_for(world["users"]["consumer"]).get("/merchant/standing/").status_code == 403
