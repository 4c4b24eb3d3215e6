from django.apps import AppConfig


class WidgetConfig(AppConfig):
    name = "support.widget"
    label = "widget"
    verbose_name = "Customer chat widget"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the WIDGET_FRAME_ANCESTORS check)
