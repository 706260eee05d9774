"""A second contact: an e-mail account adds a mobile number, a phone account an e-mail
address, either changes its contact; each new one is verified by a code before it counts,
then works for signing in and for the password reset by code."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from roamcard.accounts.tests.helpers import last_code_sent_to
from roamcard.notifications.models import Message
from roamcard.testing import log_in_to_change_contacts, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-42"
NEW_PASSWORD = "Fresh-roaming-77"
PHONE = "+821012345678"
PHONE_TYPED = "+82 10-1234-5678"
OTHER_PHONE = "+819012345678"


def later(seconds: int = 61):
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds))


def add_phone(client, phone=PHONE_TYPED):
    return client.post(reverse("account_change_phone"), {"phone": phone})


def add_email(client, email):
    return client.post(reverse("account_email"), {"email": email, "action_add": ""})


def enter_phone_code(client, code):
    return client.post(reverse("account_verify_phone"), {"code": code})


def enter_email_code(client, code):
    return client.post(reverse("account_email_verification_sent"), {"code": code})


def resend(client, url_name):
    return client.post(reverse(url_name), {"action": "resend"}, follow=True)


def can_log_in(client, login, password=PASSWORD) -> bool:
    client.logout()
    client.post(reverse("account_login"), {"login": login, "password": password})
    return "_auth_user_id" in client.session


def reset_password_by_code(client, destination) -> None:
    client.logout()
    client.post(reverse("account_reset_password"), {"destination": destination})
    client.post(
        reverse("account_reset_password_code"),
        {
            "code": last_code_sent_to(destination),
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )


def sms_count(to=PHONE) -> int:
    return Message.objects.filter(to=to, channel=Message.Channel.SMS).count()


def page_text(response) -> str:
    return response.content.decode()


def test_an_e_mail_account_adds_a_mobile_number_verified_by_sms(client):
    user = make_user(email="alice@example.com")
    log_in_to_change_contacts(client, user)
    profile = client.get(reverse("account_profile"))
    assert "Add a mobile number" in page_text(profile)

    response = add_phone(client)
    assert response.url == reverse("account_verify_phone")
    assert PHONE_TYPED in page_text(client.get(response.url))
    user.refresh_from_db()
    assert user.phone is None  # not until the code is entered

    response = enter_phone_code(client, last_code_sent_to(PHONE))

    assert response.url == reverse("account_profile")
    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == (PHONE, True)
    html = page_text(client.get(reverse("account_profile")))
    assert PHONE_TYPED in html and "alice@example.com" in html
    assert html.count('class="badge badge-verified"') == 2
    assert can_log_in(client, PHONE_TYPED)
    reset_password_by_code(client, PHONE)
    assert can_log_in(client, "alice@example.com", NEW_PASSWORD)


def test_a_phone_account_adds_an_e_mail_address_verified_by_code(client):
    user = make_user(phone=PHONE, phone_verified=True)
    log_in_to_change_contacts(client, user)
    assert "Add an e-mail address" in page_text(client.get(reverse("account_profile")))

    response = add_email(client, "Mina@Example.com")
    assert response.url == reverse("account_email_verification_sent")
    assert "mina@example.com" in page_text(client.get(response.url))
    user.refresh_from_db()
    assert user.email is None

    response = enter_email_code(client, last_code_sent_to("mina@example.com"))

    assert response.url == reverse("account_profile")
    user.refresh_from_db()
    assert user.email == "mina@example.com"
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("mina@example.com", True, True)
    assert can_log_in(client, "mina@example.com")
    reset_password_by_code(client, "mina@example.com")
    assert can_log_in(client, PHONE, NEW_PASSWORD)


def test_a_new_number_replaces_the_old_one_only_once_verified(client):
    user = make_user(email="alice@example.com", phone=PHONE, phone_verified=True)
    log_in_to_change_contacts(client, user)

    add_phone(client, OTHER_PHONE)
    user.refresh_from_db()
    assert user.phone == PHONE
    enter_phone_code(client, last_code_sent_to(OTHER_PHONE))

    user.refresh_from_db()
    assert (user.phone, user.phone_verified) == (OTHER_PHONE, True)
    assert can_log_in(client, OTHER_PHONE)
    assert not can_log_in(client, PHONE)


def test_a_new_e_mail_address_replaces_the_old_one_only_once_verified(client):
    user = make_user(email="alice@example.com")
    log_in_to_change_contacts(client, user)

    add_email(client, "alice@example.org")
    user.refresh_from_db()
    assert user.email == "alice@example.com"
    enter_email_code(client, last_code_sent_to("alice@example.org"))

    user.refresh_from_db()
    assert user.email == "alice@example.org"
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [
        "alice@example.org"
    ]
    assert can_log_in(client, "alice@example.org")
    assert not can_log_in(client, "alice@example.com")


def test_a_wrong_code_leaves_the_number_unchanged(client):
    user = make_user(email="alice@example.com")
    log_in_to_change_contacts(client, user)
    add_phone(client)
    code = last_code_sent_to(PHONE)

    response = enter_phone_code(client, f"{(int(code) + 1) % 1_000_000:06d}")

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    user.refresh_from_db()
    assert user.phone is None


def test_a_number_of_another_account_is_refused_without_saying_whose(client):
    make_user(email="owner@example.com", phone=PHONE, phone_verified=True)
    user = make_user(email="alice@example.com", preferred_language="ja")
    log_in_to_change_contacts(client, user)

    add_phone(client)  # the same answer as for any number: a code is sent to it
    response = client.post(
        reverse("account_verify_phone"),
        {"code": last_code_sent_to(PHONE)},
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert response.status_code == 200
    html = page_text(response)
    assert "ほかのユーザーがこの電話番号を登録済みです。" in html
    assert "owner@example.com" not in html
    user.refresh_from_db()
    assert user.phone is None


def test_an_address_of_another_account_is_refused_without_saying_whose(client):
    make_user(email="owner@example.com")
    user = make_user(phone=PHONE, phone_verified=True)
    log_in_to_change_contacts(client, user)

    response = add_email(client, "owner@example.com")
    assert response.url == reverse("account_email_verification_sent")
    response = client.post(
        reverse("account_email_verification_sent"),
        {"code": last_code_sent_to("owner@example.com")},
        HTTP_ACCEPT_LANGUAGE="ko",
    )

    assert response.status_code == 200
    assert "해당 이메일은 이미 사용되고 있습니다." in page_text(response)
    user.refresh_from_db()
    assert user.email is None
    assert not EmailAddress.objects.filter(user=user).exists()


def test_the_last_e_mail_address_of_an_account_without_a_phone_stays(client):
    user = make_user(email="alice@example.com")
    log_in_to_change_contacts(client, user)

    client.post(reverse("account_email"), {"email": "alice@example.com", "action_remove": ""})

    user.refresh_from_db()
    assert user.email == "alice@example.com"
    assert EmailAddress.objects.filter(user=user).exists()


# --- "Send the code again" and its cool-down ------------------------------------------


def test_a_new_code_for_a_new_number_waits_out_the_cool_down(client):
    log_in_to_change_contacts(client, make_user(email="alice@example.com"))
    add_phone(client)
    page = client.get(reverse("account_verify_phone"))
    assert 'data-resend-wait="60"' in page_text(page)

    too_soon = resend(client, "account_verify_phone")

    assert too_soon.status_code == 200
    assert "You can ask for a new code in" in page_text(too_soon)
    assert sms_count() == 1
    first = last_code_sent_to(PHONE)

    with later():
        again = resend(client, "account_verify_phone")
        assert again.status_code == 200
        assert sms_count() == 2
        second = last_code_sent_to(PHONE)
        if first != second:
            assert enter_phone_code(client, first).status_code == 200  # refused
        response = enter_phone_code(client, second)
    assert response.url == reverse("account_profile")


def test_the_sign_up_sms_code_can_be_sent_again_after_the_cool_down(client):
    client.post(
        reverse("account_signup"),
        {"email": "", "phone": PHONE, "password1": PASSWORD, "password2": PASSWORD},
    )

    too_soon = resend(client, "account_verify_phone")
    assert "You can ask for a new code in" in page_text(too_soon)
    assert sms_count() == 1

    with later():
        resend(client, "account_verify_phone")
        assert sms_count() == 2
        response = enter_phone_code(client, last_code_sent_to(PHONE))
    assert response.url == reverse("cards:list")


def test_the_sign_up_e_mail_code_too_early_again_gets_a_message_not_an_error(client):
    client.post(
        reverse("account_signup"),
        {"email": "kim@example.com", "phone": "", "password1": PASSWORD, "password2": PASSWORD},
    )

    too_soon = resend(client, "account_email_verification_sent")

    assert too_soon.status_code == 200
    assert "可以在" not in page_text(too_soon)  # English page: no stray translation
    assert "You can ask for a new code in" in page_text(too_soon)
    assert Message.objects.filter(to="kim@example.com").count() == 1
    first = last_code_sent_to("kim@example.com")
    with later():
        resend(client, "account_email_verification_sent")
        assert Message.objects.filter(to="kim@example.com").count() == 2
        second = last_code_sent_to("kim@example.com")
        response = enter_email_code(client, second)
    assert first == second or response.url == reverse("cards:list")
    assert "_auth_user_id" in client.session


def test_the_too_early_message_is_translated(client):
    log_in_to_change_contacts(client, make_user(phone=PHONE, phone_verified=True))
    add_email(client, "mina@example.com")

    too_soon = client.post(
        reverse("account_email_verification_sent"),
        {"action": "resend"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    assert "後に新しいコードをリクエストできます" in page_text(too_soon)


def test_the_password_reset_code_can_be_sent_again_after_the_cool_down(client):
    make_user(phone=PHONE, phone_verified=True)
    client.post(reverse("account_reset_password"), {"destination": PHONE_TYPED})
    page = client.get(reverse("account_reset_password_code"))
    assert 'data-resend-wait="60"' in page_text(page)

    too_soon = resend(client, "account_reset_password_code")
    assert "You can ask for a new code in" in page_text(too_soon)
    assert sms_count() == 1

    with later():
        again = resend(client, "account_reset_password_code")
        assert "We have sent a new code." in page_text(again)
        assert sms_count() == 2
        response = client.post(
            reverse("account_reset_password_code"),
            {
                "code": last_code_sent_to(PHONE),
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
    assert response.url == reverse("account_reset_password_complete")


def test_an_unknown_destination_has_the_same_cool_down(client):
    client.post(reverse("account_reset_password"), {"destination": PHONE})

    too_soon = resend(client, "account_reset_password_code")

    assert "You can ask for a new code in" in page_text(too_soon)
    assert sms_count() == 1  # the "no account uses this number" SMS


# --- The account menu's avatar ----------------------------------------------------------


def test_a_phone_account_s_avatar_is_a_person_named_by_its_number(client):
    log_in_to_change_contacts(client, make_user(phone=PHONE, phone_verified=True))

    html = page_text(client.get(reverse("account_profile")))

    assert f'aria-label="Account: {PHONE_TYPED}"' in html
    assert "icon-person" in html
    assert 'class="menu-avatar-initial"' not in html


def test_an_e_mail_account_s_avatar_is_its_initial_named_by_its_address(client):
    client.force_login(make_user(email="alice@example.com", phone=PHONE, phone_verified=True))

    html = page_text(client.get(reverse("account_profile")))

    assert 'aria-label="Account: alice@example.com"' in html
    assert '<span class="menu-avatar-initial">A</span>' in html


def test_asking_again_for_the_same_new_number_too_early_gets_a_message(client):
    log_in_to_change_contacts(client, make_user(email="alice@example.com"))
    add_phone(client)

    response = client.post(reverse("account_change_phone"), {"phone": PHONE}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_verify_phone")
    assert "You can ask for a new code in" in page_text(response)
    assert sms_count() == 1


def test_asking_again_for_the_same_new_address_too_early_gets_a_message(client):
    log_in_to_change_contacts(client, make_user(phone=PHONE, phone_verified=True))
    add_email(client, "mina@example.com")

    response = client.post(
        reverse("account_email"), {"email": "mina@example.com", "action_add": ""}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("account_email_verification_sent")
    assert "You can ask for a new code in" in page_text(response)
    assert Message.objects.filter(to="mina@example.com").count() == 1


@pytest.mark.parametrize("page", ["account_change_phone", "account_email"])
def test_changing_a_contact_asks_for_the_password_again(client, page):
    # A stolen session alone must not be enough to redirect the password reset elsewhere.
    user = make_user(email="alice@example.com")
    client.force_login(user)

    fields = {"phone": "+819012345678", "email": "eve@example.com", "action_add": ""}
    response = client.post(reverse(page), fields)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    user.refresh_from_db()
    assert (user.email, user.phone) == ("alice@example.com", None)
    assert not Message.objects.filter(to__in=["+819012345678", "eve@example.com"]).exists()
