from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "support.orders"
    label = "orders"
    verbose_name = "Orders"
