from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "support.conversations"
    label = "support"
    verbose_name = "Support conversations"

    def ready(self) -> None:
        from .hours import schedule

        schedule()  # a mistake in BUSINESS_HOURS & co. stops start-up, saying what it is
