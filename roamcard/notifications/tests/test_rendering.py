"""Messages are rendered as plain text, in the language asked for."""

from types import SimpleNamespace

import pytest

from roamcard.notifications.services import message_render_and_queue

pytestmark = pytest.mark.django_db

CONTEXT = {
    "order": SimpleNamespace(short_id="7F3A9C21"),
    "card_name": "Kim's & Lee's <eSIM>",
    "plan_name": "Japan 5 GB",
    "amount": "¥1,200",
}


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_names_in_a_message_are_not_html_escaped(channel):
    message = message_render_and_queue(
        channel=channel, to="+85261234567", kind="renewal_refunded", context=CONTEXT, language="en"
    )

    assert "Kim's & Lee's <eSIM>" in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    if channel == "email":
        assert message.subject == "Your renewal of Kim's & Lee's <eSIM> was refunded"


def test_the_language_asked_for_is_used_whatever_is_active():
    message = message_render_and_queue(
        channel="sms", to="+85261234567", kind="renewal_refunded", context=CONTEXT, language="ja"
    )

    assert message.language == "ja"
    assert "払い戻" in message.body or "返金" in message.body
