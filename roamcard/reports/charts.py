"""Charts drawn on the server: the geometry of a bar or line chart, which a template turns
into inline SVG (no script, nothing fetched: the back office's CSP allows neither). The
numbers a chart shows are also in the table beside it, for screen readers and for copying.

Positions are pixels (floats are fine there); the values and their labels come from the
report, already formatted (money from integer minor units)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from math import ceil, floor, log10

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 96, 12, 12, 40
MAX_X_LABELS = 10
# Distinguishable for the common colour blindnesses (Okabe–Ito) on light and dark themes.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9")

Number = int | float | Decimal


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number | None]  # None: no value (a gap in a line, no bar)


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    width: float
    height: float
    label: str  # "<x label>: <value>", the mark's tooltip


@dataclass(frozen=True)
class Line:
    colour: str
    name: str
    points: str  # "x,y x,y ..." for one unbroken stretch
    dots: list[Mark]


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    title: str
    kind: str  # "bar" or "line"
    x_labels: Sequence[str]
    series: Sequence[Series]
    format_value: Callable[[Number], str] = str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[tuple[str, Mark]] = field(init=False, default_factory=list)
    lines: list[Line] = field(init=False, default_factory=list)
    y_ticks: list[Tick] = field(init=False, default_factory=list)
    x_ticks: list[Tick] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        values = [v for s in self.series for v in s.values if v is not None]
        top = _nice_top(max(values, default=0))
        if all(isinstance(v, int) for v in values) and not (top / 4).is_integer():
            top = ceil(top / 4) * 4  # counts: whole numbers on the scale
        plot_width, plot_height = self.width - LEFT - RIGHT, self.height - TOP - BOTTOM
        slot = plot_width / max(len(self.x_labels), 1)

        def y_of(value: Number) -> float:
            return TOP + plot_height * (1 - float(value) / top)

        self.y_ticks = [
            Tick(y_of(top * n / 4), self.format_value(_tick_value(top * n / 4))) for n in range(5)
        ]
        step = ceil(len(self.x_labels) / MAX_X_LABELS) or 1
        self.x_ticks = [
            Tick(LEFT + slot * (i + 0.5), label)
            for i, label in enumerate(self.x_labels)
            if i % step == 0
        ]
        if self.kind == "bar":
            bar_width = slot * 0.8 / max(len(self.series), 1)
            for s_index, series in enumerate(self.series):
                colour = COLOURS[s_index % len(COLOURS)]
                for i, value in enumerate(series.values):
                    if not value:
                        continue
                    x = LEFT + slot * (i + 0.1) + bar_width * s_index
                    y = y_of(value)
                    label = f"{self.x_labels[i]}, {series.name}: {self.format_value(value)}"
                    mark = Mark(x, y, bar_width, TOP + plot_height - y, label)
                    self.bars.append((colour, mark))
        else:
            for s_index, series in enumerate(self.series):
                colour = COLOURS[s_index % len(COLOURS)]
                stretch: list[Mark] = []
                for i, value in enumerate([*series.values, None]):
                    if value is not None:
                        label = f"{self.x_labels[i]}, {series.name}: {self.format_value(value)}"
                        stretch.append(Mark(LEFT + slot * (i + 0.5), y_of(value), 0, 0, label))
                    elif stretch:
                        points = " ".join(f"{m.x:.1f},{m.y:.1f}" for m in stretch)
                        self.lines.append(Line(colour, series.name, points, stretch))
                        stretch = []

    @property
    def legend(self) -> list[tuple[str, str]]:
        return [(COLOURS[i % len(COLOURS)], s.name) for i, s in enumerate(self.series)]

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM

    @property
    def x_label_y(self) -> int:
        return self.height - BOTTOM + 18


def _nice_top(largest: Number) -> float:
    """The top of the scale: the largest value rounded up to 1, 2, 2.5 or 5 × 10ⁿ, so that
    the four steps below it are round numbers."""
    largest = float(largest)
    if largest <= 0:
        return 1.0
    magnitude = 10 ** floor(log10(largest))
    for factor in (1, 2, 2.5, 5, 10):
        if largest <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _tick_value(value: float) -> Number:
    return int(value) if float(value).is_integer() else Decimal(str(round(value, 6)))
