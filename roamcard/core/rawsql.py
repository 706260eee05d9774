"""Reading model instances with one plain SQL query, for the few hot read paths.

On our 2-core machines the ORM spends 0.5-1 ms compiling each query, several times what
SQLite spends running it (bench/api.py measures this). A hot path may instead write its
SELECT by hand and turn rows into real model instances here, through the ORM's own
converters (datetimes, booleans, JSON), so callers see what a queryset would give them.
Column lists come from the models, so a new field needs no change here."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)


class RowReader(Generic[M]):
    """The columns of `model` under a table alias, and how to turn them into an instance."""

    def __init__(self, model: type[M], alias: str, using: str = DEFAULT_DB_ALIAS):
        connection = connections[using]
        quote = connection.ops.quote_name
        self.model = model
        self.using = using
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        self.columns = ", ".join(f"{alias}.{quote(f.column)}" for f in fields)
        self.width = len(fields)
        self.converters: list[tuple[int, list, Any]] = []
        for index, field in enumerate(fields):
            column = field.get_col(alias)
            converters = connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            )
            if converters:
                self.converters.append((index, converters, column))

    def instance(self, row: tuple, offset: int = 0) -> M:
        values = list(row[offset : offset + self.width])
        connection = connections[self.using]
        for index, converters, column in self.converters:
            for convert in converters:
                values[index] = convert(values[index], column, connection)
        return self.model.from_db(self.using, self.attnames, values)


def table(model: type[Model], using: str = DEFAULT_DB_ALIAS) -> str:
    return connections[using].ops.quote_name(model._meta.db_table)


@cache
def reader(model: type[M], alias: str, using: str = DEFAULT_DB_ALIAS) -> RowReader[M]:
    """The RowReader of `model` under `alias`, built once per process."""
    return RowReader(model, alias, using)


# --- writing many rows at once, for the charging path ----------------------------------------
#
# PostgreSQL gets COPY, into the table or into a temporary staging table that one
# statement then merges (UPDATE ... FROM, INSERT ... ON CONFLICT): COPY encodes rows in C,
# where arrays or VALUES lists would be built in Python. SQLite, whose statements cost no
# round trip, gets executemany in the same transaction. Datetimes go through db_datetime().


def is_postgres(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


def _as_is(value: Any) -> Any:
    return value


def _sqlite_datetime(value: Any) -> Any:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def datetime_writer(using: str = DEFAULT_DB_ALIAS) -> Callable[[Any], Any]:
    """How to pass aware datetimes (or None) to this database in raw rows: as they are
    (PostgreSQL), as naive UTC text (SQLite). Fetch it once per batch, not per value."""
    return _as_is if connections[using].vendor == "postgresql" else _sqlite_datetime


def db_datetime(value: Any, using: str = DEFAULT_DB_ALIAS) -> Any:
    """An aware datetime as the database takes it."""
    return datetime_writer(using)(value)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def select_datetime(column: str, using: str = DEFAULT_DB_ALIAS) -> str:
    """A datetime column in a raw SELECT, read back by py_datetime(). PostgreSQL sends
    microseconds since the epoch: its driver's datetime loader, wrapped by Django, costs
    tens of microseconds a value, which matters at ten thousand rows."""
    if connections[using].vendor == "postgresql":
        return f"(extract(epoch from {column}) * 1000000)::bigint"
    return column


def py_datetime(value: Any) -> Any:
    """A datetime read through select_datetime(): microseconds since the epoch
    (PostgreSQL), naive UTC text (SQLite), or None."""
    if value is None:
        return None
    if isinstance(value, int):
        return _EPOCH + timedelta(microseconds=value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _copy(cursor: Any, table: str, names: str, rows: list[tuple]) -> None:
    """COPY through the driver's own cursor, its errors turned into Django's (an
    IntegrityError, say) as for any other statement."""
    with (
        cursor.db.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _stage(cursor: Any, connection: Any, table_name: str, columns: list[str]) -> str:
    """A temporary table shaped like those columns of the table (created once per
    connection), empty, to COPY rows into before one statement merges them. Emptied here,
    not only at commit: two batches may run in one transaction (a caller's atomic block)."""
    quote = connection.ops.quote_name
    stage = quote(f"stage_{table_name}_{len(columns)}_{abs(hash(tuple(columns))) % 10**8}")
    names = ", ".join(quote(c) for c in columns)
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
        f"SELECT {names} FROM {quote(table_name)} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {stage}")
    return stage


def rows_insert(
    table_name: str, columns: list[str], rows: list[tuple], using: str = DEFAULT_DB_ALIAS
) -> None:
    """INSERT the rows (PostgreSQL: COPY)."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, quote(table_name), names, rows)
        else:
            marks = ", ".join("%s" for _ in columns)
            cursor.executemany(f"INSERT INTO {quote(table_name)} ({names}) VALUES ({marks})", rows)


def rows_update(
    table_name: str, key: str, columns: list[str], rows: list[tuple], using: str = DEFAULT_DB_ALIAS
) -> None:
    """UPDATE table SET column = value ... WHERE key = row[0], for each row (the key first,
    then the columns' values in order)."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(table_name)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = _stage(cursor, connection, table_name, [key, *columns])
            _copy(cursor, stage, ", ".join(quote(c) for c in [key, *columns]), rows)
            assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {stage} s "
                f"WHERE {table}.{quote(key)} = s.{quote(key)}"
            )
            return
        assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE {quote(key)} = %s",
            [(*row[1:], row[0]) for row in rows],
        )


def rows_upsert_add(
    table_name: str,
    keys: list[str],
    sums: list[str],
    latest: list[str],
    rows: list[tuple],
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """INSERT the rows (keys, then sums, then latest); where a row with the same keys
    exists, add the sums to it and overwrite the latest columns. `keys` must be a unique
    constraint of the table."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(table_name)
    columns = [*keys, *sums, *latest]
    names = ", ".join(quote(c) for c in columns)
    conflict = f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) DO UPDATE SET " + ", ".join(
        [f"{quote(c)} = {table}.{quote(c)} + excluded.{quote(c)}" for c in sums]
        + [f"{quote(c)} = excluded.{quote(c)}" for c in latest]
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            stage = _stage(cursor, connection, table_name, columns)
            _copy(cursor, stage, names, rows)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} {conflict}")
            return
        marks = ", ".join("%s" for _ in columns)
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) {conflict}", rows)


def values_in(
    sql: str, values: list[Any], params: tuple = (), using: str = DEFAULT_DB_ALIAS
) -> list[tuple]:
    """Run `sql`, whose WHERE has `{in}` for a column's membership in `values` (before any
    other parameter; `params` follow it), and return all rows. The values go as one
    parameter, so the statement's text is the same for any number of them (and SQLite's
    cache of prepared statements does not fill with one per length): an array on
    PostgreSQL (`= ANY(%s)`), a JSON array on SQLite (`IN (SELECT value FROM json_each(%s))`)."""
    connection = connections[using]
    if not values:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.replace("{in}", "= ANY(%s)"), [list(values), *params])
        else:
            cursor.execute(
                sql.replace("{in}", "IN (SELECT value FROM json_each(%s))"),
                [json.dumps(list(values)), *params],
            )
        return cursor.fetchall()
