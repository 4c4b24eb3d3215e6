from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "support.demo"
    label = "demo"
    verbose_name = "Demo data"
