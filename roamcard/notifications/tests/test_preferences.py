"""Notification preferences: the defaults (no row until the traveller changes something),
the settings page in the account area, and `GET/PATCH /api/v1/me/notifications`."""

from datetime import time

import pytest
from django.urls import reverse

from roamcard.accounts.tokens import api_token_create
from roamcard.notifications.models import NotificationPreferences

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "usage_in_app": "all",
    "usage_email": "all",
    "usage_sms": "urgent",
    "quiet_hours": True,
    "quiet_from": "22:00",
    "quiet_until": "08:00",
    "time_zone": "Asia/Seoul",
}


@pytest.fixture
def seoul_traveller(traveller):
    traveller.time_zone = "Asia/Seoul"
    traveller.save()
    return traveller


@pytest.fixture
def api(client, seoul_traveller):
    raw = api_token_create(user=seoul_traveller, name="phone")[1]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def test_the_profile_page_links_to_the_settings(client, traveller):
    client.force_login(traveller)

    page = client.get(reverse("account_profile")).content.decode()

    assert reverse("notices:preferences") in page


def test_the_page_shows_the_defaults_without_storing_them(client, seoul_traveller):
    client.force_login(seoul_traveller)

    response = client.get(reverse("notices:preferences"))

    form = response.context["form"]
    assert form["usage_sms"].value() == "urgent"
    assert form["quiet_from"].value() == "22:00"
    assert not NotificationPreferences.objects.exists()
    # The traveller is told whose clock the quiet hours follow, and why no SMS may come.
    page = response.content.decode()
    assert "In your time zone (South Korea Time)" in page
    assert "SMS go to a verified mobile number" in page


def test_saving_the_page(client, traveller):
    client.force_login(traveller)

    response = client.post(
        reverse("notices:preferences"),
        {
            "usage_in_app": "all",
            "usage_email": "off",
            "usage_sms": "all",
            "quiet_from": "23:30",
            "quiet_until": "07:00",
        },
    )

    assert response.status_code == 302
    saved = NotificationPreferences.objects.get(user=traveller)
    assert (saved.usage_email, saved.usage_sms, saved.quiet_hours) == ("off", "all", False)
    assert (saved.quiet_from, saved.quiet_until) == (time(23, 30), time(7))


def test_quiet_hours_that_end_when_they_start_are_refused(client, traveller):
    client.force_login(traveller)

    response = client.post(
        reverse("notices:preferences"),
        {
            "usage_in_app": "all",
            "usage_email": "all",
            "usage_sms": "urgent",
            "quiet_hours": "on",
            "quiet_from": "22:00",
            "quiet_until": "22:00",
        },
    )

    assert response.status_code == 200
    assert "Quiet hours must end at another time than they start." in response.content.decode()
    assert not NotificationPreferences.objects.exists()


def test_the_page_is_in_the_travellers_language(client, traveller):
    traveller.preferred_language = "ko"
    traveller.save()
    client.force_login(traveller)

    page = client.get(reverse("notices:preferences"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert "방해 금지 시간" in page and "긴급 알림만" in page


def test_the_page_needs_a_signed_in_traveller(client):
    assert client.get(reverse("notices:preferences")).status_code == 302


# --- API ---------------------------------------------------------------------------


def test_api_gives_the_defaults_without_storing_them(api):
    assert api.get("/api/v1/me/notifications").json() == DEFAULTS
    assert not NotificationPreferences.objects.exists()


def test_api_changes_only_what_is_sent(api, seoul_traveller):
    response = api.patch(
        "/api/v1/me/notifications",
        {"usage_sms": "off", "quiet_from": "21:15"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json() == {**DEFAULTS, "usage_sms": "off", "quiet_from": "21:15"}
    assert api.get("/api/v1/me/notifications").json()["usage_sms"] == "off"


def test_api_refuses_quiet_hours_that_end_when_they_start(api):
    response = api.patch(
        "/api/v1/me/notifications",
        {"quiet_from": "08:00"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "quiet_until": ["Quiet hours must end at another time than they start."]
    }


@pytest.mark.parametrize(
    "body",
    [
        {"usage_sms": "sometimes"},
        {"quiet_from": "25:00"},
        {"quiet_from": "22:00:00"},
        {"quiet_hours": "maybe"},
        {"x": 1},
    ],
)
def test_api_refuses_what_it_does_not_know(api, body):
    response = api.patch("/api/v1/me/notifications", body, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_api_needs_authentication(client):
    assert client.get("/api/v1/me/notifications").status_code == 401
    response = client.patch("/api/v1/me/notifications", {}, content_type="application/json")
    assert response.status_code == 401
