"""Reading model instances with one plain SQL query, for the few hot read paths.

On our 2-core machines the ORM spends 0.5-1 ms compiling each query, several times what
SQLite spends running it (bench/api.py measures this). A hot path may instead write its
SELECT by hand and turn rows into real model instances here, through the ORM's own
converters (datetimes, booleans, JSON), so callers see what a queryset would give them.
Column lists come from the models, so a new field needs no change here."""

from datetime import UTC, datetime
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
# PostgreSQL gets one statement per table (COPY, or unnest() of one array per column);
# SQLite, whose statements cost no round trip, gets executemany in the same transaction.
# Values are given as the database takes them: datetimes through db_value().


def is_postgres(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


def db_datetime(value: Any, using: str = DEFAULT_DB_ALIAS) -> Any:
    """An aware datetime as the database stores it (SQLite: naive UTC text)."""
    if value is None:
        return None
    return connections[using].ops.adapt_datetimefield_value(value)


def py_datetime(value: Any) -> Any:
    """A datetime read by a raw query: SQLite gives naive UTC text, PostgreSQL an aware one."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


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
            with cursor.cursor.copy(f"COPY {quote(table_name)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("%s" for _ in columns)
            cursor.executemany(f"INSERT INTO {quote(table_name)} ({names}) VALUES ({marks})", rows)


def rows_update(
    table_name: str,
    key: str,
    columns: list[tuple[str, str]],
    rows: list[tuple],
    using: str = DEFAULT_DB_ALIAS,
) -> None:
    """UPDATE table SET column = value ... WHERE key = row[0], for each row (key first,
    then the columns' values in order). `columns` are (name, PostgreSQL array type)."""
    if not rows:
        return
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(table_name)
    if connection.vendor == "postgresql":
        names = [key, *(name for name, _type in columns)]
        arrays = ", ".join(
            f"%s::{sql_type}[]" for sql_type in ["bigint", *(t for _n, t in columns)]
        )
        assignments = ", ".join(f"{quote(name)} = v.{quote(name)}" for name, _type in columns)
        aliases = ", ".join(quote(n) for n in names)
        sql = (
            f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v({aliases}) "
            f"WHERE {table}.{quote(key)} = v.{quote(key)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])
        return
    assignments = ", ".join(f"{quote(name)} = %s" for name, _type in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {quote(key)} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*row[1:], row[0]) for row in rows])


def values_in(
    sql: str,
    values: list[Any],
    params: tuple = (),
    using: str = DEFAULT_DB_ALIAS,
    chunk: int = 5000,
) -> list[tuple]:
    """Run `sql`, whose WHERE has `{in}` for a column's membership in `values` (before any
    other parameter; `params` follow it), and return all rows: PostgreSQL gets
    `= ANY(array)`, SQLite an IN list per chunk (its limit on parameters)."""
    connection = connections[using]
    if not values:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.replace("{in}", "= ANY(%s)"), [list(values), *params])
            return cursor.fetchall()
        rows: list[tuple] = []
        for start in range(0, len(values), chunk):
            part = values[start : start + chunk]
            marks = ", ".join("%s" for _ in part)
            cursor.execute(sql.replace("{in}", f"IN ({marks})"), [*part, *params])
            rows.extend(cursor.fetchall())
        return rows
