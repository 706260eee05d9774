"""The records page's bar chart, drawn on the server as SVG: one bar per UTC day of the
period, stacked by country, on a y axis of data sizes. This module works out the shapes
and their labels; the template (usage/_chart.html) only writes them out, so the page needs
no script and no inline style (the Content-Security-Policy allows neither)."""

import math
from dataclasses import dataclass

from babel.lists import format_list
from django.utils.translation import gettext as _

from roamcard.catalog.countries import country_name
from roamcard.core.formatting import format_bytes, format_number
from roamcard.core.money import babel_locale

from .records import UsageRecords, format_day

# The drawing's own units. Small enough that its text stays readable on a 360 px phone
# (the SVG is drawn at the width of its card); app.css caps its width on wide screens.
WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 50, 4, 8, 22
# Countries with a colour of their own, the most used first; the rest share one.
MAX_SERIES = 6
Y_TICKS = 4
MAX_DAY_LABELS = 5
# Steps of the y axis: 1, 2 and 5 of each unit format_bytes writes (1 GB = 1024 MB).
_STEPS = [
    m * unit for unit in (1024, 1024**2, 1024**3) for m in (1, 2, 5, 10, 20, 50, 100, 200, 500)
]


@dataclass(frozen=True)
class Series:
    css_class: str  # usage-series-0 … usage-series-5, usage-series-other
    label: str  # the country's name in the reader's language, or "Other countries"
    bytes: int


@dataclass(frozen=True)
class Segment:
    x: float
    y: float
    width: float
    height: float
    css_class: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class DayLabel:
    x: float
    label: str
    anchor: str = "middle"  # SVG text-anchor


@dataclass(frozen=True)
class UsageChart:
    title: str
    description: str  # what the chart shows, for a screen reader (the table has each figure)
    series: list[Series]  # the legend
    segments: list[Segment]
    y_ticks: list[Tick]
    day_labels: list[DayLabel]
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    tick_label_x: int = LEFT - 4  # the y axis' labels end there
    day_label_y: int = HEIGHT - 6


def _axis_step(peak: int) -> int:
    """The smallest step that fits the busiest day in Y_TICKS steps."""
    for step in _STEPS:
        if step * Y_TICKS >= peak:
            return step
    return math.ceil(peak / Y_TICKS)


def _round(value: float) -> float:
    return round(value, 2)


def usage_chart(records: UsageRecords) -> UsageChart | None:
    """The chart of the records' period, or None when nothing was used in it."""
    if not records.total.bytes:
        return None
    ranked = records.countries
    css = {c.country: f"usage-series-{n}" for n, c in enumerate(ranked[:MAX_SERIES])}
    series = [
        Series(css_class=css[c.country], label=country_name(c.country), bytes=c.figures.bytes)
        for c in ranked
        if c.country in css
    ]
    others = sum(c.figures.bytes for c in ranked if c.country not in css)
    if others:
        series.append(
            Series(css_class="usage-series-other", label=_("Other countries"), bytes=others)
        )

    days = records.period.days
    by_day = records.by_day
    peak = max(day.total.bytes for day in records.days)
    step = _axis_step(peak)
    top = step * math.ceil(peak / step)
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - RIGHT - LEFT) / len(days)
    bar = max(slot * 0.7, 1.0)

    segments = []
    for n, day in enumerate(days):
        usage = by_day.get(day)
        if usage is None:
            continue
        x = LEFT + n * slot + (slot - bar) / 2
        y = float(HEIGHT - BOTTOM)
        # Stacked in the legend's order, the most used country at the bottom.
        for css_class in [s.css_class for s in series]:
            used = sum(
                c.figures.bytes
                for c in usage.countries
                if css.get(c.country, "usage-series-other") == css_class
            )
            if not used:
                continue
            height = used / top * plot_height
            y -= height
            segments.append(
                Segment(
                    x=_round(x),
                    y=_round(y),
                    width=_round(bar),
                    height=_round(height),
                    css_class=css_class,
                )
            )

    y_ticks = [
        Tick(
            y=_round(HEIGHT - BOTTOM - n * step / top * plot_height),
            label=format_bytes(n * step) if n else format_number(0),
        )
        for n in range(int(top // step) + 1)
    ]
    # Today (the last day) always labelled, ending at the plot's edge rather than running
    # off the drawing; then every few days back, under their bars.
    every = math.ceil(len(days) / MAX_DAY_LABELS)
    day_labels = [
        DayLabel(x=_round(LEFT + n * slot + slot / 2), label=format_day(day, skeleton="Md"))
        for n, day in enumerate(days[:-1])
        if (len(days) - 1 - n) % every == 0
    ] + [DayLabel(x=WIDTH - RIGHT, label=format_day(days[-1], skeleton="Md"), anchor="end")]
    start, end = format_day(records.period.start), format_day(records.period.end)
    description = _(
        "Data used per day (UTC) from %(start)s to %(end)s, stacked by country: %(total)s in "
        "all; %(countries)s."
    ) % {
        "start": start,
        "end": end,
        "total": format_bytes(records.total.bytes),
        "countries": format_list(
            [f"{s.label} {format_bytes(s.bytes)}" for s in series], locale=babel_locale()
        ),
    }
    return UsageChart(
        title=_("Data used per day"),
        description=description,
        series=series,
        segments=segments,
        y_ticks=y_ticks,
        day_labels=day_labels,
    )
