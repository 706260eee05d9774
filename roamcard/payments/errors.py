from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import DomainError, NotFound


class PaymentNotFound(NotFound):
    code = "payment_not_found"
    message = _("Payment not found.")


class PaymentMethodNotAvailable(DomainError):
    code = "payment_method_not_available"
    status = 400
    message = _("This payment method is not available.")


class PaymentDeclined(DomainError):
    code = "payment_declined"
    status = 402
    message = _("The payment was declined. Please try another card or payment method.")


class AmountMismatch(Exception):
    """A gateway reported an amount or currency other than the payment's: never applied."""


class PaymentNotRefundable(DomainError):
    code = "payment_not_refundable"
    status = 409
    message = _("This payment has not been completed, so there is nothing to refund.")


class SavedMethodNotFound(NotFound):
    code = "payment_method_not_found"
    message = _("Payment method not found.")


class PaymentMethodNotSaveable(DomainError):
    code = "payment_method_not_saveable"
    status = 400
    message = _("This payment method cannot be saved for automatic renewal.")


class SavedMethodNotUsable(DomainError):
    code = "payment_method_not_usable"
    status = 409
    message = _("This payment method has been removed and can no longer be charged.")


class PaymentGatewayUnavailable(DomainError):
    code = "payment_gateway_unavailable"
    status = 503
    message = _("The payment service could not be reached. Please try again in a moment.")


class PaymentSetupNotFound(NotFound):
    code = "payment_setup_not_found"
    message = _("This request to add a payment method was not found.")


class RefundTooLarge(DomainError):
    """More than the payment still has to give back (what it took, less its other refunds
    that have not failed)."""

    code = "refund_too_large"
    status = 409
    message = _("That is more than can still be refunded on this payment.")


class NothingLeftToRefund(DomainError):
    code = "nothing_left_to_refund"
    status = 409
    message = _("This payment has already been refunded in full.")
