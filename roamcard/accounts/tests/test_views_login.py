import pytest
from django.conf import settings
from django.urls import reverse

from roamcard.accounts.tests.helpers import last_code_sent_to
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-42"
PHONE = "+8613912345678"


def log_in(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_log_in_with_e_mail_and_password(client):
    make_user(email="alice@example.com")

    response = log_in(client, "Alice@example.com")

    assert response.status_code == 302
    assert response.url == reverse("cards:list")
    assert is_logged_in(client)


@pytest.mark.parametrize("typed", [PHONE, "+86 139 1234 5678", "+86-139-1234-5678"])
def test_log_in_with_phone_and_password(client, typed):
    make_user(phone=PHONE, phone_verified=True)

    response = log_in(client, typed)

    assert response.status_code == 302
    assert response.url == reverse("cards:list")
    assert is_logged_in(client)


def test_a_wrong_password_is_refused(client):
    make_user(phone=PHONE, phone_verified=True)

    response = log_in(client, PHONE, password="not-my-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not is_logged_in(client)


def test_an_unverified_number_is_verified_at_login(client):
    make_user(phone=PHONE)

    response = log_in(client, PHONE)

    assert response.url == reverse("account_verify_phone")
    assert not is_logged_in(client)
    response = client.post(reverse("account_verify_phone"), {"code": last_code_sent_to(PHONE)})
    assert is_logged_in(client)


def test_log_out(client):
    make_user(email="alice@example.com")
    log_in(client, "alice@example.com")

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert not is_logged_in(client)


def test_logging_in_applies_the_preferred_language(client):
    make_user(email="li@example.com", preferred_language="zh-hans")

    response = log_in(client, "li@example.com")

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get(reverse("account_profile"))
    assert page.context["LANGUAGE_CODE"] == "zh-hans"


def test_the_login_page_links_to_our_password_reset(client):
    html = client.get(reverse("account_login")).content.decode()

    assert reverse("account_reset_password") == "/accounts/password/reset/"
    assert 'href="/accounts/password/reset/"' in html
    assert 'href="/accounts/signup/"' in html
