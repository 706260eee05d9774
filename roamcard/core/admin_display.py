"""Showing a state (a TextChoices field) in the back office as its translated label.

unfold's `@display(label={value: colour})` draws a coloured badge in change lists from a
(value, label) pair, but a change page shows read-only fields through Django's own code,
which printed the pair as a Python tuple: `('fulfilled', 'Renewed')`. A Badge is that pair
and also renders itself as the same badge wherever HTML is expected, so one display method
serves both pages."""

from typing import Any

from django.db.models import Model
from django.utils.safestring import SafeString
from unfold.utils import display_for_label


class Badge(tuple):
    """(value, label) for unfold's label display, which renders as a badge on any page."""

    colours: dict[Any, str]

    def __new__(cls, value: Any, label: Any, colours: dict[Any, str]) -> "Badge":
        badge = super().__new__(cls, (value, label))
        badge.colours = colours
        return badge

    def __html__(self) -> SafeString:
        return display_for_label(self, "", self.colours)

    def __str__(self) -> str:
        return str(self[1])


def choice_badge(obj: Model, field: str, colours: dict[Any, str]) -> Badge:
    """The badge of obj's choice field: its value picks the colour, its label is shown."""
    return Badge(getattr(obj, field), getattr(obj, f"get_{field}_display")(), colours)
