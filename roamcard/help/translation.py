"""What staff write for travellers in every language: help articles (one column per
language, English required, the catalogue's fallbacks; see
docs/decisions/0006-translatable-catalogue.md)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Article


@register(Article)
class ArticleTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "body")
    required_languages = {"en": ("title",), "default": ()}
