"""Help through the API: articles in the reader's language, the error shape, the contact."""

import pytest

from roamcard.help.services import help_load_defaults

from .factories import make_article, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def defaults():
    help_load_defaults()


def test_articles_are_listed_in_the_readers_language_without_logging_in(client, defaults):
    response = client.get("/api/v1/help/articles", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 200
    articles = response.json()
    assert articles[0] == {
        "slug": "forgot-account-password",
        "topic": "account",
        "topic_label": "アカウント情報",
        "title": "アカウントのパスワードを忘れました",
        "summary": "メールアドレスか携帯電話番号に届く6桁のコードで再設定できます。",
        "url": "/help/forgot-account-password/",
        "updated_at": articles[0]["updated_at"],
    }


def test_searching_in_chinese_finds_the_article(client, defaults):
    response = client.get("/api/v1/help/articles", {"q": "人民币"}, HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert [a["slug"] for a in response.json()] == ["currencies-and-payment-methods"]


def test_one_article_with_its_body_as_safe_html(client):
    make_article(slug="evil", title_en="Evil", body_en="Hi <script>x()</script> **there**")

    body = client.get("/api/v1/help/articles/evil").json()

    assert (
        body["body_html"] == "<p>Hi &lt;script&gt;x()&lt;/script&gt; <strong>there</strong></p>\n"
    )
    assert body["body_markdown"] == "Hi <script>x()</script> **there**"


def test_an_unknown_or_unpublished_article_is_a_404_in_the_error_shape(client):
    make_article(slug="draft", published=False)

    for slug in ("draft", "nothing-here"):
        response = client.get(f"/api/v1/help/articles/{slug}", HTTP_ACCEPT_LANGUAGE="ko")
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "help_article_not_found", "message": "이 주소에는 도움말이 없어요."}
        }


def test_a_too_long_query_is_refused_not_a_500(client):
    response = client.get("/api/v1/help/articles", {"q": "x" * 200})

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_the_contact(client):
    make_contact(days=list(range(7)), languages=["en", "zh-hans"])

    body = client.get("/api/v1/help/contact", HTTP_ACCEPT_LANGUAGE="zh-CN").json()

    assert body["days"] == "每天"
    assert body["time_zone"] == "Asia/Hong_Kong"
    assert body["languages"] == ["英语", "中文 (简体)"]
    assert {c["kind"]: c["url"] for c in body["channels"]}[
        "email"
    ] == "mailto:help@provider.example"
    assert {c["kind"]: c["label"] for c in body["channels"]}["wechat"] == "微信"
