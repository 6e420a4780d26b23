"""Automated decisions, shadow first (issue 15, item 8).

A rule of rulebook version 4 ([[auto_rules]]) decides nothing in shadow mode: it records what it
would have decided beside what people decided. An admin switches it on only after a replay (the
shadow report); then it decides a silent merchant's case through the same decision path as people,
and the statement of reasons, the transparency figures and the DSA statement say it was automated.
"""

import io
import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from plaint.accounts.models import Role
from plaint.cases import actions, auto_rules, clocks, statements
from plaint.cases.actions.appeals import appealable
from plaint.cases.inputs import DecisionIn, ReportIn
from plaint.cases.models import AutoRuleReplay, AutoRuleShadow, AutoRuleSwitch, Case
from plaint.dsa.statements import for_decision
from plaint.errors import Forbidden, Refused
from plaint.evidence.actions import Upload
from plaint.rulebook import loader
from plaint.rulebook.auto_rules import CaseFacts, evaluate
from plaint.rulebook.loader import RulebookError
from plaint.transparency.jobs import compute_day
from plaint.transparency.report import parse_period, report
from tests import factories as f
from tests.api_client import ApiClient

SH = ZoneInfo("Asia/Shanghai")
FILED = datetime(2026, 12, 9, 10, tzinfo=SH)  # version 4 in force
RULE = "quality_small_photo_silent"
_colours = itertools.cycle(["red", "green", "blue", "yellow", "purple", "orange", "navy", "teal", "olive", "maroon"])


def quality_case(people, *, amount: str = "150.00", captured: str = "2026:12:08 20:00:00", now=FILED) -> Case:
    """A product-quality report of a small order, its photo taken (EXIF) the evening after the delivery."""
    order = f.order(people["shop"], "C1", delivered_at=now - timedelta(days=1, hours=2), amount=amount)
    data = ReportIn(
        target_type="order", target_id=order.external_id, category="product_quality", description="面霜有异味"
    )
    photo = f.jpeg(next(_colours), exif_time=captured)
    return actions.file_report(people["consumer"], data, [Upload("p.jpg", photo, "photo_of_product")], now=now).case


def silent(case: Case) -> Case:
    case.refresh_from_db()
    assert clocks.tick(case.response_due_at).silence_handled == 1
    return Case.objects.get(pk=case.pk)


def people_decide(people, case: Case, outcome: str, at: datetime):
    actions.claim_case(people["reviewer"], case, now=at)
    codes = ["violation_established"] if outcome != "not_upheld" else ["insufficient_evidence"]
    data = DecisionIn(outcome=outcome, reason_codes=codes, statement="审核人员查看了照片与订单。", remedy="refund")
    return actions.decide_case(people["reviewer"], Case.objects.get(pk=case.pk), data, now=at)


_admins = itertools.count(1)


def admin():
    return f.user(Role.ADMIN, username=f"policy-admin-{next(_admins)}")


# --- the rulebook -------------------------------------------------------------------------------


def v4_with(replace: str, by: str) -> str:
    text = Path("rulebook/v4.toml").read_text()
    assert replace in text
    return text.replace(replace, by)


@pytest.mark.parametrize(
    ("replace", "by", "says"),
    [
        ("amount_at_most = 200", "amount_at_most = 200\nphoto_is_blurry = true", "photo_is_blurry"),
        ('id = "quality_small_photo_silent"', 'id = "expired_photo_silent"', "used by two rules"),
        ('category = "product_quality"\nmode', 'category = "no_such"\nmode', "no_such"),
        ('remedy = "refund"\nreason_codes = ["merchant_silent", "violation_established"]\n[auto_rules.conditions]\n'
         'merchant_silent = true\nevidence_kinds_include = ["photo_of_product"]',
         'remedy = "replacement_x"\nreason_codes = ["merchant_silent", "violation_established"]\n'
         '[auto_rules.conditions]\nmerchant_silent = true\nevidence_kinds_include = ["photo_of_product"]',
         "replacement_x"),
        ("merchant_silent = true\nevidence_kinds_include = [\"photo_of_product\"]",
         "merchant_silent = false\nevidence_kinds_include = [\"photo_of_product\"]", "merchant_silent must be true"),
        ('evidence_kinds_include = ["photo_of_product"]', 'evidence_kinds_include = ["selfie"]', "selfie"),
        ('mode = "shadow"\noutcome = "upheld"\nremedy = "refund"\nreason_codes = ["merchant_silent", '
         '"violation_established"]\n[auto_rules.conditions]\nmerchant_silent = true\nevidence_kinds_include = '
         '["photo_of_product"]', 'mode = "live"\noutcome = "upheld"\nremedy = "refund"\nreason_codes = '
         '["merchant_silent", "violation_established"]\n[auto_rules.conditions]\nmerchant_silent = true\n'
         'evidence_kinds_include = ["photo_of_product"]', "mode"),
    ],
)  # fmt: skip
def test_a_rule_outside_the_vocabulary_or_the_rulebook_is_refused_at_load(replace, by, says):
    with pytest.raises(RulebookError) as refused:
        loader.parse(v4_with(replace, by), "test")
    assert says in str(refused.value)


def test_version_4_has_the_rules_in_shadow_mode_and_older_versions_none():
    assert [r.id for r in loader.get("4").auto_rules] == ["expired_photo_silent", RULE]
    assert {r.mode for r in loader.get("4").auto_rules} == {"shadow"}
    assert loader.get("3").auto_rules == ()


def test_evaluation_needs_every_condition_and_words_the_facts():
    rulebook = loader.get("4")
    rule = rulebook.auto_rule(RULE)
    delivered = datetime(2026, 12, 8, 8, tzinfo=SH)
    facts = CaseFacts(
        merchant_silent=True,
        reporter_kinds=frozenset({"photo_of_product"}),
        delivered_at=delivered,
        photo_captures=(delivered + timedelta(hours=12),),
        amount_paid=Decimal("150.00"),
    )
    verdict = evaluate(rule, facts, rulebook)
    assert verdict.matched
    assert [x["condition"] for x in verdict.facts] == [
        "merchant_silent",
        "evidence_kinds_include",
        "photo_captured_after_delivery",
        "amount_at_most",
        "no_forensics_flags",
    ]
    assert "2026-12-08 20:00, after the delivery on 2026-12-08 08:00" in verdict.facts[2]["en"]
    for changed in (
        {"merchant_silent": False},
        {"photo_captures": (delivered - timedelta(hours=1),)},
        {"amount_paid": Decimal("200.01")},
        {"forensics_flags": ("edited",)},
        {"reporter_kinds": frozenset({"chat_log"})},
    ):
        assert not evaluate(rule, CaseFacts(**(facts.__dict__ | changed)), rulebook).matched, changed
    expired = rulebook.auto_rule("expired_photo_silent")
    on_time = CaseFacts(
        merchant_silent=True,
        reporter_kinds=frozenset({"photo_of_expiry_date"}),
        delivered_at=delivered,
        photo_captures=(delivered + timedelta(hours=1),),
        listing_expiry=delivered.date() - timedelta(days=1),
    )
    assert evaluate(expired, on_time, rulebook).matched
    assert not evaluate(
        expired, CaseFacts(**(on_time.__dict__ | {"listing_expiry": delivered.date()})), rulebook
    ).matched


# --- shadow ---------------------------------------------------------------------------------------


def test_a_shadow_rule_records_beside_people_and_decides_nothing(people):
    agreeing = silent(quality_case(people))
    # The merchant stayed silent; quality's silence goes to review, and the shadow rule decided nothing.
    assert agreeing.state == "awaiting_review" and not agreeing.decisions.exists()
    decision = people_decide(people, agreeing, "upheld", FILED + timedelta(days=4))
    [row] = AutoRuleShadow.objects.filter(rule=RULE)
    assert (row.case, row.decision, row.agree, row.source) == (agreeing, decision, True, "decision")
    assert (row.would_outcome, row.decided_outcome, row.rulebook_version) == ("upheld", "upheld", "4")
    assert decision.automated is False and decision.auto_rule == ""

    disagreeing = silent(quality_case(people))
    people_decide(people, disagreeing, "not_upheld", FILED + timedelta(days=4))
    assert AutoRuleShadow.objects.get(case=disagreeing).agree is False

    # A larger order than the rule allows is not matched: no row.
    big = silent(quality_case(people, amount="389.00"))
    people_decide(people, big, "upheld", FILED + timedelta(days=4))
    assert not AutoRuleShadow.objects.filter(case=big).exists()

    [item] = [r for r in auto_rules.report("4") if r.rule.id == RULE]
    assert (item.mode, item.matched, item.agreed, item.rate) == ("shadow", 2, 1, 0.5)
    assert [d.case for d in item.disagreements] == [disagreeing]


# --- switching on -----------------------------------------------------------------------------------


def test_switching_on_is_refused_without_a_shadow_report_and_only_admins_switch(people):
    boss = admin()
    with pytest.raises(Refused) as refused:
        auto_rules.switch_rule(boss, "4", RULE, "live", now=FILED)
    assert refused.value.code == "no_shadow_report" and "replay_rules" in refused.value.hint
    assert not AutoRuleSwitch.objects.exists()
    with pytest.raises(Forbidden):
        auto_rules.replay(loader.get("4"), months=6, rule_id=RULE, actor=people["supervisor"], now=FILED)
    [done] = auto_rules.replay(loader.get("4"), months=6, rule_id=RULE, actor=boss, now=FILED)
    with pytest.raises(Forbidden):
        auto_rules.switch_rule(people["supervisor"], "4", RULE, "live", now=FILED)
    switch = auto_rules.switch_rule(boss, "4", RULE, "live", reason="98% agreement", now=FILED)
    assert (switch.switched_by, switch.switched_at, switch.replay, switch.reason) == (
        boss,
        FILED,
        done,
        "98% agreement",
    )
    assert auto_rules.mode_of("4", loader.get("4").auto_rule(RULE)) == "live"
    with pytest.raises(Refused):
        auto_rules.switch_rule(boss, "4", RULE, "live", now=FILED)
    auto_rules.switch_rule(boss, "4", RULE, "shadow", now=FILED + timedelta(hours=1))
    assert list(AutoRuleSwitch.objects.values_list("mode", flat=True)) == ["live", "shadow"]  # the audit trail


def go_live(rule: str = RULE) -> None:
    boss = admin()
    auto_rules.replay(loader.get("4"), months=6, rule_id=rule, actor=boss, now=FILED - timedelta(days=1))
    auto_rules.switch_rule(boss, "4", rule, "live", now=FILED - timedelta(days=1))


# --- live ---------------------------------------------------------------------------------------


def test_a_live_rule_decides_a_silent_case_marked_automated_everywhere_and_open_to_appeal(people):
    go_live()
    case = silent(quality_case(people))
    assert case.state == "decided"
    decision = case.decisions.get()
    assert (decision.outcome, decision.remedy, decision.automated, decision.auto_rule) == (
        "upheld",
        "refund",
        True,
        RULE,
    )
    assert decision.decided_by is None
    entry = decision.statement["auto_rule"]
    assert entry["id"] == RULE and [x["condition"] for x in entry["facts"]][0] == "merchant_silent"
    en = statements.render(decision.statement, "en")
    assert "This decision was made by automated means: the automated rule" in en and RULE in en
    assert "A photo of the reporter's was taken on 2026-12-08 20:00" in en
    assert "The order's amount paid, 150.00 CNY, is at most 200." in en
    assert "It can be appealed" in en
    assert "本决定由自动化方式作出" in statements.render(decision.statement, "zh-hans")
    # The event says which rule; no shadow row is written for a case the rule itself decided.
    assert case.events.get(kind="uphold_for_silence").data["auto_rule"] == RULE
    assert not AutoRuleShadow.objects.exists()

    # Both parties may appeal it; the statement says until when.
    assert appealable(case, "merchant") and appealable(case, "reporter")
    assert decision.statement["appeal"]["merchant_appeal_until"]

    # The DSA statement: fully automated.
    assert for_decision(decision)["automated_decision"] == "AUTOMATED_DECISION_FULLY"

    # The transparency figures count it as decided by an automated rule.
    compute_day(decision.decided_at.astimezone(SH).date())
    figures = report(parse_period("2026-12"))
    assert figures["decided_by"] == {"people": 0, "automated": 1, "automated_by_clock": 0, "automated_by_rule": 1}
    [item] = [r for r in auto_rules.report("4") if r.rule.id == RULE]
    assert item.decided_live == 1


def test_a_live_rule_that_does_not_match_leaves_the_silence_rule_to_apply(people):
    go_live()
    case = silent(quality_case(people, amount="389.00"))
    assert case.state == "awaiting_review" and not case.decisions.exists()
    # A photo taken before the delivery does not prove it either (and forensics flagged it).
    early = silent(quality_case(people, captured="2026:12:01 09:00:00"))
    assert early.state == "awaiting_review"


def test_a_clock_decision_is_automated_by_clock_in_the_figures(people):
    # Expired goods: silence upholds; no rule is live, so the clock decides (not a rule).
    listing = f.listing(people["shop"], "L-X")
    order = f.order(people["shop"], "C1", listing_obj=listing, delivered_at=FILED - timedelta(days=1))
    data = ReportIn(target_type="order", target_id=order.external_id, category="expired_goods", description="过期")
    photo = f.jpeg("white", exif_time="2026:12:09 08:00:00")
    case = actions.file_report(people["consumer"], data, [Upload("p.jpg", photo, "photo_of_expiry_date")], now=FILED)
    decision = silent(case.case).decisions.get()
    assert decision.auto_rule == "" and "auto_rule" not in decision.statement
    compute_day(decision.decided_at.astimezone(SH).date())
    figures = report(parse_period("2026-12"))
    assert figures["decided_by"]["automated_by_clock"] == 1 and figures["decided_by"]["automated_by_rule"] == 0


def test_expired_goods_rule_live_decides_on_the_listings_declared_expiry(people):
    go_live("expired_photo_silent")
    listing = f.listing(people["shop"], "L-OLD", expiry_date="2026-11-30")
    order = f.order(people["shop"], "C1", listing_obj=listing, delivered_at=FILED - timedelta(days=1))
    data = ReportIn(target_type="order", target_id=order.external_id, category="expired_goods", description="过期")
    photo = f.jpeg("black", exif_time="2026:12:09 08:00:00")
    case = actions.file_report(people["consumer"], data, [Upload("p.jpg", photo, "photo_of_expiry_date")], now=FILED)
    decision = silent(case.case).decisions.get()
    assert decision.auto_rule == "expired_photo_silent"
    assert "The listing declares the expiry date 2026-11-30, before the delivery on 2026-12-08." in statements.render(
        decision.statement, "en"
    )


# --- replay ------------------------------------------------------------------------------------


def test_replay_reads_past_decided_cases_and_the_command_prints_the_agreement(people, time_machine):
    earlier = FILED + timedelta(days=1)
    first = silent(quality_case(people, now=earlier, captured="2026:12:09 20:00:00"))
    people_decide(people, first, "upheld", earlier + timedelta(days=4))
    second = silent(quality_case(people, now=earlier, captured="2026:12:09 20:00:00"))
    people_decide(people, second, "not_upheld", earlier + timedelta(days=4))
    AutoRuleShadow.objects.all().delete()  # as if the rule had been added after those decisions
    time_machine.move_to(earlier + timedelta(days=30))
    out = io.StringIO()
    call_command("replay_rules", "--months", "3", "--rule", RULE, stdout=out)
    assert "4/quality_small_photo_silent: 2 decided by people since" in out.getvalue()
    assert "2 matched, 1 agreed (50.0%)" in out.getvalue()
    assert set(AutoRuleShadow.objects.values_list("source", "agree")) == {("replay", True), ("replay", False)}
    assert AutoRuleReplay.objects.get().considered == 2
    # Run again: the rows are updated, not doubled.
    call_command("replay_rules", "--months", "3", stdout=io.StringIO())
    assert AutoRuleShadow.objects.count() == 2
    with pytest.raises(CommandError, match="unknown_rule"):
        call_command("replay_rules", "--months", "3", "--rule", "nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="months"):
        call_command("replay_rules", "--months", "99", stdout=io.StringIO())


# --- API -----------------------------------------------------------------------------------------


def test_the_api_reports_rules_and_lets_only_admins_replay_and_switch(people, time_machine):
    case = silent(quality_case(people))
    people_decide(people, case, "not_upheld", FILED + timedelta(days=4))
    supervisor = ApiClient(f.token(people["supervisor"]))
    body = supervisor.get("/auto-rules").json()
    [rule] = [r for r in body if r["id"] == RULE]
    assert (rule["mode"], rule["matched"], rule["agreed"], rule["agreement"]) == ("shadow", 1, 0, 0.0)
    assert rule["disagreements"][0]["case"] == case.reference
    assert rule["disagreements"][0]["url"] == f"/review/cases/{case.reference}/"
    assert rule["conditions"]["amount_at_most"] == "200"
    assert ApiClient(f.token(people["reviewer"])).get("/auto-rules").status_code == 403
    assert supervisor.post_json(f"/auto-rules/{RULE}/replay", {"months": 6}).status_code == 403

    time_machine.move_to(FILED + timedelta(days=5))
    boss = ApiClient(f.token(admin()))
    refused = boss.post_json(f"/auto-rules/{RULE}/mode", {"mode": "live", "reason": "try"})
    assert refused.status_code == 409 and refused.json()["code"] == "no_shadow_report"
    assert boss.post_json(f"/auto-rules/{RULE}/replay", {"months": 99}).json()["field"] == "months"
    assert boss.post_json("/auto-rules/nope/replay", {"months": 6}).status_code == 404
    assert boss.post_json(f"/auto-rules/{RULE}/replay", {"months": 6, "version": "9"}).status_code == 404
    replayed = boss.post_json(f"/auto-rules/{RULE}/replay", {"months": 6})
    assert replayed.status_code == 200 and replayed.json()["last_replay"]["considered"] == 1
    on = boss.post_json(f"/auto-rules/{RULE}/mode", {"mode": "live", "reason": "agreement read"})
    assert on.status_code == 200 and on.json()["mode"] == "live"
    assert on.json()["last_switch"]["reason"] == "agreement read"
    assert boss.post_json(f"/auto-rules/{RULE}/mode", {"mode": "on"}).status_code == 422
