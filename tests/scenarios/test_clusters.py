"""Issue 15's acceptance for clusters and priority: 30 consumers report one listing's batch of expired goods
in an hour — one cluster, escalated once, one measure asked of the marketplace; one of them reuses
another's photo — flagged, and her priority says so. A reviewer then decides the cluster together."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from plaint.accounts.models import Role, User
from plaint.cases import actions
from plaint.cases.inputs import ReportIn, ResponseIn
from plaint.cases.models import Case, Cluster
from plaint.evidence.actions import Upload
from plaint.notifications.delivery import deliver_due
from plaint.notifications.models import Notification, WebhookEndpoint
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient
from tests.evidence.test_forensics import jpeg, near_copy, scene

pytestmark = pytest.mark.django_db

CST = timezone(timedelta(hours=8))
V4 = datetime(2026, 12, 8, 10, 0, tzinfo=CST)


def webhooks(receiver, topic: str) -> list[dict]:
    return [json.loads(r.body) for r in receiver.requests if r.headers.get("X-Plaint-Topic") == topic]


def expired(order: str, text: str) -> dict:
    return {
        "target_type": "order",
        "target_id": order,
        "category": "expired_goods",
        "description": text,
        "remedy_wanted": "refund",
    }


def test_thirty_reports_of_one_batch_make_one_escalated_cluster_and_a_reused_photo_is_flagged(receiver, time_machine):
    time_machine.move_to(V4, tick=False)
    WebhookEndpoint.objects.create(name="marketplace", url=receiver.url, secret="s3cret")
    supervisor = f.user(Role.SUPERVISOR)
    shop = f.merchant("M-CREAM")
    cream = f.listing(shop, "L-CREAM", batch="B2026-07")
    delivered = V4 - timedelta(days=2)
    consumers = [f"C{n:02d}" for n in range(30)]
    for consumer in consumers:
        f.order(shop, consumer, external_id=f"O-{consumer}", listing_obj=cream, delivered_at=delivered)
    # A report about another listing of the same shop is another cluster.
    f.order(shop, "C99", external_id="O-C99", delivered_at=delivered)
    spec = loader.in_force(V4).clusters
    assert spec.escalate_at < 30 and spec.window_hours >= 1

    references = []
    for n, consumer in enumerate(consumers):
        client = ApiClient(f.token(f.consumer_user(consumer)))
        photo = jpeg(scene(100 + n, (400, 300)), taken="2026:12:07 20:00:00")
        if n == 7:
            # C07 sends C03's photo, cropped and shrunk, as her own.
            photo = near_copy(scene(103, (400, 300)))
        answer = client.post_form(
            "/reports", expired(f"O-{consumer}", f"面霜过期了 {n}"), files=[("jar.jpg", photo, "photo_of_expiry_date")]
        )
        assert answer.status_code == 201, answer.json()
        references.append(answer.json()["reference"])
        time_machine.shift(timedelta(minutes=2))  # 30 reports in an hour
    other = ApiClient(f.token(f.consumer_user("C99"))).post_form("/reports", expired("O-C99", "另一款也过期"))
    assert other.status_code == 201

    # One cluster for the batch, 30 reporters, escalated once; the other listing's report stands apart.
    [cluster] = Cluster.objects.filter(listing=cream)
    assert cluster.size == 30 and cluster.batch == "B2026-07" and cluster.category_group == "safety"
    assert cluster.escalated_at == V4 + timedelta(minutes=2 * (spec.escalate_at - 1))
    assert cluster.measure == "batch_withdrawal"
    assert set(Case.objects.filter(cluster=cluster).values_list("reference", flat=True)) == set(references)
    assert Case.objects.get(reference=other.json()["reference"]).cluster_id != cluster.pk
    # Every case of the cluster is in the supervisors' escalated queue, the ones filed after it too.
    assert not Case.objects.filter(cluster=cluster, escalated_at__isnull=True).exists()

    deliver_due()
    [escalated] = webhooks(receiver, "cluster.escalated")
    data = escalated["data"]
    assert data["cluster"] == cluster.pk and data["size"] == spec.escalate_at
    assert data["listing_id"] == "L-CREAM" and data["batch"] == "B2026-07"
    assert data["measure"] == {"kind": "batch_withdrawal", "listing_id": "L-CREAM", "batch": "B2026-07"}
    assert data["cases"] == references[: spec.escalate_at]
    told = Notification.objects.filter(user=supervisor, event="cluster_escalated")
    assert told.count() == 1

    # The reviewer sees the cluster and why each case is where it is in the queue.
    reviewer = ApiClient(f.token(f.user(Role.REVIEWER)))
    copied = reviewer.get(f"/cases/{references[7]}", lang="en").json()
    assert {flag["code"] for flag in copied["evidence"][0]["flags"]} >= {"copy"}
    assert copied["cluster"]["id"] == cluster.pk and copied["cluster"]["size"] == 30
    terms = {t["term"]: t["value"] for t in copied["priority_terms"]["terms"]}
    weights = loader.in_force(V4).priority
    assert terms["severity"] == weights.severity["expired_goods"]
    assert terms["cluster"] == weights.cluster_max  # grown with the cluster after she filed
    assert terms["forensics"] == weights.forensics_per_flag * len(
        [f for f in copied["evidence"][0]["flags"] if f["code"] in weights.forensics_codes]
    )
    assert copied["priority"] == sum(terms.values())
    clean = reviewer.get(f"/cases/{references[0]}", lang="en").json()
    assert clean["priority_terms"]["terms"][2] == {"term": "cluster", "value": weights.cluster_max}
    assert clean["priority"] > copied["priority"]  # doubtful evidence waits behind clean evidence

    seen = reviewer.get(f"/clusters/{cluster.pk}").json()
    assert seen["size"] == 30 and seen["cases_count"] == 30 and seen["measure"] == "batch_withdrawal"
    assert [m["case"] for m in seen["members"]] == references
    assert {"case": references[7], "copy_of_case": references[3]}.items() <= seen["shared_evidence"][0].items()


@pytest.fixture
def cluster_in_review(time_machine):
    """Three consumers' reports of one batch, each contested by the merchant: in review, one cluster."""
    time_machine.move_to(V4, tick=False)
    shop = f.merchant("M-CREAM")
    cream = f.listing(shop, "L-CREAM", batch="B2026-07")
    staff = f.user(Role.MERCHANT, merchant=shop)
    cases = []
    for n, (consumer, remedy) in enumerate([("C1", "refund"), ("C2", "return_and_refund"), ("C3", "refund")]):
        f.order(shop, consumer, external_id=f"O-{consumer}", listing_obj=cream, amount=f"{100 * (n + 1)}.00")
        filed = actions.file_report(
            f.consumer_user(consumer),
            ReportIn(**(expired(f"O-{consumer}", "面霜已过期，包装上的日期是上个月") | {"remedy_wanted": remedy})),
            [Upload("jar.jpg", jpeg(scene(200 + n, (300, 200)), taken="2026:12:07 20:00:00"), "photo_of_expiry_date")],
        )
        actions.respond_as_merchant(staff, filed.case, ResponseIn(kind="contest", explanation="批次在保质期内。"))
        cases.append(Case.objects.get(pk=filed.case.pk))
    return cases


DECISION = {
    "outcome": "upheld",
    "reason_codes": ["violation_established"],
    "statement": "The photos of the batch show an expiry date before the delivery; the merchant gave no proof.",
}


def test_a_reviewer_decides_a_cluster_together_each_case_keeping_its_remedy(cluster_in_review):
    cases = cluster_in_review
    assert {c.state for c in cases} == {"awaiting_review"} and len({c.cluster_id for c in cases}) == 1
    other_reviewer = f.user(Role.REVIEWER, "other")
    actions.claim_case(other_reviewer, cases[2])
    reviewer = ApiClient(f.token(f.user(Role.REVIEWER, "rev")))

    # One amount cannot fit three orders: a remedy for all is refused, naming the field.
    refused = reviewer.post_json(f"/clusters/{cases[0].cluster_id}/decision", DECISION | {"remedy": "refund"})
    assert refused.status_code == 422 and refused.json()["field"] == "remedy"

    answer = reviewer.post_json(f"/clusters/{cases[0].cluster_id}/decision", DECISION)
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert [d["case"] for d in body["decided"]] == [cases[0].reference, cases[1].reference]
    assert body["errors"] == [
        {"case": cases[2].reference, "code": "claimed_by_other", "message": "other is working on this case."}
    ]
    for case, remedy in ((cases[0], "refund"), (cases[1], "return_and_refund")):
        seen = reviewer.get(f"/cases/{case.reference}", lang="en").json()
        assert seen["state"] == "decided"
        [decision] = seen["decisions"]
        assert decision["outcome"] == "upheld" and decision["remedy"] == remedy
    assert Case.objects.get(pk=cases[2].pk).state == "awaiting_review"


def test_only_reviewers_see_or_decide_clusters(cluster_in_review):
    cluster_id = cluster_in_review[0].cluster_id
    consumer = ApiClient(f.token(User.objects.get(consumer__external_id="C1")))
    assert consumer.get(f"/clusters/{cluster_id}").status_code == 403
    assert consumer.post_json(f"/clusters/{cluster_id}/decision", DECISION).status_code == 403
    merchant = ApiClient(f.token(f.user(Role.MERCHANT, merchant=cluster_in_review[0].merchant)))
    assert merchant.get(f"/clusters/{cluster_id}").status_code == 403
    reviewer = ApiClient(f.token(f.user(Role.REVIEWER)))
    missing = reviewer.get("/clusters/999999")
    assert missing.status_code == 404 and missing.json()["code"] == "unknown_cluster"
    assert reviewer.get("/clusters/0").status_code == 422
    # The parties' own view of a case shows neither the cluster nor the priority's terms.
    mine = consumer.get(f"/cases/{cluster_in_review[0].reference}").json()
    assert mine.get("cluster") is None and mine.get("priority_terms") is None
