"""Paying for a renewal the way a traveller does, through the sandbox gateway, with the
simulated network told to fail or not: the orders the support tests talk about."""

from roamcard.orders.choices import TransitionCause
from roamcard.orders.services import order_create
from roamcard.renewals.services import renewal_pay, renewal_payment_sync
from roamcard.sandbox import services as sandbox
from roamcard.simnet.models import SimFault


def pay_for_renewal(*, traveller, card, plan, network_fails: bool = False, currency="CNY"):
    """Order, pay by card at the sandbox and come back; the network fails every attempt to
    apply it when asked to. Run it inside `committed()` so the jobs run."""
    if network_fails:
        SimFault.objects.create(iccid=card.iccid, mode=SimFault.Mode.REJECT, remaining=1000)
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency=currency)
    payment = renewal_pay(user=traveller, order=order, method="card")
    charge = sandbox.sandbox_charge_get(merchant_payment_id=str(payment.public_id))
    sandbox.sandbox_pay_by_card(charge_id=charge.pk, number="4242 4242 4242 4242")
    renewal_payment_sync(payment_id=payment.pk, cause=TransitionCause.RETURN)
    order.refresh_from_db()
    return order


def network_heals(card) -> None:
    SimFault.objects.filter(iccid=card.iccid).delete()
