"""Saving, listing, removing and charging a traveller's payment methods, against the
sandbox gateway (the real built-in vendor) and, where the network must fail, the sandbox
behind a network that loses its answers."""

from datetime import timedelta

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from roamcard.core.models import AuditEvent
from roamcard.orders.services import order_create
from roamcard.payments.choices import PaymentState
from roamcard.payments.errors import (
    PaymentGatewayUnavailable,
    PaymentMethodNotSaveable,
    SavedMethodNotFound,
    SavedMethodNotUsable,
)
from roamcard.payments.gateways.base import ResultStatus, SetupResult
from roamcard.payments.gateways.registry import reset_gateway_cache
from roamcard.payments.gateways.sandbox import SandboxGateway
from roamcard.payments.models import Payment, PaymentSetup, SavedPaymentMethod
from roamcard.payments.selectors import (
    saved_method_display,
    saved_method_expiry,
    saved_methods_of,
)
from roamcard.payments.services import (
    VENDOR_REMOVAL_MAX_ATTEMPTS,
    payment_charge_saved,
    payment_methods_sweep,
    payment_setup_apply,
    payment_setup_start,
    payment_setup_sync,
    saved_method_remove,
    saved_method_remove_for,
)
from roamcard.sandbox import services as sandbox
from roamcard.sandbox.models import SandboxCharge, SandboxMandate
from roamcard.testing import save_sandbox_method

pytestmark = pytest.mark.django_db


class LossySandbox(SandboxGateway):
    """The sandbox vendor behind a network that fails the next few calls of a kind before
    they reach it. Stands in for the network, not for our code."""

    failing: dict[str, int] = {}

    def _network(self, call: str) -> None:
        if LossySandbox.failing.get(call, 0) > 0:
            LossySandbox.failing[call] -= 1
            raise requests.ConnectionError("connection reset")

    def start_saving_method(self, **kwargs):
        self._network("start")
        return super().start_saving_method(**kwargs)

    def remove_saved_method(self, **kwargs):
        self._network("remove")
        return super().remove_saved_method(**kwargs)


@pytest.fixture
def lossy(settings):
    settings.PAYMENT_GATEWAYS = {
        "sandbox": {**settings.PAYMENT_GATEWAYS["sandbox"], "BACKEND": f"{__name__}.LossySandbox"}
    }
    reset_gateway_cache()
    yield LossySandbox.failing
    LossySandbox.failing.clear()
    reset_gateway_cache()


# --- saving --------------------------------------------------------------------------------


def test_a_setup_sends_the_traveller_to_the_gateways_page_and_back(traveller):
    setup = payment_setup_start(user=traveller, method="card", language="ko")

    assert setup.state == PaymentSetup.State.PENDING
    assert "/sandbox/setup/" in setup.redirect_url
    assert setup.next_check_at is not None and setup.expires_at is not None
    mandate = SandboxMandate.objects.get(pk=setup.reference)
    assert mandate.merchant_setup_id == str(setup.public_id)
    assert mandate.language == "ko"
    assert mandate.return_url.endswith(
        reverse("payment_methods:setup_return", kwargs={"public_id": setup.public_id})
    )


def test_the_traveller_coming_back_saves_the_method_once(traveller):
    setup = payment_setup_start(user=traveller, method="card")
    sandbox.sandbox_save_card(
        mandate_id=setup.reference, number="4242424242424242", expiry=(8, 2031)
    )

    first = payment_setup_sync(setup_id=setup.pk)
    again = payment_setup_sync(setup_id=setup.pk)

    assert first.state == again.state == PaymentSetup.State.SUCCEEDED
    method = SavedPaymentMethod.objects.get()
    assert first.saved_method == again.saved_method == method
    assert (method.user, method.gateway, method.method) == (traveller, "sandbox", "card")
    assert (method.label, method.brand) == ("Visa •••• 4242", "visa")
    assert (method.expires_month, method.expires_year) == (8, 2031)
    assert method.token == setup.reference and method.customer_ref.startswith("cus_")
    assert saved_method_expiry(method) == "08/2031"
    assert list(saved_methods_of(user=traveller)) == [method]


def test_a_setup_the_traveller_never_returns_from_is_completed_by_the_sweep(
    traveller, time_machine
):
    setup = payment_setup_start(user=traveller, method="alipay")
    sandbox.sandbox_sign_agreement(mandate_id=setup.reference, approve=True, behaviour="succeed")

    time_machine.move_to(timezone.now() + timedelta(minutes=1))
    assert payment_methods_sweep() == (1, 0)

    setup.refresh_from_db()
    assert setup.state == PaymentSetup.State.SUCCEEDED
    assert setup.saved_method.method == "alipay"
    assert saved_method_display(setup.saved_method).startswith("Alipay automatic deduction · ••••")


def test_a_setup_left_unfinished_fails_after_its_deadline(traveller, time_machine):
    setup = payment_setup_start(user=traveller, method="card")

    time_machine.move_to(setup.expires_at + timedelta(minutes=5))
    payment_methods_sweep()

    setup.refresh_from_db()
    assert (setup.state, setup.error_code) == (PaymentSetup.State.FAILED, "expired")
    assert not SavedPaymentMethod.objects.exists()


def test_a_declined_card_saves_nothing(traveller):
    setup = payment_setup_start(user=traveller, method="card")
    sandbox.sandbox_save_card(
        mandate_id=setup.reference, number="4000000000000002", expiry=(1, 2030)
    )

    setup = payment_setup_sync(setup_id=setup.pk)

    assert (setup.state, setup.error_code) == (PaymentSetup.State.FAILED, "card_declined")
    assert not SavedPaymentMethod.objects.exists()


def test_the_next_method_goes_to_the_same_gateway_customer(traveller, other_traveller):
    first = save_sandbox_method(traveller)
    second = save_sandbox_method(traveller, method="wechat_pay")
    someone_else = save_sandbox_method(other_traveller)

    assert second.customer_ref == first.customer_ref
    assert someone_else.customer_ref != first.customer_ref


def test_a_method_no_gateway_can_save_is_refused(traveller, settings):
    settings.PAYMENT_METHOD_GATEWAYS = {"card": "sandbox"}

    for method in ("alipay", "bitcoin"):
        with pytest.raises(PaymentMethodNotSaveable):
            payment_setup_start(user=traveller, method=method)
    assert not PaymentSetup.objects.exists()


def test_a_gateway_that_cannot_be_reached_fails_the_setup(traveller, lossy):
    lossy["start"] = 1

    with pytest.raises(PaymentGatewayUnavailable):
        payment_setup_start(user=traveller, method="card")

    setup = PaymentSetup.objects.get()
    assert (setup.state, setup.error_code) == (PaymentSetup.State.FAILED, "not_started")


def test_a_wallet_answering_with_an_agreement_the_traveller_has_gives_it_back(
    traveller, other_traveller
):
    """A wallet keeps one agreement per payer: signing again may answer the same one."""
    agreement = save_sandbox_method(traveller, method="alipay")
    saved_method_remove(saved_method_id=agreement.pk, actor=traveller)
    same_again = SetupResult(
        status=ResultStatus.SUCCEEDED, token=agreement.token, label="138******00", brand="alipay"
    )

    setup = payment_setup_start(user=traveller, method="alipay")
    setup = payment_setup_apply(setup_id=setup.pk, result=same_again)
    stolen = payment_setup_start(user=other_traveller, method="alipay")
    stolen = payment_setup_apply(setup_id=stolen.pk, result=same_again)

    agreement.refresh_from_db()
    assert (setup.state, setup.saved_method) == (PaymentSetup.State.SUCCEEDED, agreement)
    assert (agreement.state, agreement.label) == (SavedPaymentMethod.State.ACTIVE, "138******00")
    assert agreement.removed_at is agreement.vendor_removed_at is None
    assert (stolen.state, stolen.error_code) == (PaymentSetup.State.FAILED, "token_in_use")
    assert SavedPaymentMethod.objects.count() == 1


# --- removing ------------------------------------------------------------------------------


def test_removing_stops_charges_tells_the_gateway_and_is_audited(traveller):
    method = save_sandbox_method(traveller)

    removed = saved_method_remove_for(
        user=traveller, public_id=method.public_id, ip_address="192.0.2.7"
    )
    again = saved_method_remove_for(user=traveller, public_id=method.public_id)

    assert removed.state == again.state == SavedPaymentMethod.State.REMOVED
    assert removed.vendor_removed_at is not None
    assert SandboxMandate.objects.get(pk=method.token).status == SandboxMandate.Status.REVOKED
    assert list(saved_methods_of(user=traveller)) == []
    event = AuditEvent.objects.get(action="payment_method.remove")
    assert (event.actor, event.ip_address) == (traveller, "192.0.2.7")
    assert event.details["by"] == "traveller"


def test_a_traveller_cannot_remove_someone_elses_method(traveller, other_traveller):
    method = save_sandbox_method(traveller)

    with pytest.raises(SavedMethodNotFound):
        saved_method_remove_for(user=other_traveller, public_id=method.public_id)
    with pytest.raises(SavedMethodNotFound):
        saved_method_remove_for(user=other_traveller, public_id="not-a-uuid")

    method.refresh_from_db()
    assert method.state == SavedPaymentMethod.State.ACTIVE


def test_a_gateway_that_cannot_be_told_is_asked_again_later(traveller, lossy, time_machine):
    method = save_sandbox_method(traveller)
    lossy["remove"] = 2

    saved_method_remove(saved_method_id=method.pk, actor=traveller)

    method.refresh_from_db()
    assert method.state == SavedPaymentMethod.State.REMOVED  # ours at once
    assert method.vendor_removed_at is None and method.next_vendor_removal_at is not None
    time_machine.move_to(method.next_vendor_removal_at)
    payment_methods_sweep()  # fails again
    method.refresh_from_db()
    time_machine.move_to(method.next_vendor_removal_at)
    assert payment_methods_sweep() == (0, 1)
    method.refresh_from_db()
    assert method.vendor_removed_at is not None
    assert method.vendor_removal_attempts == 3
    assert SandboxMandate.objects.get(pk=method.token).status == SandboxMandate.Status.REVOKED


def test_a_gateway_that_never_confirms_is_given_up_on(traveller, lossy, time_machine):
    method = save_sandbox_method(traveller)
    lossy["remove"] = VENDOR_REMOVAL_MAX_ATTEMPTS

    saved_method_remove(saved_method_id=method.pk, actor=traveller)
    for _ in range(VENDOR_REMOVAL_MAX_ATTEMPTS):
        method.refresh_from_db()
        if method.next_vendor_removal_at is None:
            break
        time_machine.move_to(method.next_vendor_removal_at)
        payment_methods_sweep()

    method.refresh_from_db()
    assert method.vendor_removal_attempts == VENDOR_REMOVAL_MAX_ATTEMPTS
    assert (method.vendor_removed_at, method.next_vendor_removal_at) == (None, None)


# --- charging --------------------------------------------------------------------------------


@pytest.fixture
def order(renewal_setup):
    traveller, card, plan = renewal_setup
    return order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")


def charge(order, method):
    return payment_charge_saved(
        order_id=order.pk,
        saved_method_id=method.pk,
        amount_minor=order.amount_minor,
        currency=order.currency,
        description="Europe 5 GB",
        return_url="https://roamcard.example/orders/x/return/",
        notify_url="https://roamcard.example/payments/webhooks/sandbox/",
    )


def test_a_charge_is_an_off_session_payment_of_the_saved_method(order):
    method = save_sandbox_method(order.user)

    charged = charge(order, method)

    payment = charged.payment
    assert (payment.saved_method, payment.off_session) == (method, True)
    assert (payment.gateway, payment.method, payment.state) == ("sandbox", "card", "created")
    assert (payment.amount_minor, payment.currency) == (6800, "CNY")
    assert payment.expires_at > timezone.now() + timedelta(hours=23)
    assert charged.result.status == ResultStatus.SUCCEEDED
    assert SandboxCharge.objects.get().merchant_payment_id == str(payment.public_id)


def test_charging_the_same_order_again_answers_the_first_charge(order):
    method = save_sandbox_method(order.user)
    first = charge(order, method)
    Payment.objects.filter(pk=first.payment.pk).update(state=PaymentState.SUCCEEDED)

    again = charge(order, method)
    with_another_method = charge(order, save_sandbox_method(order.user))

    assert again.payment == with_another_method.payment == first.payment
    assert again.result is None and with_another_method.result is None
    assert SandboxCharge.objects.count() == 1


def test_after_a_failed_charge_the_order_can_be_charged_again(order):
    declining = save_sandbox_method(order.user, behaviour="decline")
    failed = charge(order, declining)
    Payment.objects.filter(pk=failed.payment.pk).update(state=PaymentState.FAILED)

    retried = charge(order, save_sandbox_method(order.user))

    assert retried.payment != failed.payment
    assert retried.result.status == ResultStatus.SUCCEEDED


def test_a_removed_method_is_not_charged(order):
    method = save_sandbox_method(order.user)
    saved_method_remove(saved_method_id=method.pk, actor=order.user)

    with pytest.raises(SavedMethodNotUsable):
        charge(order, method)

    assert not Payment.objects.exists()
