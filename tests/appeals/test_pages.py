"""Appeals through the pages (Django's test client): the parties' forms and views, the supervisor's
reconsideration page, every refusal and who may see and do what."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.models import Appeal
from plaint.enforcement.models import PointEntry
from tests import factories as f

from .conftest import decided

pytestmark = pytest.mark.django_db


def signed_in(user, language: str = "en") -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def photo(name: str = "label.jpg", color: str = "blue") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f.jpeg(color), content_type="image/jpeg")


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_consumer_reads_the_appeal_open_to_them_and_appeals_with_a_new_photo(world):
    case = decided(world, "not_upheld")
    ref = case.reference
    consumer = signed_in(world["consumer"])
    html = page(consumer, f"/consumer/cases/{ref}/")
    closes = timezone.localtime(case.decisions.get().decided_at + timedelta(days=15))
    # The first statement names the appeal really open to the consumer, with its deadline (v2: 15 days).
    assert "The outcome of the decision: you may appeal until" in html
    assert f"{closes:%Y}" in html and 'id="appeal-form"' in html
    assert "The merchant may appeal" not in html.split('class="appeal-offer"')[1].split("</dd>")[0]
    response = consumer.post(
        f"/consumer/cases/{ref}/appeal/",
        {
            "appealed": "outcome",
            "grounds": "新拍的标签照片显示批号不符。",
            "evidence": [photo()],
            "evidence_kind_all": "photo_of_product",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/consumer/cases/{ref}/"
    appeal = Appeal.objects.get(case=case)
    assert (appeal.party, appeal.appealed, appeal.state) == ("reporter", "outcome", "answer_window")
    [evidence] = case.evidence.filter(pk__in=appeal.evidence_ids)
    assert (evidence.original_name, evidence.kind) == ("label.jpg", "photo_of_product")
    html = page(consumer, f"/consumer/cases/{ref}/")
    assert "Your appeal" in html and "Under appeal" in html
    assert "Waiting for the other party&#x27;s answer" in html and "answer due by" in html
    assert "Reconsideration by a supervisor who did not take the first decision" in html
    assert "Your side appealed this decision on" in html  # the statement says so instead of the offer
    assert 'id="appeal-form"' not in html and "label.jpg" in html


def test_a_refused_appeal_keeps_what_was_typed_and_the_files(world):
    case = decided(world, "not_upheld")
    ref = case.reference
    consumer = signed_in(world["consumer"])
    empty = consumer.post(
        f"/consumer/cases/{ref}/appeal/",
        {"appealed": "outcome", "grounds": " ", "evidence": [photo()], "evidence_kind_all": "photo_of_product"},
    )
    html = empty.content.decode()
    assert empty.status_code == 422
    assert "The appeal was not filed" in html and "This field is required." in html
    assert "Files kept from the last attempt" in html and "label.jpg" in html
    token = html.split('name="held" value="')[1].split('"')[0]
    assert not Appeal.objects.exists()
    # The next attempt sends the kept file without choosing it again.
    again = consumer.post(
        f"/consumer/cases/{ref}/appeal/",
        {"appealed": "outcome", "grounds": "标签批号不符。", "held": token, "keep_held": ["0"]},
    )
    assert again.status_code == 302
    appeal = Appeal.objects.get()
    assert case.evidence.get(pk__in=appeal.evidence_ids).original_name == "label.jpg"


def test_a_bad_file_is_refused_and_the_appeal_kept(world):
    case = decided(world, "not_upheld")
    consumer = signed_in(world["consumer"])
    bad = SimpleUploadedFile("broken.jpg", b"\xff\xd8\xff not really a jpeg", content_type="image/jpeg")
    response = consumer.post(
        f"/consumer/cases/{case.reference}/appeal/",
        {"appealed": "outcome", "grounds": "批号不符。", "evidence": [bad], "evidence_kind_all": "photo_of_product"},
        follow=True,
    )
    html = response.content.decode()
    assert Appeal.objects.get().evidence_ids == []
    assert "Files that were not accepted" in html and "broken.jpg" in html


def test_after_the_window_the_appeal_is_refused_with_its_dates_and_the_grounds_kept(world, time_machine):
    case = decided(world, "not_upheld")
    time_machine.move_to(timezone.now() + timedelta(days=16))
    consumer = signed_in(world["consumer"])  # signed in now: a session from 16 days ago has expired
    html = page(consumer, f"/consumer/cases/{case.reference}/")
    assert "The window to appeal this decision closed on" in html and 'id="appeal-form"' not in html
    late = consumer.post(
        f"/consumer/cases/{case.reference}/appeal/", {"appealed": "outcome", "grounds": "我的理由写在这里。"}
    )
    html = late.content.decode()
    assert late.status_code == 409
    assert "The window to appeal was from" in html and "it has closed" in html
    assert "我的理由写在这里。" in html  # what was typed is on the page again
    assert not Appeal.objects.exists()


def test_a_second_appeal_names_the_first(world):
    case = decided(world, "partly_upheld", remedy="refund", remedy_amount="100.00")
    agent = signed_in(world["agent"])
    assert (
        agent.post(
            f"/agent/cases/{case.reference}/appeal/", {"appealed": "remedy", "grounds": "退款不足。"}
        ).status_code
        == 302
    )
    first = Appeal.objects.get()
    assert first.filed_by == world["agent"] and first.party == "reporter"
    consumer = signed_in(world["consumer"])
    second = consumer.post(
        f"/consumer/cases/{case.reference}/appeal/", {"appealed": "outcome", "grounds": "应全部支持。"}
    )
    assert second.status_code == 409
    assert f"Your side already appealed this decision (appeal {first.pk})" in second.content.decode()


def test_the_merchant_answers_once_and_strangers_see_nothing(world):
    case = decided(world, "not_upheld")
    ref = case.reference
    appeal = actions.file_appeal(world["consumer"], case, "outcome", "标签批号不符。").appeal
    merchant = signed_in(world["staff"])
    html = page(merchant, f"/merchant/cases/{ref}/")
    assert "Appeal by The reporter" in html and "标签批号不符。" in html and "Answer the appeal" in html
    assert "Under appeal" in html
    url = f"/merchant/cases/{ref}/appeals/{appeal.pk}/answer/"
    # Strangers: another merchant, another consumer, the appellant itself.
    stranger = signed_in(world["stranger"])
    assert stranger.get(f"/merchant/cases/{ref}/").status_code == 404
    assert stranger.post(url, {"answer": "x"}).status_code == 404
    own = signed_in(world["consumer"]).post(
        f"/consumer/cases/{ref}/appeals/{appeal.pk}/answer/", {"answer": "我自己答复。"}
    )
    assert own.status_code == 403 and "You filed this appeal; the other party answers it." in own.content.decode()
    assert signed_in(world["reviewer"]).get(f"/merchant/cases/{ref}/").status_code == 403

    empty = merchant.post(url, {"answer": ""})
    assert empty.status_code == 422 and "The answer was not sent" in empty.content.decode()
    sent = merchant.post(
        url, {"answer": "批号与报关单一致。", "evidence": [photo("customs.jpg")], "evidence_kind_all": "other"}
    )
    assert sent.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == "awaiting_decision" and appeal.answer == "批号与报关单一致。"
    assert case.evidence.get(pk__in=appeal.answer_evidence_ids).original_name == "customs.jpg"
    again = merchant.post(url, {"answer": "再答复一次。"})
    assert again.status_code == 409 and "The appeal is no longer waiting for an answer" in again.content.decode()
    html = page(signed_in(world["consumer"]), f"/consumer/cases/{ref}/")
    assert "批号与报关单一致。" in html and "customs.jpg" in html and "Awaiting the decision" in html


def test_another_consumer_cannot_see_the_case_or_appeal(world):
    case = decided(world, "not_upheld")
    f.order(world["shop"], "C2", external_id="O-C2")
    other = signed_in(f.consumer_user("C2"))
    assert other.get(f"/consumer/cases/{case.reference}/").status_code == 404
    assert (
        other.post(f"/consumer/cases/{case.reference}/appeal/", {"appealed": "outcome", "grounds": "x"}).status_code
        == 404
    )
    assert not Appeal.objects.exists()


def test_a_supervisor_reconsiders_and_overturns_and_both_parties_read_the_reasons(world):
    case = decided(world, "not_upheld")
    ref = case.reference
    appeal = actions.file_appeal(world["consumer"], case, "outcome", "标签批号不符。").appeal
    actions.answer_appeal(world["staff"], appeal, "批号一致。")
    supervisor = signed_in(world["supervisor"])
    html = page(supervisor, "/review/supervisor/")
    assert "Appeals awaiting reconsideration" in html and f"/review/appeals/{appeal.pk}/" in html
    assert signed_in(world["reviewer"]).get(f"/review/appeals/{appeal.pk}/").status_code == 403
    assert signed_in(world["staff"]).get(f"/review/appeals/{appeal.pk}/").status_code == 403
    assert supervisor.get("/review/appeals/999999/").status_code == 404
    html = page(supervisor, f"/review/appeals/{appeal.pk}/")
    assert "标签批号不符。" in html and "批号一致。" in html and "Decision: Not upheld" in html
    assert "Reconsider the decision" in html and "p.jpg" in html  # the dossier's evidence
    # Varied with nothing changed, and reasons too short: refused in place.
    vague = supervisor.post(f"/review/appeals/{appeal.pk}/", {"result": "varied", "reasons": "Some change here."})
    assert vague.status_code == 422 and "Say what the variation changes" in vague.content.decode()
    short = supervisor.post(f"/review/appeals/{appeal.pk}/", {"result": "overturned", "reasons": "short"})
    assert short.status_code == 422 and "The appeal was not decided" in short.content.decode()
    done = supervisor.post(
        f"/review/appeals/{appeal.pk}/",
        {"result": "overturned", "reasons": "新照片显示批号与报关单不符，举报成立。"},
    )
    assert done.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.state, appeal.result) == ("decided", "overturned")
    assert PointEntry.objects.filter(case=case, revoked_at__isnull=True).exists()  # the merchant got the points
    for user in (world["consumer"], world["staff"]):
        path = f"/consumer/cases/{ref}/" if user.role == Role.CONSUMER else f"/merchant/cases/{ref}/"
        html = page(signed_in(user), path)
        assert "Decision on the appeal: the decision is overturned" in html
        assert "新照片显示批号与报关单不符，举报成立。" in html and "12315" in html
        assert "This decision was taken on appeal and is final on the platform" in html
    chinese = page(signed_in(world["consumer"], "zh-hans"), f"/consumer/cases/{ref}/")
    assert "申诉决定：撤销原决定" in chinese
    # Decided: the page shows the statement, no form; a second decision is refused.
    html = page(supervisor, f"/review/appeals/{appeal.pk}/")
    assert "Reconsider the decision" not in html and "新照片显示批号与报关单不符" in html
    twice = supervisor.post(
        f"/review/appeals/{appeal.pk}/", {"result": "confirmed", "reasons": "再决定一次，维持原决定。"}
    )
    assert twice.status_code == 409


def test_the_supervisor_who_took_the_first_decision_is_told_why_not(world):
    case = decided(world | {"reviewer": world["supervisor"]}, "not_upheld")
    appeal = actions.file_appeal(world["consumer"], case, "outcome", "标签批号不符。").appeal
    actions.answer_appeal(world["staff"], appeal, "批号一致。")
    english = signed_in(world["supervisor"]).get(f"/review/appeals/{appeal.pk}/")
    assert english.status_code == 403
    assert "You took the first decision on this case, so you cannot reconsider it" in english.content.decode()
    chinese = signed_in(world["supervisor"], "zh-hans").get(f"/review/appeals/{appeal.pk}/")
    assert chinese.status_code == 403 and "您作出了本案的原决定" in chinese.content.decode()
    post = signed_in(world["supervisor"]).post(
        f"/review/appeals/{appeal.pk}/", {"result": "overturned", "reasons": "我自己改正原决定。"}
    )
    assert post.status_code == 403
    appeal.refresh_from_db()
    assert appeal.state == "awaiting_decision"
    assert (
        page(signed_in(world["other_supervisor"]), f"/review/appeals/{appeal.pk}/").count("Reconsider the decision")
        == 1
    )


def test_the_merchant_appeals_points_from_the_general_form_and_the_old_url_files_the_penalty(world):
    case = decided(world, "upheld")
    ref = case.reference
    merchant = signed_in(world["staff"])
    html = page(merchant, f"/merchant/cases/{ref}/")
    for what in ("The outcome of the decision", "The remedy", "The violation points", "The measures", "(the penalty)"):
        assert what in html
    # The old penalty form posted only the grounds: with several things open, it appeals the penalty.
    assert merchant.post(f"/merchant/cases/{ref}/appeal/", {"grounds": "扣分过重。"}).status_code == 302
    appeal = Appeal.objects.get()
    assert (appeal.party, appeal.appealed, appeal.state) == ("merchant", "penalty", "awaiting_decision")
    # Points appeals are not answered: the consumer reads it, with no answer form.
    html = page(signed_in(world["consumer"]), f"/consumer/cases/{ref}/")
    assert "Appeal by The merchant" in html and "Answer the appeal" not in html
    supervisor = signed_in(world["other_supervisor"])
    varied = supervisor.post(
        f"/review/appeals/{appeal.pk}/", {"result": "varied", "points": "1", "reasons": "扣分减为 1 分，情节较轻。"}
    )
    assert varied.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.result, appeal.variation) == ("varied", {"points": 1})
    assert sum(PointEntry.objects.filter(case=case, revoked_at__isnull=True).values_list("points", flat=True)) == 1
