"""Read models summed in SQL give the same figures on both backends."""

from __future__ import annotations

from datetime import date, timedelta

from governance.store.read import read_models
from governance.store.schema.tables import check_daily

NEWEST = date(2026, 11, 30)


def _daily(product: str, days_ago: int, tool: str, checks: int, passed: int) -> dict:
    day = NEWEST - timedelta(days=days_ago)
    return {
        "product_id": product,
        "day": day,
        "source_tool": tool,
        "checks": checks,
        "passed": passed,
        "failed": checks - passed,
    }


def _figures(service, rows: list[dict]) -> dict[str, read_models.QualityFigure]:
    with service.store.begin() as connection:
        connection.execute(check_daily.insert(), rows)
    with service.store.read() as connection:
        return read_models.quality_figures(connection)


def test_each_product_is_judged_on_its_own_last_week_of_evidence(service, mesh_dir):
    assert service.registration.register([mesh_dir]).ok
    rows = [_daily("orders", n, tool, 10, 10 - n % 3) for n in range(12) for tool in ("gx", "dbt")]
    # revenue went quiet a month ago: its own newest 7 days count, not the mesh's.
    rows += [_daily("revenue", n, "soda", 4, 4 if n < 34 else 0) for n in range(30, 41)]
    rows.append(_daily("revenue", 200, "soda", 100, 0))  # past the horizon: never read

    figures = _figures(service, rows)

    orders = figures["orders"]
    week = [n for n in range(7)]
    assert orders.checks == 2 * 10 * len(week)
    assert orders.pass_rate == sum(2 * (10 - n % 3) for n in week) / orders.checks
    assert orders.last_day == NEWEST
    revenue = figures["revenue"]
    assert revenue.last_day == NEWEST - timedelta(days=30)
    assert (revenue.checks, revenue.pass_rate) == (7 * 4, 4 * 4 / (7 * 4))


def test_a_product_whose_evidence_is_past_the_horizon_shows_no_evidence(service, mesh_dir):
    assert service.registration.register([mesh_dir]).ok
    horizon = read_models.EVIDENCE_HORIZON_DAYS
    rows = [_daily("orders", 0, "gx", 5, 5), _daily("revenue", horizon + 1, "gx", 5, 5)]

    figures = _figures(service, rows)

    assert figures["orders"].pass_rate == 1.0
    assert figures["revenue"].pass_rate is None
    assert figures["revenue"].checks == 0 and figures["revenue"].last_day is None
