"""Escalation storms (issue 18, fault 5): under rulebook version 3 ([escalation] digest_minutes) the
supervisors get one e-mail per period listing what breached, not one per case; the portal still
shows each case. The digest is a worker job, sent once per period through the outbox.
"""

from datetime import timedelta

from plaint.accounts.models import Role
from plaint.cases import clocks
from plaint.cases.digest import period_start, send_escalation_digest
from plaint.cases.models import EscalationDigest
from plaint.notifications.models import Notification, OutboxMessage
from plaint.notifications.worker import PERIODIC_JOBS
from plaint.rulebook import loader
from tests import factories as f
from tests.cases.test_clocks import at, clock, contested

MINUTES = loader.get("3").escalation.digest_minutes


def supervisor_mail(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(channel="email", recipient=address).order_by("id"))


def test_a_weekend_of_breaches_is_one_digest_per_supervisor_per_period(people):
    deputy = f.user(Role.SUPERVISOR, email="deputy@example.test", language="en")
    # Five cases reach review on Saturday 12 December 2026 (version 3): their acknowledgement
    # clocks all run out on Monday at 13:00.
    cases = [contested(people, at(2026, 12, 12, 10 + n), order_id=f"O-{n}") for n in range(5)]
    assert {c.rulebook_version for c in cases} <= {"3", "4"}  # version 3's digest, kept by version 4
    breach_at = clock(cases[0], "acknowledgement").due_at
    assert clocks.tick(breach_at).breached == {"acknowledgement": 5}
    # No e-mail per case to the supervisors; each is told in the portal.
    assert supervisor_mail("boss@example.test") == [] and supervisor_mail("deputy@example.test") == []
    assert Notification.objects.filter(user=people["supervisor"], event="escalated_stage").count() == 5

    assert "plaint.cases.digest.send_escalation_digest" in PERIODIC_JOBS
    assert send_escalation_digest(breach_at + timedelta(minutes=1)) == 5
    [boss] = supervisor_mail("boss@example.test")
    [english] = supervisor_mail("deputy@example.test")
    assert boss.subject.startswith("5 件举报超期") and english.subject.startswith("5 overdue reports escalated")
    for case in cases:
        assert case.reference in boss.body and case.reference in english.body
    assert "acknowledgement due 2026-12-14 13:00" in english.body
    # Once per period: more passes in the same period send nothing, even with new breaches.
    assert send_escalation_digest(breach_at + timedelta(minutes=2)) == 0
    late = contested(people, at(2026, 12, 14, 9), order_id="O-9")
    late_breach = clock(late, "acknowledgement").due_at  # Monday 13:00 too
    assert clocks.tick(late_breach + timedelta(minutes=3)).breached == {"acknowledgement": 1}
    assert send_escalation_digest(late_breach + timedelta(minutes=4)) == 0
    assert len(supervisor_mail("boss@example.test")) == 1
    # The next period's digest lists what breached since the last one, and only that.
    next_period = period_start(late_breach, MINUTES) + timedelta(minutes=MINUTES)
    assert send_escalation_digest(next_period) == 1
    boss_mails = supervisor_mail("boss@example.test")
    assert len(boss_mails) == 2 and late.reference in boss_mails[1].body
    assert cases[0].reference not in boss_mails[1].body
    # A period without a breach sends nothing.
    assert send_escalation_digest(next_period + timedelta(minutes=MINUTES)) == 0
    assert EscalationDigest.objects.count() == 2
    assert deputy.pk  # the English supervisor got their own language


def test_version_2_still_mails_each_escalation_and_sends_no_digest(people):
    case = contested(people, at(2026, 12, 5, 10))  # a Saturday under version 2
    assert case.rulebook_version == "2"
    breach_at = clock(case, "acknowledgement").due_at
    clocks.tick(breach_at)
    assert len(supervisor_mail("boss@example.test")) == 1
    assert send_escalation_digest(breach_at + timedelta(minutes=1)) == 0  # v2 in force: no digest
