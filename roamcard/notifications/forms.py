from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AlertLevel, NotificationPreferences

# Quiet hours start and end on the hour or the half hour on the page (the API takes any
# minute; a traveller's own value is kept in the list).
_STEPS = [time(hour, minute) for hour in range(24) for minute in (0, 30)]


def _time_choices(current: list[time]) -> list[tuple[str, str]]:
    times = sorted({*_STEPS, *current})
    return [(t.strftime("%H:%M"), t.strftime("%H:%M")) for t in times]


class NotificationPreferencesForm(forms.Form):
    usage_in_app = forms.ChoiceField(label=_("In the app"), choices=AlertLevel.choices)
    usage_email = forms.ChoiceField(label=_("By e-mail"), choices=AlertLevel.choices)
    usage_sms = forms.ChoiceField(label=_("By SMS"), choices=AlertLevel.choices)
    quiet_hours = forms.BooleanField(
        label=_("Quiet hours: hold SMS until the morning"), required=False
    )
    quiet_from = forms.TimeField(label=_("Quiet from"), widget=forms.Select)
    quiet_until = forms.TimeField(label=_("Quiet until"), widget=forms.Select)

    def __init__(self, *args, preferences: NotificationPreferences, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "usage_in_app": preferences.usage_in_app,
                "usage_email": preferences.usage_email,
                "usage_sms": preferences.usage_sms,
                "quiet_hours": preferences.quiet_hours,
                "quiet_from": preferences.quiet_from.strftime("%H:%M"),
                "quiet_until": preferences.quiet_until.strftime("%H:%M"),
            },
        )
        super().__init__(*args, **kwargs)
        choices = _time_choices([preferences.quiet_from, preferences.quiet_until])
        self.fields["quiet_from"].widget.choices = choices
        self.fields["quiet_until"].widget.choices = choices
