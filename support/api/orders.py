"""Orders: pushed by the shop's backend, read by staff and by the customer of a conversation."""

import re
from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from support.common.errors import Forbidden, InvalidInput, NotAuthenticated
from support.conversations.access import Action, access_conversation, require_actor
from support.orders.models import Order, OrderStatus, PaymentMethod
from support.orders.services import orders_for, upsert_order

from .authentication import ServicePrincipal, actor_of
from .serializers import StrictCharField, StrictSerializer
from .views import ERRORS

ORDER_NUMBER = re.compile(r"^KS-\d{4,10}$")


class OrderItemInput(StrictSerializer):
    name = StrictCharField(max_length=200, trim_whitespace=True)
    qty = serializers.IntegerField(min_value=1, max_value=10_000, default=1)


class OrderInput(StrictSerializer):
    user_id = StrictCharField(max_length=128, trim_whitespace=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    items = OrderItemInput(many=True, allow_empty=False)
    total_rupees = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    payment_method = serializers.ChoiceField(choices=PaymentMethod.choices)
    placed_at = serializers.DateTimeField()
    expected_delivery = serializers.DateField(required=False, allow_null=True)
    delivered_at = serializers.DateTimeField(required=False, allow_null=True)
    delivery_city = StrictCharField(max_length=100, required=False, allow_blank=True)
    tracking_url = serializers.URLField(required=False, allow_blank=True)


class OrderOutput(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = [
            "order_number",
            "user_id",
            "status",
            "items",
            "total_rupees",
            "payment_method",
            "placed_at",
            "expected_delivery",
            "delivered_at",
            "delivery_city",
            "tracking_url",
            "updated_at",
        ]
        read_only_fields = fields


def _require_service(request: Request) -> ServicePrincipal:
    if isinstance(request.user, ServicePrincipal):
        return request.user
    if request.user is None:
        raise NotAuthenticated(
            "Send the shop's service token as Authorization: Bearer <token>.",
        )
    raise Forbidden("Only the shop's backend pushes orders.")


class OrderView(APIView):
    @extend_schema(
        request=OrderInput,
        responses={200: OrderOutput, 201: OrderOutput, **ERRORS},
        description="Create or replace an order (the shop's backend, with its service "
        "token). Idempotent: sending the same order again changes nothing.",
    )
    def put(self, request: Request, order_number: str) -> Response:
        _require_service(request)
        if not ORDER_NUMBER.match(order_number):
            raise InvalidInput("Order numbers look like KS-10023.", code="invalid_order_number")
        serializer = OrderInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields: dict[str, Any] = dict(serializer.validated_data)
        fields["items"] = [dict(item) for item in fields["items"]]
        order, created = upsert_order(order_number=order_number, fields=fields)
        return Response(OrderOutput(order).data, status=status.HTTP_201_CREATED if created else 200)


class ConversationOrdersView(APIView):
    @extend_schema(
        responses={200: OrderOutput(many=True), **ERRORS},
        description="The latest orders of the conversation's customer. Customers get them "
        "only when the shop verified them (403 `customer_not_verified` otherwise).",
    )
    def get(self, request: Request, conversation_id: UUID) -> Response:
        actor = require_actor(actor_of(request))
        conversation = access_conversation(actor, conversation_id, Action.VIEW_ORDERS)
        orders = orders_for(user_id=conversation.user_id, numbers=[], latest=10)
        return Response(OrderOutput(orders, many=True).data)
