"""Wrong verification codes sent at the same instant (one session, many requests) get no
more guesses than wrong codes sent one after another: the count is on the server.

Threads against PostgreSQL; skipped on SQLite, which serialises writers (see
tests/concurrency)."""

import pytest
from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from roamcard.accounts.tests.helpers import last_code_sent_to
from tests.concurrency.racing import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="needs PostgreSQL: SQLite serialises writers; set DATABASE_URL=postgres://...",
    ),
]

PASSWORD = "Roaming-in-Kyoto-24"
PHONE = "+8613912345678"
EMAIL = "kim@example.com"


def wrong_codes(right: str, count: int) -> list[str]:
    return [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, count + 1)]


def guess_in_session(session_cookie: str, url: str, code: str):
    def guess() -> int:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie
        return client.post(url, {"code": code}).status_code

    return guess


@pytest.mark.parametrize(
    ("field", "destination", "url_name", "max_attempts"),
    [
        ("phone", PHONE, "account_verify_phone", allauth_settings.PHONE_VERIFICATION_MAX_ATTEMPTS),
        (
            "email",
            EMAIL,
            "account_email_verification_sent",
            allauth_settings.EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS,
        ),
    ],
)
def test_concurrent_wrong_codes_kill_the_code(field, destination, url_name, max_attempts):
    client = Client()
    data = {"email": "", "phone": "", "password1": PASSWORD, "password2": PASSWORD}
    client.post(reverse("account_signup"), {**data, field: destination})
    right = last_code_sent_to(destination)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    url = reverse(url_name)

    outcomes = race(
        *(guess_in_session(cookie, url, code) for code in wrong_codes(right, 3 * max_attempts))
    )
    assert all(outcome.error is None for outcome in outcomes), outcomes
    client.post(url, {"code": right})

    assert "_auth_user_id" not in client.session
    if field == "phone":
        assert not get_user_model().objects.get(phone=PHONE).phone_verified
    else:
        assert not EmailAddress.objects.filter(email=EMAIL, verified=True).exists()
