import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.test import override_settings
from django.utils import timezone

from roamcard.accounts.errors import OneTimeCodeInvalid
from roamcard.accounts.models import OneTimeCode
from roamcard.accounts.services import password_reset_code_confirm, password_reset_code_send
from roamcard.accounts.tests.helpers import last_code_sent_to, last_message_to
from roamcard.core.errors import InvalidInput, RateLimited
from roamcard.notifications.models import Message
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

PHONE = "+8613800138000"
NEW_PASSWORD = "Fresh-roaming-77"


def test_reset_by_sms_sets_the_new_password():
    user = make_user(phone=PHONE)
    password_reset_code_send(destination="+86 138 0013 8000", ip_address="10.0.0.1")

    message = last_message_to(PHONE)
    assert message.channel == Message.Channel.SMS
    assert message.kind == "password_reset_code"
    code = last_code_sent_to(PHONE)
    password_reset_code_confirm(destination=PHONE, code=code, new_password=NEW_PASSWORD)

    assert authenticate(phone=PHONE, password=NEW_PASSWORD) == user
    user.refresh_from_db()
    assert user.phone_verified


def test_reset_by_email_sets_the_new_password():
    user = make_user(email="alice@example.com")
    password_reset_code_send(destination="Alice@Example.com", ip_address="10.0.0.1")

    message = last_message_to("alice@example.com")
    assert message.channel == Message.Channel.EMAIL
    code = last_code_sent_to("alice@example.com")
    assert code in message.subject
    password_reset_code_confirm(
        destination="alice@example.com", code=code, new_password=NEW_PASSWORD
    )

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_code_is_stored_only_as_a_hash():
    make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    code = last_code_sent_to(PHONE)
    stored = OneTimeCode.objects.get()
    assert stored.code_hash != code and len(stored.code_hash) == 64  # an HMAC-SHA256
    assert len(code) >= 6 and code.isdigit()
    assert stored.expires_at <= timezone.now() + timedelta(minutes=10)


def test_a_wrong_code_is_refused_and_the_password_unchanged():
    user = make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    code = last_code_sent_to(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    with pytest.raises(OneTimeCodeInvalid):
        password_reset_code_confirm(destination=PHONE, code=wrong, new_password=NEW_PASSWORD)

    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)
    assert OneTimeCode.objects.get().failed_attempts == 1


def test_the_code_dies_after_too_many_wrong_guesses(settings):
    make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    code = last_code_sent_to(PHONE)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(settings.ONE_TIME_CODE_MAX_ATTEMPTS):
        with pytest.raises(OneTimeCodeInvalid):
            password_reset_code_confirm(destination=PHONE, code=wrong, new_password=NEW_PASSWORD)

    with pytest.raises(OneTimeCodeInvalid):
        password_reset_code_confirm(destination=PHONE, code=code, new_password=NEW_PASSWORD)


def test_an_expired_code_is_refused():
    user = make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    code = last_code_sent_to(PHONE)

    later = timezone.now() + timedelta(minutes=10, seconds=1)
    with time_machine.travel(later), pytest.raises(OneTimeCodeInvalid):
        password_reset_code_confirm(destination=PHONE, code=code, new_password=NEW_PASSWORD)

    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


def test_a_code_still_works_just_before_it_expires():
    make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    code = last_code_sent_to(PHONE)

    with time_machine.travel(timezone.now() + timedelta(minutes=9, seconds=50)):
        password_reset_code_confirm(destination=PHONE, code=code, new_password=NEW_PASSWORD)


def test_a_code_works_only_once():
    user = make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    code = last_code_sent_to(PHONE)
    password_reset_code_confirm(destination=PHONE, code=code, new_password=NEW_PASSWORD)

    with pytest.raises(OneTimeCodeInvalid):
        password_reset_code_confirm(destination=PHONE, code=code, new_password="Another-pass-99")

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_new_code_replaces_the_previous_one():
    make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    first = last_code_sent_to(PHONE)
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        password_reset_code_send(destination=PHONE, ip_address=None)
    second = last_code_sent_to(PHONE)

    if first != second:
        with pytest.raises(OneTimeCodeInvalid):
            password_reset_code_confirm(destination=PHONE, code=first, new_password=NEW_PASSWORD)
    password_reset_code_confirm(destination=PHONE, code=second, new_password=NEW_PASSWORD)


def test_a_weak_new_password_is_refused_and_the_code_stays_usable():
    user = make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    code = last_code_sent_to(PHONE)

    with pytest.raises(InvalidInput) as excinfo:
        password_reset_code_confirm(destination=PHONE, code=code, new_password="12345678")
    assert excinfo.value.fields["new_password"]

    password_reset_code_confirm(destination=PHONE, code=code, new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_an_unknown_destination_gets_no_code_but_a_notice():
    password_reset_code_send(destination="+447911123456", ip_address=None)

    message = last_message_to("+447911123456")
    assert message.kind == "unknown_account"
    assert not OneTimeCode.objects.exists()
    with pytest.raises(OneTimeCodeInvalid):
        password_reset_code_confirm(
            destination="+447911123456", code="000000", new_password=NEW_PASSWORD
        )


def test_an_unknown_e_mail_address_gets_a_notice():
    password_reset_code_send(destination="nobody@example.com", ip_address=None)
    assert last_message_to("nobody@example.com").kind == "unknown_account"


def test_an_invalid_destination_is_refused():
    with pytest.raises(InvalidInput):
        password_reset_code_send(destination="12345", ip_address=None)
    with pytest.raises(InvalidInput):
        password_reset_code_send(destination="not-an@address", ip_address=None)
    assert not Message.objects.exists()


@override_settings(
    ONE_TIME_CODE_RATE_LIMITS={"account": (50, 3600), "destination": (3, 3600), "ip": (50, 3600)},
    VERIFICATION_CODE_RESEND_SECONDS=0,
)
def test_sending_is_rate_limited_per_destination():
    make_user(phone=PHONE)
    for _ in range(3):
        password_reset_code_send(destination=PHONE, ip_address="10.0.0.1")
    with pytest.raises(RateLimited):
        password_reset_code_send(destination=PHONE, ip_address="10.0.0.2")
    assert Message.objects.filter(to=PHONE).count() == 3
    # Unknown destinations are limited the same way, so the limit reveals nothing.
    for _ in range(3):
        password_reset_code_send(destination="+447911123456", ip_address="10.0.0.1")
    with pytest.raises(RateLimited):
        password_reset_code_send(destination="+447911123456", ip_address="10.0.0.1")


@override_settings(
    ONE_TIME_CODE_RATE_LIMITS={"account": (3, 3600), "destination": (50, 3600), "ip": (50, 3600)},
    VERIFICATION_CODE_RESEND_SECONDS=0,
)
def test_sending_is_rate_limited_per_account():
    make_user(email="alice@example.com", phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address="10.0.0.1")
    password_reset_code_send(destination="alice@example.com", ip_address="10.0.0.2")
    password_reset_code_send(destination=PHONE, ip_address="10.0.0.3")
    with pytest.raises(RateLimited):
        password_reset_code_send(destination="alice@example.com", ip_address="10.0.0.4")


@override_settings(
    ONE_TIME_CODE_RATE_LIMITS={"account": (50, 3600), "destination": (50, 3600), "ip": (2, 3600)}
)
def test_sending_is_rate_limited_per_ip():
    make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address="10.0.0.1")
    password_reset_code_send(destination="+447911123456", ip_address="10.0.0.1")
    with pytest.raises(RateLimited):
        password_reset_code_send(destination="bob@example.com", ip_address="10.0.0.1")
    password_reset_code_send(destination="bob@example.com", ip_address="10.0.0.2")


@override_settings(
    ONE_TIME_CODE_RATE_LIMITS={"account": (50, 3600), "destination": (1, 1), "ip": (50, 3600)},
    VERIFICATION_CODE_RESEND_SECONDS=0,
)
def test_the_rate_limit_window_ends():
    make_user(phone=PHONE)
    password_reset_code_send(destination=PHONE, ip_address=None)
    with pytest.raises(RateLimited):
        password_reset_code_send(destination=PHONE, ip_address=None)
    # The window lives in the cache (Redis at scale), whose clock no test can move: wait.
    time.sleep(1.2)
    password_reset_code_send(destination=PHONE, ip_address=None)
