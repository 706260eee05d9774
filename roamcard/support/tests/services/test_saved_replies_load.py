"""The saved replies roamcard ships: loaded in every language, again and again without
touching what staff changed."""

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname as column

from roamcard.core.errors import InvalidInput
from roamcard.support.models import SavedReply
from roamcard.support.selectors import saved_replies_for
from roamcard.support.services import saved_replies_load
from roamcard.support.standard_replies import STANDARD_REPLIES

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]
# What a provider's customer service writes many times a day (issue 10).
EXPECTED = {
    "no-data-abroad",
    "renewal-applied",
    "card-password",
    "binding-unlocked",
    "refund-sent",
    "apn",
    "solved",
    "screenshot",
}


def test_every_reply_is_loaded_with_a_title_and_a_text_in_every_language():
    loaded = saved_replies_load(apn="internet.roam")

    assert set(loaded.created) == EXPECTED and loaded.kept == []
    for reply in SavedReply.objects.all():
        for field in ("title", "body"):
            texts = {lang: getattr(reply, column(field, lang)) for lang in LANGUAGES}
            empty = [lang for lang, text in texts.items() if not (text or "").strip()]
            assert not empty, f"{reply.key} has no {field} in {empty}"
            if field == "body":
                # Translated, not English copied into another language's column.
                assert len(set(texts.values())) == len(LANGUAGES), reply.key
        assert reply.active


def test_the_replies_say_what_roamcard_does():
    saved_replies_load(apn="internet.roam")
    body = {r.key: r for r in SavedReply.objects.all()}

    assert "restart" in body["renewal-applied"].body_en
    assert "data roaming" in body["renewal-applied"].body_en
    assert "ends or runs out" in body["renewal-applied"].body_en  # queued renewals (0003)
    assert "scratch panel" in body["card-password"].body_en
    assert "5 wrong" in body["binding-unlocked"].body_en  # the lockout (0002)
    assert "5–10 business days" in body["refund-sent"].body_en  # as the refund's message says
    assert "1~3일" in body["refund-sent"].body_ko
    assert "APN: internet.roam" in body["apn"].body_en
    assert "APN：internet.roam" in body["apn"].body_ja
    assert not any(
        "{apn}" in getattr(r, column("body", lang)) for r in body.values() for lang in LANGUAGES
    )
    assert "write here again" in body["solved"].body_en  # writing again reopens (0012)
    assert "screenshot" in body["screenshot"].body_en


def test_the_queue_offers_them_in_the_tickets_language():
    saved_replies_load(apn="internet.roam")

    offered = {reply.key: (title, text) for reply, title, text in saved_replies_for(language="ko")}

    assert set(offered) == EXPECTED
    assert offered["apn"] == (
        "APN 설정",
        SavedReply.objects.get(key="apn").body_ko,
    )
    assert not any("(English)" in title for title, _text in offered.values())


def test_loading_again_keeps_what_staff_changed_and_adds_only_what_is_missing():
    saved_replies_load(apn="internet.roam")
    edited = SavedReply.objects.get(key="refund-sent")
    edited.body_en = "Our own refund text."
    edited.title_ko = "환불 안내(수정)"
    edited.save()
    SavedReply.objects.filter(key="apn").update(active=False, body_ja="")
    SavedReply.objects.filter(key="screenshot").delete()
    staff_own = SavedReply.objects.create(title_en="Our own", body_en="Written by staff.")
    before = {r.pk: r.updated_at for r in SavedReply.objects.all()}

    loaded = saved_replies_load(apn="another.apn")

    assert loaded.created == ["screenshot"]
    assert set(loaded.kept) == EXPECTED - {"screenshot"}
    edited.refresh_from_db()
    assert (edited.body_en, edited.title_ko) == ("Our own refund text.", "환불 안내(수정)")
    apn = SavedReply.objects.get(key="apn")
    assert (apn.active, apn.body_ja) == (False, "")
    assert "internet.roam" in apn.body_en
    assert {r.pk: r.updated_at for r in SavedReply.objects.exclude(key="screenshot")} == before
    assert SavedReply.objects.get(pk=staff_own.pk).body_en == "Written by staff."
    assert SavedReply.objects.count() == len(EXPECTED) + 1


def test_a_malformed_apn_is_refused_in_the_readers_language_and_nothing_is_loaded():
    with translation.override("ko"), pytest.raises(InvalidInput) as refused:
        saved_replies_load(apn="my apn; drop")

    assert "APN" in str(refused.value.message) and "letters" not in str(refused.value.message)
    assert "apn" in refused.value.fields
    assert not SavedReply.objects.exists()


def test_the_command_loads_them_with_the_providers_apn_and_again_changes_nothing(capsys):
    call_command("support_load_saved_replies", "--apn", "travel.example")
    first = capsys.readouterr().out
    call_command("support_load_saved_replies", "--apn", "travel.example")
    second = capsys.readouterr().out

    assert f"{len(STANDARD_REPLIES)} added" in first
    assert f"0 added, {len(STANDARD_REPLIES)} already there" in second
    assert "APN: travel.example" in SavedReply.objects.get(key="apn").body_en
    with pytest.raises(CommandError):
        call_command("support_load_saved_replies", "--apn", "")
