"""manage.py simulate: a month on simulated time in a scratch database, never the live one.

The runs go through the command in a process of its own, as an operator runs it, with its "live"
database a SQLite file that does not exist: had the command connected to it even once, the file would.
"""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from plaint.errors import Refused
from plaint.simulation import scratch

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--seed", "1", "--start", "2026-12-01", "--merchants", "40", "--orders", "2000", "--reports", "200"]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAINT_DATABASE")}
    return env | {"PLAINT_VAR_DIR": str(tmp_path / "var"), "DJANGO_SETTINGS_MODULE": "plaint.settings"}


def _start(tmp_path: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "simulate", *args],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=900)
    return process.returncode, out, err


def _figures(path: Path) -> dict:
    figures = json.loads(path.read_text())
    figures.pop("run")
    figures.pop("scratch")
    return figures


def test_a_small_month_adds_up_is_the_same_twice_and_never_touches_the_live_database(tmp_path):
    live = tmp_path / "var" / "plaint.sqlite3"
    # Two runs of one seed at once, each in its own scratch folder.
    runs = [
        _start(tmp_path, *SMALL, "--scratch", str(tmp_path / name), "--json", str(tmp_path / f"{name}.json"))
        for name in ("first", "second")
    ]
    html = tmp_path / "first.html"
    results = [_finish(run) for run in runs]
    for code, out, err in results:
        assert code == 0, err
        assert "Cases filed:" in out
    first, second = _figures(tmp_path / "first.json"), _figures(tmp_path / "second.json")
    assert first == second

    cases = first["cases"]
    refused_filings = sum(first["refused"].get("file_report", {}).values())
    assert cases["filed"] + refused_filings == 200
    assert first["actions"]["file_report"] == 200
    # Every filed case is counted once: in one state, closed once or still open.
    assert sum(cases["by_state"].values()) == cases["filed"]
    assert cases["closed"] + cases["open_at_end"] == cases["filed"]
    assert sum(cases["closed_by"].values()) == cases["closed"] and cases["closed_by"]["other"] == 0
    assert sum(cases["closed_by_share"].values()) == pytest.approx(1, abs=0.001)
    assert cases["closed_by"]["clock"] > 0 and cases["closed_by"]["people"] > 0
    timing = first["time_to_decision"]
    assert sum(row["filed"] for code, row in timing.items() if code != "all") == cases["filed"]
    assert sum(row["decided"] for code, row in timing.items() if code != "all") == timing["all"]["decided"]
    for row in timing.values():
        if row["decided"]:
            assert 0 <= row["median_hours"] <= row["p90_hours"]
    # December, day by day; the backlog is never negative and moves only by cases entering and leaving review.
    assert [d["day"] for d in first["days"]] == [f"2026-12-{n:02d}" for n in range(1, 32)]
    backlog = 0
    for day in first["days"]:
        assert day["backlog"] >= 0
        assert day["backlog"] == backlog + day["entered_review"] - day["left_review"]
        backlog = day["backlog"]
    # Reviewers work on working days only, and never beyond their capacity.
    assert all(d["reviewed"] == 0 for d in first["days"] if d["day"] in ("2026-12-05", "2026-12-06"))
    assert max(d["reviewed"] for d in first["days"]) <= 3 * 30
    assert first["sla"]["merchant_response"]["started"] > 0
    assert first["remedies"]["instructed"] > 0
    assert all(step["merchants"] <= 40 for step in first["ladder"])
    assert not live.exists()

    # The page: the same figures, charts drawn on the server.
    code, out, err = _finish(
        _start(
            tmp_path,
            *SMALL[:2],
            "--start",
            "2026-12-01",
            "--days",
            "3",
            "--reports",
            "20",
            "--orders",
            "200",
            "--merchants",
            "10",
            "--scratch",
            str(tmp_path / "first"),
            "--html",
            str(html),
            "--language",
            "en",
        )
    )
    assert code == 0, err
    page = html.read_text()
    assert page.count("data:image/svg+xml") == 4 and "<script" not in page
    assert "Reviewer backlog at the end of each day" in page
    assert not live.exists()


def test_refuses_to_run_in_the_live_database(tmp_path):
    live = tmp_path / "var" / "plaint.sqlite3"
    code, _, err = _finish(_start(tmp_path, *SMALL, "--database-url", f"sqlite:///{live}"))
    assert code == 1
    assert "a simulation never runs there" in err
    assert not live.exists()


def test_replaces_only_a_scratch_database_of_its_own(tmp_path):
    precious = tmp_path / "precious.sqlite3"
    with sqlite3.connect(precious) as db:
        db.execute("CREATE TABLE ledger (amount INTEGER)")
        db.execute("INSERT INTO ledger VALUES (42)")
    target = scratch.target_database(f"sqlite:///{precious}", tmp_path)
    with pytest.raises(Refused) as refused:
        scratch._clear(target)
    assert refused.value.code == "not_a_scratch_database"
    with sqlite3.connect(precious) as db:
        assert db.execute("SELECT amount FROM ledger").fetchall() == [(42,)]

    earlier = tmp_path / "earlier.sqlite3"
    with sqlite3.connect(earlier) as db:
        db.execute(f"CREATE TABLE {scratch.MARKER_TABLE} (created_for VARCHAR(40))")
        db.execute("CREATE TABLE cases_case (id INTEGER)")
    scratch._clear(scratch.target_database(f"sqlite:///{earlier}", tmp_path))
    assert not earlier.exists()


def test_one_database_by_any_name():
    local = {"ENGINE": "django.db.backends.postgresql", "HOST": "", "PORT": "", "NAME": "plaint"}
    assert scratch.same_database(local, local | {"HOST": "127.0.0.1", "PORT": 5432})
    assert scratch.same_database(local, local | {"HOST": "/var/run/postgresql"})
    assert not scratch.same_database(local, local | {"NAME": "plaint_sim"})
    assert not scratch.same_database(local, local | {"HOST": "db.internal"})
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "var/../var/plaint.sqlite3"}
    assert scratch.same_database(sqlite, sqlite | {"NAME": str(Path("var/plaint.sqlite3").resolve())})


def test_a_draft_rulebook_runs_from_the_start_in_the_scratch_run_only(tmp_path):
    draft = (ROOT / "rulebook" / "v3.toml").read_text().replace('version = "3"', 'version = "draft-7"')
    draft = draft.replace("evidence_deadline_days = 7", "evidence_deadline_days = 3")
    path = tmp_path / "draft.toml"
    path.write_text(draft)
    code, out, err = _finish(
        _start(
            tmp_path,
            "--rulebook-file",
            str(path),
            "--start",
            "2026-12-01",
            "--days",
            "10",
            "--reports",
            "60",
            "--orders",
            "600",
            "--merchants",
            "12",
            "--scratch",
            str(tmp_path / "s"),
            "--json",
            str(tmp_path / "d.json"),
        )
    )
    assert code == 0, err
    figures = json.loads((tmp_path / "d.json").read_text())
    # In force from 1 December in the run although version 3 itself starts on the 7th.
    assert figures["rulebook"]["version"] == "draft-7" and figures["cases"]["filed"] > 0
    assert "under rulebook draft-7" in out
    assert not (ROOT / "rulebook" / "draft.toml").exists()
    assert "draft-7" not in " ".join(p.read_text() for p in (ROOT / "rulebook").glob("*.toml"))


@pytest.mark.skipif(
    not os.environ.get("PLAINT_DATABASE_URL", "").startswith("postgres"), reason="a PostgreSQL server to make it on"
)
def test_a_scratch_database_on_postgresql_made_replaced_and_never_a_foreign_one(tmp_path):
    import psycopg

    server = os.environ["PLAINT_DATABASE_URL"].rsplit("/", 1)[0]
    name = f"plaint_sim{os.environ.get('PLAINT_TEST_DB_SUFFIX', '')}".lower()
    tiny = ["--start", "2026-12-01", "--days", "3", "--reports", "20", "--orders", "200", "--merchants", "10"]
    try:
        for _ in range(2):  # made, then replaced as the run's own
            code, out, err = _finish(_start(tmp_path, *tiny, "--database-url", f"{server}/{name}"))
            assert code == 0, err
            assert f"scratch database: {name}" in out
        with psycopg.connect(f"{server}/{name}") as db:
            assert db.execute("SELECT count(*) FROM cases_case").fetchone()[0] > 0
        code, _, err = _finish(_start(tmp_path, *tiny, "--database-url", f"{server}/postgres"))
        assert code == 1 and "is not a scratch database that a simulation made" in err
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
