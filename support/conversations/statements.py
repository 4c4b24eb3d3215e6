"""One-statement message writes for the two hottest paths, on PostgreSQL.

Storing a customer message or an assistant reply means: lock the conversation, check its
status, insert the message, count it. As ORM calls that is BEGIN, SELECT ... FOR UPDATE,
INSERT, UPDATE, COMMIT: five round trips to the database. PostgreSQL does the same in one
data-modifying statement:

- ``UPDATE ... WHERE status = ANY(...) RETURNING`` takes the row lock, and under READ
  COMMITTED it re-evaluates the WHERE clause on the locked row, so the status is checked
  under the lock, as ``_lock`` + ``authorize`` do;
- the INSERT reads the UPDATE's RETURNING, so the message is stored only when the status
  allowed it, and its id is drawn while the row lock is held (ids grow in commit order within
  a conversation, which ``?after=`` catch-up relies on);
- the statement commits on its own in autocommit, or with the caller's transaction.

These functions only do the common case. When the statement matches no row (an unknown
conversation, a status that refuses the write) they return None and the caller takes the
general path in ``actions``, which locks, authorises and raises the precise error. So no
refusal is ever decided here.
"""

import functools
from collections.abc import Collection
from typing import Any
from uuid import UUID

from django.db import connection

from .models import SupportConversation, SupportMessage

_CONVERSATION = SupportConversation._meta
_MESSAGE = SupportMessage._meta


def available() -> bool:
    return connection.vendor == "postgresql"


def _q(name: str | None) -> str:
    assert name is not None  # a concrete field always has a column
    return connection.ops.quote_name(name)


def _from_db(fields: Collection[Any], values: Collection[Any]) -> list[Any]:
    """Apply the converters the ORM applies when it loads a row (JSON, for one)."""
    loaded = []
    for field, value in zip(fields, values, strict=True):
        column = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        for converter in converters:
            value = converter(value, column, connection)
        loaded.append(value)
    return loaded


@functools.cache
def _sql(*, set_language: bool, reset_fallbacks: bool) -> str:
    """The statement for one shape of write (built once per process)."""
    pk = _q(_CONVERSATION.pk.column)
    assignments = [f"{_q('message_count')} = {_q('message_count')} + 1"]
    if set_language:
        assignments.append(f"{_q('language')} = %s")
    if reset_fallbacks:
        assignments.append(f"{_q('assistant_fallbacks')} = 0")
    returning = ", ".join(_q(f.column) for f in _CONVERSATION.concrete_fields)
    columns, values = [], []
    for field in _message_fields():
        columns.append(_q(field.column))
        if field.attname == "conversation_id":
            values.append(f"c.{pk}")
        elif field.attname == "in_reply_to_id":
            # Only a message of the same conversation can be replied to.
            table, id_ = _q(_MESSAGE.db_table), _q("id")
            # Identifiers come from the models, values are parameters: no injection.
            values.append(
                f"(SELECT r.{id_} FROM {table} r WHERE r.{id_} = %s "  # noqa: S608
                f"AND r.{_q('conversation_id')} = c.{pk})"
            )
        else:
            values.append("%s")
    # Identifiers come from the models, values are parameters: no injection.
    return (
        f"WITH c AS (UPDATE {_q(_CONVERSATION.db_table)} SET {', '.join(assignments)} "  # noqa: S608
        f"WHERE {pk} = %s AND {_q('status')} = ANY(%s) RETURNING {returning}), "
        f"m AS (INSERT INTO {_q(_MESSAGE.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM c RETURNING {_q('id')}, {_q('in_reply_to_id')}) "
        f"SELECT m.{_q('id')}, m.{_q('in_reply_to_id')}, c.* FROM m, c"
    )


def _message_fields() -> list[Any]:
    return [f for f in _MESSAGE.concrete_fields if not f.primary_key]


def store_message(
    message: SupportMessage,
    *,
    conversation_id: UUID,
    statuses: Collection[str],
    language: str | None = None,
    reset_fallbacks: bool = False,
) -> tuple[SupportConversation, SupportMessage] | None:
    """Insert the unsaved ``message`` into ``conversation_id`` if its status is one of
    ``statuses``; count it in ``message_count``; set ``language`` when given; reset the
    assistant's fallback streak when asked. Returns the updated conversation and the stored
    message, or None when no row matched. ``message.in_reply_to_id`` is kept only if it
    names a message of the same conversation."""
    message.conversation_id = conversation_id
    params: list[Any] = [language] if language else []
    params += [conversation_id, list(statuses)]
    params += [
        field.get_db_prep_save(field.pre_save(message, add=True), connection)
        for field in _message_fields()
        if field.attname != "conversation_id"
    ]
    sql = _sql(set_language=bool(language), reset_fallbacks=reset_fallbacks)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    conversation = SupportConversation.from_db(
        connection.alias,
        [f.attname for f in _CONVERSATION.concrete_fields],
        _from_db(_CONVERSATION.concrete_fields, row[2:]),
    )
    message.pk, message.in_reply_to_id = row[0], row[1]
    message.conversation = conversation
    message._state.adding = False
    message._state.db = connection.alias
    return conversation, message
