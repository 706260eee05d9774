"""Many simultaneous charges of one order to saved methods (the triggers of automatic
renewal racing each other): the traveller is charged once."""

import pytest

from roamcard.orders.choices import OrderState
from roamcard.orders.errors import OrderNotPayable
from roamcard.orders.services import order_create
from roamcard.payments.models import Payment
from roamcard.renewals.services import renewal_pay_saved
from roamcard.sandbox.models import SandboxCharge
from roamcard.testing import save_sandbox_method

from .racing import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("behaviour", ["succeed", "action"])
def test_simultaneous_charges_of_one_order_charge_once(renewal_setup, behaviour):
    traveller, card, plan = renewal_setup
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    # Two methods, so that the race is not only on one method's lock.
    methods = [save_sandbox_method(traveller, behaviour=behaviour) for _ in range(2)]

    outcomes = race(
        *[
            lambda m=methods[i % 2]: renewal_pay_saved(order=order, saved_method=m)
            for i in range(12)
        ]
    )

    unexpected = [o.error for o in outcomes if o.error and not isinstance(o.error, OrderNotPayable)]
    assert not unexpected, unexpected
    assert SandboxCharge.objects.count() == 1
    assert Payment.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    expected = OrderState.FULFILLED if behaviour == "succeed" else OrderState.PENDING_PAYMENT
    assert order.state == expected
