"""Gateways are chosen in settings, the way Django chooses EMAIL_BACKEND:

    PAYMENT_GATEWAYS = {
        "sandbox": {"BACKEND": "roamcard.payments.gateways.sandbox.SandboxGateway",
                    "OPTIONS": {...}},
        "stripe": {"BACKEND": "roamcard.payments.gateways.stripe_gateway.StripeGateway",
                   "OPTIONS": {...}},
    }
    PAYMENT_METHOD_GATEWAYS = {"card": "stripe", "alipay": "alipay", "wechat_pay": "wechatpay"}

Each backend class is constructed with its OPTIONS as keyword arguments and `name`.
config/settings/base.py builds both from the environment: the sandbox is there only with
SANDBOX_ENABLED (never in production), and a method is offered only when a gateway backs it.

A method can be saved for automatic renewal only where the gateway that backs it can save it
(its `saves`): Stripe saves cards, Alipay signs deduction agreements when the merchant has
the product, WeChat Pay saves nothing (docs/decisions/0009)."""

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import PaymentGateway, PaymentMethod


@cache
def _build(name: str) -> PaymentGateway:
    try:
        config = settings.PAYMENT_GATEWAYS[name]
    except KeyError as exc:
        raise ImproperlyConfigured(
            f"No payment gateway named {name!r} in PAYMENT_GATEWAYS"
        ) from exc
    backend = import_string(config["BACKEND"])
    return backend(name=name, **config.get("OPTIONS", {}))


def get_gateway(name: str) -> PaymentGateway:
    return _build(name)


def gateway_for_method(method: PaymentMethod | str) -> PaymentGateway:
    return get_gateway(settings.PAYMENT_METHOD_GATEWAYS[str(method)])


def enabled_methods() -> list[PaymentMethod]:
    return [PaymentMethod(m) for m in settings.PAYMENT_METHOD_GATEWAYS]


def saving_methods() -> list[PaymentMethod]:
    """The enabled methods a traveller can save, each at the gateway that backs it."""
    return [method for method in enabled_methods() if method in gateway_for_method(method).saves]


def gateway_for_saving(method: PaymentMethod | str) -> PaymentGateway | None:
    """The gateway that saves `method`, or None when no enabled gateway can."""
    try:
        method = PaymentMethod(method)
    except ValueError:
        return None
    return gateway_for_method(method) if method in saving_methods() else None


def reset_gateway_cache() -> None:
    """Tests that change PAYMENT_GATEWAYS call this."""
    _build.cache_clear()
