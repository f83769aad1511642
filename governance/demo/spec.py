"""Building blocks of the demo mesh: products, ports, contracts, columns and checks.

The dataclasses the domain modules declare the mesh with, the constructors that keep those
declarations short (value generators, GX expectations, servers, team members), and the
vocabulary more than one domain shares.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

EMAIL_DOMAIN = "harmonia-music.example"
CHAT_URL = "https://chat.harmonia-music.example/channels"
TICKETS_URL = "https://tickets.harmonia-music.example/projects"


@dataclass(frozen=True)
class Gen:
    """How the demo makes a column's values: a generator kind and its arguments."""

    kind: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Column:
    """One ODCS property; classification None means nobody classified it."""

    name: str
    logical_type: str
    physical_type: str
    classification: str | None
    description: str
    gen: Gen
    required: bool = False
    primary_key: bool = False


NO_DATA = Gen("none")  # source-system columns: the demo generates no data for them


def weighted(**shares: float) -> Gen:
    """Values drawn with these shares, e.g. weighted(paid=0.9, held=0.1)."""
    return Gen("choice", (tuple(shares), tuple(shares.values())))


def one_of(values: tuple[str, ...]) -> Gen:
    """Values drawn uniformly from `values`."""
    return Gen("choice", (values,))


def ints(low: int, high: int) -> Gen:
    """Integers from `low` to `high` inclusive."""
    return Gen("int", (low, high))


def amounts(mean: float, sd: float, low: float, high: float) -> Gen:
    """Normally distributed amounts clipped to [low, high], two decimals."""
    return Gen("number", (mean, sd, low, high))


def ref(prefix: str, pool: int, distinct: bool = False) -> Gen:
    """References like ART-000042 into a pool of entities (distinct: one row per entity)."""
    return Gen("ref", (prefix, pool, distinct))


def key(prefix: str) -> Gen:
    """Row keys like PAY-261124-00017, unique per day."""
    return Gen("key", (prefix,))


# The two expectation types the demo's data and evaluator treat apart from the rest.
ROW_COUNT = "expect_table_row_count_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"


@dataclass(frozen=True)
class Expectation:
    """One GX expectation of a product's suite, by its snake_case type name."""

    type: str
    column: str | None = None
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments as GX takes them (tuples become lists)."""
        found: dict[str, Any] = {"column": self.column} if self.column else {}
        for key, value in self.params:
            found[key] = list(value) if isinstance(value, tuple) else value
        return found


def not_null(column: str) -> Expectation:
    """expect_column_values_to_not_be_null."""
    return Expectation(NOT_NULL, column)


def unique(column: str) -> Expectation:
    """expect_column_values_to_be_unique."""
    return Expectation("expect_column_values_to_be_unique", column)


def between(column: str, low: float, high: float) -> Expectation:
    """expect_column_values_to_be_between (inclusive bounds)."""
    return Expectation(
        "expect_column_values_to_be_between", column, (("min_value", low), ("max_value", high))
    )


def in_set(column: str, values: tuple[str, ...]) -> Expectation:
    """expect_column_values_to_be_in_set."""
    return Expectation("expect_column_values_to_be_in_set", column, (("value_set", values),))


def matches(column: str, regex: str) -> Expectation:
    """expect_column_values_to_match_regex (GX searches, so anchor the pattern)."""
    return Expectation("expect_column_values_to_match_regex", column, (("regex", regex),))


def row_count(low: int, high: int) -> Expectation:
    """expect_table_row_count_to_be_between."""
    return Expectation(ROW_COUNT, None, (("min_value", low), ("max_value", high)))


@dataclass(frozen=True)
class ContractSpec:
    """An ODCS contract with one schema object: a product's port or a system's feed."""

    id: str
    name: str
    object_name: str
    physical_type: str  # table | topic
    description: str
    columns: tuple[Column, ...]
    server: dict[str, Any]
    latency_hours: int = 24
    version: str = "1.0.0"
    status: str = "active"


@dataclass(frozen=True)
class SourceSystem:
    """An operational system outside the mesh; products read its feed through a contract."""

    domain: str
    contract: ContractSpec


@dataclass(frozen=True)
class InputPort:
    """Consumes the contract `contract_id`, served by a product or by a source system."""

    name: str
    contract_id: str
    version: str = "1.0.0"


@dataclass(frozen=True)
class OutputPort:
    """Serves one contract."""

    name: str
    type: str
    description: str
    contract: ContractSpec
    version: str = "1.0.0"


@dataclass(frozen=True)
class Member:
    """A team member; the accountable one has role `owner`."""

    username: str
    name: str
    role: str


@dataclass(frozen=True)
class DemoProduct:
    """A product of the demo mesh, with the story its evidence tells."""

    id: str
    name: str
    domain: str
    archetype: str  # source-aligned | aggregate | consumer-aligned
    tier: str
    purpose: str
    usage: str
    limitations: str
    tags: tuple[str, ...]
    team: tuple[Member, ...]
    channel: str
    inputs: tuple[InputPort, ...]
    outputs: tuple[OutputPort, ...]
    suite: tuple[Expectation, ...]
    status: str = "active"
    version: str = "1.0.0"
    run_hour: int = 5  # when its nightly validation runs (UTC)
    daily_rows: tuple[int, int] = (220, 480)
    noise: float = 0.12  # chance of an everyday defect on a given day
    stale_days: int = 0  # story: evidence stops this many days before today
    # Story "quality degrades": over the last `degrading_days`, each (column, from day) pair
    # breaks a growing share of that column's values from that day of the decline on.
    degrading: tuple[tuple[str, int], ...] = ()
    degrading_days: int = 0

    @property
    def evidence_port(self) -> OutputPort:
        """The port the suite validates: the first output port."""
        return self.outputs[0]

    @property
    def suite_name(self) -> str:
        """GX suite name: `<product-id>.<port>`."""
        return f"{self.id}.{self.evidence_port.name}"


def member(name: str, role: str) -> Member:
    """A Harmonia team member, with the mail address the company gives them."""
    # Mail addresses are ASCII: Tomás Ribeiro is tomas.ribeiro@.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    username = ascii_name.lower().replace(" ", ".").replace("'", "")
    return Member(f"{username}@{EMAIL_DOMAIN}", name, role)


def warehouse(dataset: str) -> dict[str, Any]:
    """The ODCS server of a dataset in Harmonia's warehouse."""
    return {
        "server": "production",
        "type": "bigquery",
        "project": "harmonia-mesh",
        "dataset": dataset,
    }


def kafka() -> dict[str, Any]:
    """The ODCS server of Harmonia's event streams."""
    return {
        "server": "production",
        "type": "kafka",
        "host": "kafka.harmonia-music.example:9093",
        "format": "avro",
    }


def postgres(database: str) -> dict[str, Any]:
    """The ODCS server of an operational system's database."""
    host = f"{database}-db.harmonia-music.example"
    return {
        "server": "production",
        "type": "postgres",
        "host": host,
        "port": 5432,
        "database": database,
        "schema": "public",
    }


def col(
    name: str,
    logical: str,
    physical: str,
    classification: str | None,
    description: str,
    gen: Gen = NO_DATA,
    key: bool = False,
) -> Column:
    """A Column on one line; `key` makes it the required primary key."""
    return Column(name, logical, physical, classification, description, gen, key, key)


# Values more than one domain uses.
COUNTRIES = ("SE", "DE", "GB", "US", "BR", "MX", "FR", "NL", "NG", "IN", "JP", "ES")
CURRENCIES = ("EUR", "USD", "GBP", "SEK", "BRL")
PLATFORMS = ("ios", "android", "web", "desktop", "smart-speaker", "car")
COUNTRY = one_of(COUNTRIES)
ARTIST_ID = ref("ART", 40000)
USER_ID = ref("USR", 900000)
EMAIL_RE = r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"
