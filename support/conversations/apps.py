from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "support.conversations"
    label = "support"
    verbose_name = "Support conversations"
