"""The reviewer's workbench pages (issue 17, item 8): the evidence request, the neutral decision form and
its warnings, errors in place, search, saved filters, internal notes (never the parties'), reassignment
and bulk claim by supervisors only. The API's side of notes and reassignment too."""

import json

import pytest

from plaint.cases.models import Case, SavedQueueFilter
from plaint.marketplace.models import Consumer
from tests import factories as f
from tests.api_client import ApiClient
from tests.web import casework_world
from tests.web.test_review_pages import client_for

pytestmark = pytest.mark.django_db
NOTE = "Internal: the owner of the shop called twice, sounded evasive."


@pytest.fixture
def world():
    return casework_world.build()


def test_the_reviewer_asks_for_more_evidence_from_the_page(world):
    ref = world["in_review"].reference
    client = client_for(world["users"]["reviewer"])
    client.post(f"/review/cases/{ref}/claim/")
    html = client.get(f"/review/cases/{ref}/").content.decode()
    assert 'id="more-evidence"' in html and 'name="kinds" value="inspection_report"' in html
    # Nothing ticked, a short note: both errors at the top and beside their fields, the note kept.
    response = client.post(f"/review/cases/{ref}/request-evidence/", {"note": "pls"})
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count("data-error-summary") == 1 and 'href="#more_kinds_0"' in html and 'href="#more_note"' in html
    assert "pls</textarea>" in html
    assert Case.objects.get(reference=ref).state == "awaiting_review"
    response = client.post(
        f"/review/cases/{ref}/request-evidence/",
        {"kinds": ["inspection_report"], "note": "Please send the inspection report of the batch."},
    )
    assert response.status_code == 302
    case = Case.objects.get(reference=ref)
    assert case.state == "needs_evidence" and case.admissibility["review_request"]["kinds"] == ["inspection_report"]
    assert case.claimed_by == world["users"]["reviewer"]


def test_a_reviewer_without_the_claim_cannot_ask_for_evidence(world):
    ref = world["in_review"].reference
    client_for(world["users"]["reviewer2"]).post(f"/review/cases/{ref}/claim/")
    response = client_for(world["users"]["reviewer"]).post(
        f"/review/cases/{ref}/request-evidence/", {"kinds": ["inspection_report"], "note": "Need the report."}
    )
    assert response.status_code == 422
    assert "Claim the case before" in response.content.decode()
    assert Case.objects.get(reference=ref).state == "awaiting_review"


def test_the_decision_form_warns_of_photos_taken_before_delivery_and_keeps_the_place(world):
    ref = world["in_review"].reference  # its photo was taken on 20 November, delivered two days ago
    client = client_for(world["users"]["reviewer"])
    client.post(f"/review/cases/{ref}/claim/")
    html = client.get(f"/review/cases/{ref}/").content.decode()
    assert 'data-warning="photos_before_delivery"' in html
    assert 'data-show-value="upheld partly_upheld"' in html and "expiry.jpg" in html
    # Errors come back at the top and beside the field; the form is where it was (#decide) and keeps the text.
    response = client.post(
        f"/review/cases/{ref}/decide/", {"reason_codes": ["violation_established"], "statement": "My reasons, typed."}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'action="/review/cases/{ref}/decide/#decide"' in html
    assert 'href="#decide_outcome_0"' in html and "My reasons, typed." in html


def test_internal_notes_are_on_staff_pages_only_never_the_parties_pages_or_api(world):
    case = world["in_review"]
    ref = case.reference
    staff = client_for(world["users"]["reviewer"])
    assert staff.post(f"/review/cases/{ref}/notes/", {"note": NOTE}).status_code == 302
    assert NOTE in staff.get(f"/review/cases/{ref}/").content.decode()
    assert NOTE in client_for(world["users"]["supervisor"]).get(f"/review/cases/{ref}/").content.decode()
    consumer, merchant = world["users"]["consumer"], world["users"]["merchant"]
    for page in (
        client_for(consumer).get(f"/consumer/cases/{ref}/"),
        client_for(merchant).get(f"/merchant/cases/{ref}/"),
    ):
        assert page.status_code == 200
        assert NOTE not in page.content.decode() and "internal note" not in page.content.decode().lower()
    for user in (consumer, merchant):
        api = ApiClient(f.token(user))
        body = api.get(f"/cases/{ref}").content.decode()
        assert ref in body and NOTE not in body
        assert NOTE not in api.get(f"/cases/{ref}/timeline").content.decode()
        assert api.get(f"/review/cases/{ref}/notes").status_code == 403
        assert api.post_json(f"/review/cases/{ref}/notes", {"text": "sneak"}).status_code == 403
    # The staff's API reads them.
    notes = ApiClient(f.token(world["users"]["reviewer2"])).get(f"/review/cases/{ref}/notes").json()
    assert [n["text"] for n in notes] == [NOTE]


def test_parties_cannot_post_notes_through_the_page(world):
    ref = world["in_review"].reference
    for role in ("consumer", "merchant", "agent"):
        assert (
            client_for(world["users"][role]).post(f"/review/cases/{ref}/notes/", {"note": "x" * 10}).status_code == 403
        )
    assert not world["in_review"].events.filter(kind="internal_note").exists()


def test_a_supervisor_reassigns_a_claimed_case_a_reviewer_gets_403(world):
    ref = world["in_review"].reference
    client_for(world["users"]["reviewer"]).post(f"/review/cases/{ref}/claim/")
    to = world["users"]["reviewer2"]
    # A reviewer: the page refuses (403), as does the API.
    assert (
        client_for(world["users"]["reviewer2"]).post(f"/review/cases/{ref}/reassign/", {"reviewer": to.pk}).status_code
        == 403
    )
    api = ApiClient(f.token(world["users"]["reviewer"]))
    refused = api.post_json(f"/review/cases/{ref}/reassign", {"reviewer": to.username})
    assert refused.status_code == 403 and refused.json()["code"] == "supervisor_only"
    assert Case.objects.get(reference=ref).claimed_by == world["users"]["reviewer"]
    supervisor = client_for(world["users"]["supervisor"])
    html = supervisor.get(f"/review/cases/{ref}/").content.decode()
    assert 'id="reassign"' in html and f'<option value="{to.pk}">' in html
    assert supervisor.post(f"/review/cases/{ref}/reassign/", {"reviewer": to.pk, "reason": "Load"}).status_code == 302
    case = Case.objects.get(reference=ref)
    assert (
        case.claimed_by == to and case.events.get(kind="reassigned").data["from"] == world["users"]["reviewer"].username
    )
    # The reassignment is on the staff timeline, not the reporter's.
    assert "A supervisor handed the case" in supervisor.get(f"/review/cases/{ref}/").content.decode()
    assert (
        "handed the case" not in client_for(world["users"]["consumer"]).get(f"/consumer/cases/{ref}/").content.decode()
    )
    # Through the API, back again; no such user is 422.
    sup_api = ApiClient(f.token(world["users"]["supervisor"]))
    assert sup_api.post_json(f"/review/cases/{ref}/reassign", {"reviewer": "nobody"}).status_code == 422
    assert (
        sup_api.post_json(
            f"/review/cases/{ref}/reassign", {"reviewer": world["users"]["reviewer"].username}
        ).status_code
        == 200
    )


def test_a_supervisor_claims_several_from_the_queue(world):
    cases = f.queue_cases(3, merchants=[world["shop"]])
    queue = client_for(world["users"]["supervisor"]).get("/review/").content.decode()
    assert 'id="bulk-claim"' in queue and f'value="{cases[0].reference}" form="bulk-claim"' in queue
    assert 'id="bulk-claim"' not in client_for(world["users"]["reviewer"]).get("/review/").content.decode()
    # A reviewer posting it anyway: 403.
    refs = [c.reference for c in cases]
    assert client_for(world["users"]["reviewer"]).post("/review/claim-several/", {"case": refs}).status_code == 403
    client_for(world["users"]["reviewer"]).post(f"/review/cases/{refs[2]}/claim/")
    response = client_for(world["users"]["supervisor"]).post("/review/claim-several/", {"case": refs}, follow=True)
    html = response.content.decode()
    assert "You claimed 2 cases" in html and f"{refs[2]} was not claimed: another reviewer holds it" in html
    assert Case.objects.filter(claimed_by=world["users"]["supervisor"]).count() == 2
    api = ApiClient(f.token(world["users"]["supervisor"]))
    body = api.post_json("/review/claim", {"references": [refs[2], "PL-NONE-NONE"]}).json()
    assert body == {"claimed": [], "refused": {refs[2]: "claimed_by_other", "PL-NONE-NONE": "not_found"}}


def test_search_by_reference_order_phone_and_merchant_and_the_agent_console_by_phone(world):
    Consumer.objects.filter(external_id="C1").update(phone="13800001001")
    client = client_for(world["users"]["reviewer"])
    ref = world["in_review"].reference
    assert client.get("/review/", {"q": ref.lower()})["Location"] == f"/review/cases/{ref}/"
    html = client.get("/review/", {"q": "O-2"}).content.decode()
    assert ref in html and world["waiting"].reference not in html
    html = client.get("/review/", {"q": "138 0000-1001"}).content.decode()
    assert ref in html and world["waiting"].reference in html and world["other_case"].reference in html
    html = client.get("/review/", {"q": "Seoul"}).content.decode()
    assert world["other_case"].reference in html and ref not in html
    assert "No case matches" in client.get("/review/", {"q": "zzz"}).content.decode()
    api = ApiClient(f.token(world["users"]["reviewer"]))
    assert [c["reference"] for c in api.get("/review/search", q="O-2").json()] == [ref]
    assert ApiClient(f.token(world["users"]["consumer"])).get("/review/search", q="O-2").status_code == 403
    agent = client_for(world["users"]["agent"]).get("/agent/", {"q": "138-0000 1001"}).content.decode()
    assert "/agent/consumers/C1/" in agent


def test_saved_filters_on_the_queue_are_the_reviewers_own(world):
    client = client_for(world["users"]["reviewer"])
    assert "Save these filters as" in client.get("/review/?category=expired_goods").content.decode()
    response = client.post("/review/filters/", {"name": "Expired", "query": "category=expired_goods"})
    assert response.status_code == 302 and response["Location"] == "/review/?category=expired_goods"
    saved = SavedQueueFilter.objects.get(user=world["users"]["reviewer"])
    html = client.get("/review/").content.decode()
    assert 'href="/review/?category=expired_goods"' in html and ">Expired</a>" in html
    other = client_for(world["users"]["reviewer2"])
    assert ">Expired</a>" not in other.get("/review/").content.decode()
    assert other.post(f"/review/filters/{saved.pk}/delete/").status_code == 404
    assert client.post(f"/review/filters/{saved.pk}/delete/").status_code == 302
    assert not SavedQueueFilter.objects.exists()
    assert (
        client_for(world["users"]["merchant"]).post("/review/filters/", {"name": "x", "query": "a=b"}).status_code
        == 403
    )


def test_the_workspace_lists_the_keyboard_shortcuts_in_both_languages(world):
    ref = world["in_review"].reference
    en = client_for(world["users"]["reviewer"]).get(f"/review/cases/{ref}/").content.decode()
    assert 'id="shortcuts"' in en and "Keyboard shortcuts" in en and "/static/web/workbench.js" in en
    zh = client_for(world["users"]["reviewer"], "zh-hans").get(f"/review/cases/{ref}/").content.decode()
    assert "键盘快捷键" in zh


def test_notes_json_is_never_in_the_parties_case_json(world):
    ref = world["in_review"].reference
    client_for(world["users"]["supervisor"]).post(f"/review/cases/{ref}/notes/", {"note": NOTE})
    body = json.loads(ApiClient(f.token(world["users"]["consumer"])).get(f"/cases/{ref}").content)
    assert NOTE not in json.dumps(body, ensure_ascii=False)
