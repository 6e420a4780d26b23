"""The marketplace confirms a remedy's execution or reports its failure; the parties read it (issue 17 item 4)."""

import pytest

from tests.remedies.conftest import accepted, paid, sent

pytestmark = pytest.mark.django_db


def test_the_instruction_names_the_remedy_and_its_confirmation_deadline(world, receiver):
    case = accepted(world)
    [remedy] = case["remedies"]
    assert remedy["state"] == "instructed" and remedy["total"] == "424.79"
    [instructed] = sent(receiver, "remedy.instructed")
    assert instructed["remedy_id"] == remedy["id"]
    # v3 [remedy_execution] confirm_days = 3
    assert instructed["confirm_by"] == remedy["confirm_due_at"]
    assert remedy["confirm_due_at"].startswith("2026-12-11T02:00:")


def test_confirmed_execution_is_read_by_every_side_and_sent_once(world, receiver):
    case = accepted(world)
    remedy_id = case["remedies"][0]["id"]
    first = paid(world, remedy_id)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["state"] == "executed" and body["reference"] == "PAY-1" and body["executed_amount"] == "424.79"
    for side in ("consumer", "merchant", "agent"):
        [remedy] = world[side].get(f"/cases/{case['reference']}").json()["remedies"]
        assert remedy["state"] == "executed" and remedy["executed_at"] == body["executed_at"], side
    timeline = world["consumer"].get(f"/cases/{case['reference']}").json()["timeline"]
    assert timeline[-1]["kind"] == "remedy_executed"
    [webhook] = sent(receiver, "remedy.executed")
    assert webhook["reference"] == "PAY-1" and webhook["remedy_id"] == remedy_id and webhook["short_by"] is None


def test_the_same_reference_again_is_the_same_confirmation(world, receiver):
    remedy_id = accepted(world)["remedies"][0]["id"]
    first = paid(world, remedy_id)
    again = paid(world, remedy_id)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(sent(receiver, "remedy.executed")) == 1


def test_another_reference_after_confirmation_is_refused_naming_the_first(world):
    remedy_id = accepted(world)["remedies"][0]["id"]
    paid(world, remedy_id, reference="PAY-1")
    other = paid(world, remedy_id, reference="PAY-2")
    assert other.status_code == 409
    assert other.json()["code"] == "remedy_already_confirmed"
    assert other.json()["details"]["reference"] == "PAY-1"
    assert "PAY-1" in other.json()["message"]


def test_a_short_payment_is_recorded_as_short(world, receiver):
    remedy_id = accepted(world)["remedies"][0]["id"]
    assert paid(world, remedy_id, amount="389.00").status_code == 200
    [webhook] = sent(receiver, "remedy.executed")
    assert webhook["short_by"] == "35.79"


@pytest.mark.parametrize("side", ["consumer", "merchant", "agent", "reviewer", "admin"])
def test_only_the_marketplace_and_supervisors_confirm(world, side):
    remedy_id = accepted(world)["remedies"][0]["id"]
    refused = paid(world | {"marketplace": world[side]}, remedy_id)
    assert refused.status_code == 403 and refused.json()["code"] == "not_the_marketplace"
    failed = world[side].post_json(f"/remedies/{remedy_id}/failed", {"reason": "x"})
    assert failed.status_code == 403
    assert paid(world | {"marketplace": world["supervisor"]}, remedy_id).status_code == 200


def test_a_remedy_of_another_consumers_case_is_not_found(world):
    remedy_id = accepted(world)["remedies"][0]["id"]
    assert world["other_consumer"].get(f"/remedies/{remedy_id}").status_code == 404
    assert world["consumer"].get(f"/remedies/{remedy_id}").status_code == 200
    assert world["marketplace"].get("/remedies/999999").status_code == 404


@pytest.mark.parametrize(
    "change, field",
    [
        ({"currency": "USD"}, "currency"),
        ({"executed_at": "2026-12-08T10:00:00"}, "executed_at"),
        ({"executed_at": "2027-01-08T10:00:00+08:00"}, "executed_at"),
        ({"reference": ""}, "reference"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "abc"}, "amount"),
    ],
)
def test_bad_confirmations_are_422_naming_the_field(world, change, field):
    remedy_id = accepted(world)["remedies"][0]["id"]
    bad = paid(world, remedy_id, **change)
    assert bad.status_code == 422, bad.content
    assert bad.json()["field"] == field
    assert world["marketplace"].get(f"/remedies/{remedy_id}").json()["state"] == "instructed"


def test_a_failure_is_reported_in_words_and_a_later_payment_still_confirmed(world, receiver):
    case = accepted(world)
    remedy_id = case["remedies"][0]["id"]
    failed = world["marketplace"].post_json(
        f"/remedies/{remedy_id}/failed", {"reason": "银行账户已注销 account closed"}
    )
    assert failed.status_code == 200 and failed.json()["state"] == "failed"
    again = world["marketplace"].post_json(f"/remedies/{remedy_id}/failed", {"reason": "银行账户已注销 account closed"})
    assert again.json() == failed.json()
    [remedy] = world["consumer"].get(f"/cases/{case['reference']}").json()["remedies"]
    assert remedy["failure_reason"] == "银行账户已注销 account closed"
    [webhook] = sent(receiver, "remedy.failed")
    assert webhook["reason"] == "银行账户已注销 account closed"
    assert paid(world, remedy_id).json()["state"] == "executed"
    late = world["marketplace"].post_json(f"/remedies/{remedy_id}/failed", {"reason": "again"})
    assert late.status_code == 409 and late.json()["details"]["reference"] == "PAY-1"


def test_a_failure_needs_a_reason(world):
    remedy_id = accepted(world)["remedies"][0]["id"]
    bad = world["marketplace"].post_json(f"/remedies/{remedy_id}/failed", {"reason": ""})
    assert bad.status_code == 422 and bad.json()["field"] == "reason"
