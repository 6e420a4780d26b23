"""The case log's hash chain: written by every step, and any edit, insertion or deletion made in SQL is named.

The rows are changed with a raw cursor, as someone with database access would, never through the models.
"""

from datetime import datetime, timedelta, timezone
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from plaint.accounts.models import Role
from plaint.cases import actions, chain
from plaint.cases.inputs import DecisionIn, ReportIn, ResponseIn
from plaint.cases.models import Case, CaseEvent, Decision
from plaint.db import insert_many
from plaint.errors import Refused
from plaint.evidence.actions import Upload
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
CST = timezone(timedelta(hours=8))
TABLE = CaseEvent._meta.db_table


@pytest.fixture
def world(time_machine):
    time_machine.move_to(datetime(2026, 12, 3, 10, 0, tzinfo=CST))
    shop = f.merchant("M-A", name="Shop A")
    f.order(shop, "C1", external_id="O-0")  # makes the consumer
    return {
        "shop": shop,
        "consumer": f.consumer_user("C1"),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR),
        "staff": f.user(Role.MERCHANT, merchant=shop),
    }


def decided(world, number: int = 1) -> Case:
    """File, contest and decide an order report (upheld); return the case with a long chain."""
    from django.utils import timezone as tz

    order = f.order(world["shop"], "C1", external_id=f"O-{number}", delivered_at=tz.now() - timedelta(days=1))
    data = ReportIn(target_type="order", target_id=order.external_id, category="counterfeit", description="假货 fake")
    case = actions.file_report(world["consumer"], data, [Upload("p.jpg", f.jpeg(), "photo_of_product")]).case
    actions.respond_as_merchant(world["staff"], case, ResponseIn(kind="contest", explanation="正品 genuine"))
    actions.claim_case(world["reviewer"], case)
    actions.decide_case(
        world["reviewer"],
        case,
        DecisionIn(outcome="upheld", reason_codes=["violation_established"], statement="依据证据。On the evidence."),
    )
    case.refresh_from_db()
    return case


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def event_at(case: Case, position: int) -> CaseEvent:
    return CaseEvent.objects.get(case=case, sequence=position)


def verify_log(*args: str) -> str:
    out = StringIO()
    call_command("verify_log", *args, stdout=out)
    return out.getvalue()


def failing_verify_log(*args: str) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_log", *args, stdout=out)
    return out.getvalue(), str(failure.value)


def test_every_step_appends_to_one_chain_that_verifies(world):
    case = decided(world)
    events = list(CaseEvent.objects.filter(case=case).order_by("sequence"))
    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert len(events) >= 8  # filed, evidence, admitted, clocks, response, claim, decision…
    assert events[0].prev_hash == ""
    for before, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == before.hash
        assert event.hash == chain.hash_of(event, case.reference)
    decide = next(e for e in events if e.kind == "decide")
    decision = Decision.objects.get(case=case)
    assert decide.data["decision_sha256"] == chain.decision_digest(decision)
    assert chain.verify(case) == []
    assert "1 case log(s) checked: every chain is intact." in verify_log()


def test_an_event_edited_in_sql_is_named_by_case_and_position(world):
    case, other = decided(world, 1), decided(world, 2)
    target = event_at(case, 3)
    sql(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["nothing happened", target.pk])

    out, error = failing_verify_log()
    assert f"{case.reference} #3: edited" in out
    assert other.reference not in out  # the other case's chain is intact
    assert "1 of 2 case log(s) do not match" in error
    assert [(p.position, p.kind) for p in chain.verify(case)] == [(3, "edited")]


def test_edited_data_and_time_are_seen_too(world):
    case = decided(world)
    sql(f"UPDATE {TABLE} SET at = %s WHERE id = %s", [datetime(2026, 12, 1, tzinfo=CST), event_at(case, 2).pk])
    decide = CaseEvent.objects.get(case=case, kind="decide")
    data = dict(decide.data, outcome="not_upheld")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET data = %s WHERE id = %s", [__import__("json").dumps(data), decide.pk])
    problems = [(p.position, p.kind) for p in chain.verify(case)]
    assert problems == [(2, "edited"), (decide.sequence, "edited")]


def test_a_deleted_event_is_named_by_its_position(world):
    case = decided(world)
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [event_at(case, 4).pk])
    out, _ = failing_verify_log("--case", case.reference)
    assert out.strip() == f"{case.reference} #4: deleted: the event at this position is missing"


def test_a_deleted_event_with_the_rest_renumbered_breaks_the_link(world):
    case = decided(world)
    last = chain.head(case.pk)[0]
    sql(f"DELETE FROM {TABLE} WHERE id = %s", [event_at(case, 4).pk])
    for position in range(5, last + 1):  # close the gap, as a careful forger would
        sql(f"UPDATE {TABLE} SET sequence = %s WHERE case_id = %s AND sequence = %s", [position - 1, case.pk, position])
    problems = chain.verify(case)
    assert (4, "relinked") in [(p.position, p.kind) for p in problems]
    assert all(p.case == case.reference for p in problems)


def test_an_event_inserted_in_the_middle_is_named(world):
    case = decided(world)
    last = chain.head(case.pk)[0]
    for position in range(last, 2, -1):  # make room at position 3
        sql(f"UPDATE {TABLE} SET sequence = %s WHERE case_id = %s AND sequence = %s", [position + 1, case.pk, position])
    second = event_at(case, 2)
    forged = chain.event_hash(
        reference=case.reference, sequence=3, kind="withdraw", actor_id=None, actor_role="system", at=second.at,
        from_state="", to_state="withdrawn", reason="forged", rulebook_version="2", visibility="parties", data={},
        prev_hash=second.hash,
    )  # fmt: skip
    sql(
        f"INSERT INTO {TABLE} (case_id, kind, actor_role, at, from_state, to_state, reason, rulebook_version, data, "
        "visibility, sequence, prev_hash, hash) VALUES (%s, 'withdraw', 'system', %s, '', 'withdrawn', 'forged', "
        "'2', '{}', 'parties', 3, %s, %s)",
        [case.pk, second.at, second.hash, forged],
    )
    problems = [(p.position, p.kind) for p in chain.verify(case)]
    assert problems[0] == (3, "inserted")  # a correct hash, but the next event does not point at it
    out, _ = failing_verify_log("--case", case.reference)
    assert f"{case.reference} #3: inserted" in out


def test_an_event_added_at_the_end_without_the_chain_is_named(world):
    case = decided(world)
    last, head = chain.head(case.pk)
    sql(
        f"INSERT INTO {TABLE} (case_id, kind, actor_role, at, from_state, to_state, reason, rulebook_version, data, "
        "visibility, sequence, prev_hash, hash) VALUES (%s, 'withdraw', 'system', %s, '', '', '', '2', '{}', "
        "'parties', %s, %s, %s)",
        [case.pk, datetime(2026, 12, 3, tzinfo=CST), last + 1, head, "0" * 64],
    )
    assert [(p.position, p.kind) for p in chain.verify(case)] == [(last + 1, "edited")]


def test_deleting_the_newest_events_is_seen_against_a_head_kept_outside(world):
    case = decided(world)
    last, head = chain.head(case.pk)
    sql(f"DELETE FROM {TABLE} WHERE case_id = %s AND sequence = %s", [case.pk, last])
    assert chain.verify(case) == []  # no gap: the chain alone cannot tell
    out, _ = failing_verify_log("--case", case.reference, "--head", head)
    assert f"{case.reference} #{last - 1}: head_missing" in out
    earlier = event_at(case, 2).hash
    assert "intact" in verify_log("--case", case.reference, "--head", earlier)


def test_a_decision_edited_in_sql_is_named_with_its_event(world):
    case = decided(world)
    decision = Decision.objects.get(case=case)
    sql(f"UPDATE {Decision._meta.db_table} SET points = %s WHERE id = %s", [0, decision.pk])
    decide = CaseEvent.objects.get(case=case, kind="decide")
    assert [(p.position, p.kind) for p in chain.verify(case)] == [(decide.sequence, "decision_edited")]


def test_two_writers_from_one_head_cannot_fork_the_chain(world):
    case = decided(world)
    last, head = chain.head(case.pk)
    # A writer that read the head before another appended: it writes the same position again.
    stale = CaseEvent(case=case, kind="note", actor_role="system", at=case.opened_at, rulebook_version="2")
    stale.sequence, stale.prev_hash, stale.hash = last, event_at(case, last - 1).hash, "f" * 64
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many([stale])
    # chain.append turns the refusal into the 409 a person sees, and writes nothing.
    with pytest.raises(Refused) as refused, transaction.atomic():
        chain.append(case, [CaseEvent(case=case, kind="note", actor_role="system", at=case.opened_at)], new_case=True)
    assert refused.value.code == "concurrent_change"
    assert chain.head(case.pk) == (last, head)


def test_events_are_written_only_through_the_chain(world):
    case = decided(world)
    with pytest.raises(RuntimeError, match="chain.append"):
        CaseEvent.objects.create(case=case, kind="note", actor_role="system", at=case.opened_at)


def test_the_supervisor_api_verifies_and_staff_see_the_head(world):
    case = decided(world)
    supervisor = ApiClient(f.token(world["supervisor"]))
    body = supervisor.get(f"/cases/{case.reference}/log/verify").json()
    last, head = chain.head(case.pk)
    assert body == {"case": case.reference, "intact": True, "events": last, "head": {"sequence": last, "hash": head},
                    "problems": []}  # fmt: skip
    assert supervisor.get(f"/cases/{case.reference}").json()["log_head"] == {"sequence": last, "hash": head}

    sql(f"UPDATE {TABLE} SET reason = 'x' WHERE id = %s", [event_at(case, 2).pk])
    body = supervisor.get(f"/cases/{case.reference}/log/verify").json()
    assert body["intact"] is False
    assert body["problems"] == [
        {"position": 2, "kind": "edited", "detail": "'evidence_added' no longer matches its hash"}
    ]

    reviewer = ApiClient(f.token(world["reviewer"])).get(f"/cases/{case.reference}/log/verify")
    assert reviewer.status_code == 403 and reviewer.json()["code"] == "not_a_supervisor"
    consumer = ApiClient(f.token(world["consumer"]))
    assert consumer.get(f"/cases/{case.reference}/log/verify").status_code == 403
    assert consumer.get(f"/cases/{case.reference}").json()["log_head"] is None  # parties do not get it


def test_the_review_page_shows_the_head_to_staff(world, client):
    case = decided(world)
    client.force_login(world["reviewer"])
    page = client.get(f"/review/cases/{case.reference}/")
    assert page.status_code == 200
    assert chain.head(case.pk)[1] in page.content.decode()
