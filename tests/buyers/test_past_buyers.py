"""A decision that finds a listing illegal tells its past buyers (DSA art. 32): once each, in their language,
by e-mail (a real local SMTP server) and in the portal; an appeal that overturns it tells them again."""

from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.utils import timezone

from plaint.accounts.models import Role
from plaint.buyers.actions import carry_out, months_before, run_due
from plaint.buyers.models import PastBuyerNotice, PastBuyerRun
from plaint.cases import actions
from plaint.cases.actions.appeals import file_appeal
from plaint.cases.actions.clusters import decide_cluster
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case, Cluster
from plaint.committee.models import Panel
from plaint.committee.votes import cast_vote
from plaint.evidence.actions import Upload
from plaint.marketplace.models import Consumer
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import Notification, OutboxMessage
from tests import factories as f
from tests.committee.helpers import member

pytestmark = pytest.mark.django_db

CST = dt_timezone(timedelta(hours=8))
# Rulebook version 4 (with [past_buyers] months = 6) is in force from 8 December 2026.
NOW = datetime(2026, 12, 10, 10, 0, tzinfo=CST)
COMPANY = "Tokyo Beauty Trading Co., Ltd."
CREAM = "日本进口 保湿面霜 50g / Moisturising cream 50g"


@pytest.fixture
def world(time_machine):
    time_machine.move_to(NOW)
    shop = f.merchant("M-TB", name="Tokyo Beauty", registered_name=COMPANY, contact_email="shop@tokyo.example.jp")
    cream = f.listing(shop, "L-CREAM", title=CREAM)
    serum = f.listing(shop, "L-SERUM", title="Serum 30ml")
    now = timezone.now()

    def bought(consumer: str, item, days_ago: int, order_id: str | None = None) -> None:
        # Paid six days before delivery (tests.factories.order).
        f.order(shop, consumer, listing_obj=item, delivered_at=now - timedelta(days=days_ago), external_id=order_id)

    bought("C1", cream, 5, "O-REPORTED")  # the reporter
    bought("C-ZH", cream, 170)  # paid 176 days ago: inside the six months (from 10 June)
    bought("C-EN", cream, 30)
    bought("C-EN", cream, 60)  # a second order: still one notice
    bought("C-NOACCOUNT", cream, 10)  # no portal account: e-mail only
    bought("C-OLD", cream, 200)  # paid 206 days ago: before the six months
    bought("C-SERUM", serum, 10)  # another listing of the same shop
    Consumer.objects.filter(external_id="C-EN").update(language="en")
    return {
        "shop": shop,
        "cream": cream,
        "reporter": f.consumer_user("C1"),
        "zh": f.consumer_user("C-ZH"),
        "en": f.user(Role.CONSUMER, consumer=Consumer.objects.get(external_id="C-EN"), language="en"),
        "old": f.consumer_user("C-OLD"),
        "serum": f.consumer_user("C-SERUM"),
        "staff": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
    }


def decide(
    world, outcome="upheld", *, category="counterfeit", target=("order", "O-REPORTED"), reporter=None, **decision
):
    data = ReportIn(target_type=target[0], target_id=target[1], category=category, description="假货 fake")
    evidence = "photo_of_expiry_date" if category == "expired_goods" else "photo_of_product"
    filer = reporter or world["reporter"]
    case = actions.file_report(filer, data, [Upload("p.jpg", f.jpeg(), evidence)]).case
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="正品 genuine"))
    actions.claim_case(world["reviewer"], case)
    codes = ["insufficient_evidence"] if outcome == "not_upheld" else ["violation_established"]
    actions.decide_case(
        world["reviewer"],
        case,
        DecisionIn(outcome=outcome, reason_codes=codes, statement="鉴定为假。Found fake.", **decision),
    )
    case.refresh_from_db()
    return case


def told(decision_id: int) -> set[str]:
    return set(
        Consumer.objects.filter(
            pk__in=PastBuyerNotice.objects.filter(decision_id=decision_id).values("consumer_id")
        ).values_list("external_id", flat=True)
    )


def buyer_mail(topic: str = "buyers.past_buyer_found") -> dict[str, OutboxMessage]:
    return {m.recipient: m for m in OutboxMessage.objects.filter(topic=topic)}


def test_the_buyers_of_the_last_six_months_are_told_once_in_their_language(world, inbox):
    case = decide(world)
    decision = case.decisions.get()
    [run] = PastBuyerRun.objects.all()
    assert (run.kind, run.listing, run.rulebook_version) == ("found", world["cream"], "4")
    assert run.orders_until == decision.decided_at
    assert run.orders_from == months_before(decision.decided_at, 6)
    assert timezone.localtime(run.orders_from).date() == date(2026, 6, 10)
    # Staff see in the case's log that the buyers are being told; the parties do not.
    event = case.events.get(kind="past_buyers_queued")
    assert event.visibility == "staff" and event.data["listing_id"] == "L-CREAM"
    assert not buyer_mail()  # nothing before the worker's job

    assert run_due() == 3
    # Not the reporter (who has the decision), not a buyer before the six months, not another listing's.
    assert told(decision.pk) == {"C-ZH", "C-EN", "C-NOACCOUNT"}
    run.refresh_from_db()
    assert run.finished_at is not None and run.buyers == 3
    mail = buyer_mail()
    assert set(mail) == {"c-zh@example.cn", "c-en@example.cn", "c-noaccount@example.cn"}
    assert {n.user for n in Notification.objects.filter(event="past_buyer_found")} == {world["zh"], world["en"]}

    # Run again, or the same run again (a retry after a crash): nobody is told twice.
    assert run_due() == 0
    assert carry_out(run, timezone.now()) == 3
    assert OutboxMessage.objects.filter(topic="buyers.past_buyer_found").count() == 3
    assert Notification.objects.filter(event="past_buyer_found").count() == 2
    assert PastBuyerNotice.objects.count() == 3

    # Delivered through the SMTP server, each in the buyer's language, in one session for the batch.
    report = deliver_due(timezone.now() + timedelta(seconds=1))
    assert report.failed == 0 and report.delivered == OutboxMessage.objects.count()
    assert len(inbox.sessions) == 1
    [zh] = inbox.to("c-zh@example.cn")
    assert zh["Subject"].strip() == "关于您购买过的商品的提示：假冒商品（非正品）"
    body = zh.get_content()
    assert CREAM in body and "Tokyo Beauty" in body and COMPANY in body and case.reference in body
    assert "2026年12月10日" in body and "12315" in body and "退款、退货退款、赔偿" in body and "90 天" in body
    assert "https://plaint.test/consumer/report/new/" in body
    [en] = inbox.to("c-en@example.cn")
    assert en["Subject"].strip() == "About a product you bought: Counterfeit goods"
    body = en.get_content()
    assert COMPANY in body and "12315" in body and "refund, return and refund, compensation" in body
    assert "https://plaint.test/consumer/report/new/" in body
    assert not inbox.to("c-old@example.cn") and not inbox.to("c-serum@example.cn")
    # The reporter has the decision itself, not the buyers' notice.
    assert not [m for m in inbox.to("c1@example.cn") if "您购买过的商品" in m["Subject"]]


def test_the_portal_notice_reads_in_the_reader_s_language(world, client):
    decide(world)
    run_due()
    notice = Notification.objects.get(user=world["en"])
    assert notice.link == "/consumer/report/new/" and notice.case_reference == ""
    title, body = notice.text("en")
    assert title == "About a product you bought: Counterfeit goods" and COMPANY in body
    assert notice.text("zh-hans")[0] == "关于您购买过的商品的提示：假冒商品（非正品）"
    client.force_login(world["zh"])
    page = client.get("/notifications/").content.decode()
    assert "关于您购买过的商品的提示" in page and CREAM in page
    # Someone who was not told sees nothing of it.
    client.force_login(world["old"])
    assert "关于您购买过的商品的提示" not in client.get("/notifications/").content.decode()


@pytest.mark.parametrize(
    ("category", "outcome"),
    [("product_quality", "upheld"), ("counterfeit", "not_upheld")],
)
def test_a_category_not_marked_or_a_finding_of_nothing_tells_nobody(world, category, outcome):
    decide(world, outcome, category=category)
    assert not PastBuyerRun.objects.exists()
    assert run_due() == 0 and not PastBuyerNotice.objects.exists()


def test_expired_goods_partly_upheld_tells_the_buyers(world):
    case = decide(world, "partly_upheld", category="expired_goods", remedy_amount="100.00")
    assert run_due() == 3 and told(case.decisions.get().pk) == {"C-ZH", "C-EN", "C-NOACCOUNT"}


def test_under_version_3_nobody_is_told(world, time_machine):
    time_machine.move_to(datetime(2026, 12, 7, 12, 0, tzinfo=CST))  # version 3: no [past_buyers]
    case = decide(world)
    assert case.rulebook_version == "3" and not PastBuyerRun.objects.exists()


def test_a_report_about_a_shop_names_no_listing_and_staff_see_why(world):
    case = decide(world, target=("merchant", "M-TB"))
    assert not PastBuyerRun.objects.exists()
    assert case.events.get(kind="past_buyers_not_told").visibility == "staff"


def seat_the_committee() -> None:
    for seat in ("consumer_rep", "expert", "lawyer"):
        for _ in range(3):
            member(seat, fields=["counterfeit"] if seat == "expert" else None)


def overturn(world, case, reporter=None):
    """The merchant appeals the case's finding and the committee overturns it; return the new decision."""
    appeal = file_appeal(world["staff"], case, "outcome", "鉴定报告有误。The inspection was wrong.", []).appeal
    actions.answer_appeal(reporter or world["reporter"], appeal, "鉴定无误。The inspection stands.")
    panel = Panel.objects.get(subject=f"appeal:{appeal.pk}")
    for seat in panel.seats.order_by("position"):
        cast_vote(seat.member.user, panel.pk, "overturn", "The inspection report was for another batch.", None)
    appeal.refresh_from_db()
    assert appeal.result == "overturned"
    return case.decisions.order_by("-id").first()


def test_an_appeal_that_overturns_the_finding_tells_the_same_buyers_it_no_longer_stands(world, inbox):
    for seat in ("consumer_rep", "expert", "lawyer"):
        for _ in range(3):
            member(seat, fields=["counterfeit"] if seat == "expert" else None)
    case = decide(world)
    first = case.decisions.get()
    assert run_due() == 3
    # A buyer who orders after the finding was made is not among those told, so not among those corrected.
    f.order(world["shop"], "C-LATE", listing_obj=world["cream"], delivered_at=timezone.now())

    appeal = file_appeal(world["staff"], case, "outcome", "鉴定报告有误。The inspection was wrong.", []).appeal
    actions.answer_appeal(world["reporter"], appeal, "鉴定无误。The inspection stands.")
    panel = Panel.objects.get(subject=f"appeal:{appeal.pk}")
    for seat in panel.seats.order_by("position"):
        cast_vote(seat.member.user, panel.pk, "overturn", "The inspection report was for another batch.", None)
    appeal.refresh_from_db()
    assert appeal.result == "overturned"
    second = case.decisions.exclude(pk=first.pk).get()
    assert second.outcome == "not_upheld"
    run = PastBuyerRun.objects.get(decision=second)
    assert run.kind == "withdrawn" and run.follows.decision_id == first.pk

    assert run_due() == 3
    assert told(second.pk) == told(first.pk) == {"C-ZH", "C-EN", "C-NOACCOUNT"}
    mail = buyer_mail("buyers.past_buyer_withdrawn")
    assert set(mail) == {"c-zh@example.cn", "c-en@example.cn", "c-noaccount@example.cn"}
    assert mail["c-en@example.cn"].subject == "Correction: the notice about a product you bought is withdrawn"
    assert "overturned on appeal" in mail["c-en@example.cn"].body
    assert "经申诉撤销" in mail["c-zh@example.cn"].body
    assert Notification.objects.filter(event="past_buyer_withdrawn").count() == 2


def test_six_months_before_counts_calendar_months_in_local_time():
    assert months_before(datetime(2026, 12, 10, 10, 0, tzinfo=CST), 6) == datetime(2026, 6, 10, 10, 0, tzinfo=CST)
    # 31 August less six months is the last day of February.
    assert months_before(datetime(2027, 8, 31, 9, 0, tzinfo=CST), 6) == datetime(2027, 2, 28, 9, 0, tzinfo=CST)
    assert months_before(datetime(2026, 3, 1, 0, 30, tzinfo=CST), 6) == datetime(2025, 9, 1, 0, 30, tzinfo=CST)


def test_a_merchant_accepting_the_remedy_admits_the_finding_and_the_buyers_are_told(world):
    data = ReportIn(target_type="order", target_id="O-REPORTED", category="counterfeit", description="假货 fake")
    case = actions.file_report(world["reporter"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="accept", explanation="同意退款 We refund."))
    [admitted] = case.decisions.all()
    assert admitted.reason_codes == ["merchant_admitted"]
    assert PastBuyerRun.objects.get().decision == admitted
    assert run_due() == 3 and told(admitted.pk) == {"C-ZH", "C-EN", "C-NOACCOUNT"}


def reported_by(world, consumer: str, order_id: str, delivered_days_ago: int):
    """A buyer of the cream who reports their own order; return their account."""
    delivered = timezone.now() - timedelta(days=delivered_days_ago)
    f.order(world["shop"], consumer, listing_obj=world["cream"], delivered_at=delivered, external_id=order_id)
    return f.consumer_user(consumer)


def test_a_second_finding_about_the_listing_tells_only_the_buyers_the_first_did_not(world, time_machine, inbox):
    first = decide(world).decisions.get()
    assert run_due() == 3 and told(first.pk) == {"C-ZH", "C-EN", "C-NOACCOUNT"}
    # Ten days later another buyer's report about the same listing and category is upheld too.
    time_machine.move_to(NOW + timedelta(days=10))
    reporter = reported_by(world, "C-B", "O-B", 2)
    f.order(world["shop"], "C-NEW", listing_obj=world["cream"], delivered_at=timezone.now() - timedelta(days=1))
    second = decide(world, target=("order", "O-B"), reporter=reporter).decisions.get()
    # Those holding the first finding's notice are not told again; the first case's reporter (who holds
    # its decision, not a notice) and a buyer since are; the second's reporter has the decision.
    assert run_due() == 2 and told(second.pk) == {"C1", "C-NEW"}
    assert PastBuyerRun.objects.get(decision=second).buyers == 2
    for consumer in ("C-ZH", "C-EN", "C-NOACCOUNT", "C1", "C-NEW"):
        assert PastBuyerNotice.objects.filter(consumer__external_id=consumer).count() == 1, consumer
    assert OutboxMessage.objects.filter(topic="buyers.past_buyer_found", recipient="c-en@example.cn").count() == 1
    # Another category about the same listing is another finding: its buyers are told of it.
    time_machine.move_to(NOW + timedelta(days=11))
    third = decide(world, category="expired_goods", target=("listing", "L-CREAM"), reporter=reporter)
    # C-ZH paid on 17 June, before these six months (from 21 June); C-B reported it.
    assert run_due() == 4 and told(third.decisions.get().pk) == {"C1", "C-EN", "C-NOACCOUNT", "C-NEW"}


def test_a_cluster_decided_together_tells_each_buyer_once(world):
    reporters = [reported_by(world, c, f"O-{c}", 3) for c in ("C-R1", "C-R2", "C-R3")]
    cases = []
    for user in reporters:
        data = ReportIn(target_type="listing", target_id="L-CREAM", category="counterfeit", description="假货 fake")
        case = actions.file_report(user, data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
        actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="正品 genuine"))
        cases.append(case)
    cluster = Cluster.objects.get(pk=Case.objects.get(pk=cases[0].pk).cluster_id)
    assert cluster.size == 3
    statement = "鉴定为假。Found fake."
    result = decide_cluster(
        world["reviewer"],
        cluster,
        DecisionIn(outcome="upheld", reason_codes=["violation_established"], statement=statement),
    )
    assert len(result.decided) == 3 and PastBuyerRun.objects.count() == 3
    run_due()
    # Every buyer of the six months once: the first run tells all but its reporter, the next the first's
    # reporter only, the last nobody new.
    notices = PastBuyerNotice.objects.values_list("consumer__external_id", flat=True)
    assert sorted(notices) == sorted({"C1", "C-ZH", "C-EN", "C-NOACCOUNT", "C-R1", "C-R2", "C-R3"})
    assert [r.buyers for r in PastBuyerRun.objects.order_by("id")] == [6, 1, 0]
    mail = OutboxMessage.objects.filter(topic="buyers.past_buyer_found").values_list("recipient", flat=True)
    assert len(mail) == len(set(mail)) == 7


def test_a_withdrawal_spares_buyers_another_finding_covers_and_reaches_them_when_that_one_falls(world, time_machine):
    seat_the_committee()
    case_a = decide(world)
    assert run_due() == 3  # C-ZH (paid 17 June), C-EN, C-NOACCOUNT
    time_machine.move_to(NOW + timedelta(days=10))  # B's six months start on 20 June: C-ZH is not in them
    reporter_b = reported_by(world, "C-B", "O-B", 2)
    case_b = decide(world, target=("order", "O-B"), reporter=reporter_b)
    assert run_due() == 1 and told(case_b.decisions.get().pk) == {"C1"}

    # A is overturned. B still finds the listing counterfeit for those who bought in its six months, though
    # they hold no notice of it: they are not told "withdrawn". C-ZH bought before B's months and is.
    time_machine.move_to(NOW + timedelta(days=11))
    withdrawal_a = overturn(world, case_a)
    assert PastBuyerRun.objects.get(decision=withdrawal_a).kind == "withdrawn"
    assert run_due() == 1 and told(withdrawal_a.pk) == {"C-ZH"}

    # B is overturned: now nothing stands, and everyone who stands told is corrected — B's own buyer and
    # those A's correction passed by; not C-ZH again.
    time_machine.move_to(NOW + timedelta(days=12))
    withdrawal_b = overturn(world, case_b, reporter_b)
    assert run_due() == 3 and told(withdrawal_b.pk) == {"C1", "C-EN", "C-NOACCOUNT"}
    corrections = OutboxMessage.objects.filter(topic="buyers.past_buyer_withdrawn")
    assert sorted(corrections.values_list("recipient", flat=True)) == sorted(
        f"{c.lower()}@example.cn" for c in ("C-ZH", "C1", "C-EN", "C-NOACCOUNT")
    )

    # A new finding after both fell tells everyone of its months again, once.
    time_machine.move_to(NOW + timedelta(days=13))
    reporter_c = reported_by(world, "C-C", "O-C", 1)
    case_c = decide(world, target=("order", "O-C"), reporter=reporter_c)
    assert told(case_c.decisions.get().pk) == set() and run_due() == 4
    assert told(case_c.decisions.get().pk) == {"C1", "C-EN", "C-NOACCOUNT", "C-B"}
