"""The floor app's tables (bench/floor.py), apart from it: importing the app configures Django."""

import psycopg

TABLES = """
CREATE TABLE IF NOT EXISTS floor_token (key_hash char(64) PRIMARY KEY, consumer text NOT NULL);
CREATE TABLE IF NOT EXISTS floor_report (
    id bigserial PRIMARY KEY, consumer text NOT NULL, target_type text NOT NULL, target_id text NOT NULL,
    category text NOT NULL, description text NOT NULL, remedy_wanted text NOT NULL,
    evidence_kind text NOT NULL, photo text NOT NULL, photo_sha256 char(64) NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now()
)
"""


def create_tables(cursor: psycopg.Cursor) -> None:
    """Make the floor's two tables in the bench database."""
    cursor.execute(TABLES)
