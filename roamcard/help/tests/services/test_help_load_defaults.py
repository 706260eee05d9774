"""Loading the default help articles: idempotent, and never over a staff member's edit."""

import pytest
from django.core.management import call_command

from roamcard.help.defaults import DEFAULT_ARTICLES, DefaultArticle
from roamcard.help.models import Article
from roamcard.help.services import help_load_defaults

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "zh-hans", "zh-hant", "ja", "ko")


def test_every_default_article_is_written_in_all_five_languages():
    for article in DEFAULT_ARTICLES:
        assert set(article.texts) == set(LANGUAGES), article.slug
        for language in LANGUAGES:
            texts = article.texts[language]
            assert texts["title"] and texts["summary"] and texts["body"], (article.slug, language)


def test_the_defaults_load_once_however_often_they_are_loaded():
    first = help_load_defaults()
    second = help_load_defaults()

    assert first.created == len(DEFAULT_ARTICLES) == Article.objects.count()
    assert (second.created, second.updated, second.kept) == (0, 0, 0)
    card_password = Article.objects.get(slug="forgot-card-password")
    assert card_password.title_ko == "카드 비밀번호를 잊었거나 카드가 잠겼어요"
    assert card_password.published


def test_the_management_command_loads_them_and_says_what_it_did(capsys):
    call_command("help_load_defaults")

    assert Article.objects.count() == len(DEFAULT_ARTICLES)
    assert f"{len(DEFAULT_ARTICLES)} created" in capsys.readouterr().out


def _renamed(article: DefaultArticle, title: str) -> DefaultArticle:
    texts = {lang: dict(t) for lang, t in article.texts.items()}
    texts["en"]["title"] = title
    return DefaultArticle(article.slug, article.topic, article.sort_order, texts)


def test_a_newer_default_replaces_an_article_nobody_edited():
    refunds = next(a for a in DEFAULT_ARTICLES if a.slug == "refunds")
    help_load_defaults(articles=(refunds,))

    result = help_load_defaults(articles=(_renamed(refunds, "Refunds, explained"),))

    assert result.updated == 1
    assert Article.objects.get(slug="refunds").title_en == "Refunds, explained"


def test_an_article_staff_edited_is_never_overwritten():
    refunds = next(a for a in DEFAULT_ARTICLES if a.slug == "refunds")
    help_load_defaults(articles=(refunds,))
    article = Article.objects.get(slug="refunds")
    article.body_ko = "환불은 영업일 3일 안에 처리해요."
    article.published = False
    article.save()

    result = help_load_defaults(articles=(_renamed(refunds, "Refunds, explained"),))

    article.refresh_from_db()
    assert (result.updated, result.kept) == (0, 1)
    assert article.body_ko == "환불은 영업일 3일 안에 처리해요."
    assert article.title_en == refunds.texts["en"]["title"]
    assert article.published is False


def test_unpublishing_or_reordering_an_article_keeps_it_up_to_date_but_hidden():
    refunds = next(a for a in DEFAULT_ARTICLES if a.slug == "refunds")
    help_load_defaults(articles=(refunds,))
    Article.objects.filter(slug="refunds").update(published=False, sort_order=99)

    help_load_defaults(articles=(_renamed(refunds, "Refunds, explained"),))

    article = Article.objects.get(slug="refunds")
    assert (article.title_en, article.published, article.sort_order) == (
        "Refunds, explained",
        False,
        99,
    )


def test_an_article_staff_wrote_with_a_default_slug_is_kept():
    Article.objects.create(slug="refunds", topic="refunds", title_en="Our refund policy")

    result = help_load_defaults()

    assert result.kept == 1
    assert Article.objects.get(slug="refunds").title_en == "Our refund policy"
