"""The API's log-in for a token, revocation, expiry and the traveller's profile."""

import hashlib
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from roamcard.accounts.models import ApiToken
from roamcard.accounts.tokens import api_token_authenticate, api_token_create
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-42"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def log_in(client, login: str, password: str = PASSWORD, **extra):
    return client.post(
        "/api/v1/auth/token",
        {"login": login, "password": password},
        content_type="application/json",
        **extra,
    )


def test_log_in_with_an_e_mail_address_gives_a_working_token(client, traveller):
    response = log_in(client, "Alice@Example.com")

    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["token"].startswith("rc_")
    me = client.get("/api/v1/me", headers=bearer(body["token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com"


def test_only_a_hash_of_the_token_is_stored(client, traveller):
    token = log_in(client, "alice@example.com").json()["token"]

    stored = ApiToken.objects.get(user=traveller)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (stored.token_hash, stored.prefix)
    assert token.startswith(stored.prefix)


def test_log_in_with_a_mobile_number_in_any_common_spelling(client):
    make_user(phone="+8613800138000", phone_verified=True)

    response = log_in(client, "+86 138 0013 8000")

    assert response.status_code == 201


def test_wrong_password_and_unknown_login_get_one_answer(client, traveller):
    wrong_password = log_in(client, "alice@example.com", "not-the-password")
    unknown_login = log_in(client, "nobody@example.com")
    not_a_phone = log_in(client, "12")

    assert wrong_password.status_code == unknown_login.status_code == not_a_phone.status_code == 401
    assert wrong_password.json() == unknown_login.json() == not_a_phone.json()
    assert wrong_password.json()["error"]["code"] == "login_failed"


def test_an_unverified_login_cannot_get_a_token(client):
    make_user(phone="+8613800138001", phone_verified=False)

    response = log_in(client, "+8613800138001")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "login_not_verified"


def test_failed_logins_are_limited_per_login(client, traveller):
    for _ in range(5):
        assert log_in(client, "alice@example.com", "wrong-password").status_code == 401

    response = log_in(client, "alice@example.com")  # even the right password

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert log_in(client, "alice@example.com", REMOTE_ADDR="10.0.0.9").status_code == 429


def test_failed_logins_are_limited_per_address(client, traveller):
    for n in range(20):
        log_in(client, f"guess{n}@example.com", REMOTE_ADDR="10.0.0.7")

    assert log_in(client, "alice@example.com", REMOTE_ADDR="10.0.0.7").status_code == 429
    assert log_in(client, "alice@example.com", REMOTE_ADDR="10.0.0.8").status_code == 201


def test_revoking_the_token_ends_it(client, traveller):
    _, token = api_token_create(user=traveller)

    response = client.delete("/api/v1/auth/token", headers=bearer(token))

    assert response.status_code == 204
    again = client.get("/api/v1/me", headers=bearer(token))
    assert again.status_code == 401
    assert again.json()["error"]["code"] == "not_authenticated"


def test_an_expired_token_is_refused(client, traveller):
    stored, token = api_token_create(user=traveller)
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = client.get("/api/v1/me", headers=bearer(token))

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@override_settings(API_TOKEN_TTL_DAYS=30)
def test_tokens_expire_after_the_configured_days(traveller):
    stored, _ = api_token_create(user=traveller)

    assert timedelta(days=29, hours=23) < stored.expires_at - timezone.now() <= timedelta(days=30)


def test_a_token_of_a_deactivated_user_is_refused(client, traveller):
    _, token = api_token_create(user=traveller)
    traveller.is_active = False
    traveller.save()

    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    "header", ["Bearer rc_not-a-real-token", "Bearer ", "Basic abc", "Bearer " + "x" * 500]
)
def test_malformed_or_unknown_tokens_are_401(client, traveller, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_last_used_is_written_at_most_once_a_minute(traveller, django_assert_num_queries):
    stored, token = api_token_create(user=traveller)

    with django_assert_num_queries(2):  # look-up, then the first last_used_at
        assert api_token_authenticate(raw_token=token).pk == stored.pk
    with django_assert_num_queries(1):  # look-up only (now kept by this process)
        api_token_authenticate(raw_token=token)
    with django_assert_num_queries(0):  # this process's copy, for API_TOKEN_CACHE_SECONDS
        assert api_token_authenticate(raw_token=token).pk == stored.pk


def test_revoking_needs_a_token_not_a_session(client, traveller):
    client.force_login(traveller)

    response = client.delete("/api/v1/auth/token")

    assert response.status_code == 401


# --- /me -----------------------------------------------------------------------------


@pytest.fixture
def token(traveller):
    return api_token_create(user=traveller)[1]


def test_me_shows_the_preferences(client, traveller, token):
    body = client.get("/api/v1/me", headers=bearer(token)).json()

    assert body == {
        "id": traveller.pk,
        "email": "alice@example.com",
        "phone": None,
        "preferred_language": "en",
        "preferred_currency": "USD",
        "time_zone": "UTC",
    }


def test_me_changes_only_what_is_sent(client, traveller, token):
    response = client.patch(
        "/api/v1/me",
        {"preferred_currency": "CNY", "time_zone": "Asia/Shanghai"},
        content_type="application/json",
        headers=bearer(token),
    )

    assert response.status_code == 200
    traveller.refresh_from_db()
    assert (traveller.preferred_language, traveller.preferred_currency, traveller.time_zone) == (
        "en",
        "CNY",
        "Asia/Shanghai",
    )


def test_me_refuses_an_unknown_time_zone_with_a_field_message(client, token):
    response = client.patch(
        "/api/v1/me",
        {"time_zone": "Mars/Olympus"},
        content_type="application/json",
        headers=bearer(token),
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert list(error["fields"]) == ["time_zone"]


def test_me_refuses_an_unknown_language_or_currency(client, token):
    response = client.patch(
        "/api/v1/me",
        {"preferred_language": "tlh", "preferred_currency": "XXX"},
        content_type="application/json",
        headers=bearer(token),
    )

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {"preferred_language", "preferred_currency"}


def test_messages_follow_the_language_of_the_token_user(client, traveller, token):
    traveller.preferred_language = "zh-hans"
    traveller.save()

    response = client.get("/api/v1/cards/999999", headers=bearer(token), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 404
    assert response["Content-Language"] == "zh-hans"
    assert response.json()["error"]["code"] == "card_not_found"
