"""What the benchmarks share: a fresh PostgreSQL database for each, and the generated merchants."""

import os
import statistics
import time

import psycopg


def sibling(url: str, name: str) -> str:
    """Return the database URL `url` with its database name replaced by `name`."""
    return url.rsplit("/", 1)[0] + "/" + name


def fresh_database(name: str) -> None:
    """Drop and create the database `name` beside PLAINT_DATABASE_URL's, set Django up on it, migrate.

    Exits with a message unless PLAINT_DATABASE_URL is a PostgreSQL URL.
    """
    url = os.environ.get("PLAINT_DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("this benchmark runs on PostgreSQL: set PLAINT_DATABASE_URL=postgres://...")
    with psycopg.connect(sibling(url, "postgres"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    os.environ["PLAINT_DATABASE_URL"] = sibling(url, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plaint.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def insert_merchants(cursor: psycopg.Cursor, count: int) -> int:
    """Insert `count` cross-border merchants M1..Mn with generate_series; return the first one's id."""
    cursor.execute(
        "INSERT INTO marketplace_merchant (external_id, name, country, cross_border, status, contact_email, "
        "contact_phone, created_at, updated_at) SELECT 'M' || i, 'Merchant ' || i, 'JP', true, 'active', '', '', "
        "now(), now() FROM generate_series(1, %s) i",
        [count],
    )
    cursor.execute("SELECT min(id) FROM marketplace_merchant")
    return cursor.fetchone()[0]


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the benchmark's database: a live one has autovacuum; fresh bulk-loaded rows don't yet."""
    with psycopg.connect(os.environ["PLAINT_DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def insert_consumers(cursor: psycopg.Cursor, count: int) -> int:
    """Insert `count` plain consumers C1..Cn (no contact details) with generate_series; return the first id."""
    cursor.execute(
        "INSERT INTO marketplace_consumer (external_id, name, email, phone, language, created_at, updated_at) "
        "SELECT 'C' || i, 'Consumer ' || i, '', '', 'zh-hans', now(), now() FROM generate_series(1, %s) i",
        [count],
    )
    cursor.execute("SELECT min(id) FROM marketplace_consumer")
    return cursor.fetchone()[0]


def time_pages(
    users: list,
    pages: list[tuple[str, str]],
    runs: int,
    *,
    statuses: tuple[int, ...] = (200,),
    follow: bool = False,
    counts: dict[str, int] | None = None,
) -> float:
    """Render each (role, path) `runs` times as a signed-in user of that role; print median and queries.

    The first render warms the template cache (followed through redirects when `follow`) and must be
    200; each timed one must answer one of `statuses`. Return the worst median in milliseconds; with
    `counts`, also fill it with {path: queries of the last render}.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {}
    for user in users:
        clients[user.role] = Client()
        clients[user.role].force_login(user)
    role_width = max(len(role) for role, _ in pages)
    path_width = max(len(path) for _, path in pages)
    worst = 0.0
    for role, path in pages:
        client = clients[role]
        assert client.get(path, follow=follow).status_code == 200, path
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - began) * 1000)
            assert response.status_code in statuses, (path, response.status_code)
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"  {role:{role_width}} {path:{path_width}} {median:7.1f} ms  {len(queries.captured_queries):3} queries")
        if counts is not None:
            counts[path] = len(queries.captured_queries)
    return worst


def print_plan(title: str, queryset: object) -> None:
    """Print PostgreSQL's EXPLAIN of a queryset under `title`."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        plan = "\n".join("      " + row[0] for row in cur.fetchall())
    print(f"  {title}:\n{plan}")
