"""Statement templates: seeded for every category in both languages, filled in without str.format."""

import pytest
from django.utils import timezone

from plaint import demo_statements
from plaint.cases.models import StatementTemplate
from plaint.cases.statement_templates import fill, templates_for, values_for
from plaint.rulebook import loader
from tests.web import casework_world

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_template_for_every_category_in_chinese_and_english():
    demo_statements.seed()
    for category in loader.in_force(timezone.now()).categories:
        for language in ("zh-hans", "en"):
            titles = set(
                StatementTemplate.objects.filter(category=category.code, language=language).values_list(
                    "title", flat=True
                )
            )
            assert len(titles) == 2, (category.code, language, titles)  # its own wording and insufficient evidence


def test_fill_replaces_known_placeholders_and_leaves_the_rest():
    values = {"order": "O-1", "category": "过期商品"}
    assert fill("订单 {order}（{category}）{unknown} {order.__class__} {", values) == (
        "订单 O-1（过期商品）{unknown} {order.__class__} {"
    )


def test_values_for_a_case_in_either_language_and_the_fallback_to_another_language():
    world = casework_world.build()
    case = world["in_review"]
    zh, en = values_for(case, "zh-hans"), values_for(case, "en")
    assert (zh["category"], en["category"]) == ("过期商品", "Expired goods")
    assert zh["order"] == "O-2" and zh["merchant"] == "Tokyo Beauty 東京美妝"
    assert zh["rule_version"] == case.rulebook_version  # the version in force when it was filed
    assert zh["listing"] == "日本进口 保湿面霜 50g" and len(zh["delivered"]) == 10
    StatementTemplate.objects.filter(category="expired_goods", language="en").delete()
    assert [t.language for t in templates_for("expired_goods", "en")] == ["zh-hans"]


def test_the_categorys_own_wording_is_the_default_not_insufficient_evidence():
    from plaint import demo_statements

    demo_statements.seed()
    assert [t.title for t in templates_for("expired_goods", "zh-hans")] == ["过期商品成立", "证据不足"]
    assert [t.title for t in templates_for("expired_goods", "en")] == [
        "Expired goods established",
        "Insufficient evidence",
    ]
