from django.contrib import admin

from .models import Agent


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ["agent_id", "display_name", "role", "languages"]
    list_filter = ["role"]
    search_fields = ["agent_id", "display_name"]
