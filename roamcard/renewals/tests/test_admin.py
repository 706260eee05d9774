"""Orders, payments, refunds, webhooks, provisioning and the ledger in the back office."""

from decimal import Decimal

import pytest
from django.urls import reverse

from roamcard.cards.selectors import card_balance
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import make_staff
from roamcard.ledger.selectors import card_data_balance, unit_totals
from roamcard.orders.choices import OrderState
from roamcard.orders.models import Order
from roamcard.orders.services import order_create
from roamcard.payments.choices import RefundState
from roamcard.payments.models import Payment, Refund, WebhookDelivery
from roamcard.provisioning.models import ProvisioningJob
from roamcard.renewals.services import renewal_pay, renewal_payment_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def fulfilled_order(traveller, card, plan, gateway, committed):
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="CNY")
    payment = renewal_pay(user=traveller, order=order, method="alipay")
    gateway.will_succeed(payment, reference="fake-ref-7")
    with committed():
        renewal_payment_sync(payment_id=payment.pk, cause="return")
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED
    return order


def refund_page(order):
    return reverse("admin:orders_order_refund", args=[order.pk])


def refund_action(client, order, *, amount=None, reason="not_used", note="", token="form-1"):
    """Staff's "Refund…": the page (prefilled with all that is left), the preview, then
    "Confirm" with the amount previewed."""
    page = client.get(refund_page(order))
    if page.status_code != 200:
        return page
    data = {
        "token": token,
        "amount": amount if amount is not None else page.context["form"].initial["amount"],
        "reason": reason,
        "note": note,
    }
    preview = client.post(refund_page(order), data)
    if preview.context is None or preview.context["preview"] is None:
        return preview
    previewed = preview.context["preview"].amount.amount_minor
    return client.post(refund_page(order), {**data, "confirm": "yes", "previewed": previewed})


def test_the_order_list_finds_orders_by_number_email_and_iccid(staff_client, fulfilled_order, card):
    url = reverse("admin:orders_order_changelist")

    for term in (
        str(fulfilled_order.public_id),
        fulfilled_order.short_id,
        "alice@example",
        card.iccid,
    ):
        page = staff_client.get(url, {"q": term}).content.decode()
        assert fulfilled_order.short_id in page, term
    assert (
        fulfilled_order.short_id
        not in staff_client.get(url, {"q": "nobody@example"}).content.decode()
    )
    assert (
        fulfilled_order.short_id
        in staff_client.get(url, {"state__exact": "fulfilled"}).content.decode()
    )
    assert (
        fulfilled_order.short_id
        not in staff_client.get(url, {"state__exact": "cancelled"}).content.decode()
    )


def test_the_order_page_shows_its_history_and_payments_read_only(staff_client, fulfilled_order):
    response = staff_client.get(reverse("admin:orders_order_change", args=[fulfilled_order.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "CN¥138.00" in page and "fake-ref-7" in page
    assert "provisioning" in page  # a state change's cause
    assert 'name="amount_minor"' not in page and 'name="state"' not in page


def test_the_refund_page_previews_before_anything_is_refunded(staff_client, fulfilled_order):
    page = staff_client.get(refund_page(fulfilled_order))
    assert page.status_code == 200
    assert page.context["form"].initial["amount"] == Decimal("138.00")
    assert "CN¥138.00" in page.content.decode() and "CNY" in page.content.decode()

    response = staff_client.post(
        refund_page(fulfilled_order),
        {"token": "form-1", "amount": "34.50", "reason": "service_quality", "note": ""},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm: refund CN¥34.50" in html
    # A quarter of the price takes back a quarter of the plan's 5 GB.
    assert "1.25 GB" in html
    assert not Refund.objects.exists()
    assert not AuditEvent.objects.filter(action="order.refund").exists()


def test_refund_in_full_refunds_to_the_original_method_and_currency_and_audits(
    staff_client, fulfilled_order, card, gateway, committed
):
    with committed():
        response = refund_action(staff_client, fulfilled_order)

    assert response.status_code == 302
    refund = Refund.objects.get()
    payment = Payment.objects.get(paid_order=True)
    assert refund.payment == payment and payment.method == "alipay"
    assert (refund.amount_minor, refund.currency, refund.state) == (
        13800,
        "CNY",
        RefundState.SUCCEEDED,
    )
    [call] = gateway.refunded
    assert (call["amount_minor"], call["currency"], call["reference"]) == (
        13800,
        "CNY",
        "fake-ref-7",
    )
    fulfilled_order.refresh_from_db()
    assert fulfilled_order.state == OrderState.REFUNDED
    assert card_balance(card=card).bytes_remaining == 0
    assert card_data_balance(card_id=card.pk) == 0
    assert set(unit_totals().values()) == {0}
    audit = AuditEvent.objects.get(action="order.refund")
    assert audit.actor.is_staff and audit.object_id == str(fulfilled_order.pk)
    assert audit.details["amount_minor"] == 13800 and audit.details["currency"] == "CNY"
    assert audit.ip_address == "127.0.0.1"


def test_a_partial_refund_through_the_page_is_audited_and_listed_on_the_order(
    staff_client, fulfilled_order, card, committed
):
    with committed():
        response = refund_action(
            staff_client,
            fulfilled_order,
            amount="34.50",
            reason="other",
            note="Hotel Wi-Fi outage, agreed on the phone",
        )

    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.state, refund.reason_code) == (
        3450,
        RefundState.SUCCEEDED,
        "other",
    )
    assert refund.note == "Hotel Wi-Fi outage, agreed on the phone"
    fulfilled_order.refresh_from_db()
    assert fulfilled_order.state == OrderState.FULFILLED
    assert card_balance(card=card).bytes_remaining == 5 * 1024**3 - 5 * 1024**3 // 4
    assert set(unit_totals().values()) == {0}
    audit = AuditEvent.objects.get(action="order.refund")
    assert audit.details["amount_minor"] == 3450 and audit.details["currency"] == "CNY"
    assert audit.details["reason"] == "other"
    assert audit.details["note"] == "Hotel Wi-Fi outage, agreed on the phone"
    page = staff_client.get(
        reverse("admin:orders_order_change", args=[fulfilled_order.pk])
    ).content.decode()
    assert "CN¥34.50" in page and "Refunded" in page and "staff@example.com" in page
    assert "CN¥103.50" in page  # what can still be refunded


def test_other_without_a_note_is_asked_again(staff_client, fulfilled_order):
    response = staff_client.post(
        refund_page(fulfilled_order),
        {"token": "form-1", "amount": "10.00", "reason": "other", "note": ""},
    )

    assert response.status_code == 200
    assert response.context["preview"] is None
    assert "Say what the reason is." in response.content.decode()


def test_an_amount_changed_after_the_preview_is_previewed_again(staff_client, fulfilled_order):
    response = staff_client.post(
        refund_page(fulfilled_order),
        {
            "token": "form-1",
            "amount": "50.00",
            "reason": "goodwill",
            "confirm": "yes",
            "previewed": 3450,  # staff previewed 34.50, then typed 50.00
        },
    )

    assert response.status_code == 200
    assert "Confirm: refund CN¥50.00" in response.content.decode()
    assert not Refund.objects.exists()


def test_more_than_is_left_is_refused_on_the_page(staff_client, fulfilled_order):
    response = staff_client.post(
        refund_page(fulfilled_order),
        {"token": "form-1", "amount": "138.01", "reason": "goodwill"},
    )

    assert "At most CN¥138.00 can still be refunded on this payment." in (response.content.decode())
    assert not Refund.objects.exists()


def test_staff_without_the_refund_permission_cannot_open_the_page(client, fulfilled_order):
    clerk = make_staff(superuser=False, email="clerk@example.com")
    client.force_login(clerk)

    assert client.get(refund_page(fulfilled_order)).status_code == 403


def test_refunding_twice_makes_one_refund(staff_client, fulfilled_order, committed):
    with committed():
        refund_action(staff_client, fulfilled_order)
        staff_client.post(
            refund_page(fulfilled_order),
            {
                "token": "form-1",
                "amount": "138.00",
                "reason": "not_used",
                "confirm": "yes",
                "previewed": 13800,
            },
        )

    assert Refund.objects.count() == 1


def test_an_unpaid_order_cannot_be_refunded(staff_client, traveller, card, plan, gateway):
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")

    response = refund_action(staff_client, order)

    assert response.status_code == 302
    assert not Refund.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("no completed payment to refund" in m for m in messages)


def test_staff_without_the_refund_permission_cannot_refund(client, fulfilled_order):
    from django.contrib.auth.models import Permission

    clerk = make_staff(superuser=False, email="clerk@example.com")
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(clerk)

    listing = client.get(reverse("admin:orders_order_changelist")).content.decode()
    response = refund_action(client, fulfilled_order)

    assert fulfilled_order.short_id in listing and "Refund in full" not in listing
    assert response.status_code in (200, 302, 403)
    assert not Refund.objects.exists()


def test_the_payment_webhook_refund_job_and_ledger_pages_open(staff_client, fulfilled_order):
    WebhookDelivery.objects.create(
        gateway="fake",
        event_id="evt-1",
        headers={},
        body="{}",
        outcome=WebhookDelivery.Outcome.FLAGGED,
        reason="amount mismatch",
    )
    payment = Payment.objects.get()
    job = ProvisioningJob.objects.get()
    for name, args in [
        ("payments_payment_changelist", []),
        ("payments_payment_change", [payment.pk]),
        ("payments_webhookdelivery_changelist", []),
        ("payments_refund_changelist", []),
        ("provisioning_provisioningjob_changelist", []),
        ("provisioning_provisioningjob_change", [job.pk]),
        ("ledger_account_changelist", []),
        ("ledger_transaction_changelist", []),
        ("ledger_entry_changelist", []),
    ]:
        assert staff_client.get(reverse(f"admin:{name}", args=args)).status_code == 200, name
    flagged = staff_client.get(
        reverse("admin:payments_webhookdelivery_changelist"), {"outcome__exact": "flagged"}
    ).content.decode()
    assert "amount mismatch" in flagged
    assert (
        staff_client.get(
            reverse("admin:payments_payment_changelist"), {"q": "not-a-uuid"}
        ).status_code
        == 200
    )
    assert staff_client.get(reverse("admin:payments_payment_add")).status_code == 403


def test_retry_now_runs_a_waiting_provisioning_job_and_is_audited(
    staff_client, traveller, card, plan, gateway
):
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    payment = renewal_pay(user=traveller, order=order, method="card")
    gateway.will_succeed(payment)
    renewal_payment_sync(
        payment_id=payment.pk, cause="return"
    )  # its job is not run: nothing commits
    job = ProvisioningJob.objects.get()
    assert job.state == ProvisioningJob.State.PENDING

    response = staff_client.post(
        reverse("admin:provisioning_provisioningjob_changelist"),
        {"action": "retry_now", "_selected_action": [job.pk]},
    )

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ProvisioningJob.State.SUCCEEDED
    assert Order.objects.get().state == OrderState.FULFILLED
    assert AuditEvent.objects.filter(action="provisioningjob.action.retry_now").exists()


def test_refund_in_full_through_the_sandbox_gateway(staff_client, traveller, card, plan, committed):
    """The same, with the built-in sandbox: paid by test card, refunded by staff."""
    from roamcard.payments.gateways.registry import reset_gateway_cache
    from roamcard.sandbox.models import SandboxCharge
    from roamcard.sandbox.services import sandbox_pay_by_card

    reset_gateway_cache()
    order = order_create(user=traveller, card_id=card.pk, plan_id=plan.pk, currency="USD")
    payment = renewal_pay(user=traveller, order=order, method="card")
    assert payment.gateway == "sandbox"
    sandbox_pay_by_card(charge_id=payment.gateway_reference, number="4242 4242 4242 4242")
    with committed():
        renewal_payment_sync(payment_id=payment.pk, cause="return")
    order.refresh_from_db()
    assert order.state == OrderState.FULFILLED

    with committed():
        refund_action(staff_client, order)

    order.refresh_from_db()
    refund = Refund.objects.get()
    assert order.state == OrderState.REFUNDED
    assert (refund.state, refund.amount_minor, refund.currency) == (
        RefundState.SUCCEEDED,
        1990,
        "USD",
    )
    charge = SandboxCharge.objects.get(pk=payment.gateway_reference)
    assert charge.refunds.get().amount_minor == 1990
    assert card_balance(card=card).bytes_remaining == 0
    assert set(unit_totals().values()) == {0}
    assert AuditEvent.objects.filter(action="order.refund", object_id=str(order.pk)).exists()


@pytest.mark.parametrize(("language", "label"), [("en", "Renewed"), ("ja", "更新完了")])
def test_an_order_state_shows_as_its_label_on_the_list_and_the_order_page(
    staff_client, fulfilled_order, language, label
):
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    pages = [
        staff_client.get(reverse("admin:orders_order_changelist"), **headers),
        staff_client.get(
            reverse("admin:orders_order_change", args=[fulfilled_order.pk]), **headers
        ),
        staff_client.get(
            reverse("admin:payments_payment_change", args=[Payment.objects.get().pk]), **headers
        ),
        staff_client.get(
            reverse(
                "admin:provisioning_provisioningjob_change",
                args=[ProvisioningJob.objects.get().pk],
            ),
            **headers,
        ),
    ]

    for page in pages:
        content = page.content.decode()
        assert page.status_code == 200
        for value in ("fulfilled", "succeeded"):
            for tuple_start in (f"('{value}'", f"(&#x27;{value}&#x27;"):
                assert tuple_start not in content, page.request["PATH_INFO"]
    assert label in pages[0].content.decode() and label in pages[1].content.decode()
    # As a badge in the state's colour on the order's page too, as in the list.
    assert "bg-green-100" in pages[1].content.decode()
