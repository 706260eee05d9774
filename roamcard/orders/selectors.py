from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .choices import OrderState
from .errors import OrderNotFound
from .models import Order, OrderEvent


def order_list_for(*, user: Any) -> QuerySet[Order]:
    return (
        Order.objects.filter(user=user)
        .select_related("card", "plan", "bucket")
        .order_by("-created_at", "-id")
    )


def order_get_for(*, user: Any, public_id: Any) -> Order:
    """The traveller's order by its public id; someone else's is not found."""
    try:
        order = order_list_for(user=user).filter(public_id=public_id).first()
    except (ValueError, TypeError, ValidationError):
        order = None
    if order is None:
        raise OrderNotFound()
    return order


def orders_paid_without_job() -> QuerySet[Order]:
    """Paid orders whose provisioning job is missing (cannot happen through the renewal
    flow; cheap for the janitor to check)."""
    return Order.objects.filter(state=OrderState.PAID, provisioning_job__isnull=True)


def order_events(*, order: Order) -> QuerySet[OrderEvent]:
    """An order's history, oldest first."""
    return OrderEvent.objects.filter(order=order).order_by("at", "id")
