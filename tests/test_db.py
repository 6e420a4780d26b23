"""plaint.db writes the same rows the ORM's save() and bulk_create() would, on SQLite and PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plaint.accounts.models import ApiToken, Role
from plaint.cases import actions
from plaint.cases.inputs import ReportIn
from plaint.cases.models import CaseEvent
from plaint.db import get_with, insert, insert_many
from plaint.marketplace.models import Merchant, Order
from tests import factories

pytestmark = pytest.mark.django_db


def _row(model, pk, *, leave_out=("id",)):
    row = model.objects.filter(pk=pk).values().get()
    return {name: value for name, value in row.items() if name not in leave_out}


def test_insert_writes_what_save_writes():
    fields = {"name": "大阪药妆 Osaka", "country": "JP", "cross_border": False, "contact_email": "s@example.jp"}
    by_orm = Merchant.objects.create(external_id="M-orm", **fields)
    by_insert = insert(Merchant(external_id="M-ins", **fields))

    assert by_insert.pk is not None and by_insert.pk != by_orm.pk
    assert not by_insert._state.adding
    leave_out = ("id", "external_id", "created_at", "updated_at")
    assert _row(Merchant, by_insert.pk, leave_out=leave_out) == _row(Merchant, by_orm.pk, leave_out=leave_out)
    # auto_now_add / auto_now were filled in, as save() fills them.
    stored = Merchant.objects.get(pk=by_insert.pk)
    assert stored.created_at is not None and stored.updated_at is not None
    assert stored.status == "active"  # the model default


def test_insert_keeps_decimals_times_and_null_foreign_keys():
    merchant = factories.merchant()
    consumer = factories.order(merchant).consumer
    delivered = timezone.now().replace(microsecond=123456) - timedelta(days=2)
    order = insert(
        Order(
            external_id="O-ins",
            consumer=consumer,
            merchant=merchant,
            amount_paid=Decimal("389.00"),
            tariff_paid=Decimal("35.79"),
            paid_at=delivered - timedelta(days=5),
            delivered_at=delivered,
        )
    )
    stored = Order.objects.get(pk=order.pk)
    assert stored.amount_paid == Decimal("389.00") and stored.tariff_paid == Decimal("35.79")
    assert stored.delivered_at == delivered
    assert stored.shipped_at is None
    assert stored.merchant_id == merchant.pk and stored.consumer_id == consumer.pk


def test_insert_many_writes_json_and_gives_each_row_its_own_key():
    factories.order(factories.merchant(), "C1", external_id="O-1")
    data_in = ReportIn(target_type="order", target_id="O-1", category="product_quality", description="坏了")
    case = actions.file_report(factories.consumer_user("C1"), data_in).case
    data = [{"说明": "包装破损", "n": 1, "nested": {"ok": True, "none": None}}, {"n": 2}, {}]
    events = [
        CaseEvent(
            case=case,
            kind=f"k{i}",
            actor=None,
            actor_role="system",
            at=case.opened_at,
            data=d,
            sequence=100 + i,
            hash="x",
        )
        for i, d in enumerate(data)
    ]
    insert_many(events)

    assert len({e.pk for e in events}) == 3
    for event, expected in zip(events, data, strict=True):
        stored = CaseEvent.objects.get(pk=event.pk)
        assert stored.kind == event.kind  # each object got the key of its own row
        assert stored.data == expected
        assert stored.visibility == "parties" and stored.reason == ""
    orm = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                kind="orm",
                actor=None,
                actor_role="system",
                at=case.opened_at,
                data=data[0],
                sequence=200,
                hash="x",
            )
        ]
    )
    assert _row(CaseEvent, orm[0].pk, leave_out=("id", "kind", "sequence")) == _row(
        CaseEvent, events[0].pk, leave_out=("id", "kind", "sequence")
    )


def test_insert_refuses_saved_objects_and_mixed_models():
    merchant = factories.merchant()
    with pytest.raises(ValueError, match="already saved"):
        insert(merchant)
    with pytest.raises(TypeError, match="one model"):
        insert_many([Merchant(external_id="a", name="a", country="JP"), Order(external_id="b")])
    insert_many([])  # nothing to write is not an error


def test_a_refused_row_raises_and_writes_nothing():
    factories.merchant("M-dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_many([Merchant(external_id="M-new", name="n", country="JP"), Merchant(external_id="M-dup", name="d")])
    assert not Merchant.objects.filter(external_id="M-new").exists()


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_get_with_reads_what_select_related_reads():
    shop = factories.merchant("M-G", contact_email="shop@example.jp", cross_border=True)
    factories.order(shop, "C1", external_id="O-G", amount="389.00", tariff="35.79")
    by_orm = Order.objects.select_related("merchant").get(external_id="O-G")

    order = get_with(Order, "merchant", external_id="O-G")

    assert _fields(order) == _fields(by_orm)  # times aware, amounts Decimal, on either database
    assert isinstance(order.amount_paid, Decimal) and order.delivered_at.tzinfo is not None
    assert _fields(order.merchant) == _fields(by_orm.merchant)
    assert order.merchant.cross_border is True
    with CaptureQueriesContext(connection) as queries:
        assert order.merchant.external_id == "M-G"  # loaded with the order, not read again
    assert len(queries) == 0
    assert not order._state.adding and order._state.db == "default"


def test_get_with_returns_none_for_an_unknown_value_and_refuses_a_non_unique_lookup():
    assert get_with(Order, "merchant", external_id="O-none") is None
    with pytest.raises(TypeError, match="not unique"):
        get_with(Order, "merchant", currency="CNY")


def test_insert_refuses_an_unsaved_related_object_as_save_does():
    shop = Merchant(external_id="M-unsaved", name="n", country="JP")
    with pytest.raises(ValueError, match="unsaved related object 'merchant'"):
        insert(Order(external_id="O-u", merchant=shop, amount_paid=Decimal("1"), paid_at=timezone.now()))


def test_a_failed_insert_marks_the_transaction_for_rollback():
    factories.merchant("M-dup")
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert(Merchant(external_id="M-dup", name="d", country="JP"))
        # As after a failed save(): the block cannot go on to commit half its work; it rolls back.
        assert connection.needs_rollback
    assert Merchant.objects.filter(external_id="M-dup").count() == 1


def test_get_with_also_reads_what_select_related_through_two_relations_reads():
    factories.order(factories.merchant("M-A"), "C-also")
    with_consumer = factories.consumer_user("C-also")
    without = factories.user(Role.REVIEWER, "none")
    ApiToken.issue(with_consumer, key="k-also")
    ApiToken.issue(without, key="k-none")
    by_orm = ApiToken.objects.select_related("user__consumer").get(key_hash=ApiToken.hash_key("k-also"))

    token = get_with(ApiToken, "user", also="consumer", key_hash=ApiToken.hash_key("k-also"))

    assert _fields(token) == _fields(by_orm)
    assert _fields(token.user) == _fields(by_orm.user)
    with CaptureQueriesContext(connection) as queries:
        assert _fields(token.user.consumer) == _fields(by_orm.user.consumer)  # loaded, not read again
    assert len(queries) == 0
    other = get_with(ApiToken, "user", also="consumer", key_hash=ApiToken.hash_key("k-none"))
    with CaptureQueriesContext(connection) as queries:
        assert other.user.username == "none" and other.user.consumer is None
    assert len(queries) == 0
    with pytest.raises(TypeError, match="not a foreign key"):
        get_with(ApiToken, "user", also="username", key_hash="x")
