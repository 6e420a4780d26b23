"""The merchant portal's pages: who may open them, what the merchant sees, answering, escaping, CSRF."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.html import Element, parse_html
from django.utils import formats, timezone, translation

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


def _find(node, **attrs) -> list[Element]:
    """Return the elements under `node` (itself included) having all of `attrs` (data_x for data-x; True: present)."""
    wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
    found = []
    if isinstance(node, Element):
        have = dict(node.attributes)
        if all(name in have and (value is True or have[name] == value) for name, value in wanted.items()):
            found.append(node)
        for child in node.children:
            found.extend(_find(child, **attrs))
    return found


def _answer_page(world, language="en") -> str:
    page = client_for(world["users"]["merchant"], language).get(f"/merchant/cases/{world['waiting'].reference}/")
    assert page.status_code == 200
    return page.content.decode()


def test_rectification_plan_box_belongs_to_the_rectify_answer_only(world):
    html = _answer_page(world)
    (part,) = _find(parse_html(html), data_show_when="kind", data_show_value="rectify")
    assert _find(part, name="rectification_plan")  # the plan box is inside the part shown for "rectify"
    assert not _find(part, name="explanation") and not _find(part, name="evidence")
    # Without script the box stays, and says whom it is for; with script it follows the choice.
    assert "Only when you propose rectification" in str(part)
    assert "web/show_when.js" in html
    assert 'value="rectify"' in html and 'name="kind"' in html


def test_rectify_answer_still_needs_a_plan_and_other_answers_drop_a_stray_one(world):
    ref = world["waiting"].reference
    merchant = client_for(world["users"]["merchant"])
    refused = merchant.post(
        f"/merchant/cases/{ref}/",
        {"kind": "rectify", "explanation": "We will relabel.", "rectification_plan": "   ", "evidence_kind": "other"},
    )
    assert refused.status_code == 422 and "Describe the rectification you propose." in refused.content.decode()
    assert Case.objects.get(reference=ref).state == "awaiting_merchant"
    sent = merchant.post(
        f"/merchant/cases/{ref}/",
        {
            "kind": "contest",
            "explanation": "Not expired.",
            "rectification_plan": "typed, then hidden",
            "evidence_kind": "other",
        },
    )
    assert sent.status_code == 302
    case = Case.objects.get(reference=ref)
    assert case.state == "awaiting_review"
    assert [r.rectification_plan for r in case.responses.all()] == [""]


def test_counter_evidence_picker_is_labelled_in_the_pages_language(world):
    html = _answer_page(world, "zh-hans")
    tree = parse_html(html)
    (field,) = _find(tree, type="file", name="evidence")
    (zone,) = _find(tree, data_dropzone=True)
    assert _find(zone, type="file", name="evidence")  # the input sits in the zone that script dresses up
    (pick,) = _find(zone, data_pick=True)
    assert pick.name == "label" and dict(pick.attributes)["for"] == dict(field.attributes)["id"]
    assert str(pick.children[0]).strip() == "选择文件"
    assert "web/upload.js" in html
    english = parse_html(_answer_page(world, "en"))
    (pick,) = _find(english, data_pick=True)
    assert str(pick.children[0]).strip() == "Choose files"


@pytest.mark.parametrize(
    ("language", "captured"), [("zh-hans", "2026年11月20日 10:16"), ("en", "Nov. 20, 2026, 10:16 a.m.")]
)
def test_merchant_pages_write_dates_the_way_the_language_does(world, language, captured):
    case = world["waiting"]
    with translation.override(language):
        filed = formats.date_format(timezone.localtime(case.opened_at), "DATE_FORMAT")
        due = formats.date_format(timezone.localtime(case.response_due_at), "DATETIME_FORMAT")
    home = client_for(world["users"]["merchant"], language).get("/merchant/").content.decode()
    assert filed in home and due in home
    assert f"{timezone.localtime(case.response_due_at):%Y-%m-%d %H:%M}" not in home
    page = _answer_page(world, language)
    assert captured in page  # the photo's capture time (EXIF 2026:11:20 10:16:30)
    assert due in page and "2026-11-20 10:16" not in page
