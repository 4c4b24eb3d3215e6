"""Prepared statements for the few reads and writes every customer message makes.

Django binds parameters on the client and never prepares (for the sake of connection
poolers), so PostgreSQL parses and plans each statement again; for the busiest statements
that took about as long as running them. A ``prepared_cursor`` sends its parameters to the
server and prepares each statement once per connection. With a pooler in transaction mode
in between, the pooler must support prepared statements (docs/architecture.md).

``load`` turns a selected row into a model instance as the ORM would, without building a
queryset. Only PostgreSQL uses this module (``available``); other databases keep the ORM.
"""

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import psycopg
from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def available() -> bool:
    return connection.vendor == "postgresql"


class PreparedCursor(psycopg.Cursor[Any]):
    """Server-side parameters, and every statement prepared on the connection."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True, **kwargs)


def prepared_cursor() -> Any:
    """A ``PreparedCursor`` in Django's wrapper, which keeps query logging, execute_wrappers
    and error translation. A server-side NULL has no type: cast parameters where the
    statement gives them no column to take one from."""
    connection.ensure_connection()
    return connection._prepare_cursor(PreparedCursor(connection.connection))  # type: ignore[attr-defined]


def quote(name: str | None) -> str:
    assert name is not None  # a concrete field always has a column
    return connection.ops.quote_name(name)


def columns(model: type[models.Model]) -> str:
    """The model's concrete columns in field order, for a SELECT or a RETURNING."""
    return ", ".join(quote(f.column) for f in model._meta.concrete_fields)


@functools.cache
def _loader(
    model: type[models.Model],
) -> tuple[list[str], list[tuple[Any, list[Callable[..., Any]]]]]:
    """The model's attribute names and each column's converters, looked up once."""
    loaders = []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        loaders.append((column, converters))
    return [f.attname for f in model._meta.concrete_fields], loaders


def load(model: type[M], row: Sequence[Any]) -> M:
    """An instance of ``model`` from its ``columns``, with the ORM's converters (JSON, for
    one) applied."""
    attnames, loaders = _loader(model)
    values = []
    for (column, converters), value in zip(loaders, row, strict=True):
        for converter in converters:
            value = converter(value, column, connection)
        values.append(value)
    return model.from_db(connection.alias, attnames, values)
