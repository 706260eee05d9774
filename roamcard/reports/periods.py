"""The period a report covers: whole days in the staff member's time zone.

A period of days `first`..`last` (both included) runs from midnight at the start of `first`
to midnight at the end of `last` where the staff member is (their profile's time zone, which
the back office activates on every request), so "yesterday" in Seoul is Seoul's yesterday.
Times are stored in UTC; the bounds are turned into UTC instants, and rows are put into days
by the database in the same zone (Trunc with tzinfo)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminSelectWidget, UnfoldAdminTextInputWidget

# The longest period a report covers: two years of days (the monthly revenue over two years).
MAX_DAYS = 731


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    zone: tzinfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        """The end, excluded: midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def months(self) -> list[date]:
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def period_last_days(*, days: int, today: date | None = None, zone: tzinfo | None = None) -> Period:
    """The last `days` days, today included."""
    zone = zone or timezone.get_current_timezone()
    today = today or timezone.localdate(timezone=zone)
    return Period(first=today - timedelta(days=days - 1), last=today, zone=zone)


class DayInput(UnfoldAdminTextInputWidget):
    """The browser's own date picker: no script needed (the CSP allows none of ours here)."""

    input_type = "date"

    def format_value(self, value: object) -> str | None:
        return value.isoformat() if isinstance(value, date) else super().format_value(value)


class PeriodForm(forms.Form):
    """The period filter every report shares (read from the query string)."""

    RANGES = [("7", _("Last 7 days")), ("30", _("Last 30 days")), ("90", _("Last 90 days"))]
    CUSTOM = "custom"

    range = forms.ChoiceField(
        label=_("Period"),
        choices=[*RANGES, (CUSTOM, _("From – to"))],
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    first = forms.DateField(label=_("From"), required=False, widget=DayInput)
    last = forms.DateField(label=_("To"), required=False, widget=DayInput)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("range") == self.CUSTOM:
            first, last = data.get("first"), data.get("last")
            if first is None or last is None:
                raise forms.ValidationError(
                    _("Give both the first and the last day."), code="period_incomplete"
                )
            if first > last:
                raise forms.ValidationError(
                    _("The first day is after the last day."), code="period_reversed"
                )
            if (last - first).days + 1 > MAX_DAYS:
                raise forms.ValidationError(
                    _("A report covers at most %(days)d days.") % {"days": MAX_DAYS},
                    code="period_too_long",
                )
        return data

    def period(self, *, default_days: int = 30) -> Period:
        """The chosen period; the default one when the form is unbound or invalid."""
        zone = timezone.get_current_timezone()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("range") == self.CUSTOM:
            return Period(first=data["first"], last=data["last"], zone=zone)
        days = int(data.get("range") or default_days)
        return period_last_days(days=days, zone=zone)
