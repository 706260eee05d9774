"""Reading help articles and the contact, in the reader's language (the active one unless
told), with the catalogue's fallbacks: an article not yet written in Korean is found and
shown in English, a zh-hant reader gets the zh-hans text before the English."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from modeltranslation.utils import build_localized_fieldname

from .choices import TOPIC_ORDER, Topic
from .errors import ArticleNotFound
from .models import Article, SupportContact

SEARCHED_FIELDS = ("title", "summary", "body")
QUERY_MAX = 80
MAX_TERMS = 6


@dataclass(frozen=True)
class TopicGroup:
    topic: str
    label: str
    articles: list[Article]


def _language_chain(language: str | None) -> list[str]:
    """The reader's language, then the ones its text falls back to."""
    code = (language or get_language() or settings.LANGUAGE_CODE).lower()
    fallbacks = settings.MODELTRANSLATION_FALLBACK_LANGUAGES
    chain = [code, *fallbacks.get(code, fallbacks.get("default", ()))]
    return list(dict.fromkeys(c for c in chain if c in dict(settings.LANGUAGES)))


def _empty(column: str) -> Q:
    return Q(**{column: ""}) | Q(**{f"{column}__isnull": True})


def _shown_text_contains(field: str, term: str, chain: list[str]) -> Q:
    """The text a reader of chain[0] sees in `field` contains `term`: the first language
    of the chain with text decides, so an article written in Korean is not found by the
    words of its English version."""
    condition = Q()
    earlier_empty = Q()
    for language in chain:
        column = build_localized_fieldname(field, language)
        condition |= earlier_empty & Q(**{f"{column}__icontains": term})
        earlier_empty &= _empty(column)
    return condition


def article_published() -> QuerySet[Article]:
    return Article.objects.filter(published=True)


def _sorted(articles) -> list[Article]:
    return sorted(articles, key=lambda a: (TOPIC_ORDER.get(a.topic, 99), a.sort_order, a.slug))


def article_search(*, query: str = "", language: str | None = None) -> list[Article]:
    """Published articles whose title, summary or body, as the reader sees them, contain
    every word of `query` (substring match, any case: works for Chinese, Japanese and
    Korean without word breaks). An empty query gives them all. By topic, then order."""
    articles = article_published()
    terms = query.strip()[:QUERY_MAX].split()[:MAX_TERMS]
    chain = _language_chain(language)
    for term in terms:
        matches = Q()
        for field in SEARCHED_FIELDS:
            matches |= _shown_text_contains(field, term, chain)
        articles = articles.filter(matches)
    return _sorted(articles)


def article_groups(*, articles: list[Article]) -> list[TopicGroup]:
    """Articles (already in topic order) grouped by topic, for the help page."""
    groups: list[TopicGroup] = []
    for article in articles:
        if not groups or groups[-1].topic != article.topic:
            groups.append(TopicGroup(article.topic, Topic(article.topic).label, []))
        groups[-1].articles.append(article)
    return groups


def article_get(*, slug: str) -> Article:
    """A published article; ArticleNotFound for an unknown or unpublished slug."""
    article = article_published().filter(slug=slug).first()
    if article is None:
        raise ArticleNotFound()
    return article


def article_related(*, article: Article, limit: int = 3) -> list[Article]:
    """Other published articles of the same topic."""
    same_topic = article_published().filter(topic=article.topic).exclude(pk=article.pk)
    return _sorted(same_topic)[:limit]


def article_is_published(*, slug: str) -> bool:
    return article_published().filter(slug=slug).exists()


def contact_get() -> SupportContact:
    """The provider's contact; an empty one (not saved) until staff fill it in."""
    return SupportContact.objects.filter(pk=SupportContact.SINGLETON_PK).first() or SupportContact(
        pk=SupportContact.SINGLETON_PK
    )
