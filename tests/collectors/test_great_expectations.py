"""The GX collector's parse step: pure, over real GX output and the legacy 0.18 shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from collectors import Parsed, SourceContext, get_collector
from collectors.great_expectations import GreatExpectationsCollector, parse_gx_time
from governance.errors import CollectorParseError, NotEvidence

FIXTURES = Path(__file__).parent.parent / "fixtures" / "gx"


def read(
    content: bytes | str,
    path: str = "result.json",
    product: str | None = "orders",
    fetched_at: datetime | None = None,
) -> Parsed:
    if isinstance(content, str):
        content = content.encode()
    source = SourceContext(path=path, product_id=product, fetched_at=fetched_at)
    return GreatExpectationsCollector().parse(content, source)


def parse(content: bytes | str, path: str = "result.json", product: str | None = "orders"):
    parsed = read(content, path, product)
    assert parsed.problems == []
    return parsed.records


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


def test_describe_dict_without_suite_or_batch_is_refused_not_guessed():
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


def test_gx_1x_exception_info_keyed_by_metric_is_an_error():
    """GX 1.x writes one exception_info per metric that failed, keyed by the metric's id."""
    doc = json.loads((FIXTURES / "validation_result_0_18.json").read_text())
    doc["results"][0]["exception_info"] = {
        "MetricConfigurationID(metric_name='column_values.nonnull.condition')": {
            "exception_traceback": "Traceback ...",
            "exception_message": 'The column "order_idx" in BatchData does not exist.',
            "raised_exception": True,
        }
    }
    first = parse(json.dumps(doc))[0]
    assert (first.success, first.status) == (False, "error")
    assert "order_idx" in first.details["exception"]


def test_result_format_is_not_a_parameter_of_the_check():
    doc = json.loads((FIXTURES / "validation_result_0_18.json").read_text())
    doc["results"][0]["expectation_config"]["kwargs"]["result_format"] = {
        "result_format": "COMPLETE"
    }
    first = parse(json.dumps(doc))[0]
    assert "result_format" not in first.details["params"]
    assert first.details["result_format"] == "COMPLETE"


def test_complete_lists_are_warned_once_per_file():
    doc = json.loads((FIXTURES / "validation_result_0_18.json").read_text())
    for entry in doc["results"]:
        entry["result"]["unexpected_list"] = [1]
    assert len(read(json.dumps(doc)).warnings) == 1
    assert read((FIXTURES / "validation_result_0_18.json").read_bytes()).warnings == []


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (
            {"run_id": "20200322T170247.671855Z"},
            datetime(2020, 3, 22, 17, 2, 47, 671855, tzinfo=UTC),
        ),
        (
            {"run_time": "20200322T170247.671855Z"},
            datetime(2020, 3, 22, 17, 2, 47, 671855, tzinfo=UTC),
        ),
    ],
)
def test_results_of_gx_before_0_13_give_their_run_time(meta, expected):
    document = {"success": True, "results": [], "meta": {"expectation_suite_name": "s", **meta}}
    assert read(json.dumps(document)).records == []  # read, not refused
    document["results"] = [
        {
            "success": True,
            "expectation_config": {
                "expectation_type": "expect_column_to_exist",
                "kwargs": {"column": "a"},
            },
        }
    ]
    assert parse(json.dumps(document))[0].run_time == expected


def test_no_time_anywhere_takes_the_files_time_and_says_so():
    written = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    document = {"success": True, "suite_name": "s", "meta": {"run_id": "__run_id_fixture__"}, "results": [
        {"success": True, "expectation_config": {"type": "expect_column_to_exist", "kwargs": {"column": "a"}}}
    ]}  # fmt: skip
    parsed = read(json.dumps(document), fetched_at=written)
    assert parsed.records[0].run_time == written
    assert parsed.warnings == [
        "no run time in the file (meta.run_id.run_time, meta.validation_time): the file's "
        "modification time is used"
    ]


def test_describe_dict_outside_the_store_layout_is_filed_under_its_batch_with_warnings():
    describe = {
        "success": False,
        "statistics": {},
        "validation_results": [{"success": False, "statistics": {}, "result_url": None, "expectations": [
            {"expectation_type": "expect_column_values_to_not_be_null", "success": False,
             "kwargs": {"column": "id", "batch_id": "crm-users"}, "result": {"unexpected_count": 2}},
        ]}],
    }  # fmt: skip
    parsed = read(
        json.dumps(describe), "out/describe.json", fetched_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    [result] = parsed.records
    assert (result.suite, result.port, result.status) == ("crm-users", "crm-users", "fail")
    assert len(parsed.warnings) == 2 and "no expectation suite name" in parsed.warnings[0]


def test_checkpoint_run_results_may_hold_the_validation_results_themselves():
    validation = json.loads((FIXTURES / "validation_result_0_18.json").read_text())
    document = {"success": False, "run_results": {"ValidationResultIdentifier::a": validation}}
    assert len(parse(json.dumps(document))) == len(validation["results"])


def test_a_list_of_expectation_configurations_is_not_evidence():
    content = json.dumps(
        [{"expectation_type": "expect_column_to_exist", "kwargs": {"column": "a"}}]
    )
    with pytest.raises(NotEvidence, match="expectation configurations"):
        read(content)


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
