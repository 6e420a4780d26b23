"""Benchmark: the committee member's "my panels" page and the supervisors' quality page with 100,000 appeals.

PostgreSQL only. Cases, first decisions (40 reviewers, some automated, rulebook versions 1 and 2, over
eleven months), appeals (90% decided: confirmed, overturned or varied), one committee panel per appeal
with three seats among 300 members, and the decided panels' votes are generated in the database with
generate_series (not timed); the periodic job that counts the quality figures is timed once. The
pages are first timed with 1,000 appeals, then 99,000 more are added
and they are timed again: the bench fails if any page makes more queries at 100,000 than at 1,000, or
takes 50 ms or more (median of the runs, through Django's test client: the whole view, queries and
template).

    make bench
    PLAINT_DATABASE_URL=postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test .venv/bin/python -m bench.appeal_pages
"""

import os
import sys
import time

from bench.common import fresh_database, insert_consumers, insert_merchants, print_plan, time_pages, vacuum_analyze

APPEALS = int(os.environ.get("BENCH_APPEALS", "100000"))
FIRST = 1000
MERCHANTS = 1000
REVIEWERS = 40
MEMBERS = 300
RUNS = int(os.environ.get("BENCH_RUNS", "9"))
DB = "plaint_bench_appeals"
TARGET_MS = 50


def add_appeals(cur: object, start: int, count: int, ids: dict[str, int]) -> None:
    """Add `count` decided cases numbered from `start`, each with its first decision, an appeal and a panel."""
    cur.execute("SELECT coalesce(max(id), 0) FROM cases_report")
    last_report = cur.fetchone()[0]
    # Decided cases over the last eleven months (the quality page's trend shows six).
    cur.execute(
        "INSERT INTO cases_report (reporter_id, filed_by_id, channel, channel_reference, target_type, merchant_id, "
        "category, description, remedy_wanted, submitted_at, request_digest) SELECT %(c0)s + i %% 1000, "
        "%(filer)s, 'web', '', "
        "'merchant', %(m0)s + (i * 7) %% %(merchants)s, (ARRAY['product_quality','counterfeit','expired_goods',"
        "'not_as_described','damaged_on_arrival'])[1 + i %% 5], 'Report ' || i, 'refund', "
        "now() - interval '20 days' - (i %% 320) * interval '1 day', '' "
        "FROM generate_series(%(start)s::int, %(end)s::int) i",
        ids | {"merchants": MERCHANTS, "start": start, "end": start + count - 1},
    )
    cur.execute(
        "INSERT INTO cases_case (reference, report_id, merchant_id, reporter_id, category, channel, state, version, "
        "priority, rulebook_version, admissibility, opened_at, updated_at, closed_at) SELECT 'Q' || r.id, r.id, "
        "r.merchant_id, r.reporter_id, r.category, r.channel, 'decided', 0, 0, "
        "CASE WHEN r.id %% 3 = 0 THEN '1' ELSE '2' END, '{}', r.submitted_at, r.submitted_at, "
        "r.submitted_at + interval '5 days' FROM cases_report r WHERE r.id > %s",
        [last_report],
    )
    # One in twenty decided by the rulebook's automation (no reviewer).
    cur.execute(
        "INSERT INTO cases_decision (outcome, reason_codes, remedy, points, track, automated, decided_at, "
        "rulebook_version, statement, case_id, decided_by_id) SELECT (ARRAY['upheld','partly_upheld','not_upheld'])"
        "[1 + c.id %% 3], '[]', 'refund', 0, 'general', c.id %% 20 = 0, c.closed_at, c.rulebook_version, '{}', c.id, "
        "CASE WHEN c.id %% 20 = 0 THEN NULL ELSE %s + c.id %% %s END FROM cases_case c JOIN cases_report r "
        "ON r.id = c.report_id WHERE r.id > %s",
        [ids["r0"], REVIEWERS, last_report],
    )
    cur.execute(
        "INSERT INTO cases_appeal (party, grounds, appealed, route, state, rulebook_version, filed_at, "
        "window_closes_at, answer, result, reasons, variation, decided_at, case_id, decision_id, filed_by_id, "
        "answer_evidence_ids, evidence_ids, statement) SELECT CASE WHEN d.id %% 2 = 0 THEN 'reporter' ELSE "
        "'merchant' END, 'Grounds', 'outcome', 'committee', CASE WHEN d.id %% 10 = 0 THEN 'awaiting_decision' "
        "ELSE 'decided' END, d.rulebook_version, d.decided_at + interval '2 days', d.decided_at + interval "
        "'15 days', '', CASE WHEN d.id %% 10 = 0 THEN '' ELSE (ARRAY['confirmed','confirmed','overturned',"
        "'varied'])[1 + abs(hashint4(d.id::int)) %% 4] END, '', '{}', CASE WHEN d.id %% 10 = 0 THEN NULL ELSE "
        "d.decided_at + interval '12 days' END, d.case_id, d.id, %s, '[]', '[]', '{}' FROM cases_decision d "
        "JOIN cases_case c ON c.id = d.case_id WHERE c.report_id > %s",
        [ids["filer"], last_report],
    )
    cur.execute(
        "INSERT INTO committee_panel (case_id, subject, composition, category, seed, pool, excluded, missing, "
        "requested_at, drawn_at, due_at, state, decided_at) SELECT a.case_id, 'appeal:' || a.id, "
        "'[\"consumer_rep\", \"expert\", \"lawyer\"]', c.category, md5(a.id::text), '{}', '[]', '{}', a.filed_at, "
        "a.filed_at, a.filed_at + interval '10 days', CASE WHEN a.state = 'decided' THEN 'decided' ELSE 'voting' "
        "END, a.decided_at FROM cases_appeal a JOIN cases_case c ON c.id = a.case_id WHERE c.report_id > %s",
        [last_report],
    )
    # Three consecutive members a panel: each of the 300 sits on about 1% of the panels.
    cur.execute(
        "INSERT INTO committee_panelseat (panel_id, member_id, seat, position, state, recusal_reason, seated_at, "
        "ended_at, seed, pool) SELECT p.id, %s + (p.id * 3 + s) %% %s, (ARRAY['consumer_rep','expert','lawyer'])"
        "[1 + s], s, 'sitting', '', p.drawn_at, p.decided_at, '', '[]' FROM committee_panel p "
        "JOIN cases_case c ON c.id = p.case_id, generate_series(0, 2) s WHERE c.report_id > %s",
        [ids["member0"], MEMBERS, last_report],
    )
    cur.execute(
        "INSERT INTO committee_vote (seat, choice, reasons, voted_at, member_id, panel_id) SELECT s.seat, "
        "'confirm', 'Reasons for the vote', p.decided_at, s.member_id, s.panel_id FROM committee_panelseat s "
        "JOIN committee_panel p ON p.id = s.panel_id JOIN cases_case c ON c.id = p.case_id "
        "WHERE p.state = 'decided' AND c.report_id > %s",
        [last_report],
    )
    cur.execute(
        "UPDATE committee_committeemember m SET open_seats = s.n FROM (SELECT member_id, count(*) AS n FROM "
        "committee_panelseat s JOIN committee_panel p ON p.id = s.panel_id WHERE p.state <> 'decided' "
        "GROUP BY member_id) s WHERE s.member_id = m.id"
    )


def main() -> None:
    fresh_database(DB)
    from django.db import connection
    from django.utils import timezone

    from plaint.accounts.models import Role, User
    from plaint.cases.quality import QualityFilter, grouped, month_starts, refresh
    from plaint.committee.models import CommitteeMember
    from plaint.committee.queries import member_seats

    filer = User.objects.create_user("bench", role=Role.AGENT)
    supervisor = User.objects.create_user("bench-supervisor", role=Role.SUPERVISOR, language="en")
    with connection.cursor() as cur:
        ids = {"filer": filer.pk, "m0": insert_merchants(cur, MERCHANTS), "c0": insert_consumers(cur, 1000)}
        cur.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, role, language) SELECT '!', false, 'reviewer' || i, '', '', '', false, true, "
            "now(), 'reviewer', 'zh-hans' FROM generate_series(1, %s) i",
            [REVIEWERS],
        )
        cur.execute("SELECT min(id) FROM accounts_user WHERE role = 'reviewer'")
        ids["r0"] = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, role, language) SELECT '!', false, 'member' || i, '', '', '', false, true, "
            "now(), 'committee', 'zh-hans' FROM generate_series(1, %s) i",
            [MEMBERS],
        )
        cur.execute(
            "INSERT INTO committee_committeemember (user_id, display_name, seat, expert_fields, term_from, term_to, "
            "load_cap, active, created_at, open_seats) SELECT id, username, 'consumer_rep', '[]', current_date - 400, "
            "current_date + 365, 100, true, now(), 0 FROM accounts_user WHERE role = 'committee' ORDER BY id"
        )
        cur.execute("SELECT min(id) FROM committee_committeemember")
        ids["member0"] = cur.fetchone()[0]
    busy = CommitteeMember.objects.select_related("user").get(pk=ids["member0"])
    pages = [
        ("committee", "/committee/"),
        ("committee", "/committee/?page=3"),
        ("supervisor", "/review/quality/"),
        ("supervisor", "/review/quality/?category=counterfeit&months=12"),
        ("supervisor", f"/review/quality/?reviewer={ids['r0'] + 1}"),
        ("supervisor", "/api/quality?rulebook_version=2"),
    ]
    queries: dict[str, dict[str, int]] = {}
    worst: dict[str, float] = {}
    for size in (FIRST, APPEALS):
        started = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM cases_appeal")
            have = cur.fetchone()[0]
            add_appeals(cur, have + 1, size - have, ids)
            cur.execute("SELECT count(*) FROM cases_appeal")
            appeals = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM committee_panelseat WHERE member_id = %s", [busy.pk])
            seats = cur.fetchone()[0]
        vacuum_analyze()
        generated = time.perf_counter() - started
        print(
            f"appeal pages benchmark: PostgreSQL, {appeals} appeals, {appeals} panels, the member's {seats} seats "
            f"(generated in {generated:.0f} s, not timed)"
        )
        started = time.perf_counter()
        groups = refresh()
        took = (time.perf_counter() - started) * 1000
        print(f"  the worker's count of the quality figures (quality.refresh): {took:.0f} ms, {groups} groups")
        # Wall-clock times: read them beside the machine's load (other people's tests share the 2 cores).
        print("  load average: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        counts: dict[str, int] = {}
        worst[size] = time_pages([busy.user, supervisor], pages, RUNS, counts=counts)
        queries[size] = counts
    print_plan("the member's page of panels", member_seats(busy)[:25])
    print_plan("the quality figures", grouped(QualityFilter(), month_starts(timezone.now(), 6)))
    connection.close()
    grew = {path: (queries[FIRST][path], queries[APPEALS][path]) for path in queries[FIRST]}
    grew = {path: n for path, n in grew.items() if n[1] > n[0]}
    if grew:
        sys.exit(f"FAIL: more queries with {APPEALS} appeals than with {FIRST}: {grew}")
    print(f"  query counts the same with {FIRST} and {APPEALS} appeals")
    if worst[APPEALS] >= TARGET_MS:
        sys.exit(f"FAIL: a page takes {worst[APPEALS]:.1f} ms, over {TARGET_MS} ms")


if __name__ == "__main__":
    main()
