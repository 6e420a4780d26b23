"""Consumer portal and agent console through Django's test client: who may open what, CSRF,
escaping, paging, plain-form filing (no script), refused files, withdrawal, nudges, language."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone, translation

from plaint.accounts.models import Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import Case
from plaint.evidence.actions import Upload
from plaint.web.agent import search_consumers
from plaint.web.templatetags.plaint import money
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _file(user, order, description: str = "面霜已过期。", files=None) -> Case:
    data = ReportIn(target_type="order", target_id=order.external_id, category="expired_goods", description=description)
    uploads = files if files is not None else [Upload("e.jpg", factories.jpeg("white"), "photo_of_expiry_date")]
    return actions.file_report(user, data, uploads).case


@pytest.fixture
def world():
    shop = factories.merchant()
    mine = factories.order(shop, "C-ME")
    theirs = factories.order(shop, "C-OTHER")
    me = factories.consumer_user("C-ME")
    other = factories.consumer_user("C-OTHER")
    return {"shop": shop, "order": mine, "other_order": theirs, "me": me, "other": other}


def test_a_consumer_cannot_open_another_consumers_case(world):
    case = _file(world["other"], world["other_order"])
    client = _client(world["me"])
    base = f"/consumer/cases/{case.reference}/"
    assert client.get(base).status_code == 404
    assert client.get(base + "withdraw/").status_code == 404
    assert client.post(base + "withdraw/", {"reason": "x"}).status_code == 404
    assert client.post(base + "nudge/").status_code == 404
    assert client.post(base + "evidence/").status_code == 404
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"
    # The refusal page says nothing about the case, in the reader's language.
    page = client.get(base).content.decode()
    assert case.reference not in page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "这里没有您可以查看的内容" in page


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.MERCHANT, "/agent/"),
        (Role.MERCHANT, "/consumer/"),
        (Role.REVIEWER, "/consumer/report/new/"),
        (Role.CONSUMER, "/agent/"),
        (Role.AGENT, "/consumer/"),
    ],
)
def test_a_role_that_may_not_use_a_portal_gets_the_refusal_page(world, role, path):
    user = world["me"] if role == Role.CONSUMER else factories.user(role)
    response = _client(user).get(path)
    assert response.status_code == 403
    assert "您无法打开此页面" in response.content.decode()


def test_the_refusal_page_is_in_english_for_an_english_user(world):
    merchant_staff = factories.user(Role.MERCHANT, language="en")
    response = _client(merchant_staff).get("/agent/")
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()
    assert "customer-service agent" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(world):
    for path in ("/consumer/", "/consumer/report/new/", "/agent/", "/agent/consumers/C-ME/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_forms_refuse_a_post_without_the_csrf_token(world):
    case = _file(world["me"], world["order"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["me"])
    assert client.post(f"/consumer/cases/{case.reference}/withdraw/", {"reason": "x"}).status_code == 403
    assert client.post("/language/", {"language": "en", "next": "/"}).status_code == 403
    assert (
        client.post("/consumer/report/new/?step=target", {"target": f"order:{world['order'].external_id}"}).status_code
        == 403
    )
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"
    # Every form on the case page carries the token.
    page = client.get(f"/consumer/cases/{case.reference}/").content.decode()
    assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"')


def test_user_text_is_shown_as_text(world):
    case = _file(
        world["me"], world["order"], description='<script>alert("x")</script> 面霜<img src=x onerror=alert(1)>'
    )
    for client, path in [
        (_client(world["me"]), f"/consumer/cases/{case.reference}/"),
        (_client(factories.user(Role.AGENT)), f"/agent/cases/{case.reference}/"),
    ]:
        page = client.get(path).content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
        assert '<script>alert("x")' not in page
        assert "<img src=x" not in page


def test_my_reports_pages_twenty_at_a_time_with_few_queries(world, django_assert_max_num_queries):
    for index in range(25):  # one open report per order and category: 25 orders
        _file(world["me"], factories.order(world["shop"], "C-ME"), description=f"第 {index} 次")
    _file(world["other"], world["other_order"])
    client = _client(world["me"])
    with django_assert_max_num_queries(8):
        first = client.get("/consumer/")
    assert first.context["page"].paginator.count == 25
    assert len(first.context["rows"]) == 20
    second = client.get("/consumer/?page=2")
    assert len(second.context["rows"]) == 5
    assert "第 2 页，共 2 页" in second.content.decode()


def test_filing_without_script_keeps_the_report_when_a_file_is_refused(world):
    client = _client(world["me"])
    order = world["order"]
    assert client.post("/consumer/report/new/?step=target", {"target": f"order:{order.external_id}"}).status_code == 302
    # The category step's partial (htmx) says when the window closes for this order.
    info = client.get("/consumer/report/category-info/?category=expired_goods").content.decode()
    assert "签收后 30 天内" in info and "保质期（生产日期）实拍图" in info
    assert client.post("/consumer/report/new/?step=category", {"category": "expired_goods"}).status_code == 302
    described = client.post("/consumer/report/new/?step=describe", {"description": "过期了", "remedy_wanted": "refund"})
    assert described.status_code == 302
    page = client.get("/consumer/report/new/?step=evidence")
    assert "过期了" in page.content.decode()
    photo = factories.jpeg("white")
    junk = bytes(range(256)) * 4
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/consumer/report/new/?step=submit",
        {
            "idempotency_key": "k-1",
            "evidence_kind_all": "photo_of_expiry_date",
            "evidence": [
                SimpleUploadedFile("expiry.jpg", photo, "image/jpeg"),
                SimpleUploadedFile("photo.jpg", junk, "image/jpeg"),
            ],
        },
    )
    case = Case.objects.get(reporter__external_id="C-ME")
    assert response.status_code == 302 and response["Location"] == f"/consumer/cases/{case.reference}/"
    assert case.state == "awaiting_merchant"
    assert case.evidence.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "photo.jpg" in page and "不接受此类文件" in page
    # The same submit again (a double click) does not make a second case.
    client.post("/consumer/report/new/?step=submit", {"idempotency_key": "k-1"})
    assert Case.objects.filter(reporter__external_id="C-ME").count() == 1


def test_filing_the_same_complaint_again_points_to_the_open_report_and_keeps_the_draft(world):
    client = _client(world["me"])
    client.post("/consumer/report/new/?step=target", {"target": f"order:{world['order'].external_id}"})
    client.post("/consumer/report/new/?step=category", {"category": "expired_goods"})
    client.post("/consumer/report/new/?step=describe", {"description": "又过期了", "remedy_wanted": "refund"})
    # Meanwhile the same matter was filed (by an agent on the phone, say): sending is refused, the
    # draft is kept and the open report named.
    first = _file(world["me"], world["order"])
    response = client.post("/consumer/report/new/?step=submit", {"idempotency_key": "k-dup"}, follow=True)
    page = response.content.decode()
    assert f"同类举报仍在处理中：{first.reference}" in page
    assert "又过期了" in page  # the draft is kept, on the evidence step
    assert Case.objects.filter(reporter__external_id="C-ME").count() == 1
    # The same through the script's request: the error in JSON, in the reader's language.
    response = client.post(
        "/consumer/report/new/?step=submit", {"idempotency_key": "k-dup2"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409 and first.reference in response.json()["error"]
    # Starting again, the category step says so before anything is written, with the way to the open
    # report, and does not go on with that category; another category of the same order does.
    card = client.get("/consumer/report/category-info/?category=expired_goods").content.decode()
    assert f"同类举报仍在处理中：{first.reference}" in card
    assert f'href="/consumer/cases/{first.reference}/"' in card
    assert (
        "data-open-case" not in client.get("/consumer/report/category-info/?category=not_as_described").content.decode()
    )
    refused = client.post("/consumer/report/new/?step=category", {"category": "expired_goods"})
    assert refused.status_code == 200 and f"同类举报仍在处理中：{first.reference}" in refused.content.decode()
    other = client.post("/consumer/report/new/?step=category", {"category": "not_as_described"})
    assert other.status_code == 302 and other["Location"].endswith("step=describe")


def test_filing_skips_no_step(world):
    client = _client(world["me"])
    response = client.get("/consumer/report/new/?step=evidence")
    assert response.status_code == 302 and response["Location"].endswith("step=target")
    client.post("/consumer/report/new/?step=target", {"target": "order:NOT-MINE"})
    assert Case.objects.count() == 0
    other = client.post("/consumer/report/new/?step=target", {"target": f"order:{world['other_order'].external_id}"})
    assert other.status_code == 200 and "请选择一个订单、商品或店铺" in other.content.decode()


def test_withdraw_asks_first_then_withdraws(world):
    case = _file(world["me"], world["order"])
    client = _client(world["me"])
    confirm = client.get(f"/consumer/cases/{case.reference}/withdraw/")
    assert "确认撤回" in confirm.content.decode()
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"
    client.post(f"/consumer/cases/{case.reference}/withdraw/", {"reason": "已和商家协商解决"})
    case.refresh_from_db()
    assert case.state == "withdrawn"
    page = client.get(f"/consumer/cases/{case.reference}/").content.decode()
    assert "举报已撤回" in page and "已和商家协商解决" in page
    assert "撤回举报</a>" not in page


def test_nudge_is_recorded_then_limited(world):
    case = _file(world["me"], world["order"])
    client = _client(world["me"])
    first = client.post(f"/consumer/cases/{case.reference}/nudge/", follow=True).content.decode()
    assert "您的催办已记录在案件中" in first
    second = client.post(f"/consumer/cases/{case.reference}/nudge/", follow=True).content.decode()
    assert "请稍后再催办" in second
    assert case.events.filter(kind="nudged").count() == 1


def test_needs_evidence_case_asks_for_the_missing_kind_and_accepts_it(world):
    case = _file(world["me"], world["order"], files=[])
    assert case.state == "needs_evidence"
    client = _client(world["me"])
    page = client.get(f"/consumer/cases/{case.reference}/").content.decode()
    assert "您的举报需要补充证据" in page and "保质期（生产日期）实拍图" in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.post(
        f"/consumer/cases/{case.reference}/evidence/",
        {
            "evidence": [SimpleUploadedFile("e.jpg", factories.jpeg(), "image/jpeg")],
            "evidence_kind": "photo_of_expiry_date",
        },
    )
    case.refresh_from_db()
    assert case.state == "awaiting_merchant"


def test_anonymous_language_choice_is_a_cookie(world):
    client = Client()
    response = client.post("/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Report a problem with an order" in client.get("/").content.decode()
    client.post("/language/", {"language": "zh-hans", "next": "/"})
    assert "举报订单、商品或店铺的问题" in client.get("/").content.decode()


def test_signed_in_language_follows_the_account_not_the_browser(world):
    world["me"].language = "en"
    world["me"].save()
    client = _client(world["me"])
    page = client.get("/consumer/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "My reports" in page and 'lang="en"' in page


def test_sign_in_page_lists_demo_accounts_only_in_the_demo(settings):
    settings.PLAINT_DEMO = False
    assert "consumer-c-1001" not in Client().get("/accounts/login/").content.decode()
    settings.PLAINT_DEMO = True
    page = Client().get("/accounts/login/").content.decode()
    for username in ("consumer-c-1001", "merchant-tokyo", "agent", "reviewer", "supervisor", "admin"):
        assert username in page


def test_agent_search_matches_exact_ids_and_name_starts_only():
    factories.order(factories.merchant(), "C-9001")  # 李娜, 13800000000, c-9001@example.cn
    assert [c.external_id for c in search_consumers("C-9001")] == ["C-9001"]
    assert [c.external_id for c in search_consumers("13800000000")] == ["C-9001"]
    assert [c.external_id for c in search_consumers("C-9001@EXAMPLE.CN")] == ["C-9001"]
    assert [c.external_id for c in search_consumers("李")] == ["C-9001"]
    assert list(search_consumers("娜")) == []  # not a substring search: that would scan every consumer
    assert list(search_consumers("1380000")) == []
    assert list(search_consumers("  ")) == []


def test_agent_files_for_a_consumer_and_the_channel_and_agent_are_recorded(world):
    agent = factories.user(Role.AGENT)
    client = _client(agent)
    response = client.post(
        "/agent/consumers/C-ME/report/",
        {
            "target": f"order:{world['order'].external_id}",
            "category": "expired_goods",
            "description": "消费者在线咨询：面霜已过期。",
            "remedy_wanted": "refund",
            "channel": "online_chat",
            "channel_reference": "CHAT-77",
            "transcript": "客服：您好\n消费者：面霜过期了",
        },
    )
    case = Case.objects.select_related("report").get(reporter__external_id="C-ME")
    assert response.status_code == 302 and response["Location"] == f"/agent/cases/{case.reference}/"
    assert (case.channel, case.report.channel_reference, case.report.filed_by_id) == (
        "online_chat",
        "CHAT-77",
        agent.pk,
    )
    assert list(case.evidence.values_list("kind", flat=True)) == ["chat_log"]
    # The consumer sees the report as theirs.
    assert _client(world["me"]).get(f"/consumer/cases/{case.reference}/").status_code == 200


def test_agent_form_names_the_remedies_the_category_offers_before_filing(world):
    client = _client(factories.user(Role.AGENT))
    form = {
        "target": f"order:{world['order'].external_id}",
        "category": "expired_goods",
        "description": "面霜已过期。",
        "remedy_wanted": "replacement",
        "channel": "hotline",
        "channel_reference": "CALL-1",
    }
    response = client.post("/agent/consumers/C-ME/report/", form)
    assert response.status_code == 200
    assert "可选的补救方式：退款、退货退款。" in response.content.decode()
    assert not Case.objects.exists()
    # The category card says so before the agent sends anything.
    card = client.get(
        "/agent/consumers/C-ME/category-info/",
        {"target": f"order:{world['order'].external_id}", "category": "expired_goods"},
    )
    assert "退款、退货退款" in card.content.decode()
    # A category that offers "no remedy" can be filed with it.
    response = client.post(
        "/agent/consumers/C-ME/report/", form | {"category": "service_attitude", "remedy_wanted": "none"}
    )
    assert response.status_code == 302


def test_agent_form_keeps_the_chosen_files_through_a_form_error(world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    agent = factories.user(Role.AGENT)
    client = _client(agent)
    form = {
        "target": f"order:{world['order'].external_id}",
        "category": "expired_goods",
        "description": "面霜已过期。",
        "remedy_wanted": "refund",
        "channel": "hotline",
        "channel_reference": "",  # forgotten: the form is shown again
        "evidence_kind": ["photo_of_expiry_date", "photo_of_product"],
        "evidence": [
            SimpleUploadedFile("expiry.jpg", factories.jpeg("white"), "image/jpeg"),
            SimpleUploadedFile("box.jpg", factories.jpeg("blue"), "image/jpeg"),
        ],
    }
    response = client.post("/agent/consumers/C-ME/report/", form)
    assert response.status_code == 200 and not Case.objects.exists()
    page = response.content.decode()
    assert "上次提交时选择的文件已保留" in page
    assert "expiry.jpg · 保质期（生产日期）实拍图" in page and "box.jpg" in page
    held = response.context["held"]
    # Someone else's session cannot take them with the token.
    other = _client(factories.user(Role.AGENT))
    retry = {k: v for k, v in form.items() if k not in ("evidence", "evidence_kind")}
    other.post(
        "/agent/consumers/C-ME/report/",
        retry | {"category": "not_as_described", "channel_reference": "CALL-9", "held": held["token"]},
    )
    assert Case.objects.get(report__channel_reference="CALL-9").evidence.count() == 0
    # The agent sends again with the reference, leaving box.jpg out: the report has expiry.jpg only.
    response = client.post(
        "/agent/consumers/C-ME/report/",
        retry | {"channel_reference": "CALL-2", "held": held["token"], "keep_held": ["0"]},
    )
    case = Case.objects.get(report__channel_reference="CALL-2")
    assert response.status_code == 302
    assert list(case.evidence.values_list("original_name", "kind")) == [("expiry.jpg", "photo_of_expiry_date")]
    assert case.state == "awaiting_merchant"  # the required photo came with it
    assert not (settings.MEDIA_ROOT / "held" / held["token"]).exists()  # nothing left behind
    # The agent's category card names the consumer's open case of the matter, linking the agent's page.
    card = client.get(
        "/agent/consumers/C-ME/category-info/",
        {"target": f"order:{world['order'].external_id}", "category": "expired_goods"},
    ).content.decode()
    assert f'href="/agent/cases/{case.reference}/"' in card


def _agent_form_with_files(world, **changes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "target": f"order:{world['order'].external_id}",
        "category": "expired_goods",
        "description": "面霜已过期。",
        "remedy_wanted": "refund",
        "channel": "hotline",
        "channel_reference": "CALL-1",
        "evidence_kind": ["photo_of_expiry_date"],
        "evidence": [SimpleUploadedFile("expiry.jpg", factories.jpeg("white"), "image/jpeg")],
    } | changes


def test_held_files_are_for_the_same_consumer_and_a_lost_one_is_said_not_skipped(world, settings):
    client = _client(factories.user(Role.AGENT))
    held = client.post("/agent/consumers/C-ME/report/", _agent_form_with_files(world, channel_reference="")).context[
        "held"
    ]
    retry = {k: v for k, v in _agent_form_with_files(world).items() if k not in ("evidence", "evidence_kind")}
    # Posted to another consumer's form, the token brings nothing along.
    other = retry | {"target": f"order:{world['other_order'].external_id}", "held": held["token"], "keep_held": ["0"]}
    client.post("/agent/consumers/C-OTHER/report/", other)
    assert Case.objects.get(reporter__external_id="C-OTHER").evidence.count() == 0
    # The files were pruned meanwhile (past their time): the agent is told to choose them again, and
    # the report is not filed without them.
    import shutil

    shutil.rmtree(settings.MEDIA_ROOT / "held" / held["token"])
    response = client.post("/agent/consumers/C-ME/report/", retry | {"held": held["token"], "keep_held": ["0"]})
    assert response.status_code == 200
    assert "上次保留的文件已超过保留时间" in response.content.decode()
    assert not Case.objects.filter(reporter__external_id="C-ME").exists()


def test_files_refused_with_a_duplicate_report_can_go_to_the_open_case(world):
    first = _file(world["me"], world["order"])
    client = _client(factories.user(Role.AGENT))
    response = client.post("/agent/consumers/C-ME/report/", _agent_form_with_files(world))
    page = response.content.decode()
    assert f"同类举报仍在处理中：{first.reference}" in page
    assert f"补充到 {first.reference}" in page
    held = response.context["held"]
    added = client.post(f"/agent/cases/{first.reference}/evidence/", {"held": held["token"], "keep_held": ["0"]})
    assert added.status_code == 302
    assert "expiry.jpg" in set(first.evidence.values_list("original_name", flat=True))
    assert Case.objects.count() == 1


def test_money_reads_in_the_active_language():
    with translation.override("zh-hans"):
        assert money(Decimal("1234.5"), "CNY") == "¥1,234.50"
    with translation.override("en"):
        assert money(Decimal("1234.5"), "CNY") == "CNY 1,234.50"
        assert money("99", "usd") == "USD 99.00"


def test_window_preview_agrees_with_intake(world):
    """What the category step promises is what intake decides, a day before and a day after the window."""
    from plaint.rulebook import loader
    from plaint.web.filing import Target, category_preview

    rulebook = loader.in_force(timezone.now())
    category = rulebook.category("product_quality")
    for days, outcome in ((category.window_days - 1, "admitted"), (category.window_days + 1, "inadmissible")):
        order = factories.order(world["shop"], "C-ME", delivered_at=timezone.now() - timedelta(days=days))
        target = Target("order", order.external_id, order=order, merchant=order.merchant)
        preview = category_preview(rulebook, category, target, timezone.now(), order.consumer_id, "consumer-case")
        assert preview["outcome"] == outcome
        assert preview["window_open"] == (outcome == "admitted")
        filed = actions.file_report(
            world["me"],
            ReportIn(target_type="order", target_id=order.external_id, category="product_quality", description="x"),
            [Upload("p.jpg", factories.jpeg(), "photo_of_product")],
        )
        assert (filed.case.state == "inadmissible") == (outcome == "inadmissible")


def test_a_listing_from_my_orders_can_be_reported_without_a_window(world):
    client = _client(world["me"])
    listing_id = world["order"].items.first().listing.external_id
    client.post("/consumer/report/new/?step=target", {"target": f"listing:{listing_id}"})
    info = client.get("/consumer/report/category-info/?category=false_advertising").content.decode()
    assert "针对商品或店铺的举报没有时间限制" in info
    client.post("/consumer/report/new/?step=category", {"category": "false_advertising"})
    client.post(
        "/consumer/report/new/?step=describe",
        {"description": "页面宣称有机认证，实际没有。", "remedy_wanted": "refund"},
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/consumer/report/new/?step=submit",
        {
            "evidence": [SimpleUploadedFile("ad.png", factories.jpeg(), "image/jpeg")],
            "evidence_kind": "advertising_screenshot",
        },
    )
    case = Case.objects.select_related("report").get(reporter__external_id="C-ME")
    assert response["Location"] == f"/consumer/cases/{case.reference}/"
    assert (case.report.target_type, case.report.listing.external_id) == ("listing", listing_id)
    assert case.state == "awaiting_merchant"


def test_signing_in_lands_in_the_persons_own_portal(world):
    agent = factories.user(Role.AGENT)
    for user, home in ((world["me"], "/consumer/"), (agent, "/agent/")):
        response = Client().post("/accounts/login/", {"username": user.username, "password": "pw-for-tests"})
        assert response.status_code == 302 and response["Location"] == home
    asked = Client().post(
        "/accounts/login/", {"username": agent.username, "password": "pw-for-tests", "next": "/agent/?q=C-ME"}
    )
    assert asked["Location"] == "/agent/?q=C-ME"


def test_agent_chases_and_withdraws_for_the_consumer(world):
    case = _file(world["me"], world["order"])
    agent = _client(factories.user(Role.AGENT))
    page = agent.get(f"/agent/cases/{case.reference}/").content.decode()
    assert "催办此案件" in page and "撤回举报" in page
    assert "您的催办已记录在案件中" in agent.post(f"/agent/cases/{case.reference}/nudge/", follow=True).content.decode()
    assert "仅在" in agent.get(f"/agent/cases/{case.reference}/withdraw/").content.decode()
    agent.post(f"/agent/cases/{case.reference}/withdraw/", {"reason": "消费者来电撤回"})
    case.refresh_from_db()
    assert case.state == "withdrawn"
    assert case.events.get(kind="withdraw").actor.role == Role.AGENT
    # A merchant cannot use the agent's buttons.
    merchant = _client(factories.user(Role.MERCHANT, merchant=world["shop"]))
    assert merchant.post(f"/agent/cases/{case.reference}/nudge/").status_code == 403
