"""The baselines the benchmarks compare against: the same rows written raw into a copy of the
application's table, with its indexes, by COPY on PostgreSQL and executemany on SQLite (as
the application's connections are set up: WAL, synchronous=NORMAL)."""

import re
import sqlite3
import sys
import time
import urllib.parse
from pathlib import Path


def raw_copy_postgres(
    url: str,
    *,
    like: str,
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple],
    batch: int,
    timeout: int,
    commit_each_batch: bool = False,
) -> float:
    """Seconds to COPY `rows` into `table`, made LIKE the application's table `like`; the
    table is dropped afterwards."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    with psycopg.connect(urllib.parse.urlunsplit(parts._replace(scheme="postgresql"))) as conn:
        conn.execute(f"SET statement_timeout = {timeout * 1000}")
        conn.execute(f"CREATE TABLE {table} (LIKE {like} INCLUDING ALL)")
        conn.commit()
        start = time.perf_counter()
        for offset in range(0, len(rows), batch):
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows[offset : offset + batch]:
                    copy.write_row(row)
            if commit_each_batch:
                conn.commit()
        conn.commit()
        seconds = time.perf_counter() - start
        stored = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        conn.execute(f"DROP TABLE {table}")
        conn.commit()
    if stored != len(rows):
        sys.exit(f"raw COPY stored {stored} rows of {len(rows)}")
    return seconds


def raw_executemany_sqlite(
    path: Path,
    *,
    like: str,
    table: str,
    columns: tuple[str, ...],
    rows: list[tuple],
    timeout: int,
) -> float:
    """Seconds to insert `rows` in one transaction into `table`, a copy of the application's
    table `like` with its indexes (without its foreign keys); dropped afterwards."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=timeout)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        schema = conn.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
            " ORDER BY type DESC",  # the table before its indexes
            (like,),
        ).fetchall()
        for (sql,) in schema:
            sql = re.sub(r'(CREATE (?:UNIQUE )?INDEX )"(\w+)"', rf'\1"{table}_\2"', sql)
            sql = re.sub(
                r"REFERENCES \"\w+\" \(\"\w+\"\)( DEFERRABLE INITIALLY DEFERRED)?", "", sql
            )
            conn.execute(sql.replace(f'"{like}"', f'"{table}"'))
        placeholders = ", ".join("?" for _ in columns)
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows
        )
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        stored = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        conn.execute(f"DROP TABLE {table}")
    finally:
        conn.close()
    if stored != len(rows):
        sys.exit(f"raw executemany stored {stored} rows of {len(rows)}")
    return seconds
