from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError, NotFound


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = _("Order not found.")


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
    message = _("This Idempotency-Key was already used for a different order.")


class PlanNotAvailable(DomainError):
    code = "plan_not_available"
    status = 409
    message = _("This plan cannot be bought for this card.")


class PriceNotAvailable(DomainError):
    code = "price_not_available"
    status = 409
    message = _("This plan is not sold in the currency you chose. Please pick another currency.")


class CardNotRenewable(DomainError):
    code = "card_not_renewable"
    status = 409
    message = _("This card is suspended and cannot be renewed. Please contact customer service.")


class OrderNotPayable(DomainError):
    code = "order_not_payable"
    status = 409
    message = _("This order can no longer be paid.")


class OrderNotRefundable(DomainError):
    code = "order_not_refundable"
    status = 409
    message = _("This order has no completed payment to refund.")


class OrderNotCancellable(DomainError):
    code = "order_not_cancellable"
    status = 409
    message = _("This order can no longer be cancelled: it has been paid or closed.")


class StartNotAvailable(DomainError):
    code = "start_not_available"
    status = 422
    message = _("Choose when the plan starts: now, or when your current plan ends or runs out.")


class OrderNotChangeable(DomainError):
    code = "order_not_changeable"
    status = 409
    message = _("This order has been paid or closed and can no longer be changed.")
