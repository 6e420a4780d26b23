"""Retention (rulebook v4 [retention]): the worker purges what has expired, never a case under appeal or a
legal hold, logs each purge, and the case's hash-chained log still verifies afterwards."""

from datetime import datetime, timedelta

import pytest
from django.core.files.storage import default_storage

from plaint.cases import chain
from plaint.cases.models import CaseEvent, CaseMessage
from plaint.evidence.models import Evidence
from plaint.notifications import worker
from plaint.notifications.models import Notification
from plaint.privacy import holds, retention
from plaint.privacy.models import Purge
from tests import factories as f
from tests.api_client import ApiClient
from tests.appeals.conftest import CST

LATER = datetime(2030, 1, 5, 10, 0, tzinfo=CST)  # more than three years after the cases closed


def _files(case) -> list[str]:
    return [n for e in Evidence.objects.filter(case=case) for n in (e.file.name, e.shared_file.name) if n]


def test_nothing_is_purged_before_three_years(cases, time_machine):
    time_machine.move_to(datetime(2029, 11, 1, tzinfo=CST))
    report = retention.purge_expired()
    assert (report.cases, report.evidence) == (0, 0)
    assert not Purge.objects.filter(case__isnull=False).exists()


def test_the_expired_case_is_purged_the_appealed_and_held_ones_are_not(
    cases, world, time_machine, django_capture_on_commit_callbacks
):
    plain, appealed, held = cases["plain"], cases["appealed"], cases["held"]
    holds.set_hold(world["supervisor"], held, "Court summons 2026-沪01-123: keep the file")
    files = _files(plain)
    assert files and all(default_storage.exists(n) for n in files)
    time_machine.move_to(LATER)

    with django_capture_on_commit_callbacks(execute=True):
        report = retention.purge_expired()

    assert (report.cases, report.evidence) == (1, 1)
    plain.report.refresh_from_db()
    assert plain.report.description == retention.REDACTED
    assert CaseMessage.objects.get(case=plain).text == retention.REDACTED
    assert not any(default_storage.exists(n) for n in files)
    assert set(Evidence.objects.filter(case=plain).values_list("file", flat=True)) == {""}
    # Nothing personal is left in the log's words; the hashes of what went are recorded.
    for event in CaseEvent.objects.filter(case=plain):
        assert "13912345678" not in event.reason and "13912345678" not in str(event.data)
    logged = {p.scope: p for p in Purge.objects.filter(case=plain)}
    assert set(logged) == {"evidence", "case"}
    assert logged["case"].rule == "4:retention.case_years_after_closing"
    assert "report.description" in logged["case"].what["removed_sha256"]
    # The chain verifies after the purge.
    assert chain.verify(plain) == []
    # The appealed and the held cases keep their words and files.
    for kept in (appealed, held):
        kept.report.refresh_from_db()
        assert kept.report.description != retention.REDACTED
        assert not Purge.objects.filter(case=kept).exists()
        assert all(default_storage.exists(n) for n in _files(kept))


def test_a_redacted_event_edited_again_is_still_reported(cases, time_machine):
    plain = cases["plain"]
    time_machine.move_to(LATER)
    retention.purge_expired()
    purged = CaseEvent.objects.get(case=plain, kind="purged", data__scope="case")
    target = purged.data["redacted"][0]["sequence"]
    CaseEvent.objects.filter(case=plain, sequence=target).update(reason="rewritten afterwards")
    assert [(p.position, p.kind) for p in chain.verify(plain)] == [(target, "edited")]


def test_an_edit_is_not_excused_by_a_purged_event_that_does_not_name_it(cases, time_machine):
    plain = cases["plain"]
    time_machine.move_to(LATER)
    retention.purge_expired()
    named = {
        r["sequence"] for r in CaseEvent.objects.get(case=plain, kind="purged", data__scope="case").data["redacted"]
    }
    other = CaseEvent.objects.filter(case=plain).exclude(sequence__in=named).exclude(kind="purged").first()
    CaseEvent.objects.filter(pk=other.pk).update(reason="quietly changed")
    assert [(p.position, p.kind) for p in chain.verify(plain)] == [(other.sequence, "edited")]


def test_lifting_the_hold_lets_the_next_purge_take_the_case(cases, world, time_machine):
    held = cases["held"]
    holds.set_hold(world["supervisor"], held, "Regulator inquiry SAMR-2026-77")
    time_machine.move_to(LATER)
    retention.purge_expired()
    assert not Purge.objects.filter(case=held).exists()
    holds.lift_hold(world["supervisor"], held, "Inquiry closed without action")
    retention.purge_expired()
    assert set(Purge.objects.filter(case=held).values_list("scope", flat=True)) == {"evidence", "case"}
    assert chain.verify(held) == []
    kinds = list(CaseEvent.objects.filter(case=held).values_list("kind", flat=True))
    assert kinds.count("legal_hold_set") == 1 and kinds.count("legal_hold_lifted") == 1 and "purged" in kinds


def test_a_photo_shared_with_another_case_stays_for_that_case(world, time_machine, django_capture_on_commit_callbacks):
    from .conftest import withdrawn

    old = withdrawn(world)
    time_machine.move_to(datetime(2028, 6, 1, tzinfo=CST))
    young = withdrawn(world)  # the same photo and chat log, closed later
    time_machine.move_to(LATER)
    with django_capture_on_commit_callbacks(execute=True):
        retention.purge_expired()
    assert Purge.objects.filter(case=old, scope="evidence").exists()
    assert not Purge.objects.filter(case=young).exists()
    assert all(default_storage.exists(n) for n in _files(young))


def test_the_consumer_is_pseudonymised_with_the_last_case_and_old_notices_go(world, time_machine):
    from .conftest import withdrawn

    case = withdrawn(world)
    assert Notification.objects.filter(user=world["consumer"]).exists()
    time_machine.move_to(LATER)
    report = retention.purge_expired()
    consumer = case.reporter
    consumer.refresh_from_db()
    assert consumer.name.startswith("已清除/purged-") and consumer.phone == "" and consumer.email == ""
    assert report.notifications > 0 and not Notification.objects.filter(user=world["consumer"]).exists()
    assert Purge.objects.filter(scope="consumer").exists() and Purge.objects.filter(scope="notifications").exists()


def test_the_worker_runs_the_purge(cases, time_machine):
    assert "plaint.privacy.retention.run_if_due" in worker.PERIODIC_JOBS
    time_machine.move_to(LATER)
    retention._last_run.clear()
    assert retention.run_if_due(LATER) is not None
    assert Purge.objects.filter(case=cases["plain"], scope="case").exists()
    # Once an hour per worker: a second pass within the hour does nothing.
    assert retention.run_if_due(LATER + timedelta(minutes=5)) is None


def test_the_purged_evidence_file_answers_a_clear_404(cases, world, time_machine):
    plain = cases["plain"]
    time_machine.move_to(LATER)
    retention.purge_expired()
    evidence = Evidence.objects.filter(case=plain).first()
    staff = ApiClient(f.token(world["supervisor"]))
    response = staff.get(f"/cases/{plain.reference}/evidence/{evidence.pk}/file")
    assert response.status_code == 404 and response.json()["code"] == "evidence_purged"


@pytest.mark.parametrize("role", ["consumer", "reviewer", "staff"])
def test_only_supervisors_and_admins_set_holds(cases, world, role):
    client = ApiClient(f.token(world[role]))
    response = client.post_json(f"/cases/{cases['held'].reference}/legal-hold", {"reason": "a long enough reason"})
    assert response.status_code in (403, 404)
    assert not cases["held"].legal_holds.exists()


def test_holds_through_the_api_with_reason_and_refusals(cases, world):
    boss = ApiClient(f.token(world["supervisor"]))
    ref = cases["held"].reference
    short = boss.post_json(f"/cases/{ref}/legal-hold", {"reason": "x"})
    assert short.status_code == 422 and short.json()["field"] == "reason"
    made = boss.post_json(f"/cases/{ref}/legal-hold", {"reason": "Lawsuit by the consumer, court ref 123"})
    assert made.status_code == 201 and made.json()["held"] is True
    assert boss.post_json(f"/cases/{ref}/legal-hold", {"reason": "again, once more"}).status_code == 409
    lifted = boss.post_json(f"/cases/{ref}/legal-hold/lift", {"reason": "Lawsuit withdrawn"})
    assert lifted.status_code == 200 and lifted.json()["held"] is False
    assert boss.post_json(f"/cases/{ref}/legal-hold/lift", {"reason": "Lawsuit withdrawn"}).status_code == 409


def test_the_purge_log_is_for_supervisors(cases, world, time_machine):
    time_machine.move_to(LATER)
    retention.purge_expired()
    rows = ApiClient(f.token(world["supervisor"])).get("/staff/purges").json()
    assert {r["scope"] for r in rows} >= {"evidence", "case"}
    assert ApiClient(f.token(world["staff"])).get("/staff/purges").status_code == 403
    assert ApiClient(f.token(world["consumer"])).get("/staff/purges").status_code == 403
