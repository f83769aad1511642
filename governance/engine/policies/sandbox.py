"""The policy sandbox: what a CEL expression may call, how big it may be, how long it may run.

The CEL runtime (`common-expression-language`, Rust) reaches nothing outside its context
by itself: there is no file, network, environment or process function, a name it does not
know fails, and a context holds converted values, not Python objects, so no attribute or
method of a Python object is reachable. The only doors are the package's own
`Context.add_function`, `Context.update` (callables become functions),
`Context.set_variable_resolver` and the opt-in `cel.stdlib`; meshgov opens none of them.
Load time refuses any function outside the runtime's own standard library
(`ALLOWED_FUNCTIONS`) and any expression over the size bounds below; run time refuses
facts that are not plain data and stops a policy that runs over `EXECUTION_BUDGET_MS`.

Why a budget and not a timeout: `Program.execute` holds the GIL until it returns, so no
Python thread or signal can interrupt it. The size bounds keep the first run of an
expression polynomial in the size of the facts; the budget makes sure it is paid once
per evaluation run, not once per product.
"""

from __future__ import annotations

import gc
import re
import time
from dataclasses import dataclass, field
from typing import Any

import cel

from governance.errors import ExpressionRefused, FactsNotPlain

# Load-time bounds. Every shipped policy is under 100 characters, nests brackets at most
# 3 deep and uses at most two comprehensions, none nested; these leave room for that to grow.
MAX_EXPRESSION_LENGTH = 2_000
"""Characters in one expression."""
MAX_NESTING_DEPTH = 16
"""Open parentheses, brackets and braces at any point (the parser itself gives up near 100)."""
MAX_COMPREHENSIONS = 8
"""Comprehension macros (all, exists, exists_one, map, filter) in one expression."""
MAX_COMPREHENSION_DEPTH = 2
"""Comprehensions inside the arguments of another: 2 allows `a.all(x, b.exists(y, ...))`."""
MAX_LITERAL_ITEMS = 100
"""Items in one list or map literal: what a comprehension may iterate without the facts."""

# Run-time bound: CPU time of one execution (a shipped policy takes about 1 µs).
EXECUTION_BUDGET_MS = 50

COMPREHENSION_MACROS = ("all", "exists", "exists_one", "map", "filter")
# map() and filter() build their result by appending to a copied list in this runtime, so a
# list-building comprehension around or inside another one costs the cube of the list
# length (300 items: 0.5 to 1.2 s; 1,000: tens of seconds). Nested predicates (all, exists,
# exists_one) cost its square: 1,000 items, 0.2 s.
LIST_BUILDING_MACROS = ("map", "filter")

# The runtime's own functions (operators as the parser names them) and nothing else.
ALLOWED_FUNCTIONS = frozenset(
    {
        "!_", "-_", "_+_", "_-_", "_*_", "_/_", "_%_", "_==_", "_!=_", "_<_", "_<=_", "_>_",
        "_>=_", "_&&_", "_||_", "_?_:_", "_[_]", "@in", "@not_strictly_false",
        "size", "contains", "startsWith", "endsWith", "matches",
        "int", "uint", "double", "string", "bytes", "timestamp", "duration", "type", "dyn",
        "getFullYear", "getMonth", "getDayOfYear", "getDayOfMonth", "getDate", "getDayOfWeek",
        "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    }
)  # fmt: skip

_PLAIN_SCALARS = (str, int, float, bool, type(None))
# String literals (raw, bytes, triple-quoted) and `//` comments: blanked before counting,
# so a bracket or `.map(` inside them counts for nothing and a comment hides no macro call.
_LITERAL_OR_COMMENT = re.compile(
    # raw strings first: a backslash escapes nothing in them
    r"(?:[bB]?[rR]|[rR][bB])(?:'{3}.*?'{3}|\"{3}.*?\"{3}|'[^'\n]*'|\"[^\"\n]*\")"
    r"|[bB]?(?:'{3}(?:\\.|[^\\])*?'{3}|\"{3}(?:\\.|[^\\])*?\"{3}"
    r"|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\")"
    r"|//[^\n]*",
    re.DOTALL,
)
# Identifiers (not the letters inside a number such as 1e5) and the brackets and commas
# that scope macro variables.
_TOKEN = re.compile(r"(?<![0-9A-Za-z_])[A-Za-z_][A-Za-z0-9_]*|[()\[\]{},]")
_MACRO_CALL = re.compile(r"\.\s*(" + "|".join(COMPREHENSION_MACROS) + r")\s*\(")


class SandboxViolation(ExpressionRefused):
    """An expression over a size bound: the message names the bound and its limit."""


def compile_expression(expression: str) -> Any:
    """The compiled program of an expression within the bounds, reading only `facts`."""
    try:
        check_expression(expression)  # before the parser sees it
    except SandboxViolation as exc:
        raise SandboxViolation(f"sandbox: {exc}") from None
    try:
        program = cel.compile(expression)
    except (ValueError, RuntimeError) as exc:
        raise ExpressionRefused(f"CEL: {exc}") from exc
    references = program.references()
    unknown = sorted(set(references["functions"]) - ALLOWED_FUNCTIONS)
    if unknown:
        raise ExpressionRefused(
            f"CEL: unknown function(s) {', '.join(unknown)}; expressions may call only CEL's "
            "standard functions (size, contains, matches, timestamp, ...), nothing of Python"
        )
    unknown = unbound_variables(set(references["variables"]) - {"facts"}, expression)
    if unknown:
        raise ExpressionRefused(
            f"CEL: unknown variable(s) {', '.join(unknown)}; "
            "expressions read `facts` (see docs/facts.md)"
        )
    return program


def unbound_variables(variables: set[str], expression: str) -> list[str]:
    """Of `variables`, those used where no enclosing macro binds them.

    A macro binds its first argument inside its own brackets only: `p` in
    `ports.all(p, p.ok)` is bound, the `p` of `ports.all(p, p.ok) && p.ok` after the macro
    closes is not (the runtime would fail on it for every product, so it is refused at load).
    """
    code = _LITERAL_OR_COMMENT.sub(_blank, expression)
    macros = {m.end() - 1 for m in _MACRO_CALL.finditer(code)}  # at its "("
    stack: list[dict[str, Any]] = []  # one frame per open bracket
    unbound: set[str] = set()
    for token in _TOKEN.finditer(code):
        text = token.group(0)
        if text in "([{":
            stack.append({"macro": token.start() in macros, "binds": None, "commas": 0})
        elif text in ")]}":
            if stack:
                stack.pop()
        elif text == ",":
            if stack:
                stack[-1]["commas"] += 1
        elif stack and stack[-1]["macro"] and stack[-1]["commas"] == 0:
            stack[-1]["binds"] = text  # the macro's variable, bound from its next argument on
        elif text in variables and not _selected(code, token):
            if not any(f["binds"] == text and f["commas"] for f in stack):
                unbound.add(text)
    return sorted(unbound)


def _selected(code: str, token: re.Match[str]) -> bool:
    """A field or method name (`x.p`, `p(...)`), not a variable."""
    before = code[: token.start()].rstrip()
    after = code[token.end() :].lstrip()
    return before.endswith(".") or after.startswith("(")


def check_expression(expression: str) -> None:
    """Refuse an expression over a size bound, before it reaches the CEL parser."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise SandboxViolation(
            f"expression is {len(expression):,} characters, over the limit of "
            f"{MAX_EXPRESSION_LENGTH:,} (MAX_EXPRESSION_LENGTH); split it into several policies"
        )
    code = _LITERAL_OR_COMMENT.sub(_blank, expression)
    macros = {m.end() - 1: m.group(1) for m in _MACRO_CALL.finditer(code)}  # at its "("
    stack: list[dict[str, Any]] = []  # one frame per open bracket
    comprehensions = 0
    for index, char in enumerate(code):
        if char in "([{":
            frame = {"char": char, "macro": macros.get(index), "commas": 0}
            stack.append(frame)
            if len(stack) > MAX_NESTING_DEPTH:
                raise SandboxViolation(
                    f"brackets nest {len(stack)} deep, over the limit of {MAX_NESTING_DEPTH} "
                    "(MAX_NESTING_DEPTH)"
                )
            if frame["macro"]:
                comprehensions += 1
                _check_comprehension(stack, comprehensions)
        elif char in ")]}" and stack:
            stack.pop()
        elif char == "," and stack:
            stack[-1]["commas"] += 1
            _check_literal(stack[-1])


def _blank(match: re.Match[str]) -> str:
    return " " if match.group(0).startswith("//") else '""'


def _check_comprehension(stack: list[dict[str, Any]], count: int) -> None:
    if count > MAX_COMPREHENSIONS:
        raise SandboxViolation(
            f"more than {MAX_COMPREHENSIONS} comprehensions ({', '.join(COMPREHENSION_MACROS)}), "
            "the limit (MAX_COMPREHENSIONS)"
        )
    macros = [f["macro"] for f in stack if f["macro"]]
    if len(macros) > MAX_COMPREHENSION_DEPTH:
        raise SandboxViolation(
            f"comprehensions nest {len(macros)} deep ({' > '.join(macros)}), over the limit "
            f"of {MAX_COMPREHENSION_DEPTH} (MAX_COMPREHENSION_DEPTH)"
        )
    if len(macros) > 1 and set(macros) & set(LIST_BUILDING_MACROS):
        raise SandboxViolation(
            f"{' > '.join(macros)}: map() and filter() may not nest with another comprehension "
            "(their cost grows with the cube of the list); nest all()/exists() instead"
        )


def _check_literal(frame: dict[str, Any]) -> None:
    if frame["char"] != "(" and frame["commas"] >= MAX_LITERAL_ITEMS:  # n commas, n + 1 items
        kind = "list" if frame["char"] == "[" else "map"
        raise SandboxViolation(
            f"a {kind} literal with more than {MAX_LITERAL_ITEMS} items, the limit "
            "(MAX_LITERAL_ITEMS); read long lists from the facts"
        )


def facts_context(facts: Any) -> Any:
    """A CEL context holding the facts once they are known to be plain data, or why not (str)."""
    try:
        require_plain(facts)  # a Python object never reaches CEL, nor its attributes
    except FactsNotPlain as exc:
        return str(exc)
    context = cel.Context()
    context.add_variable("facts", facts)
    return context


def require_plain(value: Any, path: str = "facts") -> None:
    """Facts reach CEL only as dict (str keys), list, str, int, float, bool or None."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise FactsNotPlain(
                    f"facts are not plain data: {path} has a {type(key).__name__} key {key!r}"
                )
            require_plain(item, f"{path}.{key}")
    elif kind is list or kind is tuple:
        for index, item in enumerate(value):
            require_plain(item, f"{path}[{index}]")
    elif kind not in _PLAIN_SCALARS:  # exact types: a subclass may carry behaviour
        raise FactsNotPlain(f"facts are not plain data: {path} is a {kind.__name__}")


@dataclass
class RunBudget:
    """The execution budget of one evaluation run: a policy over it is skipped from then on."""

    budget_ms: float = EXECUTION_BUDGET_MS
    stopped: dict[str, str] = field(default_factory=dict)  # policy id -> why

    def run(
        self, policy_id: str, product_id: str, program: Any, context: Any
    ) -> tuple[Any, str | None]:
        """The program's value, or None and why it has none (error, over budget, no context)."""
        if isinstance(context, str):
            return None, context
        if policy_id in self.stopped:
            return None, self.stopped[policy_id]
        collecting = gc.isenabled()
        gc.disable()  # a collection pause is not the expression's cost
        started = time.thread_time()  # CPU time: a busy machine does not stop a policy
        try:
            value, error = program.execute(context), None
        except Exception as exc:  # CEL raises KeyError, TypeError, ZeroDivisionError, ...
            value, error = None, f"CEL evaluation failed: {type(exc).__name__}: {exc}"
        finally:
            elapsed_ms = (time.thread_time() - started) * 1000
            if collecting:
                gc.enable()
        if elapsed_ms > self.budget_ms:
            took, over = f"took {elapsed_ms:,.0f} ms", f"over the {self.budget_ms:g} ms budget"
            self.stopped[policy_id] = (
                f"stopped: skipped for the rest of this run; it {took} on {product_id}, {over}"
            )
            return None, f"stopped: {took}, {over}"
        return value, error
