from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "support.agents"
    label = "agents"
    verbose_name = "Agents"
