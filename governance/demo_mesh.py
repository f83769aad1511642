"""The demo mesh: Harmonia Music, the streaming company of the data-mesh literature.

Products, their contracts, the operational systems they read from, and the quality suite
each product runs. Every governance story the demo tells is declared here, on the product
it belongs to, so that a reader sees the whole mesh in one file.
"""

from __future__ import annotations

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
    return Expectation("expect_column_values_to_not_be_null", column)


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
    return Expectation(
        "expect_table_row_count_to_be_between", None, (("min_value", low), ("max_value", high))
    )


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
    degrading_column: str | None = None  # story: defects on this column grow...
    degrading_days: int = 0  # ...over the last this many days

    @property
    def evidence_port(self) -> OutputPort:
        """The port the suite validates: the first output port."""
        return self.outputs[0]

    @property
    def suite_name(self) -> str:
        """GX suite name: `<product-id>.<port>`."""
        return f"{self.id}.{self.evidence_port.name}"


def _member(name: str, role: str) -> Member:
    username = name.lower().replace(" ", ".").replace("'", "")
    return Member(f"{username}@{EMAIL_DOMAIN}", name, role)


def _warehouse(dataset: str) -> dict[str, Any]:
    return {
        "server": "production",
        "type": "bigquery",
        "project": "harmonia-mesh",
        "dataset": dataset,
    }


def _kafka() -> dict[str, Any]:
    return {
        "server": "production",
        "type": "kafka",
        "host": "kafka.harmonia-music.example:9093",
        "format": "avro",
    }


def _postgres(database: str) -> dict[str, Any]:
    host = f"{database}-db.harmonia-music.example"
    return {
        "server": "production",
        "type": "postgres",
        "host": host,
        "port": 5432,
        "database": database,
        "schema": "public",
    }


def _c(
    name: str,
    logical: str,
    physical: str,
    classification: str | None,
    description: str,
    gen: Gen,
    key: bool = False,
) -> Column:
    return Column(name, logical, physical, classification, description, gen, key, key)


COUNTRIES = ("SE", "DE", "GB", "US", "BR", "MX", "FR", "NL", "NG", "IN", "JP", "ES")
CURRENCIES = ("EUR", "USD", "GBP", "SEK", "BRL")
GENRES = ("pop", "rock", "hip-hop", "electronic", "jazz", "classical", "latin", "afrobeats")
PLATFORMS = ("ios", "android", "web", "desktop", "smart-speaker", "car")
TIERS = ("free", "premium", "family", "student")
COUNTRY = Gen("choice", (COUNTRIES,))
ARTIST_ID = Gen("ref", ("ART", 40000, False))
USER_ID = Gen("ref", ("USR", 900000, False))
EMAIL_RE = r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"

# --- source systems (not products): their contracts describe the feeds products read.

SYSTEMS: tuple[SourceSystem, ...] = (
    SourceSystem(
        "artists",
        ContractSpec(
            "sys-artist-onboarding-app",
            "Artist onboarding app: sign-up forms",
            "artist_signups",
            "table",
            "Sign-up forms submitted by artists and labels in the onboarding app.",
            (
                _c(
                    "signup_id", "string", "uuid", "internal", "Form id", Gen("key", ("SGN",)), True
                ),
                _c("artist_name", "string", "text", "public", "Name as typed", Gen("artist")),
                _c("legal_name", "string", "text", "confidential", "Legal name", Gen("person")),
                _c("contact_email", "string", "text", "restricted", "Contact", Gen("email")),
            ),
            _postgres("artist-onboarding"),
        ),
    ),
    SourceSystem(
        "finance",
        ContractSpec(
            "sys-payment-gateway",
            "Payment gateway: settlement feed",
            "settlements",
            "topic",
            "Settlement notifications from the payment service provider.",
            (
                _c(
                    "psp_reference",
                    "string",
                    "string",
                    "internal",
                    "PSP id",
                    Gen("key", ("PSP",)),
                    True,
                ),
                _c(
                    "amount_minor",
                    "integer",
                    "long",
                    "confidential",
                    "Minor units",
                    Gen("int", (100, 90000)),
                ),
                _c(
                    "currency",
                    "string",
                    "string",
                    "internal",
                    "ISO 4217",
                    Gen("choice", (CURRENCIES,)),
                ),
                _c(
                    "card_last4",
                    "string",
                    "string",
                    "restricted",
                    "Card digits",
                    Gen("digits", (4,)),
                ),
            ),
            _kafka(),
        ),
    ),
    SourceSystem(
        "users",
        ContractSpec(
            "sys-user-accounts",
            "User accounts service: account table",
            "accounts",
            "table",
            "Accounts, subscriptions and consents from the user accounts service.",
            (
                _c("account_id", "string", "uuid", "confidential", "Account", USER_ID, True),
                _c("email", "string", "text", "restricted", "Login email", Gen("email")),
                _c(
                    "birth_year",
                    "integer",
                    "int4",
                    "restricted",
                    "Birth year",
                    Gen("int", (1950, 2010)),
                ),
                _c(
                    "plan",
                    "string",
                    "text",
                    "internal",
                    "Subscription plan",
                    Gen("choice", (TIERS,)),
                ),
            ),
            _postgres("user-accounts"),
        ),
    ),
    SourceSystem(
        "users",
        ContractSpec(
            "sys-search-service",
            "Search service: query log",
            "search_log",
            "topic",
            "Every query typed in the search box, as the search service logs it.",
            (
                _c(
                    "request_id",
                    "string",
                    "string",
                    "internal",
                    "Request",
                    Gen("key", ("REQ",)),
                    True,
                ),
                _c("account_id", "string", "string", "confidential", "Account", USER_ID),
                _c("query", "string", "string", "restricted", "Query text", Gen("query")),
                _c("client_ip", "string", "string", "restricted", "Client IP", Gen("ip")),
            ),
            _kafka(),
        ),
    ),
    SourceSystem(
        "podcasts",
        ContractSpec(
            "sys-podcast-hosting",
            "Podcast hosting platform: RSS ingest",
            "feed_items",
            "table",
            "Episodes ingested from creators' RSS feeds by the hosting platform.",
            (
                _c("guid", "string", "text", "public", "RSS item guid", Gen("key", ("RSS",)), True),
                _c(
                    "feed_url",
                    "string",
                    "text",
                    "public",
                    "Feed",
                    Gen("const", ("https://feeds.example/rss",)),
                ),
                _c("title", "string", "text", "public", "Item title", Gen("title")),
            ),
            _postgres("podcast-hosting"),
        ),
    ),
    SourceSystem(
        "listening",
        ContractSpec(
            "sys-player-telemetry",
            "Player telemetry: playback heartbeats",
            "heartbeats",
            "topic",
            "Heartbeats the players send every 30 seconds while audio plays.",
            (
                _c(
                    "session_id",
                    "string",
                    "string",
                    "internal",
                    "Session",
                    Gen("key", ("SES",)),
                    True,
                ),
                _c("account_id", "string", "string", "confidential", "Account", USER_ID),
                _c(
                    "track_id",
                    "string",
                    "string",
                    "public",
                    "Track",
                    Gen("ref", ("TRK", 2000000, False)),
                ),
                _c(
                    "position_ms",
                    "integer",
                    "long",
                    "internal",
                    "Playhead",
                    Gen("int", (0, 600000)),
                ),
            ),
            _kafka(),
        ),
    ),
)
