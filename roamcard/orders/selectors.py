from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .errors import OrderNotFound
from .models import Order


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
