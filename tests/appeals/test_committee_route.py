"""Appeals the rulebook (version 3, from 7 December 2026) sends to the committee: drawn, voted, enforced."""

from datetime import datetime

import pytest

from plaint.cases import actions
from plaint.cases.actions.appeals import file_appeal
from plaint.cases.models import Appeal
from plaint.committee.draw import verify
from plaint.committee.models import Panel
from plaint.committee.votes import cast_vote
from plaint.enforcement.models import Measure, PointEntry, RemedyInstruction
from plaint.evidence.actions import Upload
from tests import factories as f
from tests.api_client import ApiClient
from tests.appeals.conftest import CST, decided, sent
from tests.committee.helpers import conflict, member

FIELDS = ["not_as_described", "counterfeit"]
OVERTURN = "标签照片清楚显示商品与描述不符，原决定忽视了这一点。The label shows the goods differ from the listing."
CONFIRM = "The first decision weighed the photos fairly; the difference is within the listing's tolerance."


@pytest.fixture
def v3(world, time_machine):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))  # version 3 is in force
    members = {
        "consumer_rep": [member("consumer_rep") for _ in range(4)],
        "expert": [member("expert", fields=FIELDS) for _ in range(4)],
        "lawyer": [member("lawyer") for _ in range(4)],
    }
    # One lawyer has declared a tie to the merchant: never drawn for its cases.
    conflicted = members["lawyer"][0]
    conflict(conflicted, "merchant", world["shop"].external_id)
    return world | {"members": members, "conflicted": conflicted}


def _vote(panel: Panel, choices: list[tuple[str, str, dict | None]]) -> None:
    for seat, (choice, reasons, variation) in zip(panel.seats.order_by("position"), choices, strict=True):
        cast_vote(seat.member.user, panel.pk, choice, reasons, variation)


def test_the_consumer_wins_before_a_panel_of_three_with_a_dissent(v3, receiver):
    case = decided(v3, "not_upheld", category="not_as_described")
    assert case.rulebook_version in ("3", "4")  # version 3's routes, kept by version 4
    # The first statement names the appeal open to the consumer, its deadline and who decides it.
    said = case.decisions.get().statement["appeal"]
    assert "a panel drawn from the independent appeals committee decides it" in said["en"]
    assert said["reporter_appeal_until"] and "独立申诉委员会" in said["zh"]
    appeal = file_appeal(
        v3["consumer"], case, "outcome", OVERTURN, [Upload("label.jpg", f.jpeg(), "photo_of_product")]
    ).appeal
    assert (appeal.route, appeal.state) == ("committee", "answer_window")
    assert not Panel.objects.exists()  # the merchant answers first
    actions.answer_appeal(v3["staff"], appeal, "商品与描述一致。The goods match the listing.")

    panel = Panel.objects.get(subject=f"appeal:{appeal.pk}")
    assert panel.composition == ["consumer_rep", "expert", "lawyer"] and panel.state == "voting"
    assert v3["conflicted"].pk not in panel.pool["lawyer"]
    assert verify(panel)["matches"]
    # The panel's clock is [sla.committee]'s; a member who has not voted by 60% of it is replaced.
    seats = list(panel.seats.order_by("position"))
    assert all(s.vote_due_at is not None and s.vote_due_at < panel.due_at for s in seats)
    drawn = sent(receiver, "appeal.panel_drawn")
    assert [d["panel"]["seats"] for d in drawn] == [["consumer_rep", "expert", "lawyer"]]

    client = ApiClient(f.token(v3["consumer"]))
    body = client.get(f"/appeals/{appeal.pk}").json()
    assert body["panel"]["state"] == "voting" and body["panel"]["seed"] == panel.seed

    _vote(panel, [("overturn", OVERTURN, None), ("overturn", OVERTURN, None), ("confirm", CONFIRM, None)])
    appeal.refresh_from_db()
    assert (appeal.state, appeal.result, appeal.decided_by) == ("decided", "overturned", None)
    statement = appeal.statement
    assert statement["panel"]["counts"] == {"confirm": 1, "vary": 0, "overturn": 2}
    assert [(d["seat"], d["choice"]) for d in statement["panel"]["dissent"]] == [("lawyer", "confirm")]
    assert CONFIRM in statement["en"] and "Dissent (lawyer, confirm)" in statement["en"]
    assert "少数意见（律师，维持）" in statement["zh"] and "独立申诉委员会" in statement["zh"]
    assert statement["effect"]["outcome_after"] == "upheld"

    # Enforced like a first decision: the remedy instruction, the points, the webhooks.
    [instruction] = RemedyInstruction.objects.filter(case=case)
    assert instruction.decision.appeal_id == appeal.pk
    assert PointEntry.objects.filter(merchant=v3["shop"], revoked_at__isnull=True).exists()
    [decided_hook] = sent(receiver, "appeal.decided")
    assert (
        decided_hook["appeal"]["result"] == "overturned" and decided_hook["statement"]["panel"]["panel_id"] == panel.pk
    )
    assert sent(receiver, "remedy.instructed")
    case.refresh_from_db()
    assert case.events.filter(kind="panel_drawn").exists() and case.events.filter(kind="appeal_decided").exists()


def test_the_merchant_s_penalty_is_varied_by_a_panel_of_five(v3, receiver):
    for seat in ("consumer_rep", "lawyer"):
        v3["members"][seat].append(member(seat))
    case = decided(v3, "upheld", category="counterfeit")
    before = sum(
        PointEntry.objects.filter(merchant=v3["shop"], revoked_at__isnull=True).values_list("points", flat=True)
    )
    [restriction] = Measure.objects.filter(merchant=v3["shop"], kind="listing_restriction", revoked_at__isnull=True)
    # Through the API, end to end: the merchant files, each member votes with their own token.
    filed = ApiClient(f.token(v3["staff"])).post_form(
        f"/cases/{case.reference}/appeals",
        {"appealed": "penalty", "grounds": "首次违规，已下架整改。First breach; the listing is gone."},
    )
    assert filed.status_code == 201, filed.content
    appeal = Appeal.objects.get(pk=filed.json()["id"])
    assert (appeal.route, appeal.state) == ("committee", "awaiting_decision")  # the penalty is not answered

    panel = Panel.objects.get(subject=f"appeal:{appeal.pk}")
    assert len(panel.composition) == 5  # counterfeit is on the serious track
    vary = {"points": 6, "lift_measures": [restriction.pk]}
    reasons = "A first breach, promptly corrected: half the points, and the restriction lifted."
    choices = [("vary", reasons, vary)] * 3 + [("confirm", CONFIRM, None)] * 2
    seats = list(panel.seats.order_by("position").select_related("member__user"))
    seated = {s.member_id for s in seats}
    outsider = next(m for group in v3["members"].values() for m in group if m.pk not in seated)
    refused = ApiClient(f.token(outsider.user)).post_json(
        f"/committee/panels/{panel.pk}/votes", {"choice": "confirm", "reasons": CONFIRM}
    )
    assert refused.status_code == 404  # a member not on the panel cannot even tell it exists
    for seat, (choice, why, variation) in zip(seats, choices, strict=True):
        body = {"choice": choice, "reasons": why} | ({"variation": variation} if variation else {})
        voted = ApiClient(f.token(seat.member.user)).post_json(f"/committee/panels/{panel.pk}/votes", body)
        assert voted.status_code == 201, voted.content

    appeal.refresh_from_db()
    assert (appeal.result, appeal.variation) == ("varied", vary)
    after = sum(
        PointEntry.objects.filter(merchant=v3["shop"], revoked_at__isnull=True).values_list("points", flat=True)
    )
    assert (before, after) == (12, 6)
    restriction.refresh_from_db()
    assert restriction.revoked_at is not None
    # Below the ladder's 12 points, the warning goes too: every measure the points alone held up.
    lifted = {m["measure_id"] for m in sent(receiver, "measure.lifted")}
    assert lifted == set(Measure.objects.filter(merchant=v3["shop"]).values_list("pk", flat=True))
    assert appeal.statement["effect"]["points_after"] == 6


def test_too_few_eligible_members_leave_the_appeal_waiting_visibly(world, time_machine, receiver):
    time_machine.move_to(datetime(2026, 12, 8, 10, 0, tzinfo=CST))
    member("consumer_rep"), member("expert", fields=FIELDS)  # no lawyer
    case = decided(world, "upheld", category="not_as_described")
    appeal = file_appeal(world["staff"], case, "points", "The points are too many for a first breach.").appeal
    panel = Panel.objects.get(subject=f"appeal:{appeal.pk}")
    assert panel.state == "waiting_for_members" and panel.missing == {"lawyer": 1}
    assert not panel.seats.exists()  # never a smaller panel
    body = ApiClient(f.token(world["staff"])).get(f"/appeals/{appeal.pk}").json()
    assert body["state"] == "awaiting_decision" and body["panel"]["missing"] == {"lawyer": 1}
    assert not sent(receiver, "appeal.panel_drawn")


def test_a_supervisor_cannot_decide_what_the_committee_decides(v3):
    case = decided(v3, "upheld", category="not_as_described")
    appeal = file_appeal(v3["staff"], case, "points", "The points are too many for a first breach.").appeal
    reply = ApiClient(f.token(v3["other_supervisor"])).post_json(
        f"/appeals/{appeal.pk}/decision", {"result": "confirmed", "reasons": "Looks right to me on the file."}
    )
    assert reply.status_code == 409 and reply.json()["code"] == "appeal_for_committee"
    assert Appeal.objects.get(pk=appeal.pk).state == "awaiting_decision"


def test_the_merchant_and_the_panel_read_the_consumer_s_words_without_her_phone_or_e_mail(v3):
    case = decided(v3, "not_upheld", category="not_as_described")
    grounds = "请联系我 13912345678 或 li.na@example.cn，身份证 110101199003071234。Call me."
    appeal = file_appeal(v3["consumer"], case, "outcome", grounds).appeal
    merchant = ApiClient(f.token(v3["staff"])).get(f"/appeals/{appeal.pk}").json()
    assert "13912345678" not in merchant["grounds"] and "li.na@example.cn" not in merchant["grounds"]
    assert "110101199003071234" not in merchant["grounds"] and "[电话/phone]" in merchant["grounds"]
    assert ApiClient(f.token(v3["consumer"])).get(f"/appeals/{appeal.pk}").json()["grounds"] == grounds
    detail = ApiClient(f.token(v3["staff"])).get(f"/cases/{case.reference}").json()
    assert detail["appeals"][0]["grounds"] == merchant["grounds"]
