"""SLO math: hand-computed examples per budgeting method, then properties over random data."""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.engine.slo import (
    BurnWindows,
    SliPoint,
    SloSpec,
    burn_windows,
    evaluate_slo,
    freshness_points,
    parse_duration,
)

NOW = datetime(2024, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
PERIOD = timedelta(days=28)
FAST = settings(max_examples=40, deadline=None)


def daily(bad: dict[int, float] | None = None, days: int = 28, total: float = 1000) -> list:
    """One point per day ending at NOW; bad maps age in days (0 = the last day) to bad events."""
    bad = bad or {}
    return [
        SliPoint(NOW - (age + 1) * DAY, DAY, total - bad.get(age, 0), total) for age in range(days)
    ]


def occurrences(target: float = 0.99) -> SloSpec:
    return SloSpec("orders-complete", target, PERIOD)


# --- Occurrences, 28 daily points, target 0.99: the budget is 1% of 28,000 = 280 bad events.


def test_two_old_bad_days_spend_most_of_the_budget_but_burn_nothing_now():
    status = evaluate_slo(occurrences(), daily({3: 100, 10: 100}), NOW)
    assert status.total == 28_000 and status.good == 27_800
    assert status.attainment == pytest.approx(27_800 / 28_000)
    assert status.error_budget_remaining == pytest.approx(1 - 200 / 280)  # 2/7
    # Daily data widens the short window to a day; the long one is 28d/10 = 2.8 days.
    assert status.windows == BurnWindows(long=PERIOD / 10, short=DAY)
    assert status.burn_rate_long == 0 and status.burn_rate_short == 0
    assert status.time_to_exhaustion is None
    assert status.state == "ok"
    assert status.period_days == 28 and status.budgeting_method == "Occurrences"


def test_a_bad_last_day_pages_with_daily_data():
    status = evaluate_slo(occurrences(), daily({0: 100, 10: 100}), NOW)
    # Short window = the last day: 10% bad = 10x the 1% allowed.
    assert status.burn_rate_short == pytest.approx(10)
    # Long window = 2.8 days holding 2,800 events of which 100 bad.
    assert status.burn_rate_long == pytest.approx((100 / 2800) / 0.01)
    # The 6h/30m page pair widens to 1d/1d here: burn 10 >= 6 pages.
    assert status.state == "breached"
    remaining = 1 - 200 / 280
    assert status.time_to_exhaustion == pytest.approx(
        PERIOD * remaining / status.burn_rate_long, abs=timedelta(seconds=1)
    )


def test_a_steady_double_burn_opens_a_ticket_not_a_page():
    status = evaluate_slo(occurrences(), daily({0: 20, 1: 20, 2: 20}), NOW)
    assert status.burn_rate_long == pytest.approx(2) and status.burn_rate_short == pytest.approx(2)
    assert status.error_budget_remaining == pytest.approx(1 - 60 / 280)
    assert status.state == "at_risk"


def test_little_budget_left_is_at_risk_even_without_burning():
    status = evaluate_slo(occurrences(), daily({10: 112, 11: 112}), NOW)
    assert status.error_budget_remaining == pytest.approx(0.2)
    assert status.burn_rate_long == 0
    assert status.state == "at_risk"


def test_overspent_budget_is_exhausted_and_negative():
    status = evaluate_slo(occurrences(), daily({10: 100, 11: 100, 12: 100}), NOW)
    assert status.error_budget_remaining == pytest.approx(1 - 300 / 280)
    assert status.state == "exhausted"
    assert status.time_to_exhaustion == timedelta(0)


def test_all_good_is_ok_with_the_whole_budget():
    status = evaluate_slo(occurrences(), daily(), NOW)
    assert status.attainment == 1 and status.error_budget_remaining == 1
    assert status.state == "ok" and status.time_to_exhaustion is None


@pytest.mark.parametrize(
    "points",
    [
        [],
        [SliPoint(NOW - 40 * DAY, DAY, 0, 10)],  # before the window
        [SliPoint(NOW + HOUR, DAY, 0, 10)],  # after now
        [SliPoint(NOW - DAY, DAY, 0, 0)],  # total 0 is no data
    ],
)
def test_nothing_in_the_window_is_no_data(points):
    status = evaluate_slo(occurrences(), points, NOW)
    assert status.state == "no_data"
    assert status.attainment is None and status.error_budget_remaining is None
    assert status.burn_rate_long is None and status.burn_rate_short is None
    assert status.time_to_exhaustion is None and status.total == 0


def test_missing_days_do_not_count_as_good():
    points = daily({10: 70})[:14]  # only the last 14 days reported
    status = evaluate_slo(occurrences(), points, NOW)
    assert status.total == 14_000
    assert status.error_budget_remaining == pytest.approx(1 - 70 / 140)


def test_an_hourly_page_with_hourly_data():
    # 30-day SLO, hourly points: the 1h/5m page pair widens to 1h/1h.
    points = [SliPoint(NOW - (i + 1) * HOUR, HOUR, 1000, 1000) for i in range(720)]
    points[0] = SliPoint(NOW - HOUR, HOUR, 800, 1000)  # 20% bad = burn 20 in the last hour
    status = evaluate_slo(SloSpec("api", 0.99, timedelta(days=30)), points, NOW)
    assert status.windows == BurnWindows(long=timedelta(days=3), short=timedelta(hours=6))
    assert status.burn_rate_short == pytest.approx(200 / 6000 / 0.01)
    assert status.state == "breached"


# --- Pro-rata overlap.


def test_a_point_counts_by_the_share_of_its_span_inside_the_window():
    straddles_start = SliPoint(NOW - PERIOD - DAY, 2 * DAY, 0, 100)  # half inside
    straddles_now = SliPoint(NOW - 6 * HOUR, DAY, 40, 40)  # a quarter inside
    status = evaluate_slo(occurrences(0.5), [straddles_start, straddles_now], NOW)
    assert status.total == pytest.approx(50 + 10)
    assert status.good == pytest.approx(10)


def test_daily_data_gives_a_short_window_rate_pro_rata():
    # A one-day SLO fed every 12 hours: its 2.4h/12min windows widen to the 12h sample span.
    points = [
        SliPoint(NOW - 12 * HOUR, 12 * HOUR, 90, 100),
        SliPoint(NOW - 24 * HOUR, 12 * HOUR, 100, 100),
    ]
    status = evaluate_slo(SloSpec("s", 0.9, DAY), points, NOW)
    assert status.windows == BurnWindows(long=12 * HOUR, short=12 * HOUR)
    # The last 12 hours: 10% bad against 10% allowed.
    assert status.burn_rate_long == pytest.approx(1.0)
    assert status.burn_rate_short == pytest.approx(1.0)


# --- Timeslices and RatioTimeslices.


def test_timeslices_count_bad_hours():
    spec = SloSpec("fresh", 0.9, PERIOD, "Timeslices", 0.95, HOUR)
    status = evaluate_slo(spec, daily({3: 100, 10: 100}), NOW)  # two days at ratio 0.9
    assert status.total == 672 and status.good == 624  # 48 bad hourly slices
    assert status.attainment == pytest.approx(624 / 672)
    assert status.error_budget_remaining == pytest.approx(1 - 48 / 67.2)


def test_ratio_timeslices_average_slice_ratios():
    spec = SloSpec("fresh", 0.99, PERIOD, "RatioTimeslices", time_slice_window=HOUR)
    status = evaluate_slo(spec, daily({3: 100, 10: 100}), NOW)
    assert status.total == 672
    assert status.attainment == pytest.approx((624 + 48 * 0.9) / 672)
    assert status.error_budget_remaining == pytest.approx(1 - 4.8 / 6.72)


def test_a_slice_exactly_at_its_target_is_good():
    spec = SloSpec("fresh", 0.9, PERIOD, "Timeslices", 0.99, HOUR)
    status = evaluate_slo(spec, daily({age: 10 for age in range(28)}), NOW)  # ratio 0.99
    assert status.good == status.total == 672


def test_slices_end_at_now_not_on_the_clock():
    now = NOW + timedelta(hours=10, minutes=30)
    background = SliPoint(now - DAY, DAY, 1000, 1000)
    spec = SloSpec("fresh", 0.9, DAY, "Timeslices", 0.95, HOUR)
    # [09:45, 10:15) sits inside the slice [09:30, 10:30): one bad slice, not two.
    inside = SliPoint(NOW + timedelta(hours=9, minutes=45), 30 * timedelta(minutes=1), 0, 10)
    status = evaluate_slo(spec, [background, inside], now)
    assert (status.good, status.total) == (23, 24)
    # [09:15, 09:45) crosses 09:30: both slices it touches go bad.
    across = SliPoint(NOW + timedelta(hours=9, minutes=15), 30 * timedelta(minutes=1), 0, 10)
    status = evaluate_slo(spec, [background, across], now)
    assert (status.good, status.total) == (22, 24)


def test_slices_without_data_are_not_counted():
    spec = SloSpec("fresh", 0.9, DAY, "Timeslices", 0.95, HOUR)
    points = [SliPoint(NOW - 6 * HOUR, 6 * HOUR, 100, 100)]
    status = evaluate_slo(spec, points, NOW)
    assert (status.good, status.total) == (6, 6)


# --- Burn windows.


def test_burn_windows_scale_the_workbook_ticket_pair():
    assert burn_windows(timedelta(days=30)) == BurnWindows(timedelta(days=3), timedelta(hours=6))
    assert burn_windows(PERIOD, DAY) == BurnWindows(PERIOD / 10, DAY)
    assert burn_windows(timedelta(days=5), timedelta(days=7)) == BurnWindows(
        timedelta(days=5), timedelta(days=5)
    )  # never wider than the period


# --- freshness_points.


def test_a_stall_turns_probes_bad_after_max_age():
    updates = [NOW + 2 * HOUR, NOW, NOW + HOUR]  # unsorted on purpose, then nothing
    points = freshness_points(updates, 2 * HOUR, NOW - 2 * HOUR, NOW + 8 * HOUR)
    # Probe ends: -1h (no update yet), 0h, 1h, 2h, 3h, 4h (age 2h, still fresh), 5h, ...
    assert [p.good for p in points] == [0, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    assert all(p.total == 1 and p.span == HOUR for p in points)
    assert points[0].start == NOW - 2 * HOUR and points[-1].start == NOW + 7 * HOUR


def test_freshness_points_feed_an_slo():
    updates = [NOW - DAY + i * HOUR for i in range(12)]  # hourly loads stop at noon
    points = freshness_points(updates, HOUR, NOW - DAY, NOW, probe=HOUR)
    status = evaluate_slo(SloSpec("fresh", 0.5, DAY), points, NOW)
    assert status.total == 24 and status.good == 12


# --- parse_duration.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("28d", timedelta(days=28)),
        ("1w", timedelta(weeks=1)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("1M", timedelta(days=30)),
        ("1Q", timedelta(days=90)),
        ("1Y", timedelta(days=365)),
        (" 7d ", timedelta(days=7)),
        ("P28D", timedelta(days=28)),
        ("PT1H", timedelta(hours=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("PT30M", timedelta(minutes=30)),
        ("PT1.5S", timedelta(seconds=1.5)),
        ("P2W", timedelta(weeks=2)),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text", ["", "28", "d", "0d", "-1d", "1.5d", "28D", "1s", "P", "PT", "P1DT", "PT0S", "P1H", 28]
)
def test_parse_duration_refuses_with_a_readable_message(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


# --- Validation.


def test_naive_datetimes_are_refused():
    naive = datetime(2024, 3, 1)
    with pytest.raises(ValueError, match="time zone"):
        SliPoint(naive, DAY, 1, 1)
    with pytest.raises(ValueError, match="time zone"):
        evaluate_slo(occurrences(), daily(), naive)
    with pytest.raises(ValueError, match="time zone"):
        freshness_points([naive], HOUR, NOW, NOW + DAY)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": 1.0}, "target"),
        ({"target": 0.0}, "target"),
        ({"target": math.nan}, "target"),
        ({"period": timedelta(0)}, "period"),
        ({"budgeting_method": "Weekly"}, "budgeting method"),
        ({"budgeting_method": "Timeslices", "time_slice_target": 0.9}, "slice window"),
        ({"budgeting_method": "Timeslices", "time_slice_window": HOUR}, "time_slice_target"),
        ({"budgeting_method": "RatioTimeslices", "time_slice_window": 2 * PERIOD}, "window"),
    ],
)
def test_bad_specs_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SloSpec(**{"name": "s", "target": 0.99, "period": PERIOD, **kwargs})


@pytest.mark.parametrize(
    ("good", "total", "span"),
    [(11, 10, DAY), (-1, 10, DAY), (math.nan, 10, DAY), (1, math.inf, DAY), (1, 1, timedelta(0))],
)
def test_bad_points_are_refused_naming_the_point(good, total, span):
    with pytest.raises(ValueError, match="SliPoint at 2024-03-01"):
        SliPoint(NOW, span, good, total)


def test_ten_thousand_points_are_fast():
    points = [
        SliPoint(NOW - (i + 1) * 5 * timedelta(minutes=1), 5 * timedelta(minutes=1), 99, 100)
        for i in range(10_000)
    ]
    spec = SloSpec("api", 0.99, PERIOD, "Timeslices", 0.99, timedelta(minutes=1))
    started = time.perf_counter()
    evaluate_slo(occurrences(), points, NOW)
    evaluate_slo(spec, points, NOW)
    assert time.perf_counter() - started < 1.0


# --- Properties.

METHODS = st.sampled_from(["Occurrences", "Timeslices", "RatioTimeslices"])


@st.composite
def specs(draw, method=METHODS):
    budgeting = draw(method)
    period = timedelta(hours=draw(st.integers(1, 24 * 30)))
    window = None
    if budgeting != "Occurrences":
        window = period / draw(st.sampled_from([1, 2, 3, 4, 6, 8, 12, 24]))
    return SloSpec(
        "p",
        draw(st.floats(0.5, 0.999)),
        period,
        budgeting,
        draw(st.floats(0.5, 1.0)) if budgeting == "Timeslices" else None,
        window,
    )


@st.composite
def points_around(draw, period):
    """Random points in and around the window [NOW - period, NOW), minutes resolution."""
    minutes = int(period / timedelta(minutes=1))
    out = []
    for _ in range(draw(st.integers(0, 30))):
        start = NOW + timedelta(minutes=draw(st.integers(-2 * minutes, minutes // 4)))
        span = timedelta(minutes=draw(st.integers(1, max(1, minutes))))
        total = draw(st.integers(0, 1000))
        out.append(SliPoint(start, span, draw(st.integers(0, total)), total))
    return out


@st.composite
def tiling(draw, period, good_share):
    """Points covering [NOW - 2 period, NOW + 1h) without gaps, each with the same good share."""
    points, cursor = [], NOW - 2 * period
    while cursor < NOW + HOUR:
        span = timedelta(minutes=draw(st.integers(1, max(1, int(period / HOUR) * 30))))
        total = draw(st.integers(1, 1000))
        points.append(SliPoint(cursor, span, total * good_share, total))
        cursor += span
    return points


@st.composite
def spec_and_points(draw, method=METHODS):
    spec = draw(specs(method))
    return spec, draw(points_around(spec.period))


@FAST
@given(spec_and_points())
def test_budget_never_above_one_and_attainment_a_fraction(case):
    spec, points = case
    status = evaluate_slo(spec, points, NOW)
    if status.state == "no_data":
        assert status.attainment is None and status.error_budget_remaining is None
        return
    assert 0 <= status.attainment <= 1
    assert status.error_budget_remaining <= 1
    for rate in (status.burn_rate_long, status.burn_rate_short):
        assert rate is None or rate >= 0
    assert (status.state == "exhausted") == (status.error_budget_remaining <= 0)


@FAST
@given(st.data())
def test_all_good_data_keeps_the_whole_budget(data):
    spec = data.draw(specs())
    status = evaluate_slo(spec, data.draw(tiling(spec.period, 1.0)), NOW)
    assert status.error_budget_remaining == 1 and status.attainment == 1
    assert status.burn_rate_long == 0 and status.burn_rate_short == 0
    assert status.state == "ok"


@FAST
@given(st.data())
def test_burning_at_rate_one_spends_exactly_the_budget(data):
    spec = data.draw(specs(st.sampled_from(["Occurrences", "RatioTimeslices"])))
    status = evaluate_slo(spec, data.draw(tiling(spec.period, spec.target)), NOW)
    assert math.isclose(status.error_budget_remaining, 0, abs_tol=1e-9)
    assert math.isclose(status.burn_rate_long, 1, rel_tol=1e-9)
    assert math.isclose(status.burn_rate_short, 1, rel_tol=1e-9)


@FAST
@given(st.data(), st.floats(0.0, 0.5))
def test_burn_rate_is_linear_in_the_bad_share(data, bad_share):
    spec = data.draw(specs(st.sampled_from(["Occurrences", "RatioTimeslices"])))
    status = evaluate_slo(spec, data.draw(tiling(spec.period, 1 - bad_share)), NOW)
    expected = bad_share / (1 - spec.target)
    assert math.isclose(status.burn_rate_long, expected, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(status.burn_rate_short, expected, rel_tol=1e-9, abs_tol=1e-9)


@FAST
@given(spec_and_points(), st.data())
def test_more_bad_events_never_add_budget(case, data):
    spec, points = case
    if not points:
        return
    index = data.draw(st.integers(0, len(points) - 1))
    worse = list(points)
    p = points[index]
    worse[index] = SliPoint(p.start, p.span, data.draw(st.floats(0, p.good)), p.total)
    extra = SliPoint(p.start, p.span, 0, data.draw(st.integers(1, 100)))  # an all-bad point
    before = evaluate_slo(spec, points, NOW).error_budget_remaining
    for after in (evaluate_slo(spec, worse, NOW), evaluate_slo(spec, [*worse, extra], NOW)):
        if before is not None:
            assert after.error_budget_remaining <= before + 1e-9


@FAST
@given(spec_and_points())
def test_now_after_all_data_is_no_data(case):
    spec, points = case
    later = max((p.start + p.span for p in points), default=NOW) + 2 * spec.period
    assert evaluate_slo(spec, points, later).state == "no_data"


@FAST
@given(spec_and_points(), st.randoms(use_true_random=False))
def test_point_order_does_not_matter(case, rnd: random.Random):
    spec, points = case
    shuffled = list(points)
    rnd.shuffle(shuffled)
    assert evaluate_slo(spec, shuffled, NOW) == evaluate_slo(spec, points, NOW)
