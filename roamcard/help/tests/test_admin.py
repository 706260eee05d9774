"""The back office: articles in every language, the contact with clear validation, audited."""

import pytest
from django.urls import reverse

from roamcard.core.models import AuditEvent
from roamcard.core.tests.staff import changeform_data
from roamcard.help.models import Article, SupportContact

from .factories import make_contact

pytestmark = pytest.mark.django_db

TEXTS = {
    "title_en": "Lost your SIM?",
    "title_zh_hans": "丢失了 SIM 卡？",
    "title_zh_hant": "遺失了 SIM 卡？",
    "title_ja": "SIMをなくしましたか？",
    "title_ko": "유심을 잃어버렸나요?",
    "body_en": "Tell us **at once**.",
    "body_ko": "**바로** 알려 주세요.",
}


def test_staff_create_an_article_in_all_five_languages_and_it_is_audited(staff_client):
    page = staff_client.get(reverse("admin:help_article_add"))
    assert page.status_code == 200
    for column in ("title_en", "title_ko", "body_ja", "summary_zh_hant"):
        assert f'name="{column}"' in page.content.decode()

    response = staff_client.post(
        reverse("admin:help_article_add"),
        changeform_data(
            page, slug="lost-sim", topic="cards", sort_order="5", published="on", **TEXTS
        ),
    )

    assert response.status_code == 302
    article = Article.objects.get(slug="lost-sim")
    assert {column: getattr(article, column) for column in TEXTS} == TEXTS
    assert AuditEvent.objects.get(action="article.add").object_id == str(article.pk)
    shown = staff_client.get("/help/lost-sim/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "유심을 잃어버렸나요?" in shown and "<strong>바로</strong>" in shown


def test_the_english_title_is_required_and_contact_is_not_an_article_address(staff_client):
    page = staff_client.get(reverse("admin:help_article_add"))

    response = staff_client.post(
        reverse("admin:help_article_add"),
        changeform_data(page, slug="contact", topic="cards", title_ko="연락처"),
    )

    errors = response.context["adminform"].form.errors
    assert "title_en" in errors
    assert "is the address of another help page" in str(errors["slug"])
    assert not Article.objects.exists()


def _contact_page(staff_client):
    contact = make_contact()
    url = reverse("admin:help_supportcontact_change", args=[contact.pk])
    return url, staff_client.get(url)


def test_contact_validation_errors_are_clear_and_nothing_is_saved(staff_client):
    url, page = _contact_page(staff_client)

    response = staff_client.post(
        url,
        changeform_data(
            page,
            email="not an address",
            phone="2123 4567",
            whatsapp="+852 1234",
            wechat="1abc",
            time_zone="Mars/Olympus",
            opens_at="",
        ),
    )

    errors = {name: " ".join(e) for name, e in response.context["adminform"].form.errors.items()}
    assert "valid email address" in errors["email"]
    assert "international format, starting with + and the country code" in errors["phone"]
    assert "+852 1234 is not a valid phone number." in errors["whatsapp"]
    assert "starts with a letter" in errors["wechat"]
    assert "“Mars/Olympus” is not a time zone." in errors["time_zone"]
    assert "Give both the opening and the closing time." in errors["opens_at"]
    assert SupportContact.objects.get().email == "help@provider.example"


def test_contact_errors_are_in_the_staff_members_language(staff_client):
    url, page = _contact_page(staff_client)

    response = staff_client.post(
        url, changeform_data(page, phone="12345"), HTTP_ACCEPT_LANGUAGE="ja"
    )

    assert "国際形式で入力してください" in " ".join(
        response.context["adminform"].form.errors["phone"]
    )


def test_a_contact_change_is_stored_in_e164_and_audited(staff_client):
    url, page = _contact_page(staff_client)

    response = staff_client.post(
        url, changeform_data(page, phone="+852 2987 6543", days=["5", "6"])
    )

    assert response.status_code == 302
    contact = SupportContact.objects.get()
    assert (contact.phone, contact.days) == ("+85229876543", [5, 6])
    event = AuditEvent.objects.get(action="supportcontact.change")
    assert set(event.details["fields"]) == {"phone", "days"}


def test_there_is_one_contact_it_cannot_be_added_twice_or_deleted(staff_client):
    make_contact()

    assert staff_client.get(reverse("admin:help_supportcontact_add")).status_code == 403
    delete = reverse("admin:help_supportcontact_delete", args=[SupportContact.SINGLETON_PK])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert SupportContact.objects.count() == 1
