"""Features that were each tested alone, met on one case: a trusted flagger beside a consumer's report of several
problems in one cluster; an automated rule deciding a member of a cluster; an own-initiative investigation (no
reporter) beside a cluster, under live and shadow rules, telling past buyers, and on every page and export.

Rulebook version 4 is in force from 2026-12-08 00:00 +08:00; every step passes its own `now` after that.
"""

import io
import itertools
import json
from datetime import datetime, timedelta, timezone

import pytest
from django.core.management import call_command
from django.test import Client

from plaint.accounts.models import Role, User
from plaint.buyers.actions import run_due
from plaint.buyers.models import PastBuyerNotice, PastBuyerRun
from plaint.cases import actions, auto_rules, clocks, statements
from plaint.cases.actions.clusters import decide_cluster, describe
from plaint.cases.inputs import DecisionIn, InvestigationIn, ReportIn, ResponseIn
from plaint.cases.masking import mask_text
from plaint.cases.models import AutoRuleShadow, Case, Cluster, Decision, Report
from plaint.dsa.statements import for_decision, for_measure
from plaint.enforcement.models import Measure
from plaint.errors import InvalidInput
from plaint.evidence.actions import Upload
from plaint.marketplace.models import Consumer
from plaint.notifications.models import WebhookEndpoint
from plaint.reporters.flaggers import add_account, register_flagger
from plaint.reporters.models import ReporterMeasure
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 12, 9, 10, 0, tzinfo=CST)  # rulebook version 4 in force
_colours = itertools.cycle(["red", "green", "blue", "yellow", "purple", "orange", "navy", "teal", "olive", "maroon"])


@pytest.fixture
def world(time_machine):
    time_machine.move_to(T0, tick=False)
    WebhookEndpoint.objects.create(name="marketplace", url="http://127.0.0.1:9/hook", secret="s")
    shop = f.merchant("M-X", name="Cross Shop", contact_email="shop@cross.example")
    cream = f.listing(shop, "L-CREAM", batch="B1")  # declared expiry 2026-09-30: expired at every delivery below
    flagger = register_flagger("Cosmetics Test Lab", "inspection_body", now=T0)
    _account, key = add_account(flagger, "lab-api")
    return {
        "shop": shop,
        "cream": cream,
        "flagger": flagger,
        "flagger_api": ApiClient(key),
        "staff": f.user(Role.MERCHANT, merchant=shop),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR),
        "admin": f.user(Role.ADMIN),
    }


def bought(world, consumer: str, *, days_ago: float = 1, amount: str = "150.00") -> str:
    """An order of the cream by `consumer`, delivered `days_ago` days before T0; return its id."""
    order_id = f"O-{consumer}-{next(_colours)}"
    f.order(
        world["shop"],
        consumer,
        external_id=order_id,
        listing_obj=world["cream"],
        delivered_at=T0 - timedelta(days=days_ago),
        amount=amount,
    )
    return order_id


def photo(kind: str, *, captured: str = "2026:12:08 20:00:00") -> Upload:
    return Upload(f"{kind}.jpg", f.jpeg(next(_colours), exif_time=captured), kind)


def consumer_user(consumer: str) -> User:
    return User.objects.filter(consumer__external_id=consumer).first() or f.consumer_user(consumer)


def consumer_report(world, consumer: str, order_id: str, category: str, uploads, *, also=(), now=T0) -> Case:
    user = consumer_user(consumer)
    data = ReportIn(
        target_type="order", target_id=order_id, category=category, also=list(also), description="面霜有问题"
    )
    return actions.file_report(user, data, uploads, now=now).case


def contest(world, case: Case, now: datetime) -> Case:
    actions.respond_as_merchant(
        world["staff"],
        Case.objects.get(pk=case.pk),
        ResponseIn(kind="contest", explanation="我们的商品没有问题"),
        now=now,
    )
    return Case.objects.get(pk=case.pk)


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def go_live(world, rule: str) -> None:
    """Replay the rule (its shadow report) and switch it live, as an admin, before T0."""
    before = T0 - timedelta(days=1)
    auto_rules.replay(loader.get("4"), months=6, rule_id=rule, actor=world["admin"], now=before)
    auto_rules.switch_rule(world["admin"], "4", rule, "live", reason="agrees with people", now=before)


def staff_page_ok(user, path: str) -> bytes:
    client = Client()
    client.force_login(user)
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200, (path, page.status_code)
    return page.content


# --- 1. A trusted flagger, and a consumer's report of several problems ------------------------------------------


def test_a_trusted_flagger_cannot_name_several_problems_and_nothing_is_filed(world):
    api = world["flagger_api"]
    bought(world, "C1")
    fields = {"category": "product_quality", "description": "Our lab tested the cream.", "remedy_wanted": "refund"}
    files = [("cert.jpg", f.jpeg(), "test_certificate"), ("p.jpg", f.jpeg("blue"), "photo_of_product")]
    # A flagger reports a listing; only an order report may name several problems.
    listing = api.post_form(
        "/reports", fields | {"target_type": "listing", "target_id": "L-CREAM", "also": ["expired_goods"]}, files
    )
    assert listing.status_code == 422, listing.content
    assert (listing.json()["code"], listing.json()["field"]) == ("several_problems_need_an_order", "also")
    # Naming an order does not get round it: an order is its buyer's to report.
    order_id = bought(world, "C2")
    order = api.post_form(
        "/reports", fields | {"target_type": "order", "target_id": order_id, "also": ["expired_goods"]}, files
    )
    assert order.status_code == 422 and order.json()["code"] == "flagger_target"
    assert not Case.objects.exists() and not Report.objects.exists()


def test_a_flaggers_notice_and_a_consumers_several_problems_in_one_cluster(world):
    """The flagger's notice is first in the queue; each of the consumer's problems is judged on its own window and
    evidence; a flagger's own evidence kind is held to its categories; the cluster decided together decides each
    case once; the DSA statements name each source."""
    api = world["flagger_api"]
    # The consumer: expired (30-day window) and damaged (7-day window), delivered 10 days ago.
    order_id = bought(world, "C1", days_ago=10, amount="389.00")
    several = consumer_report(
        world,
        "C1",
        order_id,
        "expired_goods",
        [photo("photo_of_expiry_date", captured="2026:11:30 09:00:00"), photo("photo_of_damage")],
        also=["damaged_on_arrival", "product_quality"],
        now=T0,
    )
    by_problem = {p["category"]: p for p in several.admissibility["problems"]}
    assert by_problem["expired_goods"]["outcome"] == "admitted"
    assert by_problem["damaged_on_arrival"]["outcome"] == "inadmissible"  # 10 days after delivery, window 7
    # Product quality is inside its window but its own evidence (a photo of the product) is missing: the case waits.
    assert by_problem["product_quality"]["outcome"] == "needs_evidence"
    assert by_problem["product_quality"]["missing_evidence"] == ["photo_of_product"]
    assert several.state == "needs_evidence" and several.admissibility["missing_evidence"] == ["photo_of_product"]
    actions.add_evidence(consumer_user("C1"), several, [photo("photo_of_product")], now=T0 + timedelta(minutes=30))
    assert fresh(several).state == "awaiting_merchant"

    # The flagger's own kind is held to its categories: an authentication report is no evidence of quality.
    base = {"target_type": "listing", "target_id": "L-CREAM", "category": "product_quality", "remedy_wanted": "refund"}
    wrong = api.post_form(
        "/reports",
        base | {"description": "Lab report attached."},
        [("auth.jpg", f.jpeg(), "authentication_report"), ("p.jpg", f.jpeg("blue"), "photo_of_product")],
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "flagger_evidence_category"
    # A consumer may not use a flagger's kind for any of several problems.
    other_order = bought(world, "C2")
    with pytest.raises(InvalidInput) as not_yours:
        actions.file_report(
            consumer_user("C2"),
            ReportIn(
                target_type="order",
                target_id=other_order,
                category="expired_goods",
                also=["product_quality"],
                description="过期",
            ),
            [photo("photo_of_expiry_date"), Upload("c.jpg", f.jpeg(), "test_certificate")],
            now=T0,
        )
    assert not_yours.value.code == "flagger_evidence_kind"

    filed = api.post_form(
        "/reports",
        base | {"description": "Our lab found the cream's preservative far above the declared level."},
        [("cert.jpg", f.jpeg("white"), "test_certificate"), ("p.jpg", f.jpeg("blue"), "photo_of_product")],
    )
    assert filed.status_code == 201, filed.content
    notice = Case.objects.get(reference=filed.json()["reference"])
    assert notice.trusted_flagger and notice.channel == "trusted_flagger"
    weights = loader.get("4").priority
    assert notice.priority_terms["trusted_flagger"] == weights.trusted_flagger
    # Expired goods and product quality are one group (safety), the cream's batch one key: one cluster of two.
    several = fresh(several)
    assert notice.cluster_id == several.cluster_id is not None
    assert Cluster.objects.get(pk=notice.cluster_id).size == 2

    # Both go to review; the flagger's notice is first although the consumer's weighs more.
    later = T0 + timedelta(hours=2)
    several, notice = contest(world, several, later), contest(world, notice, later)
    assert several.priority > notice.priority
    reviewer_api = ApiClient(f.token(world["reviewer"]))
    queue = [row["reference"] for row in reviewer_api.get("/review/queue").json()["results"]]
    assert queue[:2] == [notice.reference, several.reference]

    # The cluster decided together: each open case once. The consumer's case decides its main problem (the
    # others are closed: damaged out of its window; quality waiting for evidence it never got is not upheld).
    decided_at = T0 + timedelta(days=1)
    decision = DecisionIn(
        outcome="upheld", reason_codes=["violation_established"], statement="检测报告与照片证实问题属实。"
    )
    result = decide_cluster(world["reviewer"], Cluster.objects.get(pk=notice.cluster_id), decision, now=decided_at)
    assert list(result.decided) == [notice.reference]
    # One outcome cannot stand for problems the cluster is not about: that case is left, claimed by the reviewer
    # who tried, to be decided on its own, problem by problem.
    assert result.errors[several.reference]["code"] == "decide_each_problem"
    several = fresh(several)
    assert several.state == "awaiting_review" and several.claimed_by == world["reviewer"]
    assert not Decision.objects.filter(case=several).exists()
    assert Decision.objects.filter(case=notice).count() == 1
    again = decide_cluster(world["reviewer"], Cluster.objects.get(pk=notice.cluster_id), decision, now=decided_at)
    assert not again.decided and list(again.errors) == [several.reference]
    assert Decision.objects.filter(case=notice).count() == 1

    alone = actions.decide_case(
        world["reviewer"],
        several,
        DecisionIn(
            outcome="upheld",
            reason_codes=["violation_established"],
            statement="保质期照片与商品实拍图证实问题属实。",
            problems={"expired_goods": "upheld", "product_quality": "upheld"},
        ),
        now=decided_at,
    )
    lines = {p["category"]: p for p in alone.statement["problems"]}
    assert set(lines) == {"expired_goods", "product_quality"}  # damaged on arrival was closed at intake
    # Expired goods absorbs product quality: one fact, penalised once.
    assert lines["product_quality"]["points"] == 0 and alone.points == lines["expired_goods"]["points"] > 0
    # The consumer's decision orders a refund of her order: its DSA statement has the rulebook's source for reports.
    assert for_decision(alone)["source_type"] == loader.get("4").dsa.source_type != "SOURCE_TRUSTED_FLAGGER"

    # DSA: the flagger's notice names no order, so no remedy and no statement for the decision itself; the
    # points it put on the merchant's record start measures whose statements name the flagger as the source.
    flagger_decision = Decision.objects.get(case=notice)
    assert flagger_decision.remedy == "none" and for_decision(flagger_decision) is None
    assert flagger_decision.statement["points"]["points"] > 0


def test_a_flaggers_upheld_notice_starts_measures_whose_dsa_statement_names_the_flagger(world):
    api = world["flagger_api"]
    filed = api.post_form(
        "/reports",
        {
            "target_type": "listing",
            "target_id": "L-CREAM",
            "category": "counterfeit",
            "remedy_wanted": "refund",
            "description": "Our authentication lab examined a unit: not the brand's product.",
        },
        [("auth.jpg", f.jpeg(), "authentication_report"), ("p.jpg", f.jpeg("blue"), "photo_of_product")],
    )
    assert filed.status_code == 201, filed.content
    case = contest(world, Case.objects.get(reference=filed.json()["reference"]), T0 + timedelta(hours=1))
    at = T0 + timedelta(days=1)
    actions.claim_case(world["reviewer"], case, now=at)
    decision = actions.decide_case(
        world["reviewer"],
        fresh(case),
        DecisionIn(outcome="upheld", reason_codes=["violation_established"], statement="鉴定报告证实为假货。"),
        now=at,
    )
    assert decision.points == 12 and decision.remedy == "none"
    measures = Measure.objects.filter(merchant=world["shop"], trigger_case=case)
    restricting = [m for m in measures if for_measure(m) is not None]
    assert restricting, list(measures.values_list("kind", flat=True))
    for measure in restricting:
        assert for_measure(measure)["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    # The export reads the same.
    out = io.StringIO()
    call_command("export_statements", "--from", "2026-12-09", "--to", "2026-12-11", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert rows and {row["source_type"] for row in rows} == {"SOURCE_TRUSTED_FLAGGER"}


# --- 2. An automated decision on a member of a cluster --------------------------------------------------------


RULE = "quality_small_photo_silent"
PEOPLE = DecisionIn(outcome="not_upheld", reason_codes=["insufficient_evidence"], statement="照片不足以证明质量问题。")


def quality_cluster(world, n: int = 3) -> list[Case]:
    cases = []
    for i in range(n):
        consumer = f"C{i + 1}"
        order_id = bought(world, consumer, days_ago=1 + 2 / 24)
        cases.append(consumer_report(world, consumer, order_id, "product_quality", [photo("photo_of_product")]))
    assert len({c.cluster_id for c in cases}) == 1 and cases[0].cluster_id is not None
    return cases


def test_a_live_rule_decides_a_silent_member_and_the_cluster_decision_leaves_it_alone(world):
    go_live(world, RULE)
    silent, *answered = quality_cluster(world)
    cluster = Cluster.objects.get(pk=silent.cluster_id)
    for case in answered:
        contest(world, case, T0 + timedelta(hours=3))

    # The silent member's deadline passes: the rule decides it, once.
    due = fresh(silent).response_due_at
    assert clocks.tick(due).silence_handled == 1
    assert clocks.tick(due + timedelta(hours=1)).silence_handled == 0
    [automated] = Decision.objects.filter(case=silent)
    assert (automated.automated, automated.auto_rule, automated.outcome) == (True, RULE, "upheld")
    assert fresh(silent).state == "decided"
    # The cluster is untouched: its size, its other members and their priority.
    after = Cluster.objects.get(pk=cluster.pk)
    assert after.size == cluster.size == 3
    assert {fresh(c).state for c in answered} == {"awaiting_review"}

    # The reviewer decides the cluster together: the two open members, not the one the rule decided.
    reviewer = ApiClient(f.token(world["reviewer"]))
    answer = reviewer.post_json(f"/clusters/{cluster.pk}/decision", PEOPLE.model_dump(exclude_none=True))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert sorted(d["case"] for d in body["decided"]) == sorted(c.reference for c in answered)
    assert body["errors"] == []
    for case in (silent, *answered):
        assert Decision.objects.filter(case=case).count() == 1, case.reference
    # Live rules write no shadow rows: a person's decision beside a live rule is not a shadow comparison.
    assert not AutoRuleShadow.objects.exists()
    seen = describe(Cluster.objects.get(pk=cluster.pk))
    assert seen["open_count"] == 0 and {m["state"] for m in seen["members"]} == {"decided"}
    # Deciding again finds nothing to decide.
    again = reviewer.post_json(f"/clusters/{cluster.pk}/decision", PEOPLE.model_dump(exclude_none=True)).json()
    assert (again["decided"], again["errors"]) == ([], [])
    # The staff view of the automated member shows the cluster and its decision marked automated.
    staff = reviewer.get(f"/cases/{silent.reference}").json()
    assert staff["cluster"]["id"] == cluster.pk
    assert [d["automated"] for d in staff["decisions"]] == [True]


def test_a_cluster_decided_first_leaves_the_member_still_with_the_merchant_to_its_clock_and_rule(world):
    go_live(world, RULE)
    silent, *answered = quality_cluster(world)
    cluster = Cluster.objects.get(pk=silent.cluster_id)
    for case in answered:
        contest(world, case, T0 + timedelta(hours=3))
    result = decide_cluster(world["reviewer"], cluster, PEOPLE, now=T0 + timedelta(hours=4))
    assert sorted(result.decided) == sorted(c.reference for c in answered)
    assert result.errors[silent.reference]["code"] == "not_reviewable"
    # The member the reviewer could not take was not claimed by the attempt: it is nobody's, still the merchant's.
    silent = fresh(silent)
    assert silent.state == "awaiting_merchant" and silent.claimed_by_id is None
    assert not Decision.objects.filter(case=silent).exists()
    assert clocks.tick(silent.response_due_at).silence_handled == 1
    assert Decision.objects.filter(case=silent).count() == 1
    assert Decision.objects.get(case=silent).automated
    assert Decision.objects.filter(case__cluster=cluster).count() == 3


def test_a_shadow_rule_records_beside_a_cluster_decided_together(world):
    cases = quality_cluster(world, 2)
    for case in cases:
        contest(world, case, T0 + timedelta(hours=3))
    cluster = Cluster.objects.get(pk=cases[0].cluster_id)
    # Answered, so the silent rule would not have matched: no shadow rows, and no error from looking.
    result = decide_cluster(world["reviewer"], cluster, PEOPLE, now=T0 + timedelta(days=1))
    assert len(result.decided) == 2 and not result.errors
    assert not AutoRuleShadow.objects.exists()


# --- 3. An own-initiative investigation (no reporter) ---------------------------------------------------------


def investigate(world, category: str, kind: str, *, target=("listing", "L-CREAM"), now=T0) -> Case:
    data = InvestigationIn(
        target_type=target[0],
        target_id=target[1],
        category=category,
        description="平台抽检发现问题。Platform test purchase.",
    )
    return actions.open_investigation(world["supervisor"], data, [photo(kind)], now=now).case


def decide(world, case: Case, outcome: str, codes: list[str], at: datetime) -> Decision:
    actions.claim_case(world["reviewer"], fresh(case), now=at)
    return actions.decide_case(
        world["reviewer"],
        fresh(case),
        DecisionIn(outcome=outcome, reason_codes=codes, statement="平台核查了证据后作出本决定。"),
        now=at,
    )


def test_an_investigation_beside_a_cluster_is_no_member_and_tells_the_listings_past_buyers(world):
    # Two consumers report the cream as counterfeit: a cluster (authenticity) of the listing's batch.
    reports = [
        consumer_report(world, c, bought(world, c, days_ago=5), "counterfeit", [photo("photo_of_product")])
        for c in ("C1", "C2")
    ]
    cluster = Cluster.objects.get(pk=reports[0].cluster_id)
    assert cluster.size == 2
    bought(world, "C3", days_ago=40)  # a buyer who did not report
    case = investigate(world, "counterfeit", "photo_of_product", now=T0 + timedelta(hours=1))
    assert case.reporter_id is None and case.cluster_id is None
    assert Cluster.objects.get(pk=cluster.pk).size == 2  # an investigation joins no cluster, counts no reporter

    contest(world, case, T0 + timedelta(hours=2))
    for report in reports:
        contest(world, report, T0 + timedelta(hours=2))
    # The cluster decided together takes its members only.
    result = decide_cluster(
        world["reviewer"],
        cluster,
        DecisionIn(outcome="not_upheld", reason_codes=["insufficient_evidence"], statement="消费者的照片不足以证明。"),
        now=T0 + timedelta(days=1),
    )
    assert sorted(result.decided) == sorted(r.reference for r in reports)
    assert fresh(case).state == "awaiting_review"

    # The investigation is upheld: every past buyer of the listing is told; there is no reporter to leave out.
    decision = decide(world, case, "upheld", ["violation_established"], T0 + timedelta(days=1, hours=1))
    [run] = PastBuyerRun.objects.filter(case=case)
    assert run.listing == world["cream"]
    assert run_due(T0 + timedelta(days=1, hours=2)) == 3
    told = set(
        Consumer.objects.filter(
            pk__in=PastBuyerNotice.objects.filter(decision=decision).values("consumer_id")
        ).values_list("external_id", flat=True)
    )
    assert told == {"C1", "C2", "C3"}


def test_an_investigation_under_a_live_rule_is_decided_by_the_silence_rule_without_a_reporter(world):
    go_live(world, "expired_photo_silent")
    bought(world, "C1", days_ago=20)
    case = investigate(world, "expired_goods", "photo_of_expiry_date")
    due = case.response_due_at
    assert clocks.tick(due).silence_handled == 1
    # The rule reads the reporter's evidence and a delivery: an investigation has neither, so the category's
    # silence rule (expired goods: upheld) decides, by the clock, with no remedy.
    [decision] = Decision.objects.filter(case=case)
    assert decision.automated and decision.auto_rule == "" and decision.remedy == "none"
    assert decision.statement["source"]["own_initiative"] is True
    assert fresh(case).state == "decided"
    # Past buyers: the listing's buyers are told of the finding.
    assert PastBuyerRun.objects.filter(case=case).count() == 1
    assert run_due(due + timedelta(minutes=5)) == 1
    assert for_decision(decision) is None  # no remedy: the decision itself restricts nothing


def test_a_shadow_rule_looks_at_an_investigation_and_records_nothing(world):
    case = investigate(world, "product_quality", "photo_of_product")
    contest(world, case, T0 + timedelta(hours=1))
    decide(world, case, "upheld", ["violation_established"], T0 + timedelta(days=1))
    assert not AutoRuleShadow.objects.exists()


def test_investigations_marked_manifestly_unfounded_are_nobodys_misuse(world):
    """The misuse rule counts a reporter's decided reports; investigations have none and must not be one."""
    misuse = loader.get("4").misuse
    listings = [f.listing(world["shop"], f"L-{n}") for n in range(misuse.min_decided + 1)]
    at = T0 + timedelta(days=1)
    for n, listing in enumerate(listings):
        case = investigate(world, "counterfeit", "photo_of_product", target=("listing", listing.external_id))
        contest(world, case, T0 + timedelta(hours=1))
        decision = decide(world, case, "not_upheld", ["manifestly_unfounded"], at + timedelta(minutes=n))
        assert decision.outcome == "not_upheld"
    assert not ReporterMeasure.objects.exists()


def test_an_investigations_pages_statement_export_and_masking_need_no_reporter(world):
    bought(world, "C1", days_ago=5)
    case = investigate(world, "counterfeit", "photo_of_product")
    contest(world, case, T0 + timedelta(hours=1))
    decision = decide(world, case, "upheld", ["violation_established"], T0 + timedelta(days=1))
    # Masking knows no reporter's name, and still masks what a person may have written.
    assert case.reporter_names() == ()
    assert "13800000000" not in mask_text("商家电话 13800000000", names=case.reporter_names())
    # The statement of reasons, in both languages.
    assert "own initiative" in statements.render(decision.statement, "en")
    statements.render(decision.statement, "zh-hans")
    # The staff, merchant and supervisor pages and the API views.
    for user, path in (
        (world["reviewer"], f"/review/cases/{case.reference}/"),
        (world["supervisor"], f"/review/cases/{case.reference}/"),
        (world["staff"], f"/merchant/cases/{case.reference}/"),
    ):
        staff_page_ok(user, path)
    reviewer = ApiClient(f.token(world["reviewer"]))
    seen = reviewer.get(f"/cases/{case.reference}").json()
    assert seen["reporter"] is None and seen["cluster"] is None and seen["reporter_record"] is None
    assert ApiClient(f.token(world["staff"])).get(f"/cases/{case.reference}").json()["reporter"] is None
    # The dossier, for the platform's staff.
    for suffix in ("pdf", "zip"):
        answer = reviewer.get(f"/cases/{case.reference}/dossier.{suffix}")
        assert answer.status_code == 200, (suffix, answer.content[:300])
    # The DSA export: the measures the points started, own-initiative.
    out = io.StringIO()
    call_command("export_statements", "--from", "2026-12-09", "--to", "2026-12-11", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert rows and {row["source_type"] for row in rows} == {"SOURCE_VOLUNTARY"}
