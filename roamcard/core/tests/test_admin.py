"""The back office as staff meet it: every page loads, staff actions are audited."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from roamcard.accounts.models import ApiToken, OneTimeCode
from roamcard.cards.models import CardBindFailure, CardImport
from roamcard.core.audit import audit_record
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import changeform_data
from roamcard.notifications.models import Message, Notice, NotificationPreferences
from roamcard.testing import make_bucket, make_card, make_plan, make_user
from roamcard.usage.models import NetworkApiKey


def _one_of_each(staff) -> dict:
    """One object of every model in the back office."""
    traveller = make_user(email="carol@example.com")
    card = make_card(owner=traveller)
    bucket = make_bucket(card=card)
    plan = make_plan(region=card.region)
    now = timezone.now()
    return {
        "accounts.user": traveller,
        "accounts.onetimecode": OneTimeCode.objects.create(
            user=traveller,
            purpose="password_reset",
            channel="email",
            destination="carol@example.com",
            code_hash="secret-code-hash",
            expires_at=now,
        ),
        "accounts.apitoken": ApiToken.objects.create(
            user=traveller,
            name="phone",
            token_hash="secret-token-hash",
            prefix="rc_abc",
            expires_at=now,
        ),
        "account.emailaddress": EmailAddress.objects.get(user=traveller),
        "mfa.authenticator": Authenticator.objects.get(user=staff),
        "auth.group": Group.objects.create(name="support"),
        "cards.card": card,
        "cards.bucket": bucket,
        "cards.cardbindfailure": CardBindFailure.objects.create(iccid=card.iccid, user=traveller),
        "cards.cardimport": CardImport.objects.create(
            created_by=staff, file_name="cards.csv", file_size=10, file_sha256="0" * 64
        ),
        "catalog.region": card.region,
        "catalog.plan": plan,
        "notifications.message": Message.objects.create(
            channel="sms", to="+85291234567", kind="test", body="hi"
        ),
        "notifications.notice": Notice.objects.create(
            user=traveller, kind="usage_data_low", title="Japan: 1 GB left", body="Renew."
        ),
        "notifications.notificationpreferences": NotificationPreferences.objects.create(
            user=traveller
        ),
        "core.auditevent": audit_record(actor=staff, action="test.event", obj=card),
        "usage.networkapikey": NetworkApiKey.objects.create(
            name="feed", prefix="rcn_abcd", secret_hash="secret-key-hash", scope="usage:write"
        ),
        **_one_of_each_renewal_record(traveller=traveller, card=card, plan=plan),
        **_one_of_each_usage_record(card=card),
        **_one_of_each_saved_method_record(traveller=traveller),
        **_one_of_each_autorenewal_record(traveller=traveller, bucket=bucket, plan=plan),
        **_one_of_each_support_record(traveller=traveller, card=card),
        **_one_of_each_help_record(),
    }


def _one_of_each_support_record(*, traveller, card) -> dict:
    """A ticket and a saved reply (issue 10)."""
    from roamcard.support.models import SavedReply
    from roamcard.support.services import ticket_open

    return {
        "support.ticket": ticket_open(
            traveller=traveller, subject="No data", body="Help", card_id=card.pk
        ),
        "support.savedreply": SavedReply.objects.create(title_en="APN", body_en="Check the APN."),
    }


def _one_of_each_help_record() -> dict:
    """A help article and the customer service contact (issue 10)."""
    from roamcard.help.models import Article, SupportContact

    return {
        "help.article": Article.objects.create(
            slug="refunds", topic="refunds", title_en="Refunds", body_en="**Soon.**"
        ),
        "help.supportcontact": SupportContact.objects.create(
            days=[0, 1, 2, 3, 4], time_zone="Asia/Hong_Kong", email="help@example.com"
        ),
    }


def _one_of_each_saved_method_record(*, traveller) -> dict:
    """A payment method a traveller saved, and its setup (issue 9)."""
    from roamcard.testing import save_sandbox_method

    method = save_sandbox_method(traveller)
    return {"payments.savedpaymentmethod": method, "payments.paymentsetup": method.setups.get()}


def _one_of_each_usage_record(*, card) -> dict:
    """A batch and an event the network sent (issue 8)."""
    from roamcard.cards.models import Bucket
    from roamcard.usage.ingest import usage_ingest
    from roamcard.usage.models import UsageAlert, UsageBatch, UsageEvent

    at = timezone.now() - timedelta(minutes=5)
    event = {
        "event_id": "evt-admin",
        "iccid": card.iccid,
        "bytes_up": 10,
        "bytes_down": 20,
        "started_at": at.isoformat(),
        "ended_at": at.isoformat(),
        "country": card.region.countries[0],
    }
    outcome = usage_ingest(events=[event], source=UsageBatch.Source.API)
    return {
        "usage.usagebatch": UsageBatch.objects.get(pk=outcome.batch_id),
        "usage.usageevent": UsageEvent.objects.get(event_id="evt-admin"),
        "usage.usagealert": UsageAlert.objects.create(
            bucket=Bucket.objects.filter(card=card).first(),
            kind=UsageAlert.Kind.DATA,
            threshold=50,
        ),
    }


def _one_of_each_autorenewal_record(*, traveller, bucket, plan) -> dict:
    """A policy and an automatic renewal with an attempt (issue 9)."""
    from roamcard.autorenewal.models import AutoRenewal, AutoRenewalAttempt, RenewalPolicy

    now = timezone.now()
    renewal = AutoRenewal.objects.create(
        card=bucket.card,
        user=traveller,
        bucket=bucket,
        trigger="data",
        plan=plan,
        amount_minor=990,
        currency="USD",
        starts="queued",
        charge_at=now,
    )
    AutoRenewalAttempt.objects.create(renewal=renewal, number=1, started_at=now)
    return {
        "autorenewal.renewalpolicy": RenewalPolicy.objects.create(
            card=bucket.card, user=traveller, plan=plan, currency="USD", monthly_limit_minor=5000
        ),
        "autorenewal.autorenewal": renewal,
    }


def _one_of_each_renewal_record(*, traveller, card, plan) -> dict:
    """Orders, payments, provisioning and the ledger (issue 3)."""
    from roamcard.ledger.services import ledger_post_payment
    from roamcard.orders.models import Order
    from roamcard.payments.models import Payment, Refund, WebhookDelivery
    from roamcard.provisioning.models import CardNetworkAction, ProvisioningJob

    order = Order.objects.create(
        user=traveller,
        card=card,
        plan=plan,
        plan_name=plan.name,
        data_bytes=plan.data_bytes,
        validity_days=plan.validity_days,
        currency="USD",
        amount_minor=990,
    )
    payment = Payment.objects.create(
        order=order, gateway="sandbox", method="card", amount_minor=990, currency="USD"
    )
    transaction = ledger_post_payment(
        key="payment:x", gateway="sandbox", amount_minor=990, currency="USD"
    )
    entry = transaction.entries.first()
    return {
        "orders.order": order,
        "payments.payment": payment,
        "payments.refund": Refund.objects.create(payment=payment, amount_minor=990, currency="USD"),
        "payments.webhookdelivery": WebhookDelivery.objects.create(
            gateway="sandbox", event_id="evt_x", headers={"X": "s"}, body="{}", payment=payment
        ),
        "provisioning.provisioningjob": ProvisioningJob.objects.create(order=order),
        "provisioning.cardnetworkaction": CardNetworkAction.objects.create(
            card=card, action="suspend", request_id="card-suspend-x"
        ),
        "ledger.account": entry.account,
        "ledger.transaction": transaction,
        "ledger.entry": entry,
    }


def test_every_model_has_a_changelist_and_change_page_that_load(staff_client, staff):
    objects = _one_of_each(staff)
    registered = {model._meta.label_lower for model in admin.site._registry if model._meta.managed}
    assert registered == set(objects), "a model in the back office has no test object here"
    # A model without a table (the reports' place in the back office) has no rows to
    # change; its list page must load all the same.
    for model in admin.site._registry:
        if not model._meta.managed:
            opts = model._meta
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            assert staff_client.get(changelist).status_code == 200, opts.label_lower

    for label, obj in objects.items():
        app_label, model_name = label.split(".")
        changelist = staff_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        assert changelist.status_code == 200, label
        searched = staff_client.get(
            reverse(f"admin:{app_label}_{model_name}_changelist"), {"q": "x"}
        )
        assert searched.status_code == 200, label
        change = staff_client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk]))
        assert change.status_code == 200, label
        model_admin = admin.site._registry[type(obj)]
        if model_admin.has_add_permission(change.wsgi_request):
            add = staff_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
            assert add.status_code == 200, label


def test_staff_without_an_authenticator_app_is_sent_to_set_one_up(client, db):
    staff = make_user(email="new-staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))


def test_the_audit_log_cannot_be_added_to_changed_or_deleted(staff_client, staff):
    event = audit_record(actor=staff, action="test.event")

    assert staff_client.get(reverse("admin:core_auditevent_add")).status_code == 403
    change_url = reverse("admin:core_auditevent_change", args=[event.pk])
    assert staff_client.post(change_url, {"action": "forged"}).status_code == 403
    assert (
        staff_client.post(
            reverse("admin:core_auditevent_delete", args=[event.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert staff_client.post(
        reverse("admin:core_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    ).status_code in (200, 302)
    assert AuditEvent.objects.filter(pk=event.pk, action="test.event").exists()


def test_a_change_is_audited_with_the_changed_field_names_staff_and_ip(staff_client, staff):
    plan = make_plan(name="Old name")
    url = reverse("admin:catalog_plan_change", args=[plan.pk])

    data = changeform_data(staff_client.get(url), name_en="New name", validity_days="10")
    response = staff_client.post(url, data, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(action="plan.change")
    assert sorted(event.details["fields"]) == ["name_en", "validity_days"]
    assert "New name" not in str(event.details)
    assert event.actor == staff
    assert event.ip_address == "203.0.113.7"
    assert event.object_id == str(plan.pk)


def test_saving_without_changes_writes_no_audit_event(staff_client):
    plan = make_plan()
    url = reverse("admin:catalog_plan_change", args=[plan.pk])

    response = staff_client.post(url, changeform_data(staff_client.get(url)))

    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="plan.change").exists()


def test_additions_and_deletions_are_audited(staff_client):
    url = reverse("admin:catalog_region_add")
    response = staff_client.post(
        url,
        {"code": "nordics", "name_en": "Nordics", "countries": "se, no, DK, FI", "sort_order": "0"},
    )
    assert response.status_code == 302
    added = AuditEvent.objects.get(action="region.add")
    assert "countries" in added.details["fields"]

    response = staff_client.post(
        reverse("admin:catalog_region_delete", args=[added.object_id]), {"post": "yes"}
    )

    assert response.status_code == 302
    deleted = AuditEvent.objects.get(action="region.delete")
    assert deleted.object_id == added.object_id and deleted.object_repr == "Nordics"


def test_bulk_deletion_records_each_object(staff_client):
    plans = [make_plan(), make_plan()]

    response = staff_client.post(
        reverse("admin:catalog_plan_changelist"),
        {"action": "delete_selected", "_selected_action": [p.pk for p in plans], "post": "yes"},
    )

    assert response.status_code == 302
    assert sorted(
        AuditEvent.objects.filter(action="plan.delete").values_list("object_id", flat=True)
    ) == sorted(str(p.pk) for p in plans)
