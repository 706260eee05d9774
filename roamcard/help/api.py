"""Help articles and the customer service contact through the API, in the reader's
language (Accept-Language, or the language a signed-in traveller chose), with the same
fallbacks as the pages. Public: no authentication."""

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from pydantic import Field

from roamcard.core.api import error_responses

from .contact import contact_card
from .markup import render_body
from .models import Article
from .selectors import QUERY_MAX, article_get, article_search, contact_get

router = Router(tags=["help"], auth=None)


class ArticleListItemOut(Schema):
    slug: str
    topic: str
    topic_label: str
    title: str
    summary: str
    url: str = Field(description="The article's page on the site.")
    updated_at: datetime


class ArticleOut(ArticleListItemOut):
    body_html: str = Field(
        description="The body as HTML: paragraphs, lists, headings, emphasis and links only; "
        "nothing staff type can add scripts or other HTML."
    )
    body_markdown: str


class ArticleSearchIn(Schema):
    q: str = Field("", max_length=QUERY_MAX, description="Words to find; empty lists all.")


class ChannelOut(Schema):
    kind: str
    label: str
    value: str
    url: str


class ContactOut(Schema):
    days: str = Field(description="The days open, in the reader's language.")
    hours: str = Field(description="The hours on the provider's clock.")
    time_zone: str = Field(description="The provider's IANA time zone.")
    open_now: bool
    next_change_at: datetime | None = Field(
        description="When customer service closes (open now) or opens next."
    )
    languages: list[str]
    channels: list[ChannelOut]


def _item(article: Article) -> dict:
    return {
        "slug": article.slug,
        "topic": article.topic,
        "topic_label": str(article.get_topic_display()),
        "title": article.title or "",
        "summary": article.summary or "",
        "url": reverse("help:article", args=[article.slug]),
        "updated_at": article.updated_at,
    }


@router.get(
    "/help/articles",
    response={200: list[ArticleListItemOut], **error_responses(422)},
    summary="Help articles",
)
def help_articles(request: HttpRequest, filters: Query[ArticleSearchIn]):
    """Published articles by topic and order; with `q`, those whose title, summary or
    body contain every word (any script: no word breaks needed for Chinese, Japanese or
    Korean)."""
    return [_item(article) for article in article_search(query=filters.q)]


@router.get(
    "/help/articles/{slug}",
    response={200: ArticleOut, **error_responses(404)},
    summary="One help article",
)
def help_article(request: HttpRequest, slug: str):
    """404 `help_article_not_found` for an unknown or unpublished slug."""
    article = article_get(slug=slug)
    return {
        **_item(article),
        "body_html": str(render_body(article.body)),
        "body_markdown": article.body or "",
    }


@router.get("/help/contact", response=ContactOut, summary="Customer service contact")
def help_contact(request: HttpRequest):
    contact = contact_get()
    card = contact_card(contact)
    return {
        "days": card.days_label,
        "hours": card.hours_label,
        "time_zone": contact.time_zone if card.has_hours else "",
        "open_now": card.open_now,
        "next_change_at": card.next_change,
        "languages": card.languages,
        "channels": [
            {"kind": c.kind, "label": c.label, "value": c.value, "url": c.href}
            for c in card.channels
        ],
    }
