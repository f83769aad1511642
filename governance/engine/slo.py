"""SLO math: attainment, error budget, burn rates and state from SLI points. Pure, no I/O.

Windows. Every window ends at ``now``: the SLO window is ``[now - period, now)``. A point
covers ``[start, start + span)`` and counts in a window pro rata: good and total are scaled
by the share of its span that overlaps the window, so a daily sample still says something
about a six-hour window. Points (and slices) with ``total == 0`` are no data; missing data
never counts as good.

Budgeting methods (OpenSLO names):

- ``Occurrences``: attainment = Σgood / Σtotal; budget allowed = (1 - target) × Σtotal,
  consumed = Σ(total - good).
- ``Timeslices``: the window is cut into slices of ``time_slice_window`` ending at ``now``,
  ``now - w``, ...; a slice's ratio is Σgood / Σtotal of the points overlapping it, and the
  slice is good when ratio >= ``time_slice_target``. Attainment = good slices / slices with
  data; budget as Occurrences, counted in slices.
- ``RatioTimeslices``: same slices; attainment = mean slice ratio, consumed = Σ(1 - ratio),
  allowed = (1 - target) × slices with data.

With slices every window is a whole number of slices, the newest ``ceil(window / w)``; so
the SLO window reaches back ``ceil(period / w) × w`` (equal to the period when w divides it).

Error budget remaining = 1 - consumed / allowed: 1 untouched, 0 spent, negative overspent.
Burn rate over a window = (bad share in it) / (1 - target), where the bad share is what the
method consumes per unit of total (bad events, bad slices, or mean 1 - ratio); burn rate 1
spends exactly the whole budget over one period.

Alerting follows the multiwindow, multi-burn-rate scheme of the Google SRE workbook
("Alerting on SLOs"), its 30-day windows scaled to the period: pages at burn 14.4 over
period/720 (1h) and 6 over period/120 (6h), a ticket at burn 1 over period/10 (3d); each
short window is its long window / 12. Every window is widened to at least the data's
resolution (the longest span among the points in the SLO window), so daily data still has a
short-window rate, and capped at the period. The status reports the ticket pair.

State, first match wins: ``no_data`` (nothing with data in the SLO window), ``exhausted``
(budget remaining <= 0), ``breached`` (long and short burn both >= threshold for a page
pair), ``at_risk`` (ticket pair both >= 1, or less than a quarter of the budget left), ``ok``.
Time to exhaustion = remaining × period / long-window burn rate.

``freshness_points`` turns update times into hourly (by default) 1/1 or 0/1 probes: a probe
is good when the newest update at or before its end is at most ``max_age`` old then.
Invalid input raises ValueError: naive datetimes, target outside (0, 1), good outside
[0, total]; nothing is clipped.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from operator import itemgetter

from governance.model.vocabulary import BudgetingMethod, SloState

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
# (long-window divisor of the period, burn threshold): the workbook's 1h/14.4 and 6h/6 pages.
_PAGES = ((720, 14.4), (120, 6.0))
_TICKET_DIVISOR = 10  # 3 days of 30
_SHORT_DIVISOR = 12  # 5m of 1h, 30m of 6h, 6h of 3d
_AT_RISK_BELOW = 0.25
# Pro-rating turns good/total into (good*f)/(total*f); a slice exactly at its target must not
# flip to bad on the last bit of that round-off.
_ROUND_OFF = 1e-12


@dataclass(frozen=True, slots=True)
class SloSpec:
    name: str
    target: float
    period: timedelta
    budgeting_method: BudgetingMethod = "Occurrences"
    time_slice_target: float | None = None
    time_slice_window: timedelta | None = None

    def __post_init__(self) -> None:
        where = f"SLO {self.name!r}"
        # target 1 leaves no budget to divide by, target 0 promises nothing.
        if not 0 < self.target < 1:
            raise ValueError(f"{where}: target {self.target!r} must be a fraction in (0, 1)")
        if self.period <= timedelta(0):
            raise ValueError(f"{where}: period {self.period} must be positive")
        if self.budgeting_method not in ("Occurrences", "Timeslices", "RatioTimeslices"):
            raise ValueError(f"{where}: unknown budgeting method {self.budgeting_method!r}")
        window, slice_target = self.time_slice_window, self.time_slice_target
        if self.budgeting_method != "Occurrences" and not (
            window is not None and timedelta(0) < window <= self.period
        ):
            raise ValueError(
                f"{where}: {self.budgeting_method} needs a slice window in (0, period]"
            )
        if self.budgeting_method == "Timeslices" and not (
            slice_target is not None and 0 < slice_target <= 1
        ):
            raise ValueError(f"{where}: Timeslices needs a time_slice_target in (0, 1]")


@dataclass(frozen=True, slots=True)
class SliPoint:
    start: datetime
    span: timedelta
    good: float
    total: float

    def __post_init__(self) -> None:
        _require_aware(self.start, "SliPoint.start")
        where = f"SliPoint at {self.start.isoformat()}"
        if self.span <= timedelta(0):
            raise ValueError(f"{where}: span {self.span} must be positive")
        # Clipping would hide a broken collector; NaN fails these comparisons too.
        if not 0 <= self.total < math.inf:
            raise ValueError(f"{where}: total {self.total!r} must be a finite number >= 0")
        if not 0 <= self.good <= self.total:
            raise ValueError(f"{where}: good {self.good!r} must be within [0, {self.total!r}]")


@dataclass(frozen=True, slots=True)
class BurnWindows:
    long: timedelta
    short: timedelta


@dataclass(frozen=True, slots=True)
class SloStatus:
    name: str
    budgeting_method: str
    target: float
    period_days: float
    good: float
    total: float
    attainment: float | None
    error_budget_remaining: float | None
    burn_rate_long: float | None
    burn_rate_short: float | None
    time_to_exhaustion: timedelta | None
    state: SloState
    windows: BurnWindows


@dataclass(frozen=True, slots=True)
class _Tally:
    """One window's sums: good and total as reported, bad = budget consumed."""

    good: float
    total: float
    bad: float


# A point in integer microseconds since the epoch, so slice boundaries are exact:
# (start, end, good, total).
_Span = tuple[int, int, float, float]


def burn_windows(period: timedelta, resolution: timedelta | None = None) -> BurnWindows:
    """The long (period/10) and short (long/12) burn-rate windows, at least `resolution`."""
    return _windows(period, _TICKET_DIVISOR, resolution)


def _windows(period: timedelta, divisor: int, resolution: timedelta | None) -> BurnWindows:
    if period <= timedelta(0):
        raise ValueError(f"period {period} must be positive")
    floor = max(resolution or timedelta(0), _US)
    long = min(max(period / divisor, floor), period)
    return BurnWindows(long=long, short=min(max(long / _SHORT_DIVISOR, floor), period))


def evaluate_slo(spec: SloSpec, points: Sequence[SliPoint], now: datetime) -> SloStatus:
    """Attainment, error budget, burn rates and state of `spec` over the window ending at now."""
    _require_aware(now, "now")
    now_us, period_us = _micros(now), spec.period // _US
    slicing = spec.budgeting_method != "Occurrences"
    slice_us = spec.time_slice_window // _US if spec.time_slice_window else 0
    n_slices = -(-period_us // slice_us) if slicing else 0
    oldest = now_us - (n_slices * slice_us if slicing else period_us)
    spans: list[_Span] = []
    for p in points:
        start = _micros(p.start)
        end = start + p.span // _US
        if p.total > 0 and start < now_us and end > oldest:
            spans.append((start, end, p.good, p.total))
    # Sorted by end once: the points overlapping any window [now - W, now) are then a suffix.
    spans.sort(key=itemgetter(1))
    resolution = max((e - s for s, e, _, _ in spans), default=0) * _US

    if slicing:
        segments = _slice_segments(spans, now_us, slice_us, n_slices)

        def tally(window_us: int) -> _Tally:
            return _tally_slices(spec, segments, min(n_slices, -(-window_us // slice_us)))
    else:
        ends = [s[1] for s in spans]

        def tally(window_us: int) -> _Tally:
            return _tally_occurrences(spans, ends, now_us, now_us - window_us)

    def burn(window: timedelta) -> float | None:
        t = tally(window // _US)
        return t.bad / t.total / (1 - spec.target) if t.total > 0 else None

    windows = burn_windows(spec.period, resolution)
    whole = tally(period_us)
    attainment: float | None = None
    remaining: float | None = None
    burn_long: float | None = None
    burn_short: float | None = None
    state: SloState = "no_data"
    if whole.total > 0:
        attainment = min(1.0, max(0.0, whole.good / whole.total))  # round-off guard only
        remaining = min(1.0, 1 - whole.bad / ((1 - spec.target) * whole.total))
        burn_long, burn_short = burn(windows.long), burn(windows.short)
        if remaining <= 0:
            state = "exhausted"
        elif any(_both_at_least(burn, _windows(spec.period, d, resolution), t) for d, t in _PAGES):
            state = "breached"
        elif _both_at_least(burn, windows, 1.0) or remaining < _AT_RISK_BELOW:
            state = "at_risk"
        else:
            state = "ok"
    return SloStatus(
        name=spec.name,
        budgeting_method=spec.budgeting_method,
        target=spec.target,
        period_days=spec.period / timedelta(days=1),
        good=whole.good,
        total=whole.total,
        attainment=attainment,
        error_budget_remaining=remaining,
        burn_rate_long=burn_long,
        burn_rate_short=burn_short,
        time_to_exhaustion=_time_to_exhaustion(spec.period, remaining, burn_long),
        state=state,
        windows=windows,
    )


def _both_at_least(
    burn: Callable[[timedelta], float | None], windows: BurnWindows, threshold: float
) -> bool:
    # The short window confirms the long one is still burning now (workbook: fast reset).
    long, short = burn(windows.long), burn(windows.short)
    return long is not None and short is not None and long >= threshold and short >= threshold


def _time_to_exhaustion(
    period: timedelta, remaining: float | None, burn_long: float | None
) -> timedelta | None:
    if remaining is not None and remaining <= 0:
        return timedelta(0)
    if remaining is None or burn_long is None or burn_long <= 0:
        return None
    days = period / timedelta(days=1) * remaining / burn_long
    # A burn rate that is round-off above zero would overflow timedelta; "never" in practice.
    return timedelta(days=days) if days < timedelta.max.days else timedelta.max


def _tally_occurrences(spans: list[_Span], ends: list[int], now: int, lo: int) -> _Tally:
    good: list[float] = []
    total: list[float] = []
    bad: list[float] = []
    for start, end, g, t in spans[bisect_right(ends, lo) :]:
        share = (min(end, now) - max(start, lo)) / (end - start)
        good.append(g * share)
        total.append(t * share)
        bad.append((t - g) * share)
    # fsum keeps Σgood <= Σtotal exactly, and all-good data at exactly zero bad.
    return _Tally(math.fsum(good), math.fsum(total), math.fsum(bad))


def _slice_segments(
    spans: list[_Span], now: int, width: int, n: int
) -> list[tuple[int, int, float, float]]:
    """Runs [lo, hi) of slice indexes (0 = newest) that share one (good, total), data only."""
    # Runs rather than one entry per slice: a year of 1-minute slices under daily points is a
    # few hundred runs, not half a million slices.
    full: list[tuple[float, float]] = []
    opens: dict[int, list[int]] = {}
    closes: dict[int, list[int]] = {}
    partial: dict[int, list[tuple[float, float]]] = {}
    marks = {0, n}
    for start, end, g, t in spans:
        a, b, span = now - end, now - start, end - start  # ages: the point covers [a, b)
        first_full, stop_full = max(-(-a // width), 0), min(b // width, n)
        if first_full < stop_full:
            full.append((g * width / span, t * width / span))
            opens.setdefault(first_full, []).append(len(full) - 1)
            closes.setdefault(stop_full, []).append(len(full) - 1)
            marks.update((first_full, stop_full))
        for j in {a // width, (b - 1) // width}:
            overlap = min(b, (j + 1) * width) - max(a, j * width)
            if 0 <= j < n and overlap < width:
                partial.setdefault(j, []).append((g * overlap / span, t * overlap / span))
                marks.update((j, j + 1))
    active: dict[int, tuple[float, float]] = {}
    segments = []
    for lo, hi in pairwise(sorted(m for m in marks if 0 <= m <= n)):
        for i in closes.get(lo, ()):
            del active[i]
        for i in opens.get(lo, ()):
            active[i] = full[i]
        parts = [*active.values(), *partial.get(lo, ())]  # a partial slice is its own run
        total = math.fsum(p[1] for p in parts)
        if total > 0:
            segments.append((lo, hi, math.fsum(p[0] for p in parts), total))
    return segments


def _tally_slices(spec: SloSpec, segments: list[tuple[int, int, float, float]], k: int) -> _Tally:
    good: list[float] = []
    bad: list[float] = []
    slices = 0
    for lo, hi, g, t in segments:
        if lo >= k:
            break
        count = min(hi, k) - lo
        ratio = min(1.0, g / t)
        slices += count
        if spec.budgeting_method == "RatioTimeslices":
            good.append(count * ratio)
            bad.append(count * (1 - ratio))
        elif ratio >= (spec.time_slice_target or 1.0) - _ROUND_OFF:
            good.append(count)
        else:
            bad.append(count)
    return _Tally(math.fsum(good), float(slices), math.fsum(bad))


def freshness_points(
    update_times: Sequence[datetime],
    max_age: timedelta,
    start: datetime,
    end: datetime,
    probe: timedelta = timedelta(hours=1),
) -> list[SliPoint]:
    """One 1/1 or 0/1 probe per `probe` in [start, end): was the data at most max_age old?"""
    for moment in (start, end, *update_times):
        _require_aware(moment, "freshness_points time")
    if probe <= timedelta(0) or max_age < timedelta(0):
        raise ValueError(f"probe {probe} must be positive and max_age {max_age} not negative")
    updates = sorted(update_times)
    points = []
    probe_start = start
    while probe_start < end:
        probe_end = probe_start + probe
        # Judged at the probe's end: the newest update at or before that moment.
        newest = bisect_right(updates, probe_end) - 1
        fresh = newest >= 0 and probe_end - updates[newest] <= max_age
        points.append(SliPoint(probe_start, probe, 1.0 if fresh else 0.0, 1.0))
        probe_start = probe_end
    return points


_SHORTHAND = re.compile(r"([1-9][0-9]*)([mhdwMQY])")
# OpenSLO's calendar units (M, Q, Y) as fixed lengths: a rolling window has no calendar.
_SHORTHAND_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080, "M": 43200, "Q": 129600, "Y": 525600}
_ISO = re.compile(
    r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)
# Y and M as in the shorthand; ISO's own calendar meaning needs an anchor date we do not have.
_ISO_SECONDS = (31_536_000, 2_592_000, 604_800, 86_400, 3_600, 60, 1)  # Y M W D H M S


def parse_duration(text: str) -> timedelta:
    """An OpenSLO duration shorthand ("28d", "1M") or ISO 8601 duration ("P28D") as a timedelta."""
    if not isinstance(text, str):
        raise ValueError(f"duration {text!r} is not a string like '28d' or 'P28D'")
    value = text.strip()
    if match := _SHORTHAND.fullmatch(value):
        return timedelta(minutes=int(match[1]) * _SHORTHAND_MINUTES[match[2]])
    match = _ISO.fullmatch(value)
    if match and any(match.groups()):
        groups = zip(match.groups(), _ISO_SECONDS, strict=True)
        duration = timedelta(seconds=sum(float(n) * unit for n, unit in groups if n))
        if duration > timedelta(0):
            return duration
        raise ValueError(f"duration {text!r} must be longer than zero")
    raise ValueError(
        f"duration {text!r} is not understood: use a positive whole number and a unit"
        " (m, h, d, w, M = 30d, Q = 90d, Y = 365d) like '28d', or ISO 8601 like 'P28D' or 'PT1H'"
    )


def _require_aware(moment: datetime, label: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{label} {moment.isoformat()} has no time zone; give an aware UTC time")


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _US
