from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from roamcard.accounts.tests.helpers import last_code_sent_to, last_message_to
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

PHONE = "+8613912345678"
NEW_PASSWORD = "Fresh-roaming-77"


def request_code(client, destination):
    return client.post(reverse("account_reset_password"), {"destination": destination})


def enter_code(client, code, password=NEW_PASSWORD, again=None):
    return client.post(
        reverse("account_reset_password_code"),
        {"code": code, "new_password1": password, "new_password2": again or password},
    )


def log_in(client, login, password):
    client.post(reverse("account_login"), {"login": login, "password": password})
    return "_auth_user_id" in client.session


def test_the_login_page_link_opens_our_reset_page(client):
    response = client.get("/accounts/password/reset/")

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "account/password_reset_request.html"


@pytest.mark.parametrize("typed", ["+86 139 1234 5678", PHONE])
def test_reset_by_sms_then_log_in_with_the_new_password(client, typed):
    make_user(phone=PHONE, phone_verified=True)

    response = request_code(client, typed)
    assert response.url == reverse("account_reset_password_code")
    page = client.get(response.url)
    assert PHONE in page.content.decode()

    response = enter_code(client, last_code_sent_to(PHONE))
    assert response.url == reverse("account_reset_password_complete")
    assert client.get(response.url).status_code == 200

    assert log_in(client, PHONE, NEW_PASSWORD)


def test_reset_by_e_mail_then_log_in_with_the_new_password(client):
    make_user(email="alice@example.com")

    request_code(client, "alice@example.com")
    response = enter_code(client, last_code_sent_to("alice@example.com"))

    assert response.url == reverse("account_reset_password_complete")
    assert not log_in(client, "alice@example.com", "Secret-pass-42")
    assert log_in(client, "alice@example.com", NEW_PASSWORD)


def test_an_unknown_destination_gets_the_same_answer(client):
    make_user(phone=PHONE, phone_verified=True)

    known = request_code(client, PHONE)
    known_page = client.get(known.url).content.decode().replace(PHONE, "DESTINATION")
    client.session.flush()
    unknown = request_code(client, "+819012345678")
    unknown_page = client.get(unknown.url).content.decode().replace("+819012345678", "DESTINATION")

    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url
    assert _without_csrf(known_page) == _without_csrf(unknown_page)
    assert last_message_to("+819012345678").kind == "unknown_account"


def test_a_wrong_code_shows_an_error_and_keeps_the_password(client):
    make_user(phone=PHONE, phone_verified=True)
    request_code(client, PHONE)
    code = last_code_sent_to(PHONE)

    response = enter_code(client, f"{(int(code) + 1) % 1_000_000:06d}")

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert log_in(client, PHONE, "Secret-pass-42")


def test_a_reused_code_is_refused(client):
    make_user(phone=PHONE, phone_verified=True)
    request_code(client, PHONE)
    code = last_code_sent_to(PHONE)
    enter_code(client, code)

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        request_code(client, PHONE)  # back on the code page, with the old code
    response = enter_code(client, code, password="Another-pass-99")

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert log_in(client, PHONE, NEW_PASSWORD)


def test_the_new_password_must_pass_the_validators(client):
    make_user(phone=PHONE, phone_verified=True)
    request_code(client, PHONE)

    response = enter_code(client, last_code_sent_to(PHONE), password="12345678")

    assert response.status_code == 200
    assert response.context["form"].errors["new_password1"]


def test_the_two_passwords_must_match(client):
    make_user(phone=PHONE, phone_verified=True)
    request_code(client, PHONE)

    response = enter_code(client, last_code_sent_to(PHONE), again="Different-pass-88")

    assert response.context["form"].errors["new_password2"]


def test_an_invalid_destination_shows_an_error(client):
    response = request_code(client, "12345")

    assert response.status_code == 200
    assert response.context["form"].errors["destination"]


@override_settings(
    ONE_TIME_CODE_RATE_LIMITS={"account": (50, 3600), "destination": (50, 3600), "ip": (2, 3600)}
)
def test_too_many_requests_from_one_ip_are_refused(client):
    request_code(client, "+819012345678")
    request_code(client, "+8613912345678")

    response = request_code(client, "+14155550123")

    assert response.status_code == 200
    assert "Too many attempts" in response.content.decode()


def test_the_code_page_needs_a_request_first(client):
    response = client.get(reverse("account_reset_password_code"))

    assert response.url == reverse("account_reset_password")


def _without_csrf(html: str) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
