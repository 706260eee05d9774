"""Accounts in the back office: no password hash, code hash or MFA secret is ever shown."""

from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from roamcard.accounts.models import ApiToken, OneTimeCode
from roamcard.core.models import AuditEvent
from roamcard.testing import make_user


def test_users_are_found_by_email_phone_or_username(staff_client):
    make_user(email="dave@example.com")
    make_user(phone="+85291234567")
    url = reverse("admin:accounts_user_changelist")

    assert "dave@example.com" in staff_client.get(url, {"q": "dave@"}).content.decode()
    assert "+85291234567" in staff_client.get(url, {"q": "+8529123"}).content.decode()
    assert "dave@example.com" not in staff_client.get(url, {"q": "+8529123"}).content.decode()
    assert (
        staff_client.get(
            url, {"is_staff__exact": "1", "preferred_language__exact": "en"}
        ).status_code
        == 200
    )


def test_the_user_page_shows_no_password_hash_only_a_link_to_set_one(staff_client, traveller):
    response = staff_client.get(reverse("admin:accounts_user_change", args=[traveller.pk]))

    content = response.content.decode()
    assert traveller.password not in content
    assert traveller.password.split("$")[-1] not in content
    assert reverse("admin:auth_user_password_change", args=[traveller.pk]) in content


def test_setting_a_user_password_is_audited_without_the_password(staff_client, staff, traveller):
    url = reverse("admin:auth_user_password_change", args=[traveller.pk])

    response = staff_client.post(
        url, {"password1": "Fresh-pass-9876", "password2": "Fresh-pass-9876"}
    )

    assert response.status_code == 302
    traveller.refresh_from_db()
    assert traveller.check_password("Fresh-pass-9876")
    event = AuditEvent.objects.get(action="user.password_set")
    assert event.actor == staff and event.object_id == str(traveller.pk)
    assert "Fresh-pass" not in str(event.details)


def test_one_time_codes_are_read_only_and_their_hash_is_not_shown(staff_client, traveller):
    code = OneTimeCode.objects.create(
        user=traveller,
        purpose="password_reset",
        channel="sms",
        destination="+85291234567",
        code_hash="deadbeef" * 8,
        expires_at=timezone.now(),
    )

    content = staff_client.get(
        reverse("admin:accounts_onetimecode_change", args=[code.pk])
    ).content.decode()

    assert "deadbeef" not in content
    assert "+85291234567" in content
    assert staff_client.get(reverse("admin:accounts_onetimecode_add")).status_code == 403


def test_the_authenticator_secret_is_not_shown(staff_client, staff):
    authenticator = Authenticator.objects.get(user=staff)

    content = staff_client.get(
        reverse("admin:mfa_authenticator_change", args=[authenticator.pk])
    ).content.decode()

    assert authenticator.data["secret"] not in content


def test_revoking_api_tokens_is_audited(staff_client, traveller):
    token = ApiToken.objects.create(
        user=traveller, token_hash="f" * 64, prefix="rc_abcd", expires_at=timezone.now()
    )

    response = staff_client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.get(action="apitoken.action.revoke").details["ids"] == [str(token.pk)]


def test_staff_add_a_user_with_a_phone_only(staff_client):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "eve",
            "email": "",
            "phone": "+85291234560",
            "usable_password": "true",
            "password1": "Fresh-pass-9876",
            "password2": "Fresh-pass-9876",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = get_user_model().objects.get(username="eve")
    assert user.email is None and user.phone == "+85291234560"
    assert AuditEvent.objects.get(action="user.add").object_id == str(user.pk)
