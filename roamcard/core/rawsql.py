"""Reading model instances with one plain SQL query, for the few hot read paths.

On our 2-core machines the ORM spends 0.5-1 ms compiling each query, several times what
SQLite spends running it (bench/api.py measures this). A hot path may instead write its
SELECT by hand and turn rows into real model instances here, through the ORM's own
converters (datetimes, booleans, JSON), so callers see what a queryset would give them.
Column lists come from the models, so a new field needs no change here."""

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
