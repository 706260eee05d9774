"""Driving the renewal journey the way the outside world does: the traveller on the
sandbox's pages, the sandbox's notifications, the return to our site."""

from roamcard.orders.services import order_create
from roamcard.renewals.services import renewal_pay
from roamcard.sandbox import services as sandbox


def start_card_payment(user, card, plan, *, currency="CNY", method="card"):
    order = order_create(user=user, card_id=card.pk, plan_id=plan.pk, currency=currency)
    payment = renewal_pay(user=user, order=order, method=method)
    return order, payment


def charge_for(payment):
    return sandbox.sandbox_charge_get(merchant_payment_id=str(payment.public_id))


def pay_with(payment, number="4242 4242 4242 4242"):
    return sandbox.sandbox_pay_by_card(charge_id=charge_for(payment).pk, number=number)
