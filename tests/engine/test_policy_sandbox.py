"""The policy sandbox: no way out of CEL, size bounds at load time, a time budget at run time."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path
from typing import Any

import cel
import pytest

from governance.engine.policies import (
    Policy,
    PolicyPack,
    evaluate_mesh,
    evaluate_product,
    load_file,
    load_pack,
    sandbox,
)
from tests.engine.facts_builder import NOW, TODAY, healthy_facts, with_path
from tests.engine.test_policies import compile_one, entry, write

GOVERNANCE = Path(__file__).parents[2] / "governance"


def refusal_of(tmp_path: Path, expression: str) -> str:
    """The reason a policy with this expression is refused; its neighbour still loads."""
    path = write(
        tmp_path,
        "global/p.yaml",
        {"policies": [entry("escape-attempt", expression=expression), entry("neighbour")]},
    )
    found, refused = load_file(path, tmp_path)
    assert [p.id for p in found] == ["neighbour"]
    (refusal,) = refused
    assert (refusal.path, refusal.policy_id) == (str(path), "escape-attempt")
    return refusal.reason


# --- no way out: files, network, environment, process ------------------------------------


@pytest.mark.parametrize(
    ("expression", "function"),
    [
        pytest.param('open("/etc/passwd") != ""', "open", id="file"),
        pytest.param('facts.product.id.read() != ""', "read", id="file-method"),
        pytest.param('http.get("https://example.org") == 200', "get", id="network"),
        pytest.param('env("HOME") != ""', "env", id="environment"),
        pytest.param('getenv("PATH") != ""', "getenv", id="environment-getenv"),
        pytest.param('__import__("os") != null', "__import__", id="python-import"),
        pytest.param('system("rm -rf /") == 0', "system", id="process"),
        pytest.param('eval("1") == 1', "eval", id="eval"),
        pytest.param("lists.range(10).size() == 10", "range", id="opt-in-stdlib-range"),
        pytest.param('"a,b".split(",").size() == 2', "split", id="opt-in-stdlib-split"),
        pytest.param("max(1, 2) == 2", "max", id="not-in-this-runtime"),
    ],
)
def test_a_function_cel_does_not_provide_is_refused_at_load(tmp_path, expression, function):
    reason = refusal_of(tmp_path, expression)
    assert reason.startswith(f"CEL: unknown function(s) {function};")
    assert "only CEL's standard functions" in reason


@pytest.mark.parametrize(
    "expression",
    [
        'open("/etc/passwd") != ""',
        'env("HOME") != ""',
        'http.get("https://example.org") == 200',
        '__import__("os") != null',
    ],
)
def test_the_runtime_itself_has_no_such_function(expression):
    # Past the load-time refusal, the runtime still knows no such name: nothing happens.
    program = cel.compile(expression)
    with pytest.raises(RuntimeError, match="Undefined variable or function"):
        program.execute(sandbox.facts_context(healthy_facts()))


@pytest.mark.parametrize(
    ("expression", "error"),
    [
        pytest.param("facts.__class__ != null", "KeyError", id="dunder-of-facts"),
        pytest.param("facts.product.__dict__.size() > 0", "KeyError", id="dict-of-a-map"),
        pytest.param("facts.product.id.__class__ != null", "TypeError", id="dunder-of-a-string"),
        pytest.param("facts.owners.__len__ > 0", "TypeError", id="dunder-of-a-list"),
        pytest.param('"a" * 3 == "aaa"', "TypeError", id="no-string-repetition"),
        pytest.param("[1] * 3 == [1, 1, 1]", "TypeError", id="no-list-repetition"),
    ],
)
def test_python_attributes_are_not_reachable_from_an_expression(tmp_path, expression, error):
    policy = compile_one(tmp_path, expression=expression)
    (result,) = evaluate_product([policy], healthy_facts(), TODAY)
    assert result.outcome == "error"
    assert result.message.startswith(f"CEL evaluation failed: {error}")


class Secret:
    """A Python object with an attribute and a method an expression must never reach."""

    token = "s3cret"

    def reveal(self) -> str:
        raise AssertionError("a method of a Python object was called from CEL")


def _never_called() -> str:
    raise AssertionError("a Python function was called from CEL")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(Secret(), "facts.product.extra is a Secret", id="object"),
        pytest.param(_never_called, "facts.product.extra is a function", id="function"),
        pytest.param(os.getcwd, "facts.product.extra is a builtin_function_or_method", id="os"),
        pytest.param(dt.date(2026, 1, 1), "facts.product.extra is a date", id="date"),
        pytest.param({"a"}, "facts.product.extra is a set", id="set"),
        pytest.param({1: "a"}, "facts.product.extra has a int key 1", id="int-key"),
        pytest.param([1, [Secret()]], "facts.product.extra[1][0] is a Secret", id="deep"),
        pytest.param(type("Text", (str,), {})("x"), "facts.product.extra is a Text", id="str-sub"),
    ],
)
def test_facts_that_are_not_plain_data_never_reach_cel(tmp_path, value, shown):
    policy = compile_one(tmp_path, expression="facts.owners.size() > 0")
    facts = with_path(healthy_facts(), "product.extra", value)
    (result,) = evaluate_product([policy], facts, TODAY)
    assert result.outcome == "error"
    assert result.message == f"facts are not plain data: {shown}"


def test_plain_facts_of_every_json_type_are_accepted():
    facts = {"s": "x", "i": 1, "f": 1.5, "b": True, "n": None, "l": [1, "a"], "t": (1, 2)}
    assert not isinstance(sandbox.facts_context({"product": facts}), str)


@pytest.mark.parametrize("value", [Secret(), _never_called, os.getcwd])
def test_the_runtime_refuses_python_objects_in_a_context(value):
    # What the plain-data check relies on as a second wall: cel converts, never wraps.
    with pytest.raises(ValueError, match="Failed to convert"):
        cel.Context().add_variable("facts", {"x": value})


def test_meshgov_registers_no_python_function_with_cel():
    # The package's only doors to Python: functions in a context, a variable resolver, and
    # the opt-in stdlib of Python callbacks. None of them may be used by meshgov.
    doors = re.compile(
        r"add_function|set_variable_resolver|add_stdlib_to_context|cel\.stdlib|"
        r"cel\.Context\(\s*[^)\s]|functions\s*="
    )
    used = [
        f"{path.relative_to(GOVERNANCE)}:{number}"
        for path in sorted(GOVERNANCE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if doors.search(line) and not line.lstrip().startswith(("#", '"', "`"))
    ]
    assert used == []


# --- size bounds at load time ------------------------------------------------------------

LIST = "[" + ", ".join(str(n) for n in range(101)) + "]"


def padded(length: int) -> str:
    """`facts.owners.size() > 0` padded with spaces inside parentheses to a length."""
    return "(" + " " * (length - 25) + "facts.owners.size() > 0)"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        pytest.param(
            padded(2_001),
            "expression is 2,001 characters, over the limit of 2,000 (MAX_EXPRESSION_LENGTH)",
            id="length",
        ),
        pytest.param(
            "(" * 17 + "facts.runs.total > 0" + ")" * 17,
            "brackets nest 17 deep, over the limit of 16 (MAX_NESTING_DEPTH)",
            id="nesting",
        ),
        pytest.param(
            " && ".join(["facts.owners.all(o, o != null)"] * 9),
            "more than 8 comprehensions (all, exists, exists_one, map, filter), "
            "the limit (MAX_COMPREHENSIONS)",
            id="comprehension-count",
        ),
        pytest.param(
            "facts.owners.all(a, facts.owners.all(b, facts.owners.exists(c, a == c)))",
            "comprehensions nest 3 deep (all > all > exists), over the limit of 2 "
            "(MAX_COMPREHENSION_DEPTH)",
            id="comprehension-depth",
        ),
        pytest.param(
            "facts.owners.all(a, facts.owners.map(b, b).size() > 0)",
            "all > map: map() and filter() may not nest with another comprehension",
            id="map-inside-all",
        ),
        pytest.param(
            "facts.owners.map(a, facts.owners.exists(b, a == b)).size() > 0",
            "map > exists: map() and filter() may not nest",
            id="exists-inside-map",
        ),
        pytest.param(
            "facts.owners.filter(a, facts.owners.filter(b, a == b).size() > 0).size() > 0",
            "filter > filter: map() and filter() may not nest",
            id="filter-inside-filter",
        ),
        pytest.param(
            "facts.owners.map // a comment does not hide the call\n"
            "(a, facts.owners.all(b, a == b)).size() > 0",
            "map > all: map() and filter() may not nest",
            id="macro-behind-a-comment",
        ),
        pytest.param(
            r"r'\' != '' && facts.owners.map(a, facts.owners.all(b, a == b)).size() > 0",
            "map > all: map() and filter() may not nest",
            id="macro-after-a-raw-string",
        ),
        pytest.param(
            f"{LIST}.size() > 0",
            "a list literal with more than 100 items, the limit (MAX_LITERAL_ITEMS)",
            id="list-literal",
        ),
        pytest.param(
            "{" + ", ".join(f'"k{n}": {n}' for n in range(101)) + "}.size() > 0",
            "a map literal with more than 100 items, the limit (MAX_LITERAL_ITEMS)",
            id="map-literal",
        ),
    ],
)
def test_an_expression_over_a_size_bound_is_refused_naming_the_bound(
    tmp_path, expression, expected
):
    reason = refusal_of(tmp_path, expression)
    assert reason.startswith("sandbox: ")
    assert expected in reason


@pytest.mark.parametrize(
    "expression",
    [
        pytest.param(padded(2_000), id="2000-characters"),
        pytest.param("(" * 16 + "facts.runs.total > 0" + ")" * 16, id="nesting-16"),
        pytest.param(" && ".join(["facts.owners.all(o, o != null)"] * 8), id="8-comprehensions"),
        pytest.param(
            "facts.owners.all(a, facts.team.exists(b, a.username == b.username))", id="depth-2"
        ),
        pytest.param(
            "facts.owners.filter(o, o != null).map(o, o).all(o, o != null)", id="chained-macros"
        ),
        pytest.param(
            'facts.product.description != "((((((((((((((((((.map(.all(.all("', id="in-a-string"
        ),
        pytest.param(
            "[" + ", ".join(str(n) for n in range(100)) + "].exists(n, n == 99)", id="100-items"
        ),
    ],
)
def test_an_expression_at_a_bound_loads(tmp_path, expression):
    policy = compile_one(tmp_path, expression=expression)
    assert len(policy.expression) <= sandbox.MAX_EXPRESSION_LENGTH
    assert evaluate_product([policy], healthy_facts(), TODAY)[0].outcome in ("pass", "fail")


def test_the_default_pack_is_well_inside_every_bound():
    pack = load_pack(Path(__file__).parents[2] / "policy_rules")
    assert pack.refusals == ()
    assert max(len(p.expression) for p in pack.policies) < sandbox.MAX_EXPRESSION_LENGTH // 10


# --- the time budget at run time ---------------------------------------------------------

COLUMNS = [f"column_{n}" for n in range(1_200)]
# Within every size bound, yet 1.44 million comparisons over a wide product's columns.
SLOW = (
    "facts.classification.unclassified.all(a, "
    "facts.classification.unclassified.all(b, a != b || a == b))"
)


def wide_products(count: int) -> dict[str, dict[str, Any]]:
    """Products with 1,200 unclassified columns; every third one has no owner."""
    mesh = {}
    for n in range(count):
        facts = with_path(healthy_facts(), "classification.unclassified", COLUMNS)
        facts["product"]["id"] = f"product-{n:03d}"
        if n % 3 == 0:
            facts["owners"] = []
        mesh[facts["product"]["id"]] = facts
    return mesh


def normal_and_slow(tmp_path: Path) -> list[Policy]:
    return [
        compile_one(tmp_path, "global/owner.yaml", id="owner-present"),
        compile_one(tmp_path, "global/slow.yaml", id="pathological", expression=SLOW),
        compile_one(
            tmp_path, "global/tags.yaml", id="tagged", expression="facts.product.tags.size() > 0"
        ),
    ]


def test_a_pathological_policy_is_stopped_once_and_skipped_for_the_rest_of_the_run(tmp_path):
    policies = normal_and_slow(tmp_path)
    mesh = wide_products(200)

    started = time.perf_counter()
    results = evaluate_mesh(PolicyPack(tuple(policies)), mesh, NOW)
    elapsed = time.perf_counter() - started
    # Paid on the first product only: 200 runs of it would take 100 s and more.
    assert elapsed < 10, f"{elapsed:.1f} s"
    first, *rest = [rs[1] for rs in results.values()]
    assert first.outcome == "error"
    assert re.fullmatch(r"stopped: took [\d,]+ ms, over the 50 ms budget", first.message)
    assert {r.outcome for r in rest} == {"error"}
    assert all(
        re.fullmatch(
            r"stopped: skipped for the rest of this run; it took [\d,]+ ms on product-000, "
            r"over the 50 ms budget",
            r.message,
        )
        for r in rest
    )
    for n, (pid, (owner, _, tagged)) in enumerate(results.items()):
        assert (owner.product_id, owner.outcome) == (pid, "fail" if n % 3 == 0 else "pass")
        assert tagged.outcome == "pass"


def test_without_a_shared_budget_each_product_is_stopped_on_its_own(tmp_path):
    policies = normal_and_slow(tmp_path)
    for facts in wide_products(2).values():
        owner, slow, tagged = evaluate_product(policies, facts, TODAY)
        assert slow.message.startswith("stopped: took ")
        assert (tagged.outcome, slow.outcome) == ("pass", "error")


def test_a_shared_budget_skips_without_running_the_program_again(tmp_path):
    slow = compile_one(tmp_path, "global/slow.yaml", id="pathological", expression=SLOW)
    budget = sandbox.RunBudget()
    mesh = wide_products(3)
    started = time.thread_time()
    evaluate_product([slow], mesh["product-000"], TODAY, budget)
    once = time.thread_time() - started
    started = time.thread_time()
    for facts in list(mesh.values())[1:]:
        (result,) = evaluate_product([slow], facts, TODAY, budget)
        assert result.message.startswith("stopped: skipped for the rest of this run")
    assert time.thread_time() - started < once / 4
    assert list(budget.stopped) == ["pathological"]


def test_an_error_over_the_budget_is_reported_as_over_the_budget(tmp_path):
    # A slow expression that then fails still costs its time: the budget names it.
    slow_error = SLOW + " && facts.no_such == 1"
    policy = compile_one(tmp_path, id="slow-then-broken", expression=slow_error)
    facts = wide_products(1)["product-000"]
    (result,) = evaluate_product([policy], facts, TODAY)
    assert result.outcome == "error"
    assert result.message.startswith("stopped: took ")
