from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "support.realtime"
    label = "realtime"
    verbose_name = "Realtime"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
