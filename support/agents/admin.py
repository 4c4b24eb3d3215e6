from django.contrib import admin

from .models import Agent, AgentEvent


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
    # Availability, capacity and languages change through the console and the API
    # (support.agents.availability), which audit them and run routing.
    readonly_fields = [
        "languages",
        "availability",
        "availability_changed_at",
        "max_concurrent",
        "last_assigned_at",
        "last_socket_closed_at",
    ]


@admin.register(AgentEvent)
class AgentEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "agent", "kind", "old_value", "new_value", "actor_id", "reason"]
    list_filter = ["kind"]
    search_fields = ["agent__agent_id", "actor_id"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
