from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from support.common.errors import SupportError
from support.conversations.actors import Actor

from .availability import AgentChanges, do_update_agent
from .models import Agent, AgentEvent, Availability

# Changed through support.agents.availability (audited, published, routing runs), not saved
# by the form.
MANAGED = ("availability", "max_concurrent", "languages")


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = [
        "agent_id",
        "display_name",
        "role",
        "languages",
        "availability",
        "max_concurrent",
    ]
    list_filter = ["role", "availability"]
    search_fields = ["agent_id", "display_name"]
    readonly_fields = [
        "availability_changed_at",
        "last_assigned_at",
        "last_socket_closed_at",
    ]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        wanted = {field: getattr(obj, field) for field in MANAGED if field in form.changed_data}
        for field in wanted:
            setattr(obj, field, form.initial[field])
        super().save_model(request, obj, form, change)
        actor = Actor.for_user(request.user)
        if not wanted:
            return
        if actor is None:
            self.message_user(request, "Only supervisors change agents.", messages.ERROR)
            return
        try:
            do_update_agent(
                actor=actor,
                agent_id=obj.agent_id,
                changes=AgentChanges(
                    availability=Availability(wanted["availability"])
                    if "availability" in wanted
                    else None,
                    max_concurrent=wanted.get("max_concurrent"),
                    languages=wanted.get("languages"),
                ),
                reason="Changed in the admin.",
            )
        except SupportError as error:
            self.message_user(request, error.detail, messages.ERROR)


@admin.register(AgentEvent)
class AgentEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "agent", "kind", "old_value", "new_value", "actor_id", "reason"]
    list_filter = ["kind"]
    search_fields = ["agent__agent_id", "actor_id"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
