"""Saved replies exist per language, like the catalogue (docs/decisions/0006)."""

from modeltranslation.translator import TranslationOptions, register

from .models import SavedReply


@register(SavedReply)
class SavedReplyTranslationOptions(TranslationOptions):
    fields = ("title", "body")
    required_languages = ("en",)
