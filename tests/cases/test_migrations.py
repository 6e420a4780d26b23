"""Migrations that change data: run against rows made at the migration before them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("cases", "0007_drop_case_warned_at")]
AFTER = [("cases", "0008_one_open_case_per_matter")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_open_duplicates_already_there_keep_their_cases_and_the_oldest_takes_the_matter():
    apps = _migrate(BEFORE)
    try:
        Merchant = apps.get_model("marketplace", "Merchant")
        Consumer = apps.get_model("marketplace", "Consumer")
        Order = apps.get_model("marketplace", "Order")
        User = apps.get_model("accounts", "User")
        Report = apps.get_model("cases", "Report")
        Case = apps.get_model("cases", "Case")
        now = timezone.now()
        shop = Merchant.objects.create(external_id="M-1", name="s", country="JP")
        consumer = Consumer.objects.create(external_id="C-1", name="c")
        order = Order.objects.create(external_id="O-1", consumer=consumer, merchant=shop, amount_paid=1, paid_at=now)
        user = User.objects.create(username="u")

        def case(reference, state, minutes, category="expired_goods"):
            report = Report.objects.create(
                reporter=consumer, filed_by=user, channel="web", target_type="order", order=order, merchant=shop,
                category=category, description="d", remedy_wanted="refund", submitted_at=now,
            )  # fmt: skip
            opened = now - timezone.timedelta(minutes=minutes)
            return Case.objects.create(
                reference=reference, report=report, merchant=shop, reporter=consumer, category=category,
                channel="web", state=state, rulebook_version="1", opened_at=opened, updated_at=opened,
            )  # fmt: skip

        case("PL-OLD1-0000", "awaiting_merchant", 30)
        case("PL-NEW1-0000", "awaiting_review", 10)  # the same matter, opened before the constraint existed
        case("PL-DONE-0000", "decided", 60)
        case("PL-OTHR-0000", "needs_evidence", 5, category="not_as_described")

        apps = _migrate(AFTER)
        Case = apps.get_model("cases", "Case")
        matters = dict(Case.objects.values_list("reference", "matter"))
        key = f"{consumer.pk}/order/{order.pk}"
        assert matters == {
            "PL-OLD1-0000": f"{key}/expired_goods",
            "PL-NEW1-0000": None,  # kept, open, but the matter is the older case's
            "PL-DONE-0000": None,  # closed cases need none
            "PL-OTHR-0000": f"{key}/not_as_described",
        }
    finally:
        _migrate(_latest())


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_penalty_appeals_become_merchant_appeals_of_the_penalty_with_their_ids_and_states():
    apps = _migrate([("cases", "0010_appeals"), ("enforcement", "0004_rectifications")])
    try:
        Merchant = apps.get_model("marketplace", "Merchant")
        Consumer = apps.get_model("marketplace", "Consumer")
        User = apps.get_model("accounts", "User")
        Report = apps.get_model("cases", "Report")
        Case = apps.get_model("cases", "Case")
        Decision = apps.get_model("cases", "Decision")
        PenaltyAppeal = apps.get_model("enforcement", "PenaltyAppeal")
        now = timezone.now()
        shop = Merchant.objects.create(external_id="M-1", name="s", country="JP")
        consumer = Consumer.objects.create(external_id="C-1", name="c")
        staff = User.objects.create(username="staff")
        boss = User.objects.create(username="boss")
        decisions = []
        for n in range(3):
            report = Report.objects.create(
                reporter=consumer, filed_by=staff, channel="web", target_type="merchant", merchant=shop,
                category="counterfeit", description="d", remedy_wanted="none", submitted_at=now,
            )  # fmt: skip
            case = Case.objects.create(
                reference=f"PL-MIG{n}-0000", report=report, merchant=shop, reporter=consumer, category="counterfeit",
                channel="web", state="decided", rulebook_version="1", opened_at=now, updated_at=now,
            )  # fmt: skip
            decision = Decision.objects.create(
                case=case, outcome="upheld", remedy="none", points=12, decided_at=now, rulebook_version="1",
                statement={},
            )  # fmt: skip
            decisions.append(decision)
        pending = PenaltyAppeal.objects.create(decision=decisions[0], filed_by=staff, grounds="g0", filed_at=now)
        overturned = PenaltyAppeal.objects.create(
            decision=decisions[1], filed_by=staff, grounds="g1", filed_at=now, state="overturned",
            decided_by=boss, decided_at=now, reasons="wrong batch",
        )  # fmt: skip
        rejected = PenaltyAppeal.objects.create(
            decision=decisions[2], filed_by=staff, grounds="g2", filed_at=now, state="rejected",
            decided_by=boss, decided_at=now, reasons="no new evidence",
        )  # fmt: skip

        apps = _migrate(_latest())
        Appeal = apps.get_model("cases", "Appeal")
        rows = {a.pk: a for a in Appeal.objects.all()}
        assert set(rows) == {pending.pk, overturned.pk, rejected.pk}  # the same ids: clocks and events name them
        for appeal in rows.values():
            assert (appeal.party, appeal.appealed, appeal.route) == ("merchant", "penalty", "reconsideration")
            assert appeal.filed_by_id == staff.pk and appeal.rulebook_version == "1"
        assert (rows[pending.pk].state, rows[pending.pk].result, rows[pending.pk].case_id) == (
            "awaiting_decision", "", decisions[0].case_id,
        )  # fmt: skip
        assert (rows[overturned.pk].state, rows[overturned.pk].result, rows[overturned.pk].reasons) == (
            "decided", "overturned", "wrong batch",
        )  # fmt: skip
        assert (rows[rejected.pk].state, rows[rejected.pk].result, rows[rejected.pk].decided_by_id) == (
            "decided", "confirmed", boss.pk,
        )  # fmt: skip
        # New rows take ids after the migrated ones (PostgreSQL's sequence was moved past them).
        fresh = Appeal.objects.create(
            case_id=decisions[0].case_id, party="reporter", filed_by_id=staff.pk, grounds="g", appealed="outcome",
            route="reconsideration", rulebook_version="1", filed_at=now, decision_id=decisions[0].pk,
        )  # fmt: skip
        assert fresh.pk > max(rows)
        assert "penaltyappeal" not in {m._meta.model_name for m in apps.get_app_config("enforcement").get_models()}
    finally:
        _migrate(_latest())


@pytest.mark.django_db(transaction=True)
def test_existing_events_are_chained_in_timeline_order_and_verify():
    from plaint.cases import chain
    from plaint.cases.models import Case as LiveCase

    apps = _migrate([("cases", "0013_appeal_statement")])
    try:
        Merchant = apps.get_model("marketplace", "Merchant")
        Consumer = apps.get_model("marketplace", "Consumer")
        User = apps.get_model("accounts", "User")
        Report = apps.get_model("cases", "Report")
        Case = apps.get_model("cases", "Case")
        CaseEvent = apps.get_model("cases", "CaseEvent")
        now = timezone.now()
        shop = Merchant.objects.create(external_id="M-1", name="s", country="JP")
        consumer = Consumer.objects.create(external_id="C-1", name="c")
        user = User.objects.create(username="u")
        cases = []
        for n in range(2):
            report = Report.objects.create(
                reporter=consumer, filed_by=user, channel="web", target_type="merchant", merchant=shop,
                category="counterfeit", description="d", remedy_wanted="none", submitted_at=now,
            )  # fmt: skip
            case = Case.objects.create(
                reference=f"PL-CHN{n}-0000", report=report, merchant=shop, reporter=consumer, category="counterfeit",
                channel="web", state="awaiting_review", rulebook_version="1", opened_at=now, updated_at=now,
            )  # fmt: skip
            cases.append(case)
            # Written out of time order: the later event first.
            for kind, minutes in (("admit", 1), ("filed", 0), ("contest", 5)):
                CaseEvent.objects.create(
                    case=case, kind=kind, actor=user, actor_role="consumer",
                    at=now + timezone.timedelta(minutes=minutes), rulebook_version="1",
                    data={"说明": "原有", "n": minutes},
                )  # fmt: skip

        apps = _migrate(_latest())
        CaseEvent = apps.get_model("cases", "CaseEvent")
        for case in cases:
            rows = list(CaseEvent.objects.filter(case_id=case.pk).order_by("sequence"))
            assert [(r.sequence, r.kind) for r in rows] == [(1, "filed"), (2, "admit"), (3, "contest")]
            assert rows[0].prev_hash == "" and rows[1].prev_hash == rows[0].hash
            assert chain.verify(LiveCase.objects.get(pk=case.pk)) == []
        assert rows[0].hash != CaseEvent.objects.get(case_id=cases[0].pk, sequence=1).hash  # the case is in the hash
    finally:
        _migrate(_latest())
