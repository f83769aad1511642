"""The GX collector's parse step: pure, over real GX output and the legacy 0.18 shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors import CollectorParseError, SourceContext, get_collector
from collectors.great_expectations import GreatExpectationsCollector, parse_gx_time

FIXTURES = Path(__file__).parent.parent / "fixtures" / "gx"


def parse(content: bytes | str, path: str = "result.json", product: str | None = "orders"):
    if isinstance(content, str):
        content = content.encode()
    return GreatExpectationsCollector().parse(content, SourceContext(path=path, product_id=product))


def by_check(results):
    return {(r.check, r.column): r for r in results}


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("great_expectations"), GreatExpectationsCollector)


def test_real_gx_1x_validation_result(gx_validation_json: Path):
    results = parse(gx_validation_json.read_bytes(), str(gx_validation_json))
    checks = by_check(results)
    assert len(results) == 4
    amount = checks[("expect_column_values_to_be_between", "amount")]
    assert (amount.success, amount.status, amount.unexpected_count) == (False, "fail", 2)
    assert amount.element_count == 5 and amount.unexpected_percent == pytest.approx(40.0)
    assert amount.details["params"] == {"min_value": 0.0, "max_value": 1000.0, "column": "amount"}
    assert checks[("expect_column_values_to_not_be_null", "order_id")].unexpected_count == 1
    row_count = checks[("expect_table_row_count_to_be_between", None)]
    assert row_count.success and row_count.details["observed_value"] == 5
    assert {r.suite for r in results} == {"orders_suite"}
    assert {r.port for r in results} == {"orders"}
    assert all(r.run_time.tzinfo is not None and r.product_id == "orders" for r in results)
    assert {r.source for r in results} == {str(gx_validation_json)}


def test_legacy_0_18_validation_result_uses_expectation_type_and_meta_suite():
    results = parse((FIXTURES / "validation_result_0_18.json").read_bytes())
    assert [r.check for r in results] == [
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
    ]
    assert {r.suite for r in results} == {"orders_suite"}
    assert results[0].run_time == datetime(2026, 11, 24, 3, 29, 17, 522033, tzinfo=UTC)
    assert results[2].unexpected_count == 1 and results[2].column == "status"


def test_legacy_0_18_checkpoint_result_reads_every_run_result():
    results = parse((FIXTURES / "checkpoint_result_0_18.json").read_bytes())
    assert len(results) == 3
    assert {r.port for r in results} == {"orders"}


def test_store_layout_supplies_suite_and_time_that_describe_dict_lacks():
    describe = {
        "success": True,
        "statistics": {},
        "expectations": [
            {
                "expectation_type": "expect_column_values_to_not_be_null",
                "success": True,
                "kwargs": {"column": "id", "batch_id": "ds-users"},
                "result": {"element_count": 3, "unexpected_count": 0},
            }
        ],
    }
    path = "gx/uncommitted/validations/users_suite/nightly/20260102T030405.000006Z/ds-users.json"
    [result] = parse(json.dumps(describe), path)
    assert result.suite == "users_suite"
    assert result.run_time == datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert result.port == "ds-users"


def test_describe_dict_outside_the_store_layout_is_refused_not_guessed():
    content = json.dumps({"success": True, "expectations": []})
    with pytest.raises(CollectorParseError, match="no expectation suite name"):
        parse(content, "somewhere/describe.json")


def test_raised_exception_is_an_error_not_a_pass():
    doc = json.loads((FIXTURES / "validation_result_0_18.json").read_text())
    doc["results"][0]["exception_info"] = {
        "raised_exception": True,
        "exception_message": "column 'order_id' does not exist",
    }
    first = parse(json.dumps(doc))[0]
    assert (first.success, first.status) == (False, "error")
    assert "does not exist" in first.details["exception"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"hello": "world"}', "not a Great Expectations result"),
        (
            '{"suite_name": "s", "meta": {}, "results": []}',
            "no run time",
        ),
        (
            '{"suite_name": "s", "meta": {"validation_time": "2026-01-01T00:00:00Z"},'
            ' "results": [{"success": "yes", "expectation_config": {"type": "x"}}]}',
            "'success' is not true/false",
        ),
        (
            '{"suite_name": "s", "meta": {"validation_time": "2026-01-01T00:00:00Z"},'
            ' "results": [{"success": true, "expectation_config": {}}]}',
            "no expectation type",
        ),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(content, reason):
    with pytest.raises(CollectorParseError, match=reason):
        parse(content)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24T03:27:45.021652+00:00", datetime(2026, 11, 24, 3, 27, 45, 21652, tzinfo=UTC)),
        ("2026-11-24T05:27:45+02:00", datetime(2026, 11, 24, 3, 27, 45, tzinfo=UTC)),
        ("20261124T032917.527098Z", datetime(2026, 11, 24, 3, 29, 17, 527098, tzinfo=UTC)),
        ("20261124T032917Z", datetime(2026, 11, 24, 3, 29, 17, tzinfo=UTC)),
        ("2026-11-24T03:27:45Z", datetime(2026, 11, 24, 3, 27, 45, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
    ],
)
def test_gx_times_are_read_as_utc(text, expected):
    assert parse_gx_time(text) == expected


# --- property tests: whatever the bytes, the parser refuses or reads; it never crashes.

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from collectors import NotEvidence  # noqa: E402
from tests.collectors.properties import json_paths, json_values, replaced  # noqa: E402

JSON = json_values(max_leaves=30)
REAL = json.loads((FIXTURES / "checkpoint_result_0_18.json").read_text())


def survives(content: bytes) -> None:
    try:
        GreatExpectationsCollector().parse(content, SourceContext(path="x.json"))
    except (CollectorParseError, NotEvidence):
        pass


@given(st.binary())
def test_any_bytes_are_read_or_refused(content):
    survives(content)


@given(JSON)
def test_any_json_is_read_or_refused(document):
    survives(json.dumps(document).encode())


PATHS = [p for p in json_paths(REAL) if p]


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300)
@given(st.sampled_from(PATHS), JSON)
def test_a_real_result_with_any_part_replaced_is_read_or_refused(path, replacement):
    survives(json.dumps(replaced(REAL, path, replacement)).encode())
