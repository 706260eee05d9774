import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.urls import reverse

from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-42"


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def log_in(client, email):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD})


def test_the_back_office_login_is_our_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    login = client.get(response.url, follow=True)
    assert login.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_staff_without_totp_cannot_reach_the_back_office(client):
    make_user(email="staff@example.com", is_staff=True)
    log_in(client, "staff@example.com")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))
    assert client.get("/admin/auth/group/").url.startswith(reverse("mfa_activate_totp"))


def test_staff_who_set_up_totp_reach_the_back_office(client):
    make_user(email="staff@example.com", is_staff=True, is_superuser=True)
    log_in(client, "staff@example.com")
    activate_url = client.get("/admin/").url

    # allauth asks for the password again before an authenticator is added.
    response = client.get(activate_url)
    assert response.url.startswith(reverse("account_reauthenticate"))
    response = client.post(response.url, {"password": PASSWORD})
    page = client.get(activate_url)
    assert page.status_code == 200
    secret = page.context["form"].secret

    response = client.post(activate_url, {"code": totp_now(secret)})

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_with_totp_must_enter_the_code_then_reaches_the_back_office(client):
    staff = make_user(email="staff@example.com", is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(staff, secret)

    response = log_in(client, "staff@example.com")

    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # not in yet

    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_wrong_totp_code_keeps_staff_out(client):
    staff = make_user(email="staff@example.com", is_staff=True)
    TOTP.activate(staff, generate_totp_secret())
    log_in(client, "staff@example.com")

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_a_traveller_is_refused_the_back_office(client):
    make_user(email="alice@example.com")
    log_in(client, "alice@example.com")

    assert client.get("/admin/").status_code in (302, 403)
