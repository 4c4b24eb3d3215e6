from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "support.console"
    label = "console"
    verbose_name = "Agent console"
