"""Orders pushed by the shop, and the lookups the assistant makes."""

import functools
import re
from typing import Any

from django.db import transaction

from support.common import prepared, tokens

from .models import Order, ServiceToken

ORDER_NUMBER = re.compile(r"\bKS[-\s]?(\d{4,10})\b", re.IGNORECASE)


def order_numbers_in(text: str) -> list[str]:
    """Order numbers mentioned in ``text``, normalised to KS-12345, in order, once each."""
    return list(dict.fromkeys(f"KS-{digits}" for digits in ORDER_NUMBER.findall(text)))


@transaction.atomic
def upsert_order(*, order_number: str, fields: dict[str, Any]) -> tuple[Order, bool]:
    """Create or replace the shop's view of one order. Returns (order, created)."""
    order, created = Order.objects.select_for_update().update_or_create(
        order_number=order_number, defaults=fields
    )
    return order, created


def orders_for(*, user_id: str, numbers: list[str], latest: int = 3) -> list[Order]:
    """The customer's orders named in ``numbers``; without numbers, their latest ones.

    Orders of other customers are never returned, even when their number is named.
    """
    if prepared.available():
        return _prepared_orders(user_id=user_id, numbers=numbers, latest=latest)
    orders = Order.objects.filter(user_id=user_id)
    if numbers:
        return list(orders.filter(order_number__in=numbers))
    return list(orders.order_by("-placed_at")[:latest])


@functools.cache
def _orders_sql(*, named: bool) -> str:
    q = prepared.quote
    # Identifiers come from the model, values are parameters: no injection.
    select = f"SELECT {prepared.columns(Order)} FROM {q(Order._meta.db_table)} "  # noqa: S608
    where = f"WHERE {q('user_id')} = %s"
    newest_first = f" ORDER BY {q('placed_at')} DESC"  # Order.Meta.ordering
    if named:
        return f"{select}{where} AND {q('order_number')} = ANY(%s){newest_first}"
    return f"{select}{where}{newest_first} LIMIT %s"


def _prepared_orders(*, user_id: str, numbers: list[str], latest: int) -> list[Order]:
    """``orders_for`` as one prepared statement: the assistant's read on every order
    question (support.common.prepared)."""
    with prepared.prepared_cursor() as cursor:
        if numbers:
            cursor.execute(_orders_sql(named=True), [user_id, numbers])
        else:
            cursor.execute(_orders_sql(named=False), [user_id, latest])
        return [prepared.load(Order, row) for row in cursor.fetchall()]


def create_service_token(*, name: str) -> str:
    secret = tokens.new_secret()
    ServiceToken.objects.create(name=name, key_digest=tokens.digest(secret))
    return secret


def service_for(secret: str) -> ServiceToken | None:
    return ServiceToken.objects.filter(key_digest=tokens.digest(secret)).first()
