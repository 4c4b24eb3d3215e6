from django.db import models
from django.db.models import Q


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    PACKED = "packed", "Packed"
    SHIPPED = "shipped", "Shipped"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    RETURN_REQUESTED = "return_requested", "Return requested"
    RETURNED = "returned", "Returned"
    REFUNDED = "refunded", "Refunded"


class PaymentMethod(models.TextChoices):
    COD = "cod", "Cash on delivery"
    UPI = "upi", "UPI"
    CARD = "card", "Card"
    NETBANKING = "netbanking", "Net banking"
    WALLET = "wallet", "Wallet"


class Order(models.Model):
    """An order as the shop's backend last reported it. The assistant only reads these."""

    order_number = models.CharField(max_length=32, unique=True)
    user_id = models.CharField(max_length=128, db_index=True)
    status = models.CharField(max_length=20, choices=OrderStatus.choices)
    items = models.JSONField(default=list, help_text='e.g. [{"name": "Kasavu saree", "qty": 1}]')
    total_rupees = models.DecimalField(max_digits=12, decimal_places=2)
    payment_method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    placed_at = models.DateTimeField()
    expected_delivery = models.DateField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_city = models.CharField(max_length=100, blank=True, default="")
    tracking_url = models.URLField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["user_id", "-placed_at"], name="order_user_recent_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(total_rupees__gte=0), name="order_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_number} ({self.status})"


class ServiceToken(models.Model):
    """A token of a backend service (the shop) that pushes orders. Stored as a digest."""

    name = models.CharField(max_length=100, unique=True)
    key_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
