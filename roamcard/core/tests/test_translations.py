"""The gettext catalogues are complete and safe to format, and Django actually serves them."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ["zh_Hans", "zh_Hant", "ja", "ko"]

# Python %-format placeholders: %(name)s, %(count)d, %(value)r, %s, ... ("%%" is a literal).
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z0-9_]+\))?[-#0 +]*\d*(?:\.\d+)?[sdirfxX%]")


def _catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as po_file:
        return read_po(po_file, locale=language)


def _placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text) if p != "%%")


def _messages(language: str):
    return [message for message in _catalogue(language) if message.id]


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete(language):
    catalogue = _catalogue(language)
    assert catalogue.num_plurals == 1
    untranslated = []
    for message in _messages(language):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not strings or not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            untranslated.append(message.id)
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_kept(language):
    mismatches = []
    for message in _messages(language):
        if isinstance(message.id, tuple):
            sources = message.id
            translations = message.string
        else:
            sources = (message.id,)
            translations = (message.string,)
        for translation in translations:
            if not translation:
                continue
            # A plural translation may follow either the singular or the plural source.
            if not any(_placeholders(translation) == _placeholders(s) for s in sources):
                mismatches.append((message.id, translation))
    assert mismatches == []


@pytest.mark.django_db
def test_cards_page_in_simplified_chinese(client, traveller):
    client.force_login(traveller)
    response = client.get("/cards/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    content = response.content.decode()
    # The page heading, "My cards" in cards/card_list.html.
    assert "<h1>我的卡</h1>" in content
    assert "My cards" not in content


@pytest.mark.django_db
def test_api_error_in_japanese(client):
    response = client.get("/api/v1/cards", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "not_authenticated"
    assert error["message"] == (
        "先にログインしてください。"
        "有効な API トークンを送信するか、ログイン済みのセッションを使用してください。"
    )


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_each_entry_has_one_translation(language):
    # Babel reads an entry with two msgstr lines without a word (the last one wins), but
    # GNU gettext refuses the whole file; a careless merge of two catalogues can leave one.
    text = (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").read_text()
    doubled = [
        entry.splitlines()[0]
        for entry in re.split(r"\n\s*\n", text)
        if len(re.findall(r'^msgstr "', entry, flags=re.M)) > 1
    ]
    assert doubled == []
