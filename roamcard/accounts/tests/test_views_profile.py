import pytest
from django.conf import settings
from django.urls import reverse

from roamcard.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client):
    user = make_user(email="alice@example.com")
    client.force_login(user)
    return user


def save_profile(client, **fields):
    data = {
        "preferred_language": "en",
        "preferred_currency": "USD",
        "time_zone": "UTC",
        **fields,
    }
    return client.post(reverse("account_profile"), data)


def test_the_profile_page_needs_a_login(client):
    response = client.get(reverse("account_profile"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_profile_shows_the_current_preferences(client, logged_in):
    response = client.get(reverse("account_profile"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "alice@example.com" in html
    assert 'value="Asia/Tokyo"' in html
    assert 'value="CNY"' in html


def test_saving_the_profile_stores_the_preferences(client, logged_in):
    response = save_profile(
        client, preferred_language="ja", preferred_currency="JPY", time_zone="Asia/Tokyo"
    )

    assert response.status_code == 302
    logged_in.refresh_from_db()
    assert (logged_in.preferred_language, logged_in.preferred_currency, logged_in.time_zone) == (
        "ja",
        "JPY",
        "Asia/Tokyo",
    )


def test_saving_the_profile_switches_the_language_at_once(client, logged_in):
    response = save_profile(client, preferred_language="zh-hans")

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get(response.url)
    assert page.context["LANGUAGE_CODE"] == "zh-hans"
    assert '<html lang="zh-hans">' in page.content.decode()


def test_the_time_zone_is_applied_to_the_pages(client, logged_in):
    save_profile(client, time_zone="Asia/Shanghai")

    page = client.get(reverse("account_profile"))

    assert "Times are shown in China (Shanghai) Time." in page.content.decode()


@pytest.mark.parametrize(
    "field, value",
    [
        ("time_zone", "Mars/Olympus_Mons"),
        ("preferred_currency", "XYZ"),
        ("preferred_language", "xx"),
    ],
)
def test_invalid_choices_are_refused(client, logged_in, field, value):
    response = save_profile(client, **{field: value})

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    logged_in.refresh_from_db()
    assert getattr(logged_in, field) != value


def test_each_language_is_named_in_itself_and_says_so(client, logged_in):
    html = client.get(reverse("account_profile"), HTTP_ACCEPT_LANGUAGE="ko").content.decode()

    assert 'value="ja" lang="ja">日本語</option>' in html
    assert 'value="ko" lang="ko" selected>한국어</option>' in html or (
        'value="ko" lang="ko">한국어</option>' in html
    )
