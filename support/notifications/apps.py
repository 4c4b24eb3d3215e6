from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "support.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Registers the background jobs (support.jobs) under their names.
        from . import tasks  # noqa: F401
