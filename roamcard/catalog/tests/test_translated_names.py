"""Plan and region names per language, and which one a reader gets when theirs is missing."""

import pytest
from django.utils import translation

from roamcard.testing import make_plan, make_region

pytestmark = pytest.mark.django_db


def _name_in(language: str, plan) -> str:
    with translation.override(language):
        return type(plan).objects.get(pk=plan.pk).name


def test_each_reader_gets_their_language_or_the_documented_fallback():
    only_simplified = make_plan(name="Japan week", name_zh_hans="日本 7天")
    only_traditional = make_plan(name="Japan week", name_zh_hant="日本 7天（繁）")

    assert _name_in("zh-hant", only_simplified) == "日本 7天"  # the other Chinese script
    assert _name_in("zh-hans", only_traditional) == "日本 7天（繁）"
    assert _name_in("ja", only_simplified) == "Japan week"  # never another language's text
    assert _name_in("ko", only_traditional) == "Japan week"
    assert _name_in("en", only_simplified) == "Japan week"


def test_a_plan_created_in_code_while_another_language_is_active_keeps_its_english_name():
    with translation.override("ja"):
        region = make_region(name="Europe")
        plan = make_plan(region=region, name="Europe week")

    region.refresh_from_db()
    plan.refresh_from_db()
    assert region.name_en == "Europe" and plan.name_en == "Europe week"
