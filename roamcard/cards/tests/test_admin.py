"""Cards in the back office: what staff see and do."""

from django.urls import reverse

from roamcard.cards.models import Card
from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import changeform_data
from roamcard.testing import (
    card_password_is,
    make_bucket,
    make_card,
    make_iccid,
    make_region,
    make_user,
)

GIB = 1024**3


def change_url(card):
    return reverse("admin:cards_card_change", args=[card.pk])


def test_the_list_shows_cards_with_owner_and_data_remaining(staff_client, traveller):
    card = make_card(owner=traveller)
    make_bucket(card=card, bytes_granted=2 * GIB, bytes_remaining=GIB + GIB // 2)
    in_stock = make_card()

    response = staff_client.get(reverse("admin:cards_card_changelist"))

    content = response.content.decode()
    assert card.iccid in content and in_stock.iccid in content
    assert "alice@example.com" in content
    assert "1.5 GB" in content


def test_staff_find_a_card_by_owner_email_or_phone_and_filter_by_status(staff_client, traveller):
    card = make_card(owner=traveller)
    other = make_card(owner=make_user(phone="+85291234567"))
    url = reverse("admin:cards_card_changelist")

    by_email = staff_client.get(url, {"q": "alice@example"}).content.decode()
    by_phone = staff_client.get(url, {"q": "+85291234567"}).content.decode()
    in_stock = staff_client.get(url, {"status__exact": "in_stock"}).content.decode()

    assert card.iccid in by_email and other.iccid not in by_email
    assert other.iccid in by_phone and card.iccid not in by_phone
    assert card.iccid not in in_stock


def test_the_change_form_never_contains_the_password_hash(staff_client):
    card = make_card(password="654321")
    make_bucket(card=card)

    content = staff_client.get(change_url(card)).content.decode()

    assert card.password_hash not in content
    assert card.password_hash.split("$")[-1] not in content
    assert "654321" not in content
    assert 'name="new_card_password"' in content


def test_staff_set_a_new_card_password_which_is_stored_hashed_and_audited(staff_client):
    card = make_card(password="111111")
    make_bucket(card=card)
    url = change_url(card)

    response = staff_client.post(
        url, changeform_data(staff_client.get(url), new_card_password="24681357")
    )

    assert response.status_code == 302
    card.refresh_from_db()
    assert card_password_is(card, "24681357")
    assert not card_password_is(card, "111111")
    event = AuditEvent.objects.get(action="card.change", object_id=str(card.pk))
    assert event.details["fields"] == ["new_card_password"]
    assert "24681357" not in str(event.details)


def test_a_card_password_that_is_not_6_to_8_digits_is_refused(staff_client):
    card = make_card(password="111111")
    url = change_url(card)

    response = staff_client.post(
        url, changeform_data(staff_client.get(url), new_card_password="12ab")
    )

    assert response.status_code == 200
    assert "new_card_password" in response.context["adminform"].form.errors
    card.refresh_from_db()
    assert card_password_is(card, "111111")


def test_a_changed_card_number_needs_the_card_password_again(staff_client):
    # The stored hash covers the number: without the password it would match no password.
    card = make_card(password="111111")
    url = change_url(card)
    new_iccid = make_iccid()

    refused = staff_client.post(url, changeform_data(staff_client.get(url), iccid=new_iccid))
    accepted = staff_client.post(
        url, changeform_data(staff_client.get(url), iccid=new_iccid, new_card_password="111111")
    )

    assert refused.status_code == 200
    assert "new_card_password" in refused.context["adminform"].form.errors
    assert accepted.status_code == 302
    card.refresh_from_db()
    assert card.iccid == new_iccid and card_password_is(card, "111111")


def test_staff_add_a_card_with_its_password(staff_client):
    region = make_region()
    iccid = make_iccid()

    response = staff_client.post(
        reverse("admin:cards_card_add"),
        {
            "iccid": iccid,
            "form": "physical",
            "status": "in_stock",
            "region": region.pk,
            "msisdn": "",
            "activation_code": "",
            "label": "",
            "new_card_password": "13579246",
        },
    )

    assert response.status_code == 302
    assert card_password_is(Card.objects.get(iccid=iccid), "13579246")
    assert AuditEvent.objects.filter(action="card.add").exists()


def test_an_esim_needs_an_activation_code(staff_client):
    response = staff_client.post(
        reverse("admin:cards_card_add"),
        {
            "iccid": make_iccid(),
            "form": "esim",
            "status": "in_stock",
            "region": make_region().pk,
            "msisdn": "",
            "activation_code": "",
            "label": "",
            "new_card_password": "13579246",
        },
    )

    assert response.status_code == 200
    assert "activation_code" in response.context["adminform"].form.errors
    assert not Card.objects.exists()


def test_unbind_from_owner_action_unbinds_and_is_audited(staff_client, staff, traveller):
    bound = make_card(owner=traveller)
    unbound = make_card()

    response = staff_client.post(
        reverse("admin:cards_card_changelist"),
        {"action": "unbind_from_owner", "_selected_action": [bound.pk, unbound.pk]},
        REMOTE_ADDR="198.51.100.4",
    )

    assert response.status_code == 302
    bound.refresh_from_db()
    assert bound.owner is None and bound.bound_at is None
    unbind = AuditEvent.objects.get(action="card.unbind")
    assert unbind.object_id == str(bound.pk)
    assert unbind.actor == staff and unbind.ip_address == "198.51.100.4"
    assert unbind.details == {"previous_owner": "alice@example.com"}
    action = AuditEvent.objects.get(action="card.action.unbind_from_owner")
    assert sorted(action.details["ids"]) == sorted([str(bound.pk), str(unbound.pk)])


def test_buckets_show_on_the_card_and_cannot_be_edited_on_their_page(staff_client):
    card = make_card()
    bucket = make_bucket(card=card, bytes_granted=GIB)
    assert "1 GB" in staff_client.get(change_url(card)).content.decode()
    url = reverse("admin:cards_bucket_change", args=[bucket.pk])
    page = staff_client.get(url)
    assert page.status_code == 200 and 'name="bytes_remaining"' not in page.content.decode()

    response = staff_client.post(url, {"bytes_remaining": str(GIB // 2)})

    assert response.status_code == 403
    bucket.refresh_from_db()
    assert bucket.bytes_remaining == GIB
    assert not AuditEvent.objects.filter(action="bucket.change").exists()
