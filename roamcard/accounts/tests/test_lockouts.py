"""Login lockouts hold however the login is written, on the web and the API alike, and one
traveller's failures never lock another out. Every rate limit is a translated 429."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-42"
PHONE = "+8613912345678"
SPELLINGS = [PHONE, "+86 139 1234 5678", "+86-139-1234-5678"]
EMAILS = ["alice@example.com", "Alice@Example.com", "ALICE@EXAMPLE.COM"]


def web_login(client: Client, login: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def api_login(client: Client, login: str, password: str = PASSWORD):
    return client.post(
        "/api/v1/auth/token",
        {"login": login, "password": password},
        content_type="application/json",
    )


def fail_five_times(login_with, client: Client, logins: list[str]) -> None:
    for n in range(5):
        response = login_with(client, logins[n % len(logins)], "not-the-password")
        assert response.status_code in (200, 401), response.status_code


@pytest.fixture
def alice():
    return make_user(email="alice@example.com", phone=PHONE, phone_verified=True)


@pytest.mark.parametrize("logins", [SPELLINGS, EMAILS], ids=["phone", "email"])
def test_respelled_logins_share_one_lock_on_the_api(alice, logins):
    fail_five_times(api_login, Client(), logins)

    for spelling in logins:
        response = api_login(Client(), spelling)  # the right password, a fresh client
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "rate_limited"


@pytest.mark.parametrize("logins", [SPELLINGS, EMAILS], ids=["phone", "email"])
def test_respelled_logins_share_one_lock_on_the_web(alice, logins):
    fail_five_times(web_login, Client(), logins)

    for spelling in logins:
        client = Client(HTTP_ACCEPT_LANGUAGE="ja")
        response = web_login(client, spelling)
        assert response.status_code == 429
        assert "試行回数が多すぎます" in response.content.decode()
        assert "_auth_user_id" not in client.session


def test_the_web_and_the_api_share_the_lock(alice):
    fail_five_times(api_login, Client(), SPELLINGS)

    assert web_login(Client(), PHONE).status_code == 429


def test_one_phone_users_failures_do_not_lock_out_another(alice):
    make_user(phone="+819012345678", phone_verified=True)
    fail_five_times(web_login, Client(), SPELLINGS)

    response = web_login(Client(), "+81 90 1234 5678")

    assert response.status_code == 302
    assert response.url == reverse("cards:list")


def test_failures_from_one_address_lock_that_address_on_the_web(alice):
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(20):
        web_login(attacker, f"guess{n}@example.com", "not-the-password")

    assert web_login(attacker, "alice@example.com").status_code == 429
    assert web_login(Client(REMOTE_ADDR="198.51.100.10"), "alice@example.com").status_code == 302


def test_a_right_password_within_the_limit_still_logs_in(alice):
    for _ in range(4):
        web_login(Client(), PHONE, "not-the-password")

    assert web_login(Client(), "+86 139 1234 5678").status_code == 302


def test_the_fourth_phone_sign_up_in_a_minute_from_one_address_is_a_translated_429():
    numbers = ["+8613912345671", "+8613912345672", "+8613912345673", "+8613912345674"]
    responses = []
    for number in numbers:
        client = Client(REMOTE_ADDR="203.0.113.77", HTTP_ACCEPT_LANGUAGE="ko")
        data = {"email": "", "phone": number, "password1": PASSWORD, "password2": PASSWORD}
        responses.append((client, client.post(reverse("account_signup"), data)))

    assert [r.status_code for _, r in responses] == [302, 302, 302, 429]
    client, refused = responses[-1]
    assert "시도 횟수가 너무 많아요" in refused.content.decode()
    users = get_user_model().objects
    assert not users.filter(phone=numbers[-1]).exists()
    assert users.count() == 3
    # Nothing of the refused sign-up lingers in the browser either.
    assert client.get(reverse("account_verify_phone")).status_code == 302
    assert client.get(reverse("account_signup")).status_code == 200
