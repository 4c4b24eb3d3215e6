from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "support.assistant"
    label = "assistant"
    verbose_name = "Assistant"
