"""The traveller's language, currency and time zone follow them: from the sign-up form, the
header's language switch and every login, into every message we send them."""

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from roamcard.accounts.tests.helpers import last_code_sent_to, last_message_to
from roamcard.notifications.models import Message
from roamcard.notifications.tests.language import english_words
from roamcard.testing import make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Roaming-in-Kyoto-24"
TZ_COOKIE = settings.TIME_ZONE_COOKIE_NAME
LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def sign_up(client, **fields):
    data = {"email": "", "phone": "", "password1": PASSWORD, "password2": PASSWORD, **fields}
    return client.post(reverse("account_signup"), data)


def assert_reads_in_its_language(message: Message) -> None:
    text = f"{message.subject}\n{message.body}"
    assert english_words(text) == [], text
    assert "{" not in text and "%(" not in text, text


# --- Sign-up -------------------------------------------------------------------------------


def test_signing_up_in_korean_makes_a_korean_account_and_a_korean_e_mail():
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")

    response = sign_up(client, email="minji@example.com", time_zone="Asia/Seoul")

    assert response.status_code == 302
    user = User.objects.get(email="minji@example.com")
    assert (user.preferred_language, user.preferred_currency, user.time_zone) == (
        "ko",
        "KRW",
        "Asia/Seoul",
    )
    message = last_message_to("minji@example.com")
    assert message.language == "ko"
    assert message.subject.startswith("[roamcard] ")
    assert "이메일 인증 코드" in message.subject
    assert "안녕하세요! roamcard에서 보내 드리는 메일이에요." in message.body
    assert "roamcard 서비스를 이용해 주셔서 감사해요." in message.body
    assert_reads_in_its_language(message)

    verified = client.post(
        reverse("account_email_verification_sent"),
        {"code": last_code_sent_to("minji@example.com")},
    )
    assert verified.cookies[LANGUAGE_COOKIE].value == "ko"
    page = client.get(verified.url).content.decode()
    assert '<html lang="ko">' in page


def test_the_header_languages_choice_wins_over_the_browsers():
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.cookies[LANGUAGE_COOKIE] = "ja"

    sign_up(client, phone="+81 90 1234 5678", time_zone="Asia/Tokyo")

    user = User.objects.get(phone="+819012345678")
    assert (user.preferred_language, user.preferred_currency, user.time_zone) == (
        "ja",
        "JPY",
        "Asia/Tokyo",
    )
    sms = last_message_to("+819012345678")
    assert sms.channel == Message.Channel.SMS and sms.language == "ja"
    assert "確認コード" in sms.body or "認証コード" in sms.body
    assert_reads_in_its_language(sms)


def test_traditional_chinese_in_taiwan_prices_in_taiwan_dollars():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9,en;q=0.5")

    sign_up(client, email="mei@example.com")

    user = User.objects.get(email="mei@example.com")
    assert (user.preferred_language, user.preferred_currency) == ("zh-hant", "TWD")


@pytest.mark.parametrize(
    "sent, cookie, expected",
    [
        ("Mars/Olympus_Mons", "Europe/Paris", "Europe/Paris"),
        ("", "Europe/Paris", "Europe/Paris"),
        ("../../etc/passwd", "", "UTC"),
        ("", "Not/A_Zone", "UTC"),
        ("x" * 300, "", "UTC"),
    ],
)
def test_a_missing_or_bogus_time_zone_never_stops_a_sign_up(sent, cookie, expected):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if cookie:
        client.cookies[TZ_COOKIE] = cookie

    response = sign_up(client, email="sam@example.com", time_zone=sent)

    assert response.status_code == 302
    assert User.objects.get(email="sam@example.com").time_zone == expected


def test_the_sign_up_form_asks_the_browser_for_its_time_zone(client):
    page = client.get(reverse("account_signup")).content.decode()

    assert 'name="time_zone"' in page
    assert "data-browser-time-zone" in page


# --- The header's switch and logging in ----------------------------------------------------


def test_the_header_switch_saves_a_signed_in_travellers_language(client):
    user = make_user(preferred_language="en")
    client.force_login(user)

    response = client.post(reverse("set_language"), {"language": "ko", "next": "/cards/"})

    assert response.status_code == 302 and response.url == "/cards/"
    assert response.cookies[LANGUAGE_COOKIE].value == "ko"
    user.refresh_from_db()
    assert user.preferred_language == "ko"
    # The next message goes out in the language just chosen.
    client.post(reverse("account_reset_password"), {"destination": user.email})
    assert last_message_to(user.email).language == "ko"


def test_the_header_switch_ignores_a_language_we_do_not_offer(client):
    user = make_user(preferred_language="ja")
    client.force_login(user)

    client.post(reverse("set_language"), {"language": "fr", "next": "/cards/"})

    user.refresh_from_db()
    assert user.preferred_language == "ja"


def test_the_header_switch_still_works_for_visitors(client):
    response = client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[LANGUAGE_COOKIE].value == "zh-hant"


def test_logging_in_switches_to_the_profiles_language_whatever_the_cookie_says():
    user = make_user(email="yuna@example.com", preferred_language="ko")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[LANGUAGE_COOKIE] = "ja"

    response = client.post(
        reverse("account_login"), {"login": "yuna@example.com", "password": "Secret-pass-42"}
    )

    assert response.status_code == 302
    assert response.cookies[LANGUAGE_COOKIE].value == "ko"
    page = client.get(response.url).content.decode()
    assert '<html lang="ko">' in page
    user.refresh_from_db()
    assert user.preferred_language == "ko"


# --- Messages to people with an account, and to people without one ------------------------


def test_someone_signing_up_with_a_taken_address_writes_to_its_owner_in_the_owners_language():
    make_user(email="taro@example.com", preferred_language="ja")
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")

    sign_up(client, email="taro@example.com")

    message = last_message_to("taro@example.com")
    assert message.kind == "account_already_exists"
    assert message.language == "ja"
    assert "すでにアカウントをお持ちです" in message.subject
    assert "/accounts/password/reset/" in message.body
    assert_reads_in_its_language(message)


def test_someone_signing_up_with_a_taken_number_texts_its_owner_in_the_owners_language():
    make_user(phone="+821012345678", preferred_language="ko")
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")

    sign_up(client, phone="+82 10 1234 5678")

    sms = last_message_to("+821012345678")
    assert sms.kind == "account_already_exists"
    assert sms.language == "ko"
    assert_reads_in_its_language(sms)


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_password_reset_codes_go_out_in_the_travellers_language(client, language):
    user = make_user(phone="+85261234567", email="lee@example.com", preferred_language=language)

    for destination in (user.phone, user.email):
        client.post(reverse("account_reset_password"), {"destination": destination})
        message = last_message_to(destination)
        assert message.kind == "password_reset_code"
        assert message.language == language
        assert_reads_in_its_language(message)


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_nobodys_address_gets_its_answer_in_the_language_of_the_request(language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)

    for destination in ("nobody@example.com", "+85261230000"):
        client.post(reverse("account_reset_password"), {"destination": destination})
        message = last_message_to(destination)
        assert message.kind == "unknown_account"
        assert message.language == language
        assert_reads_in_its_language(message)


@pytest.mark.parametrize("language", ["ko", "ja"])
@pytest.mark.parametrize("kind", ["email_confirmation", "email_confirmation_signup"])
def test_allauths_code_e_mails_read_fully_in_the_travellers_language(language, kind):
    user = make_user(email="hana@example.com", preferred_language=language)

    get_adapter().send_mail(
        f"account/email/{kind}", "hana@example.com", {"user": user, "code": "482913"}
    )

    message = last_message_to("hana@example.com")
    assert message.language == language
    assert "482913" in message.subject and "482913" in message.body
    assert "roamcard" in message.body and "Hello from !" not in message.body
    assert_reads_in_its_language(message)


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_allauths_unknown_account_e_mail_reads_in_the_language_of_the_request(language):
    with translation.override(language):
        get_adapter().send_mail(
            "account/email/unknown_account",
            "stranger@example.com",
            {"signup_url": "http://testserver/accounts/signup/"},
        )

    message = last_message_to("stranger@example.com")
    assert message.language == language
    assert "http://testserver/accounts/signup/" in message.body
    assert_reads_in_its_language(message)


@pytest.mark.parametrize("language", ["ko", "ja"])
def test_phone_verification_and_unknown_number_texts_read_in_the_language(language):
    user = make_user(phone="+85261234000", preferred_language=language)
    adapter = get_adapter()

    adapter.send_verification_code_sms(user=user, phone=user.phone, code="551177")
    with translation.override(language):
        adapter.send_unknown_account_sms("+85261234999")

    for to in (user.phone, "+85261234999"):
        sms = last_message_to(to)
        assert sms.language == language
        assert_reads_in_its_language(sms)
    assert "551177" in last_message_to(user.phone).body


# --- Time zones ------------------------------------------------------------------------------


def test_the_profile_names_the_time_zones_in_the_travellers_language(client):
    user = make_user(preferred_language="ko", time_zone="Asia/Seoul")
    client.force_login(user)
    client.cookies[LANGUAGE_COOKIE] = "ko"

    page = client.get(reverse("account_profile")).content.decode()

    assert '<option value="Asia/Seoul" selected>(GMT+09:00) 대한민국 시간</option>' in page
    assert '<option value="UTC">협정 세계시</option>' in page
    assert ">Asia/Seoul<" not in page and "Asia/Tokyo<" not in page
    assert "시간은 대한민국 시간 기준으로 표시" in page
    # In order of their offset from UTC: Honolulu before London before Tokyo.
    assert page.index("Pacific/Honolulu") < page.index("Europe/London") < page.index("Asia/Tokyo")


def test_a_visitors_times_follow_the_browsers_zone_once_known():
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")

    before = client.get("/").content.decode()
    client.cookies[TZ_COOKIE] = "Asia/Tokyo"
    after = client.get("/").content.decode()
    client.cookies[TZ_COOKIE] = "Nowhere/Atlantis"
    bogus = client.get("/").content.decode()

    assert "시간은 협정 세계시 기준으로 표시" in before
    assert "UTC" not in before.split("<footer")[1]
    assert "시간은 일본 시간 기준으로 표시" in after
    assert "시간은 협정 세계시 기준으로 표시" in bogus


# --- The API -----------------------------------------------------------------------------------


def test_api_errors_speak_the_token_users_language_even_with_another_accept_language(client):
    from roamcard.accounts.tokens import api_token_create

    user = make_user(preferred_language="ko")
    _token, raw = api_token_create(user=user, name="phone")
    headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "ja"}

    missing = client.get("/api/v1/cards/999999", headers=headers)
    invalid = client.patch(
        "/api/v1/me", {"time_zone": "Mars/Base"}, content_type="application/json", headers=headers
    )

    assert missing.status_code == 404 and missing["Content-Language"] == "ko"
    assert invalid.status_code in (400, 422) and invalid["Content-Language"] == "ko"
    for response in (missing, invalid):
        error = response.json()["error"]
        texts = [error["message"], *(m for ms in (error.get("fields") or {}).values() for m in ms)]
        assert english_words(" ".join(texts)) == []


def test_api_errors_without_a_token_follow_accept_language(client):
    response = client.get("/api/v1/cards", headers={"Accept-Language": "ja"})

    assert response.status_code == 401
    assert response["Content-Language"] == "ja"
    assert english_words(response.json()["error"]["message"]) == []
