from django.contrib import admin

from .models import Order


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["order_number", "user_id", "status", "expected_delivery", "placed_at"]
    list_filter = ["status", "payment_method"]
    search_fields = ["order_number", "user_id"]
    readonly_fields = ["updated_at"]
