"""Schemathesis drives every API operation with each role's token: no 5xx, no answer outside the document.

Requests go to the WSGI application in this process, inside the test's transaction, so the run needs no
server and leaves nothing behind. Run it alone with `.venv/bin/python -m pytest tests/api/test_schemathesis.py`;
PLAINT_SCHEMATHESIS_EXAMPLES (default 10) sets the examples per operation and role.
"""

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from plaint.accounts.models import Role
from plaint.api.urls import api
from plaint.notifications.models import Notification
from plaint.rulebook import loader
from tests import factories as f
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PLAINT_SCHEMATHESIS_EXAMPLES", "10"))
ROLES = ["consumer", "merchant", "agent", "reviewer", "supervisor", "admin", "marketplace"]
MODES = [GenerationMode[m] for m in os.environ.get("PLAINT_SCHEMATHESIS_MODES", "POSITIVE,NEGATIVE").split(",")]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_app():
    """The WSGI application, answering inside the test's transaction (as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world():
    """Demo-like data: a shop with orders, a filed and a decided case, a notification, a token per role."""
    shop = f.merchant("M-S")
    orders = [
        f.order(shop, "C1", external_id=f"O-S{n}", delivered_at=timezone.now() - timedelta(days=2)) for n in range(3)
    ]
    users = {
        "consumer": f.consumer_user("C1"),
        "merchant": f.user(Role.MERCHANT, merchant=shop),
        "agent": f.user(Role.AGENT),
        "reviewer": f.user(Role.REVIEWER),
        "supervisor": f.user(Role.SUPERVISOR),
        "admin": f.user(Role.ADMIN),
        "marketplace": f.user(Role.MARKETPLACE),
    }
    tokens = {role: f.token(user) for role, user in users.items()}
    consumer, merchant, reviewer = (ApiClient(tokens[r]) for r in ("consumer", "merchant", "reviewer"))
    references = []
    for order in orders[:2]:
        filed = consumer.post_form(
            "/reports",
            {
                "target_type": "order",
                "target_id": order.external_id,
                "category": "not_as_described",
                "description": "页面写无添加，实物配料表含香精",
                "remedy_wanted": "refund",
            },
            files=[("label.jpg", f.jpeg(), "photo_of_product")],
        )
        assert filed.status_code == 201, filed.content
        references.append(filed.json()["reference"])
    decided = references[1]
    merchant.post_form(f"/cases/{decided}/response", {"kind": "contest", "explanation": "页面描述无误"})
    reviewer.post_json(f"/review/cases/{decided}/claim", {})
    answer = reviewer.post_json(
        f"/review/cases/{decided}/decision",
        {
            "outcome": "upheld",
            "reason_codes": ["violation_established"],
            "statement": "配料表与页面宣传不符，违规成立。",
            "rectification": {"kind": "fix_listing", "instructions": "删除商品页“无添加”的宣传用语"},
        },
    )
    assert answer.status_code == 200, answer.content
    case = answer.json()
    known = {
        "reference": references,
        "evidence_id": [e["id"] for e in case["evidence"]],
        "rectification_id": [r["id"] for r in case["rectifications"]],
        "notification_id": list(Notification.objects.values_list("pk", flat=True)[:5]),
        "merchant_id": [shop.external_id],
        "version": [rulebook.version for rulebook in loader.versions()],
    }
    return tokens, known


def _strategy(operation, known: dict):
    """Cases of the operation: generated freely, and with path parameters of data that exists."""
    names = {p["name"] for p in operation.definition.raw.get("parameters", []) if p.get("in") == "path"}
    strategies = [operation.as_strategy(generation_mode=mode) for mode in MODES]
    if names and names <= known.keys() and all(known[n] for n in names):
        fixed = st.fixed_dictionaries({n: st.sampled_from(known[n]) for n in names})
        strategies.append(fixed.flatmap(lambda params: operation.as_strategy(path_parameters=params)))
    return st.one_of(strategies)


def test_every_operation_keeps_to_the_document_for_every_role(world, wsgi_app):
    tokens, known = world
    document = api.get_openapi_schema()
    schema = schemathesis.openapi.from_dict(document)
    schema.app = wsgi_app
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(methods) for methods in document["paths"].values()) >= 25
    sent = 0

    for operation in operations:
        # One strategy per operation, shared by the roles: building it is the slow part.
        strategy = _strategy(operation, known)
        for number, role in enumerate(ROLES):
            try:
                _run(strategy, {"Authorization": f"Bearer {tokens[role]}"}, number)
            except Exception as exc:
                exc.add_note(f"as {role}: {operation.method.upper()} {operation.path}")
                raise
            sent += EXAMPLES
    assert sent >= len(operations) * len(ROLES) * EXAMPLES


def _run(strategy, headers: dict, number: int) -> None:
    """Send EXAMPLES cases of `strategy` with `headers`; fixed seeds make every run send the same requests."""

    @seed(number)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
