"""Supervisors configure webhook endpoints here and see every delivery: filter "Given up"
to find the ones that failed, fix the receiver, then run "Retry"."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from support import jobs
from support.conversations.actors import Actor

from . import deliveries, outbox
from .models import (
    DeliveryStatus,
    EmailDelivery,
    OutboxEvent,
    SlaAlert,
    WebhookDelivery,
    WebhookEndpoint,
)


def _is_supervisor(request: HttpRequest) -> bool:
    actor = Actor.for_user(request.user)
    return bool(actor and actor.is_supervisor)


class _SupervisorsOnly:
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_supervisor(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_supervisor(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_supervisor(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        max_length=500, assume_scheme="https", help_text="Receives a POST for each event."
    )
    kinds = forms.CharField(
        required=False,
        label="Event kinds",
        help_text="Comma-separated, e.g. conversation.escalated, sla.*  Empty: every kind.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "active", "secret"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kinds"].initial = ", ".join(self.instance.event_kinds or [])

    def clean_kinds(self) -> list[str]:
        kinds = [k.strip() for k in self.cleaned_data.get("kinds", "").split(",") if k.strip()]
        return list(dict.fromkeys(kinds))

    def save(self, commit: bool = True) -> Any:
        self.instance.event_kinds = self.cleaned_data["kinds"]
        return super().save(commit)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(_SupervisorsOnly, admin.ModelAdmin):
    form = EndpointForm
    list_display = ["url", "description", "active", "event_kinds", "created_at"]
    list_filter = ["active"]
    fields = ["url", "description", "active", "kinds", "secret"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_supervisor(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_supervisor(request)


class _DeliveryAdmin(_SupervisorsOnly, admin.ModelAdmin):
    """Read-only; the "Retry" action gives given-up deliveries a fresh set of attempts."""

    list_filter = ["status", "event__kind"]
    actions = ["retry_selected"]
    job = ""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    @admin.display(description="event")
    def event_kind(self, obj: Any) -> str:
        return str(obj.event.kind)

    @admin.display(description="event id")
    def event_id(self, obj: Any) -> str:
        return str(obj.event.event_id)

    @admin.action(description="Retry selected given-up deliveries", permissions=["change"])
    def retry_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        selected = queryset.count()
        failed = list(queryset.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True))
        with transaction.atomic():
            retried = deliveries.retry_now(self.model, failed, now=timezone.now())
            for pk in failed:
                jobs.enqueue_on_commit(self.job, pk)
        skipped = selected - retried
        self.message_user(request, f"Retrying {retried} given-up deliveries.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} were not given up (delivered, or pending and retrying on their own).",
                messages.WARNING,
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_DeliveryAdmin):
    job = outbox.DELIVER_WEBHOOK
    list_display = [
        "id",
        "event_kind",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "gave_up_at",
    ]
    list_filter = ["status", "endpoint", "event__kind"]
    list_select_related = ["event", "endpoint"]
    search_fields = ["event__event_id", "event__conversation__conversation_id"]


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(_DeliveryAdmin):
    job = outbox.DELIVER_EMAIL
    list_display = [
        "id",
        "event_kind",
        "event_id",
        "status",
        "attempts",
        "recipients",
        "last_error",
        "delivered_at",
        "gave_up_at",
    ]
    list_select_related = ["event"]


class DeliveryInline(_SupervisorsOnly, admin.TabularInline):
    model = WebhookDelivery
    fields = readonly_fields = (
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "delivered_at",
    )
    extra = 0
    can_delete = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(_SupervisorsOnly, admin.ModelAdmin):
    list_display = ["created_at", "kind", "event_id", "conversation"]
    list_filter = ["kind"]
    search_fields = ["event_id", "conversation__conversation_id"]
    fields = readonly_fields = ("event_id", "kind", "conversation", "created_at", "payload")
    inlines = [DeliveryInline]


@admin.register(SlaAlert)
class SlaAlertAdmin(_SupervisorsOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "conversation",
        "agent_id",
        "waited_seconds",
        "reassigned",
    ]
    list_filter = ["kind", "reassigned"]
    search_fields = ["conversation__conversation_id", "agent_id"]
    fields = readonly_fields = (
        "conversation",
        "kind",
        "started_at",
        "agent_id",
        "waited_seconds",
        "reassigned",
        "created_at",
    )
