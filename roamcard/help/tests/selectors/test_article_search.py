"""Searching help articles in the reader's language, with the catalogue's fallbacks."""

import pytest

from roamcard.help.errors import ArticleNotFound
from roamcard.help.selectors import article_get, article_search

from ..factories import make_article

pytestmark = pytest.mark.django_db


def slugs(articles):
    return [a.slug for a in articles]


@pytest.fixture
def articles():
    return {
        "password": make_article(
            slug="forgot-card-password",
            title_en="I forgot my card password",
            title_ko="카드 비밀번호를 잊어버렸어요",
            title_ja="カードパスワードを忘れました",
            title_zh_hans="忘记了卡密码",
            body_en="After 5 wrong tries the card number is locked for an hour.",
            body_ko="5번 틀리면 카드 번호가 1시간 동안 잠겨요.",
            body_ja="5回間違えるとカード番号が1時間ロックされます。",
            body_zh_hans="连续输错 5 次，该卡号会被锁定一小时。",
        ),
        "roaming": make_article(
            slug="roaming-and-apn",
            topic="data_abroad",
            title_en="Do I need data roaming on?",
            summary_en="Yes, and the APN is set by itself.",
        ),
    }


@pytest.mark.parametrize(
    ("language", "query"),
    [
        ("ko", "잠겨요"),
        ("ja", "ロック"),
        ("zh-hans", "锁定"),
        ("zh-hant", "锁定"),
        ("en", "LOCKED"),
    ],
)
def test_a_word_of_the_body_in_the_readers_language_finds_the_article(articles, language, query):
    assert slugs(article_search(query=query, language=language)) == ["forgot-card-password"]


def test_an_article_not_written_in_korean_is_found_by_its_english_words(articles):
    assert slugs(article_search(query="APN", language="ko")) == ["roaming-and-apn"]
    assert slugs(article_search(query="roaming", language="ja")) == ["roaming-and-apn"]


def test_the_english_words_of_an_article_written_in_korean_do_not_find_it_for_a_korean_reader(
    articles,
):
    assert slugs(article_search(query="locked", language="ko")) == []
    assert slugs(article_search(query="locked", language="en")) == ["forgot-card-password"]


def test_traditional_chinese_falls_back_to_simplified_before_english(articles):
    found = article_search(query="卡密码", language="zh-hant")
    assert slugs(found) == ["forgot-card-password"]


def test_every_word_must_match(articles):
    assert slugs(article_search(query="card password", language="en")) == ["forgot-card-password"]
    assert slugs(article_search(query="card roaming", language="en")) == []


def test_an_empty_query_lists_every_published_article_by_topic(articles):
    make_article(slug="hidden", published=False, title_en="Hidden card trick")
    assert slugs(article_search(query="", language="en")) == [
        "forgot-card-password",
        "roaming-and-apn",
    ]
    assert slugs(article_search(query="card", language="en")) == ["forgot-card-password"]


def test_an_unpublished_article_cannot_be_opened(articles):
    make_article(slug="draft", published=False)
    with pytest.raises(ArticleNotFound):
        article_get(slug="draft")
    with pytest.raises(ArticleNotFound):
        article_get(slug="no-such-article")
    assert article_get(slug="roaming-and-apn").slug == "roaming-and-apn"
