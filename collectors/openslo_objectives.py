"""OpenSLO v1 SLO parts: the time window, the objectives, and plain values for details.

Each part is read as the specification (README, "SLO" and "Objectives") describes it and
refused with its field when broken; what meshgov reads but evaluates differently (a
calendar window, an absent window) is noted for the file's warnings.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

from governance.errors import ObjectRefused

_DURATION = re.compile(r"^[1-9][0-9]*[mhdwMQY]$")
DEFAULT_WINDOW = "28d"  # for an SLO without spec.timeWindow
_OPS = ("lt", "lte", "gt", "gte")


def read_time_window(spec: dict[str, Any], notes: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The SLO's window duration and its details (rolling, calendar); 28d when absent."""
    windows = spec.get("timeWindow")
    if windows is None:
        # Optional in OpenSLO v1 (README, Notes (SLO)); the SRE workbook's four weeks.
        notes.setdefault(
            "timeWindow",
            f"spec.timeWindow is absent (optional in OpenSLO v1): evaluated over a rolling "
            f"{DEFAULT_WINDOW} window",
        )
        return DEFAULT_WINDOW, {"rolling": True, "calendar": None, "window_declared": False}
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        raise ObjectRefused("spec.timeWindow: expected a list of exactly one window")
    window = windows[0]
    duration = window.get("duration")
    if not isinstance(duration, str) or not _DURATION.match(duration):
        raise ObjectRefused(
            f"spec.timeWindow[0].duration: {duration!r} is not a duration like 28d, 4w or 1M"
        )
    calendar = window.get("calendar")
    if calendar is not None:
        if not isinstance(calendar, dict):
            raise ObjectRefused("spec.timeWindow[0].calendar: expected startTime and timeZone")
        for key in ("startTime", "timeZone"):
            if calendar.get(key) in (None, ""):
                # startTime is written without a zone on purpose: timeZone is its zone.
                raise ObjectRefused(
                    f"spec.timeWindow[0].calendar.{key} is missing; a calendar window "
                    "needs a startTime and its IANA timeZone (e.g. Europe/Berlin)"
                )
    rolling = window.get("isRolling", calendar is None)
    if not isinstance(rolling, bool):
        raise ObjectRefused(
            f"spec.timeWindow[0].isRolling: expected true or false, not {rolling!r}"
        )
    if not rolling:
        notes.setdefault(
            "calendar",
            "calendar-aligned time windows are kept (startTime, timeZone) but evaluated as "
            "rolling windows of the same duration ending now",
        )
    return duration, {"rolling": rolling, "calendar": plain(calendar), "window_declared": True}


def read_objective(objective: Any, index: int, method: str) -> tuple[float, dict[str, Any]]:
    """One objective's target (0..1) and details; refused naming its field."""
    where = f"spec.objectives[{index}]"
    if not isinstance(objective, dict):
        raise ObjectRefused(f"{where}: expected a mapping")
    if "target" in objective and "targetPercent" in objective:
        raise ObjectRefused(f"{where}: give either target or targetPercent, not both")
    if "target" in objective:
        target = fraction(objective["target"], f"{where}.target", 1.0)
    elif "targetPercent" in objective:
        target = round(
            fraction(objective["targetPercent"], f"{where}.targetPercent", 100.0) / 100, 12
        )
    else:
        raise ObjectRefused(f"{where}: target (or targetPercent) is missing")
    details: dict[str, Any] = {
        k: plain(objective[k]) for k in ("displayName", "compositeWeight") if k in objective
    }
    if "op" in objective:
        if objective["op"] not in _OPS:
            raise ObjectRefused(
                f"{where}.op: {objective['op']!r}; expected one of {', '.join(_OPS)}"
            )
        details["op"] = objective["op"]
    if "value" in objective:
        value = objective["value"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ObjectRefused(f"{where}.value: expected a finite number, not {value!r}")
        details["value"] = value
    if method in ("Timeslices", "RatioTimeslices"):
        details["timeSliceWindow"] = slice_window(
            objective.get("timeSliceWindow"), f"{where}.timeSliceWindow"
        )
    if method == "Timeslices":
        if "timeSliceTarget" not in objective:
            raise ObjectRefused(f"{where}.timeSliceTarget is required with Timeslices budgeting")
        details["timeSliceTarget"] = fraction(
            objective["timeSliceTarget"], f"{where}.timeSliceTarget", 1.0, low_open=True
        )
    return target, details


def fraction(value: Any, field: str, scale: float, low_open: bool = False) -> float:
    """A number in [0, scale] ((0, scale] with low_open); OpenSLO's target is in [0, 1).

    A target of 1 (100%) is read too: meshgov evaluates it as the largest target below 1.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ObjectRefused(f"{field}: expected a number, not {value!r}")
    if not (0 < value if low_open else 0 <= value) or not value <= scale:  # NaN fails too
        bounds = f"{'(' if low_open else '['}0, {scale:g}]"
        hint = " (a percentage is written as targetPercent)" if 1 < value <= 100 else ""
        raise ObjectRefused(f"{field}: {value!r} is outside {bounds}{hint}")
    return float(value)


def slice_window(value: Any, field: str) -> str:
    """A time slice window as a duration shorthand; a bare number is minutes."""
    if value is None:
        raise ObjectRefused(f"{field} is required with timeslice budgeting")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"{value}m"  # OpenSLO: a bare number is minutes
    if isinstance(value, str) and _DURATION.match(value):
        return value
    raise ObjectRefused(f"{field}: {value!r} is not a duration like 5m or a number of minutes")


def objective_name(objective: Any, index: int) -> str:
    """An objective's name within its SLO: its name, displayName, else its index."""
    if isinstance(objective, dict):
        for key in ("name", "displayName"):
            if isinstance(objective.get(key), str) and objective[key].strip():
                return objective[key]
    return str(index)


def plain(value: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """YAML's dates and odd keys as JSON-safe values for the details column."""
    budget = [10_000] if budget is None else budget
    budget[0] -= 1
    # YAML aliases can make a structure contain itself, or repeat one exponentially.
    if depth > 64 or budget[0] < 0:
        raise ObjectRefused("a value is too large or nested too deeply (YAML aliases?)")
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, depth + 1, budget) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # YAML's .nan/.inf: not JSON, and jsonb refuses them
    return value
