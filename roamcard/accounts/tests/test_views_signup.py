from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from roamcard.accounts.tests.helpers import last_code_sent_to, last_message_to
from roamcard.notifications.models import Message
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Roaming-in-Kyoto-24"
PHONE = "+8613912345678"


def sign_up(client, **fields):
    data = {"email": "", "phone": "", "password1": PASSWORD, "password2": PASSWORD, **fields}
    return client.post(reverse("account_signup"), data)


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_up_by_email_and_verify_with_the_code(client):
    response = sign_up(client, email="Kim@Example.com")

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert not is_logged_in(client)
    code = last_code_sent_to("kim@example.com")

    response = client.post(reverse("account_email_verification_sent"), {"code": code})

    assert response.status_code == 302
    assert response.url == reverse("cards:list")
    assert is_logged_in(client)
    user = User.objects.get(email="kim@example.com")
    assert user.phone is None
    assert EmailAddress.objects.get(user=user).verified


def test_sign_up_by_phone_and_verify_with_the_sms_code(client):
    response = sign_up(client, phone="+86 139 1234 5678")

    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    message = last_message_to(PHONE)
    assert message.channel == Message.Channel.SMS
    code = last_code_sent_to(PHONE)

    response = client.post(reverse("account_verify_phone"), {"code": code})

    assert response.status_code == 302
    assert response.url == reverse("cards:list")
    assert is_logged_in(client)
    user = User.objects.get(phone=PHONE)
    assert user.email is None
    assert user.phone_verified
    assert not EmailAddress.objects.filter(user=user).exists()


def test_several_travellers_can_sign_up_without_an_e_mail_address(client):
    sign_up(client, phone=PHONE)
    client.logout()
    sign_up(client, phone="+819012345678")

    assert User.objects.filter(email__isnull=True).count() == 2


def test_sign_up_with_both_verifies_both(client):
    sign_up(client, email="kim@example.com", phone=PHONE)
    client.post(reverse("account_verify_phone"), {"code": last_code_sent_to(PHONE)})
    response = client.post(
        reverse("account_email_verification_sent"),
        {"code": last_code_sent_to("kim@example.com")},
    )

    assert response.url == reverse("cards:list")
    user = User.objects.get(phone=PHONE)
    assert user.phone_verified
    assert EmailAddress.objects.get(user=user).verified


def test_an_invalid_phone_number_is_refused(client):
    response = sign_up(client, phone="+86 123")

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not User.objects.exists()


def test_an_e_mail_address_or_a_phone_number_is_needed(client):
    response = sign_up(client)

    assert response.status_code == 200
    assert "Enter an e-mail address or a mobile number." in response.content.decode()
    assert not User.objects.exists()


def test_a_weak_password_is_refused(client):
    response = sign_up(client, phone=PHONE, password1="password", password2="password")

    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()


def test_a_wrong_verification_code_is_refused(client):
    sign_up(client, phone=PHONE)
    code = last_code_sent_to(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    response = client.post(reverse("account_verify_phone"), {"code": wrong})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not is_logged_in(client)
    assert not User.objects.get(phone=PHONE).phone_verified


def test_an_expired_verification_code_is_refused(client):
    sign_up(client, email="kim@example.com")
    code = last_code_sent_to("kim@example.com")

    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = client.post(reverse("account_email_verification_sent"), {"code": code})

    assert not is_logged_in(client)
    assert not EmailAddress.objects.get(email="kim@example.com").verified
    assert response.status_code in (200, 302)


def test_signing_up_with_a_number_in_use_reveals_nothing(client):
    make_user(phone=PHONE, phone_verified=True)

    response = sign_up(client, phone=PHONE)

    assert response.status_code == 302
    assert response.url == reverse("account_verify_phone")
    assert last_message_to(PHONE).kind == "account_already_exists"
    assert User.objects.count() == 1


def test_the_signup_page_renders_in_our_layout(client):
    response = client.get(reverse("account_signup"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="card form"' in html
    assert 'class="topbar"' in html  # roamcard's base.html
    assert 'name="phone"' in html and 'name="email"' in html
