"""A traveller sees their API tokens and signed-in browsers, and revokes any of them: on the
devices page and through the API. Nobody can see or revoke another traveller's."""

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from roamcard.accounts.tokens import api_token_create
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-42"
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def web_login(login: str, *, user_agent: str = ANDROID_CHROME, ip: str = "203.0.113.5"):
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    return client


def signed_in(client: Client) -> bool:
    return client.get(reverse("account_profile")).status_code == 200


def token_works(raw: str) -> bool:
    return Client().get("/api/v1/me", headers=bearer(raw)).status_code == 200


@pytest.fixture
def alice():
    return make_user(email="alice@example.com")


@pytest.fixture
def bob():
    return make_user(email="bob@example.com")


# --- API -----------------------------------------------------------------------------


def test_the_api_lists_the_callers_live_tokens(alice, bob):
    phone, raw = api_token_create(user=alice, name="Alice's phone")
    api_token_create(user=alice, name="tablet")
    revoked, _ = api_token_create(user=alice, name="old laptop")
    Client().delete("/api/v1/auth/token", headers=bearer(_))
    api_token_create(user=bob, name="Bob's phone")

    response = Client().get("/api/v1/auth/tokens", headers=bearer(raw))

    assert response.status_code == 200
    tokens = {item["name"]: item for item in response.json()}
    assert set(tokens) == {"Alice's phone", "tablet"}
    mine = tokens["Alice's phone"]
    assert mine["id"] == phone.pk
    assert mine["current"] is True and tokens["tablet"]["current"] is False
    assert {"created_at", "last_used_at", "expires_at", "prefix"} <= set(mine)
    assert raw not in response.content.decode()
    assert phone.token_hash not in response.content.decode()


def test_the_api_revokes_one_of_the_callers_tokens(alice):
    _, raw = api_token_create(user=alice, name="phone")
    tablet, tablet_raw = api_token_create(user=alice, name="tablet")

    response = Client().delete(f"/api/v1/auth/tokens/{tablet.pk}", headers=bearer(raw))

    assert response.status_code == 204
    assert not token_works(tablet_raw)
    assert token_works(raw)


def test_another_travellers_token_is_not_found_and_stays_alive(alice, bob):
    _, raw = api_token_create(user=alice)
    bobs, bobs_raw = api_token_create(user=bob)

    response = Client().delete(f"/api/v1/auth/tokens/{bobs.pk}", headers=bearer(raw))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "token_not_found"
    assert token_works(bobs_raw)
    unknown = Client().delete("/api/v1/auth/tokens/987654", headers=bearer(raw))
    assert unknown.status_code == 404
    assert unknown.json() == response.json()


def test_the_token_list_needs_a_login():
    response = Client().get("/api/v1/auth/tokens")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- The devices page ---------------------------------------------------------------


def test_the_profile_links_to_the_devices_page(alice):
    client = web_login("alice@example.com")

    html = client.get(reverse("account_profile")).content.decode()

    assert f'href="{reverse("account_devices")}"' in html


def test_the_page_lists_tokens_and_signed_in_browsers(alice, bob):
    api_token_create(user=alice, name="Alice's phone app")
    api_token_create(user=bob, name="Bob's phone app")
    web_login("alice@example.com", user_agent=IPHONE_SAFARI, ip="198.51.100.7")
    here = web_login("alice@example.com", user_agent=ANDROID_CHROME, ip="203.0.113.5")

    html = here.get(reverse("account_devices")).content.decode()

    assert "Alice&#x27;s phone app" in html
    assert "Bob" not in html
    assert "Mobile Safari" in html and "iOS" in html and "198.51.100.7" in html
    assert "Chrome" in html and "Android" in html and "203.0.113.5" in html
    assert "This device" in html


def test_the_page_is_translated(alice):
    alice.preferred_language = "ja"
    alice.save()
    client = web_login("alice@example.com")

    html = client.get(reverse("account_devices"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()

    assert "ログイン中の端末" in html


def test_revoking_a_token_on_the_page(alice):
    token, raw = api_token_create(user=alice, name="phone")
    client = web_login("alice@example.com")

    response = client.post(reverse("account_token_revoke", args=[token.pk]))

    assert response.status_code == 302
    assert not token_works(raw)


def test_another_travellers_token_or_session_cannot_be_revoked_on_the_page(alice, bob):
    bobs_token, bobs_raw = api_token_create(user=bob)
    bobs_browser = web_login("bob@example.com")
    bobs_session = UserSession.objects.get(user=bob)
    client = web_login("alice@example.com")

    assert client.post(reverse("account_token_revoke", args=[bobs_token.pk])).status_code == 404
    assert client.post(reverse("account_session_end", args=[bobs_session.pk])).status_code == 404
    assert token_works(bobs_raw)
    assert signed_in(bobs_browser)


def test_signing_out_one_other_browser(alice):
    elsewhere = web_login("alice@example.com", user_agent=IPHONE_SAFARI)
    other_session = UserSession.objects.get(user=alice)
    here = web_login("alice@example.com")

    response = here.post(reverse("account_session_end", args=[other_session.pk]))

    assert response.status_code == 302
    assert not signed_in(elsewhere)
    assert signed_in(here)


def test_signing_out_this_browser_from_the_list(alice):
    here = web_login("alice@example.com")
    session = UserSession.objects.get(user=alice)

    response = here.post(reverse("account_session_end", args=[session.pk]))

    assert response.status_code == 302
    assert not signed_in(here)


def test_sign_out_everywhere_else(alice):
    _, raw = api_token_create(user=alice)
    elsewhere = web_login("alice@example.com", user_agent=IPHONE_SAFARI)
    here = web_login("alice@example.com")

    response = here.post(reverse("account_sign_out_others"))

    assert response.status_code == 302
    assert not signed_in(elsewhere)
    assert not token_works(raw)
    assert signed_in(here)


def test_the_page_needs_a_login():
    response = Client().get(reverse("account_devices"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
