from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "support.realtime"
    label = "realtime"
    verbose_name = "Realtime"
