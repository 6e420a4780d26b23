"""What the benchmarks share: a fresh PostgreSQL database for each, and the generated merchants."""

import os

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
