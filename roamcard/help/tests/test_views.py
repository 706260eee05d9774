"""The public help pages, in each language."""

import pytest
from django.conf import settings

from roamcard.help.services import help_load_defaults

from .factories import make_article, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults():
    help_load_defaults()
    make_contact()


@pytest.mark.parametrize(
    ("language", "heading", "title"),
    [
        ("en", "Help", "I forgot my card password, or my card is locked"),
        ("zh-hans", "帮助", "忘记了卡密码，或卡号被锁定"),
        ("zh-hant", "說明", "忘記了卡密碼，或卡號被鎖定"),
        ("ja", "ヘルプ", "カードパスワードを忘れた・カードがロックされた"),
        ("ko", "도움말", "카드 비밀번호를 잊었거나 카드가 잠겼어요"),
    ],
)
def test_the_help_page_lists_the_articles_by_topic_in_the_readers_language(
    client, defaults, language, heading, title
):
    response = client.get("/help/", HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{heading}</h1>" in page
    assert title in page
    assert "/help/forgot-card-password/" in page
    assert [g.topic for g in response.context["groups"]] == [
        "account",
        "cards",
        "renewals",
        "data_abroad",
        "refunds",
    ]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_each_default_article_opens_in_every_language(client, defaults, language):
    from roamcard.help.defaults import DEFAULT_ARTICLES

    for default in DEFAULT_ARTICLES:
        response = client.get(f"/help/{default.slug}/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        page = response.content.decode()
        assert default.texts[language]["title"] in page
        assert "<strong>" in page or "<ol>" in page  # the body is rendered, not shown raw


def test_searching_narrows_the_list_and_keeps_the_query(client, defaults):
    response = client.get("/help/", {"q": "위챗페이"}, HTTP_ACCEPT_LANGUAGE="ko")

    found = [a.slug for g in response.context["groups"] for a in g.articles]
    assert "currencies-and-payment-methods" in found
    assert "forgot-account-password" not in found
    assert 'value="위챗페이"' in response.content.decode()


def test_a_search_finding_nothing_points_to_customer_service(client, defaults):
    response = client.get("/help/", {"q": "얼룩말"}, HTTP_ACCEPT_LANGUAGE="ko")

    page = response.content.decode()
    assert response.status_code == 200
    assert "“얼룩말”과 일치하는 도움말이 없어요." in page
    assert 'href="#contact"' in page
    assert "help@provider.example" in page


def test_htmx_gets_the_same_page_and_swaps_only_the_results(client, defaults):
    response = client.get("/help/", {"q": "APN"}, HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert 'id="help-results"' in response.content.decode()


def test_an_unknown_or_unpublished_article_is_a_404_in_the_readers_language(client, defaults):
    make_article(slug="draft", published=False, title_en="Draft")

    for slug in ("no-such-thing", "draft"):
        response = client.get(f"/help/{slug}/", HTTP_ACCEPT_LANGUAGE="ko")
        assert response.status_code == 404
        page = response.content.decode()
        assert "도움말을 찾을 수 없어요" in page
        assert 'name="q"' in page  # a search to find it
        assert "help@provider.example" in page


def test_an_article_shows_related_articles_of_its_topic(client, defaults):
    response = client.get("/help/renewal-how-soon/", HTTP_ACCEPT_LANGUAGE="en")

    related = [a.slug for a in response.context["related"]]
    assert related == ["currencies-and-payment-methods", "automatic-renewal"]


def test_a_body_cannot_inject_html_into_the_page(client):
    make_article(slug="evil", title_en="Evil", body_en="<script>alert('x')</script>")

    page = client.get("/help/evil/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page


def test_the_contact_page_and_the_footer_links(client, defaults):
    response = client.get("/help/contact/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'href="mailto:help@provider.example"' in page
    assert 'href="tel:+85221234567"' in page
    assert 'href="https://wa.me/85261234567"' in page
    assert 'href="https://line.me/R/ti/p/@provider"' in page
    assert 'href="https://pf.kakao.com/_xbRkCn"' in page
    assert "provider_hk" in page
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'href="/help/"' in home and 'href="/help/contact/"' in home


def test_without_a_contact_the_block_says_so_rather_than_nothing(client):
    page = client.get("/help/contact/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Our contact details are not published yet." in page
