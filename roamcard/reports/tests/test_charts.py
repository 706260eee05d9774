from roamcard.reports.charts import Chart, Series


def test_a_bar_per_value_on_a_round_scale():
    chart = Chart(
        title="Renewals",
        kind="bar",
        x_labels=["Mon", "Tue", "Wed"],
        series=[Series("by hand", [0, 2, 1]), Series("automatic", [1, 0, 0])],
    )
    assert [tick.label for tick in chart.y_ticks] == ["0", "1", "2", "3", "4"]
    assert [mark.label for _colour, mark in chart.bars] == [
        "Tue, by hand: 2",
        "Wed, by hand: 1",
        "Mon, automatic: 1",
    ]
    tallest = max(mark.height for _colour, mark in chart.bars)
    assert [mark.height for _c, mark in chart.bars] == [tallest, tallest / 2, tallest / 2]


def test_a_line_breaks_where_there_is_no_value():
    chart = Chart(
        title="Failure rate",
        kind="line",
        x_labels=["1", "2", "3", "4"],
        series=[Series("rate", [0.5, 0.25, None, 0.1])],
        format_value=lambda v: f"{float(v):.0%}",
    )
    assert [len(line.dots) for line in chart.lines] == [2, 1]
    assert chart.y_ticks[-1].label == "50%"


def test_nothing_to_draw():
    chart = Chart(title="Empty", kind="bar", x_labels=["1"], series=[Series("n", [0])])
    assert chart.bars == [] and chart.y_ticks[-1].label == "4"
