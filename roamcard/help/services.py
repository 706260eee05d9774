"""Writing help articles: loading the default set (for the demo and for a new provider)."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from modeltranslation.utils import build_localized_fieldname

from .defaults import DEFAULT_ARTICLES, DefaultArticle
from .models import Article
from .translation import ArticleTranslationOptions

TEXT_FIELDS = ArticleTranslationOptions.fields


@dataclass
class DefaultsLoaded:
    created: int = 0
    updated: int = 0
    kept: int = 0  # edited by staff since they were loaded: left as they are


def _columns(article: DefaultArticle) -> dict[str, str]:
    columns = {}
    for language, texts in article.texts.items():
        for field in TEXT_FIELDS:
            columns[build_localized_fieldname(field, language)] = texts.get(field, "")
    return columns


def _digest(columns: dict[str, Any]) -> str:
    text = json.dumps({k: v or "" for k, v in sorted(columns.items())}, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _current_columns(article: Article) -> dict[str, Any]:
    return {
        build_localized_fieldname(field, language): getattr(
            article, build_localized_fieldname(field, language)
        )
        for field in TEXT_FIELDS
        for language, _name in settings.LANGUAGES
    }


def help_load_defaults(
    *, articles: tuple[DefaultArticle, ...] = DEFAULT_ARTICLES
) -> DefaultsLoaded:
    """Creates the default articles that are missing and brings those nobody edited up to
    date. Safe to run again and again. An article staff changed (any word in any language)
    is left alone, and so is whether it is published, its topic and its order; one they
    deleted comes back (unpublish an article to hide it for good)."""
    result = DefaultsLoaded()
    for default in articles:
        columns = _columns(default)
        # Every language column is set, so "" replaces what a language lacks.
        columns = {**dict.fromkeys(_current_columns(Article()), ""), **columns}
        digest = _digest(columns)
        with transaction.atomic():
            article = Article.objects.select_for_update().filter(slug=default.slug).first()
            if article is None:
                Article.objects.create(
                    slug=default.slug,
                    topic=default.topic,
                    sort_order=default.sort_order,
                    default_digest=digest,
                    **columns,
                )
                result.created += 1
                continue
            untouched = article.default_digest and _digest(_current_columns(article)) == (
                article.default_digest
            )
            if not untouched:
                result.kept += 1
                continue
            if article.default_digest == digest:
                continue
            for column, value in columns.items():
                setattr(article, column, value)
            article.default_digest = digest
            article.save()
            result.updated += 1
    return result
