"""The admin of the spec (section 5). Status is read-only here: escalation, assignment and
resolution go through the lifecycle actions, like everywhere else."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from support.agents.models import Agent
from support.common.errors import SupportError

from . import actions
from .actors import Actor
from .models import ConversationEvent, SupportConversation, SupportMessage


def _actor(request: HttpRequest) -> Actor | None:
    return Actor.for_user(request.user)


class _SupervisorsOnly:
    """Supervisors and superusers see and act on conversations; nobody adds or deletes here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        actor = _actor(request)
        return bool(actor and actor.is_supervisor)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MessageInline(_SupervisorsOnly, admin.TabularInline):
    model = SupportMessage
    fields = ("created_at", "sender", "agent", "is_private", "text", "detected_intent")
    readonly_fields = fields
    extra = 0
    can_delete = False


class EventInline(_SupervisorsOnly, admin.TabularInline):
    model = ConversationEvent
    fields = ("created_at", "kind", "from_status", "to_status", "actor_kind", "actor_id", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False


class ConversationForm(forms.ModelForm):
    assign_to = forms.ModelChoiceField(
        queryset=Agent.objects.all(),
        required=False,
        to_field_name="agent_id",
        help_text="Assign (or transfer) this escalated conversation to an agent.",
    )

    class Meta:
        model = SupportConversation
        fields = ["priority"]


@admin.register(SupportConversation)
class SupportConversationAdmin(_SupervisorsOnly, admin.ModelAdmin):
    form = ConversationForm
    list_display = [
        "conversation_id",
        "user_id",
        "status",
        "assigned_agent",
        "language",
        "escalated_at",
        "started_at",
        "message_count",
    ]
    list_filter = ["status", "language", "escalation_source", "priority", "customer_verified"]
    search_fields = ["conversation_id", "user_id", "assigned_agent__agent_id"]
    ordering = ["-started_at"]
    readonly_fields = [
        "conversation_id",
        "user_id",
        "customer_verified",  # the shop's word, given once at creation
        "language",
        "status",
        "message_count",
        "started_at",
        "escalated",
        "escalation_reason",
        "escalation_source",
        "escalated_at",
        "assigned_agent",
        "assigned_at",
        "first_agent_reply_at",
        "resolved_at",
        "resolved_by",
        "ended_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "conversation_id",
                    "user_id",
                    "customer_verified",
                    "language",
                    "status",
                    "priority",
                    "message_count",
                    "started_at",
                ]
            },
        ),
        (
            "Escalation",
            {"fields": ["escalated", "escalation_reason", "escalation_source", "escalated_at"]},
        ),
        (
            "Agent Assignment",
            {"fields": ["assigned_agent", "assigned_at", "assign_to", "first_agent_reply_at"]},
        ),
        ("Resolution", {"fields": ["resolved_at", "resolved_by", "ended_at"]}),
    ]
    inlines = [MessageInline, EventInline]
    actions = ["escalate_selected", "resolve_selected"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        SupportConversation.objects.filter(pk=obj.pk).update(priority=obj.priority)
        agent = form.cleaned_data.get("assign_to")
        if agent is not None:
            self._run(
                request,
                lambda actor: actions.do_assign_conversation(
                    actor=actor, conversation_id=obj.pk, agent_id=agent.agent_id
                ),
                f"Assigned to {agent.display_name}.",
            )

    @admin.action(description="Escalate selected conversations to humans")
    def escalate_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for conversation in queryset.order_by("pk"):
            self._run(
                request,
                lambda actor, c=conversation: actions.do_escalate_conversation(
                    actor=actor, conversation_id=c.pk, reason="Escalated from the admin."
                ),
                f"Escalated {conversation.pk}.",
            )

    @admin.action(description="Resolve selected conversations")
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for conversation in queryset.order_by("pk"):
            self._run(
                request,
                lambda actor, c=conversation: actions.do_resolve_conversation(
                    actor=actor, conversation_id=c.pk
                ),
                f"Resolved {conversation.pk}.",
            )

    def _run(self, request: HttpRequest, action: Any, success: str) -> None:
        actor = _actor(request)
        try:
            action(actor)
        except SupportError as error:
            self.message_user(request, error.detail, level=messages.ERROR)
        else:
            self.message_user(request, success, level=messages.SUCCESS)
