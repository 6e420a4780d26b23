"""The scratch database, media folder and rulebook folder a simulated run uses instead of the live ones.

The run never touches the configured (live) database: the command switches Django's database settings
to the scratch database before anything connects, refuses a target that is the live database, and
refuses to overwrite a database that holds tables unless an earlier run marked it as its scratch.
The rulebook folder of the run holds one version, the one simulated (published or a draft), in force
from the run's start, beside a copy of the business calendars.
"""

import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import override_settings

from plaint.errors import InvalidInput, Refused
from plaint.rulebook import calendar, loader
from plaint.rulebook.schema import Rulebook

# A table each run creates in its scratch database: a later run may replace a database that has it.
MARKER_TABLE = "plaint_simulation_scratch"
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}
# The server's own databases: never a scratch database, even when they hold no table.
SERVER_DATABASES = {"postgres", "template0", "template1"}


def target_database(url: str | None, folder: Path) -> dict[str, Any]:
    """Return the settings of the scratch database: `url`, or a SQLite file in `folder`."""
    url = url or f"sqlite:///{(folder / 'simulation.sqlite3').resolve()}"
    try:
        target = dj_database_url.parse(url)
    except Exception as exc:  # dj-database-url raises plain exceptions for unknown schemes
        raise InvalidInput("database_url", f"Not a database URL: {exc}", field="database_url") from None
    if target["ENGINE"] == "django.db.backends.sqlite3":
        target["NAME"] = str(Path(target["NAME"]).resolve())
        # Scratch data: losing it in a power cut costs nothing, so SQLite need not wait for the disk.
        target["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;",
        }
    elif target["ENGINE"] != "django.db.backends.postgresql":
        raise InvalidInput("database_url", "The scratch database is SQLite or PostgreSQL.", field="database_url")
    target["CONN_MAX_AGE"] = 0
    return target


def _where(db: dict[str, Any]) -> tuple[str, str, str]:
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return ("sqlite", "", str(Path(str(db["NAME"])).resolve()))
    host = str(db.get("HOST") or "")
    # A local socket and the loopback address reach the same server: treat them as one place.
    place = "local" if host in LOCAL_HOSTS or host.startswith("/") else host.lower()
    return ("postgresql", f"{place}:{db.get('PORT') or 5432}", str(db["NAME"]))


def same_database(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Return whether two database settings name the same database (SQLite file; PostgreSQL server and name)."""
    return _where(a) == _where(b)


def _refuse_live(target: dict[str, Any]) -> None:
    live = settings.DATABASES["default"]
    test_name = (live.get("TEST") or {}).get("NAME")
    if same_database(target, live) or (test_name and same_database(target, live | {"NAME": test_name})):
        raise Refused(
            "live_database",
            f"{target['NAME']} is the database Plaint is configured to use; a simulation never runs there.",
            field="database_url",
            hint="Leave --database-url out (a SQLite file under var/simulation/), or name a new database.",
        )


def _sqlite_tables(path: Path) -> set[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def _clear(target: dict[str, Any]) -> None:
    """Make the scratch database empty: replace an earlier run's, create a missing one, refuse anything else.

    An existing PostgreSQL database without tables is used as it is.
    """
    name = target["NAME"]
    refusal = Refused(
        "not_a_scratch_database",
        f"{name} is not a scratch database that a simulation made (it holds other tables, or is the server's "
        "own); a simulation only replaces its own.",
        field="database_url",
        hint="Name a new database (or file), or drop this one yourself if it is no longer needed.",
    )
    if target["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(name)
        if path.exists():
            tables = _sqlite_tables(path)
            if tables and MARKER_TABLE not in tables:
                raise refusal
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    params = {
        "host": target.get("HOST") or None,
        "port": target.get("PORT") or None,
        "user": target.get("USER") or None,
        "password": target.get("PASSWORD") or None,
    }
    if name in SERVER_DATABASES:
        raise refusal
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            with psycopg.connect(dbname=name, **params) as db:
                tables = {r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            if not tables:  # made empty for the run (e.g. by someone who may not create databases)
                return
            if MARKER_TABLE not in tables:
                raise refusal
            server.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')


def _use(databases: dict[str, Any]) -> None:
    """Point Django's connections at `databases`, closing whatever is open (nothing is, on the way in)."""
    connections.close_all()
    for alias in list(connections.settings):
        try:
            del connections[alias]
        except AttributeError:  # never opened
            pass
    settings.DATABASES = databases
    connections._settings = connections.configure_settings(databases)
    connections.__dict__["settings"] = connections._settings
    ContentType.objects.clear_cache()


def pinned_rulebook_text(text: str, start: datetime) -> str:
    """Return the rulebook's text in force from `start`: its effective_from moved there if it is later.

    The run simulates one version for the whole period, also a version (or a draft) whose day has
    not come; only the run's own copy changes.
    """
    rulebook = loader.parse(text, "rulebook")
    if rulebook.effective_from <= start:
        return text
    pinned, count = re.subn(
        r"(?m)^effective_from\s*=.*$", f"effective_from = {start.isoformat()}  # the simulation's start", text
    )
    if count != 1:
        raise InvalidInput("rulebook", "The rulebook must set effective_from once, at its top level.", field="rulebook")
    return pinned


@contextmanager
def scratch(target: dict[str, Any], folder: Path, rulebook_text: str, start: datetime) -> Iterator[Rulebook]:
    """Run the body against the scratch database (migrated from zero), media folder and rulebook; restore after.

    Yields the simulated rulebook. Refuses (Refused) a target that is the live database or a database
    with tables no simulation made.
    """
    _refuse_live(target)
    _clear(target)
    folder.mkdir(parents=True, exist_ok=True)
    rulebook_dir = folder / "rulebook"
    shutil.rmtree(rulebook_dir, ignore_errors=True)
    shutil.copytree(Path(settings.PLAINT_RULEBOOK_DIR) / "calendars", rulebook_dir / "calendars")
    media = folder / "media"
    shutil.rmtree(media, ignore_errors=True)
    live = settings.DATABASES
    try:
        with override_settings(PLAINT_RULEBOOK_DIR=rulebook_dir, MEDIA_ROOT=media):
            calendar.calendar.cache_clear()
            (rulebook_dir / "simulated.toml").write_text(pinned_rulebook_text(rulebook_text, start), encoding="utf-8")
            loader.check()
            (rulebook,) = loader.file_versions()
            try:
                _use({"default": target})
                call_command("migrate", interactive=False, verbosity=0)
                with connection.cursor() as cursor:
                    cursor.execute(f"CREATE TABLE {MARKER_TABLE} (created_for VARCHAR(40))")
                yield rulebook
            finally:
                _use(live)
    finally:
        # Back to the live rulebook folder and its calendars.
        calendar.calendar.cache_clear()
        loader.check()
