"""Whatever path sets a new password, the API tokens issued before it stop working and the
other signed-in sessions are signed out (a reset signs out every session)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from roamcard.accounts.tests.helpers import last_code_sent_to
from roamcard.accounts.tokens import api_token_create
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-42"
NEW_PASSWORD = "Fresh-roaming-77"
PHONE = "+8613912345678"


def web_login(login: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": login, "password": password})
    assert response.status_code == 302, response.content
    return client


def signed_in(client: Client) -> bool:
    return client.get(reverse("account_profile")).status_code == 200


def token_works(raw: str) -> bool:
    status = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code
    assert status in (200, 401)
    return status == 200


@pytest.fixture
def alice():
    return make_user(email="alice@example.com", phone=PHONE, phone_verified=True)


def test_a_password_reset_by_code_revokes_tokens_and_signs_out_every_session(alice):
    _, raw = api_token_create(user=alice, name="phone")
    elsewhere = web_login("alice@example.com")
    resetting = web_login(PHONE)  # a signed-in browser may reset too
    assert token_works(raw) and signed_in(elsewhere)

    resetting.post(reverse("account_reset_password"), {"destination": PHONE})
    response = resetting.post(
        reverse("account_reset_password_code"),
        {
            "code": last_code_sent_to(PHONE),
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert not token_works(raw)
    assert not signed_in(elsewhere)
    assert not signed_in(resetting)
    assert signed_in(web_login(PHONE, NEW_PASSWORD))


def test_changing_the_password_revokes_tokens_and_signs_out_the_other_sessions(alice):
    _, raw = api_token_create(user=alice)
    elsewhere = web_login(PHONE)
    here = web_login("alice@example.com")

    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not token_works(raw)
    assert not signed_in(elsewhere)
    assert signed_in(here)


def test_staff_setting_a_password_in_the_back_office_revokes_everything(alice, staff_client):
    _, raw = api_token_create(user=alice)
    elsewhere = web_login("alice@example.com")

    response = staff_client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert not token_works(raw)
    assert not signed_in(elsewhere)
    assert signed_in(staff_client)


def test_staff_disabling_password_login_revokes_everything(alice, staff_client):
    _, raw = api_token_create(user=alice)

    staff_client.post(
        reverse("admin:auth_user_password_change", args=[alice.pk]),
        {"usable_password": "false", "unset-password": "1"},
    )

    alice.refresh_from_db()
    assert not alice.has_usable_password()
    assert not token_works(raw)


def test_the_changepassword_command_revokes_everything(alice, monkeypatch):
    _, raw = api_token_create(user=alice)
    elsewhere = web_login("alice@example.com")
    # The command reads the new password from the terminal.
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)

    call_command("changepassword", alice.username, stdout=None)

    assert not token_works(raw)
    assert not signed_in(elsewhere)


def test_tokens_issued_after_the_change_keep_working(alice):
    alice.set_password(NEW_PASSWORD)
    alice.save()
    _, raw = api_token_create(user=alice)

    assert token_works(raw)


def test_a_login_that_only_rehashes_the_password_revokes_nothing(alice, settings):
    # Upgrading the hasher re-hashes the same password at the next login: not a change.
    _, raw = api_token_create(user=alice)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    web_login("alice@example.com")

    assert get_user_model().objects.get(pk=alice.pk).password.startswith("pbkdf2_")
    assert token_works(raw)
