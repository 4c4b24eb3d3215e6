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

The statement is prepared once per connection (support.common.prepared). Each value is cast
to its column's type, since a server-side NULL has no type of its own.

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

from support.common import prepared

from .models import SupportConversation, SupportMessage

_CONVERSATION = SupportConversation._meta
_MESSAGE = SupportMessage._meta


available = prepared.available
_q = prepared.quote


@functools.cache
def _sql(*, set_language: bool, reset_fallbacks: bool) -> str:
    """The statement for one shape of write (built once per process)."""
    pk = _q(_CONVERSATION.pk.column)
    assignments = [f"{_q('message_count')} = {_q('message_count')} + 1"]
    if set_language:
        assignments.append(f"{_q('language')} = %s")
    if reset_fallbacks:
        assignments.append(f"{_q('assistant_fallbacks')} = 0")
    returning = prepared.columns(SupportConversation)
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
            values.append(f"%s::{field.cast_db_type(connection)}")
    # Identifiers come from the models, values are parameters: no injection.
    return (
        f"WITH c AS (UPDATE {_q(_CONVERSATION.db_table)} SET {', '.join(assignments)} "  # noqa: S608
        f"WHERE {pk} = %s AND {_q('status')} = ANY(%s) RETURNING {returning}), "
        f"m AS (INSERT INTO {_q(_MESSAGE.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM c RETURNING {_q('id')}, {_q('in_reply_to_id')}) "
        f"SELECT m.{_q('id')}, m.{_q('in_reply_to_id')}, c.* FROM m, c"
    )


@functools.cache
def _history_sql() -> str:
    message, conversation = _q(_MESSAGE.db_table), _q(_CONVERSATION.db_table)
    pk, id_ = _q(_CONVERSATION.pk.column), _q("id")
    # Identifiers come from the models, values are parameters: no injection.
    return (
        f"SELECT m.{_q('sender')}, m.{_q('text')}, c.{_q('status')} "  # noqa: S608
        f"FROM {message} m JOIN {conversation} c ON c.{pk} = m.{_q('conversation_id')} "
        f"WHERE m.{_q('conversation_id')} = %s AND NOT m.{_q('is_private')} "
        f"ORDER BY m.{id_} DESC LIMIT %s"
    )


def latest_public_messages(conversation_id: UUID, *, limit: int) -> list[tuple[str, str, str]]:
    """(sender, text, the conversation's status) of the last ``limit`` public messages,
    newest first: the assistant's read before it answers, prepared like the writes."""
    with prepared.prepared_cursor() as cursor:
        cursor.execute(_history_sql(), [conversation_id, limit])
        return [tuple(row) for row in cursor.fetchall()]


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
    with prepared.prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    conversation = prepared.load(SupportConversation, row[2:])
    message.pk, message.in_reply_to_id = row[0], row[1]
    message.conversation = conversation
    message._state.adding = False
    message._state.db = connection.alias
    return conversation, message
