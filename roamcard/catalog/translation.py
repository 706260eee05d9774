"""What staff write for travellers, in every language (django-modeltranslation).

Each field gets one column per language (`name_en`, `name_zh_hans`, ...); reading `name`
gives the active language's text, falling back as MODELTRANSLATION_FALLBACK_LANGUAGES
says. English is required; docs/decisions/0006-translatable-catalogue.md says why."""

from modeltranslation.translator import TranslationOptions, register

from .models import Plan, Region


@register(Region)
class RegionTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("en",)


@register(Plan)
class PlanTranslationOptions(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"en": ("name",), "default": ()}
