"""The audit_logs collector's parse step: CloudTrail files, pgaudit server logs, JSON lines.

pgaudit.log and pgaudit_custom.log were recorded from a real PostgreSQL 15 with pgaudit
1.7 by tests/fixtures/audit_logs/record_pgaudit.sh. cloudtrail.json is hand-written in
the record shape CloudTrail documents (no AWS account is reachable from here).
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collectors import Parsed, SourceContext, get_collector
from collectors.audit_logs import AuditLogsCollector, is_read_action
from collectors.audit_pgaudit import prefix_pattern
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import ProductDirectory
from tests.collectors.properties import JSON, bad_input_names, check_bad_input, mutated

FIXTURES = Path(__file__).parent.parent / "fixtures"
AUDIT = FIXTURES / "audit_logs"
PGAUDIT = (AUDIT / "pgaudit.log").read_bytes()
PGAUDIT_CUSTOM = (AUDIT / "pgaudit_custom.log").read_bytes()
CLOUDTRAIL = (AUDIT / "cloudtrail.json").read_bytes()
DIRECTORY = ProductDirectory(
    products=frozenset({"orders", "playlists"}),
    aliases={
        "shop.public.orders": "orders",
        "s3://harmonia-lake/orders": "orders",
        "sales.orders": "orders",
    },
)
EVENT = {
    "time": "2026-11-24T03:00:00Z",
    "actor": "ana@example.com",
    "action": "download",
    "resource": "s3://harmonia-lake/orders",
    "id": "e-1",
}


def parse(content: bytes | str, product: str | None = None, **options):
    if isinstance(content, str):
        content = content.encode()
    source = SourceContext(
        path="audit.log", product_id=product, directory=DIRECTORY, options=options
    )
    return AuditLogsCollector().parse(content, source)


def records_of(result) -> list:
    return result.records if isinstance(result, Parsed) else result


def lines(*entries: dict) -> str:
    return "".join(json.dumps(entry) + "\n" for entry in entries)


def test_registered_through_the_entry_point_group():
    assert isinstance(get_collector("audit_logs"), AuditLogsCollector)


# --- pgaudit ------------------------------------------------------------------------------


def test_recorded_pgaudit_log():
    events = parse(PGAUDIT)
    assert isinstance(events, list) and len(events) == 19  # every AUDIT line, nothing else
    assert {e.source_tool for e in events} == {"pgaudit"}
    assert all(e.time.tzinfo is not None for e in events)
    assert [e.actor for e in events].count("analyst") == 1
    by_statement = {(e.details["statement"], e.resource): e for e in events}
    join = [e for e in events if e.details["statement"].startswith("SELECT o.order_id")]
    # One statement over two tables: pgaudit.log_relation writes an entry per relation,
    # and the continuation lines PostgreSQL starts with a tab are part of the statement.
    assert [e.resource for e in join] == ["public.orders", "public.customers"]
    assert join[0].details["statement"] == (
        "SELECT o.order_id, c.email\n  FROM public.orders o\n"
        "  JOIN public.customers c ON c.customer_id = o.order_id + 9;"
    )
    assert join[0].read_only and join[0].action == "SELECT" and join[0].product_id == "orders"
    assert join[1].product_id is None  # customers is no known product: kept unattributed
    update = next(e for e in events if e.action == "UPDATE")
    assert update.details["statement"] == (
        "UPDATE public.orders SET status = 'paid, \"late\"' WHERE order_id = 3;"
    )
    assert (update.read_only, update.details["class"]) == (False, "WRITE")
    select_one = by_statement[("SELECT 1;", "shop")]  # no object: the database stands in
    assert select_one.product_id is None and "object_type" not in select_one.details
    counted = next(e for e in events if e.details.get("rows") is not None)
    assert counted.details["rows"] == "1"  # pgaudit.log_rows adds a tenth field
    hidden = next(e for e in events if e.details["statement"] == "<not logged>")
    assert hidden.action == "SELECT"
    two_params = [e for e in events if e.details["parameter"].startswith("1,")]
    assert two_params[0].details["parameter"] == '1,"a, ""b"""'
    create = next(e for e in events if e.action == "CREATE TABLE")
    assert (create.read_only, create.details["class"]) == (False, "DDL")
    assert len({e.natural_key for e in events}) == 19
    assert [e.natural_key for e in parse(PGAUDIT)] == [e.natural_key for e in events]


def test_recorded_log_with_a_custom_prefix_and_a_numeric_zone():
    events = parse(PGAUDIT_CUSTOM, log_line_prefix="%t %u %d [%p]: ")
    assert len(events) == 19
    first_line = next(line for line in PGAUDIT_CUSTOM.decode().splitlines() if "AUDIT:" in line)
    local = datetime.strptime(first_line[:19], "%Y-%m-%d %H:%M:%S")
    assert first_line[20:23] == "-03"
    assert events[0].time == (local + timedelta(hours=3)).replace(tzinfo=UTC)
    assert events[0].details["pid"] == first_line.split("[")[1].split("]")[0]


def test_a_prefix_that_does_not_fit_says_so():
    with pytest.raises(CollectorParseError, match="does not start with log_line_prefix"):
        parse(PGAUDIT_CUSTOM)


AUDIT_TAIL = "LOG:  AUDIT: SESSION,1,1,READ,SELECT,TABLE,public.orders,select 1,<not logged>"


@pytest.mark.parametrize(
    ("prefix", "line", "expected"),
    [
        ("%m [%p] %q%u@%d ", "2026-11-24 03:00:00.123 UTC [42] ana@shop ", ("ana", "shop", 123)),
        ("%m %u %d [%p]: ", "2026-11-24 03:00:00.123 GMT ana shop [42]: ", ("ana", "shop", 123)),
        (
            "%t [%p]: user=%u,db=%d,app=%a,client=%h ",
            "2026-11-24 03:00:00 UTC [7]: user=ana,db=shop,app=psql,client=10.0.0.1 ",
            ("ana", "shop", 0),
        ),
        ("%n %u %d %c ", "1795489200.250 ana shop 6762f1a7.3a2 ", ("ana", "shop", 250)),
        ("%m %-10u|%d ", "2026-11-24 03:00:00.000 UTC ana       |shop ", ("ana", "shop", 0)),
        ("%%%m %u ", "%2026-11-24 03:00:00.000 UTC ana ", ("ana", None, 0)),
        (
            "%m [%p] %r %l %x %v %e %i %b %Q %s %u ",
            "2026-11-24 03:00:00.000 UTC [1] "
            "[local] 3 0 3/7 00000 SELECT client backend 0 2026-11-24 02:00:00 UTC ana ",
            ("ana", None, 0),
        ),
    ],
)
def test_log_line_prefixes(prefix, line, expected):
    [event] = parse(line + AUDIT_TAIL + "\n", log_line_prefix=prefix)
    user, database, millis = expected
    assert event.actor == user
    assert event.details.get("database") == database
    assert event.time == datetime(2026, 11, 24, 3, 0, 0, millis * 1000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("%m [%p] ", "has no %u"),  # PostgreSQL's own default names no user
        ("%u %d ", "has no time"),
        ("%m %u %z ", "unknown escape %z"),
        ("%m %u %", "ends with a lone '%'"),
        ("%m %u%d ", "%u and %d follow each other"),
    ],
)
def test_prefixes_that_cannot_give_an_audit_event_refuse_the_file(prefix, reason):
    with pytest.raises(CollectorParseError, match=reason):
        parse(PGAUDIT, log_line_prefix=prefix)
    with pytest.raises(CollectorParseError, match=reason):
        prefix_pattern(prefix)


@pytest.mark.parametrize(
    ("zone", "hours"),
    [("UTC", 0), ("GMT", 0), ("+02", -2), ("-03", 3), ("+0530", -5.5), ("-03:30", 3.5)],
)
def test_utc_and_numeric_zones(zone, hours):
    line = f"2026-11-24 03:00:00.000 {zone} [1] ana@shop {AUDIT_TAIL}\n"
    [event] = parse(line)
    assert event.time == datetime(2026, 11, 24, 3, tzinfo=UTC) + timedelta(hours=hours)


@pytest.mark.parametrize("zone", ["CET", "EST", "IST", "+25"])
def test_ambiguous_zone_abbreviations_are_refused(zone):
    good = f"2026-11-24 03:00:00.000 UTC [1] ana@shop {AUDIT_TAIL}\n"
    bad = f"2026-11-24 03:00:00.000 {zone} [1] ana@shop {AUDIT_TAIL}\n"
    result = parse(good + bad)
    [problem] = result.problems
    assert problem.position == "line 2"
    assert "log_timezone = 'UTC'" in problem.reason


@pytest.mark.parametrize(
    ("audit", "reason"),
    [
        ("SESSION,1,1,READ,SELECT", "has 5 fields"),
        ('SESSION,1,1,READ,SELECT,TABLE,t,"select 1,<not logged>', "not valid CSV"),
        ("AUDITED,1,1,READ,SELECT,TABLE,t,select 1,<not logged>", "is not SESSION or OBJECT"),
        ("SESSION,one,1,READ,SELECT,TABLE,t,select 1,<not logged>", "must be numbers"),
        ("SESSION,1,1,,,TABLE,t,select 1,<not logged>", "no CLASS or COMMAND"),
    ],
)
def test_a_malformed_audit_line_is_a_problem_the_others_land(audit, reason):
    good = f"2026-11-24 03:00:00.000 UTC [1] ana@shop {AUDIT_TAIL}\n"
    bad = f"2026-11-24 03:00:00.000 UTC [1] ana@shop LOG:  AUDIT: {audit}\n"
    result = parse("some other server line\n" + good + bad)
    assert len(result.records) == 1
    assert result.problems[0].position == "line 3"
    assert reason in result.problems[0].reason


def test_a_server_log_without_audit_entries_is_not_evidence():
    log = b"\n".join(line for line in PGAUDIT.split(b"\n") if b"AUDIT:" not in line)
    with pytest.raises(NotEvidence, match="without pgaudit entries"):
        parse(log, format="pgaudit")


def test_statements_in_a_non_utf8_database_are_read_leniently():
    log = PGAUDIT.replace(b"SELECT 1;", b"SELECT 'caf\xe9';")
    events = parse(log)
    assert any(e.details["statement"] == "SELECT 'caf\ufffd';" for e in events)


# --- CloudTrail ---------------------------------------------------------------------------


def test_cloudtrail_file():
    events = parse(CLOUDTRAIL)
    assert isinstance(events, list) and len(events) == 6
    get, put, denied, glue, dynamo, login = events
    assert get.actor == "arn:aws:sts::111122223333:assumed-role/DataAnalyst/ana@example.com"
    assert (get.action, get.read_only, get.product_id) == ("s3:GetObject", True, "orders")
    assert get.resource == "arn:aws:s3:::harmonia-lake/orders/2026/11/part-0000.parquet"
    assert get.event_id == "3f1c8a52-6f0e-4b7a-9d1e-0a8b2c4d6e01"
    assert get.time == datetime(2026, 11, 24, 3, 0, 1, tzinfo=UTC)
    assert (put.actor, put.read_only, put.product_id) == ("orders-loader", False, "orders")
    assert denied.details["errorCode"] == "AccessDenied" and denied.product_id is None
    assert (glue.resource, glue.product_id, glue.read_only) == ("sales.orders", "orders", True)
    assert glue.details["read_only_inferred"] is True  # no readOnly: GetTable reads
    assert dynamo.actor == "dynamodb.application-autoscaling.amazonaws.com"
    assert dynamo.product_id == "playlists"  # the table name in the ARN
    assert (login.actor, login.resource) == (
        "arn:aws:iam::111122223333:root",
        "signin.amazonaws.com",
    )
    assert {e.source_tool for e in events} == {"cloudtrail"}
    assert len({e.natural_key for e in events}) == 6


def test_cloudtrail_gzip_as_delivered_to_s3():
    compressed = parse(gzip.compress(CLOUDTRAIL))
    assert [e.natural_key for e in compressed] == [e.natural_key for e in parse(CLOUDTRAIL)]


def test_cloudtrail_with_another_key_order_is_recognised():
    document = json.loads(CLOUDTRAIL)
    reordered = json.dumps({"ignored": 1, **document})
    assert len(parse(reordered)) == 6


def test_cloudtrail_record_problems_name_the_record():
    document = json.loads(CLOUDTRAIL)
    document["Records"][2]["eventTime"] = "yesterday"
    document["Records"][3] = "not a record"
    document["Records"][4]["readOnly"] = "false"
    result = parse(json.dumps(document))
    assert len(result.records) == 3
    assert [str(p) for p in result.problems] == [
        "Records[2]: eventTime: not an ISO 8601 time: 'yesterday'",
        "Records[3]: expected an object, found a string",
        "Records[4]: readOnly: expected true or false, found a string",
    ]


@pytest.mark.parametrize(
    ("identity", "actor"),
    [
        ({"type": "IAMUser", "userName": "bo", "arn": "arn:aws:iam::1:user/bo"}, "bo"),
        ({"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"userName": "R"}}}, "R"),
        ({"type": "Unknown", "principalId": "AIDA1"}, "AIDA1"),
        ({"type": "AWSAccount", "accountId": "999"}, "999"),
    ],
)
def test_the_most_specific_readable_actor(identity, actor):
    record = json.loads(CLOUDTRAIL)["Records"][0]
    record["userIdentity"] = identity
    [event] = parse(json.dumps({"Records": [record]}))
    assert event.actor == actor


def test_nan_and_infinity_are_not_json():
    with pytest.raises(CollectorParseError, match="Infinity is not a JSON number"):
        parse('{"Records": [{"eventTime": Infinity}]}')
    result = parse(lines(EVENT) + '{"time": NaN}\n')
    assert "NaN is not a JSON number" in result.problems[0].reason


def test_cloudtrail_special_files():
    assert parse('{"Records": []}') == []
    with pytest.raises(NotEvidence, match="digest"):
        parse(json.dumps({"digestStartTime": "x", "digestEndTime": "y", "logFiles": []}))
    insight = {"eventType": "AwsCloudTrailInsight", "eventTime": "2026-11-24T03:00:00Z"}
    with pytest.raises(NotEvidence, match="Insights"):
        parse(json.dumps({"Records": [insight]}))
    with pytest.raises(CollectorParseError, match="'Records' must be a list"):
        parse('{"Records": {"a": 1}}')


# --- generic JSON lines -------------------------------------------------------------------


def test_json_lines():
    result = parse(
        lines(
            dict(EVENT, product="orders", read_only=False, ticket="CHG-1"),
            dict(EVENT, id=7, action="orders.delete", resource="s3://elsewhere/x"),
            {k: v for k, v in EVENT.items() if k != "id"},
        )
    )
    first, second, third = result
    assert (first.product_id, first.read_only, first.event_id) == ("orders", False, "e-1")
    assert first.details == {"ticket": "CHG-1"}
    assert (second.event_id, second.read_only, second.product_id) == ("7", False, None)
    assert (third.product_id, third.read_only) == ("orders", True)  # by resource; download
    assert third.details["read_only_inferred"] is True
    assert {e.source_tool for e in result} == {"jsonl"}


@pytest.mark.parametrize(
    ("action", "reads"),
    [
        ("download", True),
        ("SELECT", True),
        ("s3:GetObject", True),
        ("orders.read", True),
        ("list_tables", True),
        ("Query", True),
        ("DescribeTable", True),
        ("update", False),
        ("s3:PutObject", False),
        ("readme.write", False),
        ("", False),
        ("get-rich.delete", False),
    ],
)
def test_read_only_is_inferred_from_the_verb(action, reads):
    assert is_read_action(action) is reads


def test_a_pretty_printed_json_document_that_is_not_cloudtrail_is_refused():
    with pytest.raises(CollectorParseError, match="not a CloudTrail file"):
        parse(json.dumps(EVENT, indent=2))


def test_unknown_products_named_in_json_lines_stay_apart():
    result = parse(
        lines(dict(EVENT, id=None, product="mystery-a"), dict(EVENT, id=None, product="mystery-b"))
    )
    assert isinstance(result, Parsed)
    assert "different event" in result.problems[0].reason


# --- format option ------------------------------------------------------------------------


def test_the_format_option_forces_a_reader():
    with pytest.raises(CollectorParseError, match="not valid JSON"):
        parse(PGAUDIT, format="cloudtrail")
    with pytest.raises(CollectorParseError, match="options.format 'syslog' is not one of"):
        parse(PGAUDIT, format="syslog")
    assert len(parse(lines(EVENT), format="jsonl")) == 1


@pytest.mark.parametrize("name", bad_input_names("audit_logs"))
def test_bad_input_corpus(name):
    check_bad_input(parse, "audit_logs", name)


# --- properties ---------------------------------------------------------------------------


def _never_crashes(content: bytes, **options) -> None:
    try:
        result = parse(content, **options)
    except (CollectorParseError, NotEvidence):
        return
    for event in records_of(result):
        assert event.time.tzinfo is not None
        assert isinstance(event.actor, str) and isinstance(event.read_only, bool)
        event.natural_key  # noqa: B018 - computing it must not fail


@settings(max_examples=300, deadline=None)
@given(st.binary(), st.sampled_from([None, "cloudtrail", "pgaudit", "jsonl"]))
def test_any_bytes_only_ever_refuse(content, form):
    _never_crashes(content, **({"format": form} if form else {}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_only_ever_refuses(value):
    _never_crashes(json.dumps(value).encode())
    _never_crashes(json.dumps({"Records": value}).encode())
    _never_crashes(json.dumps({"Records": [value]}).encode())


CLOUDTRAIL_RECORDS = json.loads(CLOUDTRAIL)["Records"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, len(CLOUDTRAIL_RECORDS) - 1),
    st.data(),
    JSON,
    st.booleans(),
)
def test_mutated_cloudtrail_records_only_ever_refuse(index, data, value, drop):
    key = data.draw(st.sampled_from(sorted(CLOUDTRAIL_RECORDS[index])))
    records = mutated(CLOUDTRAIL_RECORDS, (index, key), value, drop)
    try:
        content = json.dumps({"Records": records}, allow_nan=False).encode()
    except ValueError:  # Infinity is not JSON: the file is refused, which is all we ask
        _never_crashes(json.dumps({"Records": records}).encode())
        return
    _never_crashes(content)
    result = parse(content)  # the five untouched records always land
    assert len(records_of(result)) >= len(records) - 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(EVENT) + ["product", "read_only"]), JSON, st.booleans())
def test_mutated_json_lines_only_ever_refuse(key, value, drop):
    mutated = {k: v for k, v in EVENT.items() if k != key} if drop else dict(EVENT, **{key: value})
    _never_crashes(lines(dict(EVENT, id="other"), mutated).encode())


PGAUDIT_LINES = PGAUDIT.decode().split("\n")
AUDIT_LINE_NUMBERS = [i for i, line in enumerate(PGAUDIT_LINES) if "AUDIT:" in line]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(AUDIT_LINE_NUMBERS),
    st.integers(0, 9),
    st.text(max_size=30),
    st.booleans(),
)
def test_mutated_pgaudit_lines_only_ever_refuse(number, field, text, cut):
    mutated = list(PGAUDIT_LINES)
    head, _, audit = mutated[number].partition("AUDIT: ")
    fields = audit.split(",")
    if cut:
        mutated[number] = mutated[number][: len(head) + len("AUDIT: ") + len(text)]
    elif field < len(fields):
        fields[field] = text
        mutated[number] = head + "AUDIT: " + ",".join(fields)
    _never_crashes("\n".join(mutated).encode())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=80))
def test_random_prefix_text_only_ever_refuses(before, user, audit):
    line = f"2026-11-24 03:00:00.000 {before} [1] {user}@db LOG:  AUDIT: {audit}\n"
    _never_crashes(line.encode())


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 99999),
            st.integers(1, 50),
            st.integers(1, 3),
            st.sampled_from(["public.orders", "public.customers", ""]),
        ),
        min_size=1,
        max_size=20,
        unique=True,
    )
)
def test_distinct_pgaudit_entries_have_distinct_keys(entries):
    log = "".join(
        f"2026-11-24 03:00:00.000 UTC [{pid}] ana@shop LOG:  AUDIT: "
        f"SESSION,{statement},{sub},READ,SELECT,TABLE,{name},select 1,<not logged>\n"
        for pid, statement, sub, name in entries
    )
    events = parse(log)
    assert len(events) == len(entries)
    assert len({e.natural_key for e in events}) == len(entries)
