"""Natural keys stay what they were: a store written by an older meshgov dedupes against them.

`_key` encodes text parts itself instead of calling json.dumps (a third of the cost on the
push path); these tests hold it to json.dumps' bytes and pin the keys of known records.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from governance.model.records import CheckResult, LineageObservation, PipelineRun, _key

WHEN = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def canonical(*parts: object) -> str:
    """How natural keys were always made: SHA-256 of json.dumps with sorted keys."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@given(st.lists(st.one_of(st.none(), st.text()), max_size=6))
def test_text_parts_key_as_json_dumps_would(parts):
    assert _key(*parts) == canonical(*parts)


@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=5),
            st.integers(),
            st.floats(allow_nan=False),
            st.booleans(),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=3),
        ),
        max_size=5,
    )
)
def test_any_parts_key_as_json_dumps_would(parts):
    assert _key(*parts) == canonical(*parts)


def test_known_records_keep_their_keys():
    run = PipelineRun(
        "orders", "dbt/orders.build", "0192d5a0-0000-7000-8000-000000000001", "COMPLETE",
        None, WHEN, "openlineage", "x",
    )  # fmt: skip
    edge = LineageObservation(
        None, "orders", "s3://raw/shop_events", "dbt/orders.build", WHEN, "openlineage", "x"
    )
    check = CheckResult(
        "orders", None, "openlineage", "sales.orders", "not_null", "order_id", True, "pass",
        None, None, None, WHEN, "x", {"params": {}},
    )  # fmt: skip
    assert run.natural_key == "cfbac46157f262d4ac2286d57429082009f3444214968e2fbcee2d109a37de7f"
    assert edge.natural_key == "40cc3283820362258c85b37ffe54016691a56a9ebee144d6393a9f81a313991c"
    assert check.check_key == "1c168adb006b04fdb0184863ec676826a449c3a631bf1e8b02188f16ee9594e9"


def test_a_remembered_key_follows_the_record():
    check = CheckResult(
        "orders", None, "openlineage", "sales.orders", "not_null", "order_id", True, "pass",
        None, None, None, WHEN, "x", {"params": {"min": 1}},
    )  # fmt: skip
    key = check.check_key
    assert check.check_key == key
    # A changed copy has its own key, however the original's was remembered.
    moved = dataclasses.replace(check, product_id="revenue")
    assert moved.check_key != key
    assert moved.check_key == dataclasses.replace(moved).check_key
    # What is remembered is no part of the record's value, its repr, or its pickle's meaning.
    fresh = CheckResult(*(getattr(check, f.name) for f in dataclasses.fields(check) if f.init))
    assert fresh == check and hash(fresh) == hash(check) and repr(fresh) == repr(check)
    assert pickle.loads(pickle.dumps(check)).check_key == key
    edge = LineageObservation(None, "orders", "s3://raw/x", "job", WHEN, "openlineage", "x")
    assert dataclasses.replace(edge, job="other").natural_key != edge.natural_key
