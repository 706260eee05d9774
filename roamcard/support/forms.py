"""The traveller's forms: asking customer service, and answering in a conversation. They only
read what was typed; the ticket services check it as a whole and their messages are put
back on these fields (`add_service_errors`)."""

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from roamcard.core.errors import InvalidInput

from .attachments import ACCEPT_ATTRIBUTE, max_bytes, max_files
from .choices import TicketTopic
from .errors import AttachmentRejected
from .services import BODY_MAX, SUBJECT_MAX


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImagesField(forms.FileField):
    """Several files from one input; what they are is judged by the service, by content."""

    widget = MultipleImageInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(ImagesField, self).clean(file, initial) for file in files if file]


def images_help_text() -> str:
    return _(
        "Optional: up to %(count)d pictures (JPEG, PNG, WebP or GIF), each at most %(size)s."
    ) % {"count": max_files(), "size": filesizeformat(max_bytes())}


class _WithImages(forms.Form):
    images = ImagesField(label=_("Pictures"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["images"].help_text = images_help_text()
        self.fields["images"].widget.attrs["accept"] = ACCEPT_ATTRIBUTE

    def add_service_errors(self, error: InvalidInput) -> None:
        """The service's refusal, on the field it is about (a rejected picture on the file
        input: the browser cannot keep files, so the traveller chooses them again)."""
        if isinstance(error, AttachmentRejected):
            self.add_error("images", str(error.message))
            return
        for field, messages in error.fields.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, str(message))
        if not error.fields:
            self.add_error(None, str(error.message))


class TicketForm(_WithImages):
    topic = forms.ChoiceField(label=_("What is it about?"), choices=TicketTopic.choices)
    card = forms.ChoiceField(label=_("Card"), required=False)
    order = forms.ChoiceField(label=_("Order"), required=False)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX,
        help_text=_("A few words, e.g. “No data in Tokyo”."),
    )
    body = forms.CharField(
        label=_("Your message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, where you are, and what you have tried."),
    )
    field_order = ["topic", "card", "order", "subject", "body", "images"]

    def __init__(
        self, *args: Any, cards: list[tuple[Any, str]] = (), orders=(), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["card"].choices = [("", _("No particular card")), *cards]
        self.fields["order"].choices = [("", _("No particular order")), *orders]


class ReplyForm(_WithImages):
    body = forms.CharField(
        label=_("Your answer"), max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
