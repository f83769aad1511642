"""The demo mesh: Harmonia Music, the streaming company of the data-mesh literature.

Products, their contracts, the operational systems they read from, and the quality suite
each product runs. Every governance story the demo tells is declared here, on the product
it belongs to, so that a reader sees the whole mesh in one file.
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


def _member(name: str, role: str) -> Member:
    # Mail addresses are ASCII: Tomás Ribeiro is tomas.ribeiro@.
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    username = ascii_name.lower().replace(" ", ".").replace("'", "")
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
    gen: Gen = NO_DATA,
    key: bool = False,
) -> Column:
    return Column(name, logical, physical, classification, description, gen, key, key)


COUNTRIES = ("SE", "DE", "GB", "US", "BR", "MX", "FR", "NL", "NG", "IN", "JP", "ES")
CURRENCIES = ("EUR", "USD", "GBP", "SEK", "BRL")
GENRES = ("pop", "rock", "hip-hop", "electronic", "jazz", "classical", "latin", "afrobeats")
PLATFORMS = ("ios", "android", "web", "desktop", "smart-speaker", "car")
TIERS = ("free", "premium", "family", "student")
COUNTRY = one_of(COUNTRIES)
ARTIST_ID = ref("ART", 40000)
USER_ID = ref("USR", 900000)
EMAIL_RE = r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"

# --- source systems (not products): their contracts describe the feeds products read.

# No dataProduct on these contracts: they belong to no product, so they register on their own.


def _system(
    domain: str, contract_id: str, name: str, obj: str, kind: str, about: str, server: dict
) -> SourceSystem:
    columns = SYSTEM_COLUMNS[contract_id]
    return SourceSystem(domain, ContractSpec(contract_id, name, obj, kind, about, columns, server))


SYSTEM_COLUMNS: dict[str, tuple[Column, ...]] = {
    "sys-artist-onboarding-app": (
        _c("signup_id", "string", "uuid", "internal", "Sign-up form id", key=True),
        _c("artist_name", "string", "text", "public", "Artist name as typed by the artist"),
        _c("legal_name", "string", "text", "confidential", "Legal name for contracts"),
        _c("contact_email", "string", "text", "restricted", "Contact email of the artist"),
        _c("submitted_at", "timestamp", "timestamptz", "internal", "When the form was sent"),
    ),
    "sys-payment-gateway": (
        _c("psp_reference", "string", "string", "internal", "Provider's payment id", key=True),
        _c("amount_minor", "integer", "long", "confidential", "Amount in minor units"),
        _c("currency", "string", "string", "internal", "ISO 4217 currency"),
        _c("card_last4", "string", "string", "restricted", "Last four card digits"),
        _c("settled_at", "timestamp", "timestamp-micros", "internal", "Settlement time"),
    ),
    "sys-user-accounts": (
        _c("account_id", "string", "uuid", "confidential", "Account id", key=True),
        _c("email", "string", "text", "restricted", "Login email"),
        _c("birth_year", "integer", "int4", "restricted", "Year of birth"),
        _c("plan", "string", "text", "internal", "Subscription plan"),
        _c("country", "string", "char(2)", "internal", "Billing country"),
    ),
    "sys-search-service": (
        _c("request_id", "string", "string", "internal", "Search request id", key=True),
        _c("account_id", "string", "string", "confidential", "Account that searched"),
        _c("query", "string", "string", "restricted", "Query text as typed"),
        _c("client_ip", "string", "string", "restricted", "Client IP address"),
    ),
    "sys-podcast-hosting": (
        _c("guid", "string", "text", "public", "RSS item guid", key=True),
        _c("feed_url", "string", "text", "public", "Creator's RSS feed"),
        _c("title", "string", "text", "public", "Item title"),
        _c("enclosure_seconds", "integer", "int4", "public", "Audio length"),
    ),
    "sys-player-telemetry": (
        _c("session_id", "string", "string", "internal", "Playback session", key=True),
        _c("account_id", "string", "string", "confidential", "Listening account"),
        _c("track_id", "string", "string", "public", "Track playing"),
        _c("position_ms", "integer", "long", "internal", "Playhead position"),
        _c("client", "string", "string", "internal", "Player platform and version"),
    ),
}

SYSTEMS: tuple[SourceSystem, ...] = (
    _system(
        "artists",
        "sys-artist-onboarding-app",
        "Artist onboarding app: sign-up forms",
        "artist_signups",
        "table",
        "Sign-up forms submitted by artists and labels in the onboarding app.",
        _postgres("artist-onboarding"),
    ),
    _system(
        "finance",
        "sys-payment-gateway",
        "Payment gateway: settlement feed",
        "settlements",
        "topic",
        "Settlement notifications from the payment service provider.",
        _kafka(),
    ),
    _system(
        "users",
        "sys-user-accounts",
        "User accounts service: accounts",
        "accounts",
        "table",
        "Accounts, subscriptions and consents from the user accounts service.",
        _postgres("user-accounts"),
    ),
    _system(
        "users",
        "sys-search-service",
        "Search service: query log",
        "search_log",
        "topic",
        "Every query typed in the search box, as the search service logs it.",
        _kafka(),
    ),
    _system(
        "podcasts",
        "sys-podcast-hosting",
        "Podcast hosting platform: RSS ingest",
        "feed_items",
        "table",
        "Episodes ingested from creators' RSS feeds by the hosting platform.",
        _postgres("podcast-hosting"),
    ),
    _system(
        "listening",
        "sys-player-telemetry",
        "Player telemetry: playback heartbeats",
        "heartbeats",
        "topic",
        "Heartbeats the players send every 30 seconds while audio plays.",
        _kafka(),
    ),
)

# --- the products, domain by domain. Columns carry the generator the evidence uses.

AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+")
LANGUAGES = ("en", "es", "pt", "de", "sv", "fr")
PERIOD_RE = r"^\d{4}-(?:0[1-9]|1[0-2])$"
ARTIST_KEY = ref("ART", 40000, distinct=True)  # one row per artist: drawn without repeats
USER_KEY = ref("USR", 900000, distinct=True)


def _port(name: str, kind: str, about: str, contract: ContractSpec) -> OutputPort:
    return OutputPort(name, kind, about, contract)


ONBOARDED_ARTISTS = ContractSpec(
    "onboarded-artists",
    "Onboarded artists",
    "onboarded_artists",
    "table",
    "Artists whose onboarding completed today, with verification outcome.",
    (
        _c("artist_id", "string", "STRING", "internal", "Harmonia artist id", ARTIST_KEY, True),
        _c("artist_name", "string", "STRING", "public", "Name shown to listeners", Gen("artist")),
        _c("legal_name", "string", "STRING", "confidential", "Legal name", Gen("person")),
        _c("contact_email", "string", "STRING", "restricted", "Contact email", Gen("email")),
        _c("country_code", "string", "STRING", "internal", "ISO 3166 country", COUNTRY),
        _c(
            "verification_status",
            "string",
            "STRING",
            "internal",
            "Identity check outcome",
            weighted(verified=0.78, pending=0.18, rejected=0.04),
        ),
        _c("onboarded_at", "timestamp", "TIMESTAMP", "internal", "Completion", Gen("timestamp")),
    ),
    _warehouse("artists"),
    latency_hours=6,
)

ARTIST_CATALOG = ContractSpec(
    "artist-catalog",
    "Artist catalog",
    "artists",
    "table",
    "One row per artist on Harmonia: profile, genre and reach.",
    (
        _c("artist_id", "string", "STRING", "public", "Harmonia artist id", ARTIST_KEY, True),
        _c("display_name", "string", "STRING", "public", "Name shown in the app", Gen("artist")),
        _c("primary_genre", "string", "STRING", "public", "Main genre", one_of(GENRES)),
        _c("country_code", "string", "STRING", "public", "Home country", COUNTRY),
        _c(
            "monthly_listeners",
            "integer",
            "INT64",
            "public",
            "Distinct listeners, last 28 days",
            ints(10, 8000000),
        ),
        _c("verified", "boolean", "BOOL", "public", "Blue tick", Gen("bool", (0.4,))),
        _c("updated_at", "timestamp", "TIMESTAMP", "internal", "Last change", Gen("timestamp")),
    ),
    _warehouse("artists"),
    version="2.0.0",
)

ARTIST_CATALOG_V1 = ContractSpec(
    "artist-catalog-v1",
    "Artist catalog (v1, deprecated)",
    "artists_v1",
    "table",
    "The first artist catalog; kept alive for consumers that have not moved to v2.",
    (
        _c("artist_id", "string", "STRING", "public", "Harmonia artist id", ARTIST_KEY, True),
        _c("name", "string", "STRING", "public", "Artist name", Gen("artist")),
        _c("genre", "string", "STRING", "public", "Genre", one_of(GENRES)),
        _c("country", "string", "STRING", "public", "Country", COUNTRY),
    ),
    _warehouse("artists_legacy"),
    version="1.4.0",
    status="deprecated",
)

ARTIST_PAYOUTS = ContractSpec(
    "artist-payouts",
    "Artist payouts",
    "payouts",
    "table",
    "Payouts owed to artists per period, from settled payments and onboarding data.",
    (
        _c("payout_id", "string", "STRING", "internal", "Payout id", key("PAY"), True),
        _c("artist_id", "string", "STRING", "internal", "Artist paid", ARTIST_ID),
        _c("period", "string", "STRING", "internal", "Royalty period (YYYY-MM)", Gen("month")),
        _c(
            "amount",
            "number",
            "NUMERIC",
            "confidential",
            "Amount owed, in currency",
            amounts(850.0, 600.0, 5.0, 40000.0),
        ),
        _c("currency", "string", "STRING", "internal", "ISO 4217", one_of(CURRENCIES)),
        _c(
            "payout_status",
            "string",
            "STRING",
            "internal",
            "Where the payout stands",
            weighted(scheduled=0.5, paid=0.45, held=0.05),
        ),
        _c(
            "bank_account_ref",
            "string",
            "STRING",
            "restricted",
            "Token of the artist's bank account",
            ref("BNK", 99999),
        ),
    ),
    _warehouse("artist_payments"),
    latency_hours=12,
)

USER_MONTHLY_SUMMARY = ContractSpec(
    "user-monthly-summary",
    "User monthly summary",
    "user_monthly_summary",
    "table",
    "One row per active user and month: plan, country band and listening volume.",
    (
        _c("user_id", "string", "STRING", "confidential", "Pseudonymous user id", USER_KEY, True),
        _c("month", "string", "STRING", "internal", "Month (YYYY-MM)", Gen("month")),
        _c("country_code", "string", "STRING", "internal", "Country", COUNTRY),
        _c("subscription_tier", "string", "STRING", "internal", "Plan", one_of(TIERS)),
        _c("age_band", "string", "STRING", "confidential", "Age band", one_of(AGE_BANDS)),
        _c("minutes_streamed", "integer", "INT64", "internal", "Minutes", ints(0, 20000)),
        _c("active_days", "integer", "INT64", "internal", "Days active", ints(1, 31)),
    ),
    _warehouse("users"),
)

USER_PROFILE_UPDATES = ContractSpec(
    "user-profile-updates",
    "User profile updates",
    "profile_updates",
    "topic",
    "A change event whenever a profile's plan, country or preferences change.",
    (
        _c("event_id", "string", "string", "internal", "Event id", key("UPD"), True),
        _c("user_id", "string", "string", "confidential", "Pseudonymous user id", USER_ID),
        _c("changed_field", "string", "string", "internal", "Field that changed"),
        _c("subscription_tier", "string", "string", "internal", "Plan after the change"),
        _c("changed_at", "timestamp", "timestamp-millis", "internal", "When it changed"),
    ),
    _kafka(),
    latency_hours=1,
)

USER_SEARCH_HISTORY = ContractSpec(
    "user-search-history",
    "User search history",
    "search_events",
    "table",
    "Searches per user, with the account email joined in for the growth team.",
    (
        _c("search_id", "string", "STRING", "internal", "Search id", key("SRC"), True),
        _c("user_id", "string", "STRING", "confidential", "Pseudonymous user id", USER_ID),
        # The story "personal data not classified": these three carry no classification.
        _c("email", "string", "STRING", None, "Account email", Gen("email")),
        _c("ip_address", "string", "STRING", None, "Client IP address", Gen("ip")),
        _c("search_query", "string", "STRING", None, "Query as typed", Gen("query")),
        _c("device_type", "string", "STRING", "internal", "Device", one_of(PLATFORMS)),
        _c("result_count", "integer", "INT64", "internal", "Results", ints(0, 200)),
        _c("searched_at", "timestamp", "TIMESTAMP", "internal", "When", Gen("timestamp")),
    ),
    _warehouse("users"),
)

PODCAST_EPISODES = ContractSpec(
    "podcast-episodes",
    "Podcast episodes",
    "episodes",
    "table",
    "Every published podcast episode with its show, language and duration.",
    (
        _c("episode_id", "string", "STRING", "public", "Episode id", key("EPI"), True),
        _c("show_id", "string", "STRING", "public", "Show", ref("SHW", 3000)),
        _c("episode_title", "string", "STRING", "public", "Title", Gen("title")),
        _c("language", "string", "STRING", "public", "Language", one_of(LANGUAGES)),
        _c("duration_seconds", "integer", "INT64", "public", "Length", ints(300, 7200)),
        _c("explicit", "boolean", "BOOL", "public", "Explicit content", Gen("bool", (0.15,))),
        _c("published_at", "timestamp", "TIMESTAMP", "public", "Release", Gen("timestamp")),
    ),
    _warehouse("podcasts"),
)

PODCAST_AUDIENCE = ContractSpec(
    "podcast-audience",
    "Podcast audience",
    "audience_daily",
    "table",
    "Per show and day: listeners, listening time, completion and where they listen.",
    (
        _c("show_id", "string", "STRING", "public", "Show", ref("SHW", 3000, distinct=True), True),
        _c("day", "date", "DATE", "internal", "Day", Gen("date")),
        _c("listeners", "integer", "INT64", "internal", "Listeners", ints(5, 250000)),
        _c(
            "avg_listen_seconds",
            "number",
            "FLOAT64",
            "internal",
            "Mean listening time",
            amounts(1500.0, 600.0, 30.0, 10000.0),
        ),
        _c(
            "completion_rate",
            "number",
            "FLOAT64",
            "internal",
            "Share",
            Gen("uniform", (0.05, 0.98)),
        ),
        _c("top_country", "string", "STRING", "internal", "Largest audience", COUNTRY),
    ),
    _warehouse("podcasts"),
)

PLAY_EVENTS = ContractSpec(
    "play-events",
    "Play events",
    "plays",
    "table",
    "One row per play of 30 seconds or more, the unit royalties are counted in.",
    (
        _c("play_id", "string", "STRING", "internal", "Play id", key("PLY"), True),
        _c("user_id", "string", "STRING", "confidential", "Pseudonymous user id", USER_ID),
        _c("track_id", "string", "STRING", "public", "Track", ref("TRK", 2000000)),
        _c("artist_id", "string", "STRING", "public", "Main artist", ARTIST_ID),
        _c("platform", "string", "STRING", "internal", "Player", one_of(PLATFORMS)),
        _c("ms_played", "integer", "INT64", "internal", "Played", ints(30000, 420000)),
        _c("country_code", "string", "STRING", "internal", "Country", COUNTRY),
        _c("played_at", "timestamp", "TIMESTAMP", "internal", "Start of play", Gen("timestamp")),
    ),
    _warehouse("listening"),
    latency_hours=2,
)

PLAYLIST_RECOMMENDATIONS = ContractSpec(
    "playlist-recommendations",
    "Playlist recommendations",
    "recommendations",
    "table",
    "Tracks recommended per user for their personalised playlists, ranked.",
    (
        _c("recommendation_id", "string", "STRING", "internal", "Id", key("REC"), True),
        _c("user_id", "string", "STRING", "confidential", "Pseudonymous user id", USER_ID),
        _c("playlist_id", "string", "STRING", "internal", "Playlist", ref("PLS", 50000)),
        _c("track_id", "string", "STRING", "public", "Track", ref("TRK", 2000000)),
        _c("rank", "integer", "INT64", "internal", "Position", ints(1, 50)),
        _c("score", "number", "FLOAT64", "internal", "Model score", Gen("uniform", (0.0, 1.0))),
        _c(
            "model_version",
            "string",
            "STRING",
            "internal",
            "Recommender release",
            one_of(("recsys-4.2", "recsys-4.3")),
        ),
    ),
    _warehouse("listening"),
)

PAYMENT_EVENTS = ContractSpec(
    "payment-events",
    "Payment events",
    "payment_events",
    "topic",
    "Every captured, refunded or failed payment: subscriptions, ads and partners.",
    (
        _c("payment_id", "string", "string", "internal", "Payment id", key("PMT"), True),
        _c(
            "payer_type",
            "string",
            "string",
            "internal",
            "Who paid",
            weighted(subscriber=0.9, advertiser=0.08, partner=0.02),
        ),
        _c(
            "amount",
            "number",
            "decimal",
            "confidential",
            "Amount in currency",
            amounts(12.99, 6.0, 0.99, 5000.0),
        ),
        _c("currency", "string", "string", "internal", "ISO 4217", one_of(CURRENCIES)),
        _c(
            "status",
            "string",
            "string",
            "internal",
            "Outcome",
            weighted(captured=0.9, refunded=0.04, failed=0.05, chargeback=0.01),
        ),
        _c("card_last4", "string", "string", "restricted", "Card digits", Gen("digits", (4,))),
        _c("captured_at", "timestamp", "timestamp-micros", "internal", "When", Gen("timestamp")),
    ),
    _kafka(),
    latency_hours=1,
)

ROYALTY_STATEMENTS = ContractSpec(
    "royalty-statements",
    "Royalty statements",
    "royalty_statements",
    "table",
    "Monthly royalty statement per artist: streams, gross and net royalties.",
    (
        _c("statement_id", "string", "STRING", "internal", "Id", key("RST"), True),
        _c("artist_id", "string", "STRING", "internal", "Artist", ARTIST_ID),
        _c("period", "string", "STRING", "internal", "Period (YYYY-MM)", Gen("month")),
        _c("streams", "integer", "INT64", "internal", "Counted streams", ints(0, 5000000)),
        _c(
            "gross_royalties",
            "number",
            "NUMERIC",
            "confidential",
            "Before fees",
            amounts(1200.0, 900.0, 0.0, 80000.0),
        ),
        _c("currency", "string", "STRING", "internal", "ISO 4217", one_of(CURRENCIES)),
        _c(
            "statement_status",
            "string",
            "STRING",
            "internal",
            "Lifecycle",
            weighted(draft=0.2, issued=0.77, disputed=0.03),
        ),
    ),
    _warehouse("finance"),
)

PRODUCTS: tuple[DemoProduct, ...] = (
    DemoProduct(
        id="artist-onboarding",
        name="Artist Onboarding",
        domain="artists",
        archetype="source-aligned",
        tier="silver",
        purpose="Artists and labels who completed onboarding, with their verification outcome.",
        usage="Join on artist_id to know when an artist arrived and whether they are verified.",
        limitations="Rejected sign-ups are kept for 90 days only; legal names are confidential.",
        tags=("artists", "onboarding", "source-aligned"),
        team=(_member("Amara Okafor", "owner"), _member("Tomás Ribeiro", "data engineer")),
        channel="artists-data",
        inputs=(InputPort("signup-forms", "sys-artist-onboarding-app"),),
        outputs=(
            _port(
                "onboarded-artists", "tables", "Daily table of onboarded artists", ONBOARDED_ARTISTS
            ),
        ),
        suite=(
            not_null("artist_id"),
            unique("artist_id"),
            matches("contact_email", EMAIL_RE),
            in_set("verification_status", ("verified", "pending", "rejected")),
            in_set("country_code", COUNTRIES),
            row_count(150, 1000),
        ),
        run_hour=3,
    ),
    DemoProduct(
        id="artist-catalog",
        name="Artist Catalog",
        domain="artists",
        archetype="aggregate",
        tier="gold",
        purpose="The catalog of every artist on Harmonia: profile, genre, country and reach.",
        usage="The reference for artist attributes; use artist_id as the key everywhere.",
        limitations="monthly_listeners lags one day behind play events.",
        tags=("artists", "catalog", "reference-data"),
        team=(
            _member("Lena Fischer", "owner"),
            _member("Kenji Watanabe", "data engineer"),
            _member("Noor Haddad", "data steward"),
        ),
        channel="artist-catalog",
        inputs=(InputPort("onboarded-artists", "onboarded-artists"),),
        outputs=(_port("artists", "tables", "One row per artist (v2 schema)", ARTIST_CATALOG),),
        suite=(
            not_null("artist_id"),
            unique("artist_id"),
            in_set("primary_genre", GENRES),
            between("monthly_listeners", 0, 100000000),
            matches("country_code", r"^[A-Z]{2}$"),
            row_count(150, 1000),
        ),
        version="2.1.0",
        run_hour=4,
        noise=0.08,
    ),
    DemoProduct(
        id="artist-catalog-v1",
        name="Artist Catalog v1",
        domain="artists",
        archetype="aggregate",
        tier="silver",
        purpose="The first artist catalog, superseded by artist-catalog (v2).",
        usage="Do not build on it: move to artist-catalog; the columns map one to one.",
        limitations="Deprecated: no new columns, fixes only for outages, retired after migration.",
        tags=("artists", "catalog", "deprecated"),
        team=(_member("Lena Fischer", "owner"), _member("Kenji Watanabe", "data engineer")),
        channel="artist-catalog",
        inputs=(InputPort("onboarded-artists", "onboarded-artists"),),
        outputs=(
            _port("artists-legacy", "tables", "The v1 artist table, frozen", ARTIST_CATALOG_V1),
        ),
        suite=(
            not_null("artist_id"),
            unique("artist_id"),
            in_set("genre", GENRES),
            row_count(150, 1000),
        ),
        status="deprecated",
        version="1.4.2",
        run_hour=4,
        noise=0.2,
    ),
    DemoProduct(
        id="artist-payments",
        name="Artist Payments",
        domain="artists",
        archetype="aggregate",
        tier="gold",
        purpose="What Harmonia owes each artist per period, from settled payments.",
        usage="Finance reads payouts for statements; artists see them in Harmonia for Artists.",
        limitations="Amounts are final only once payout_status is paid.",
        tags=("artists", "payments", "finance", "regulated"),
        team=(
            _member("Priya Raman", "owner"),
            _member("Jonas Berg", "data engineer"),
            _member("Fatima Zahra", "data steward"),
        ),
        channel="artist-payments",
        inputs=(
            InputPort("onboarded-artists", "onboarded-artists"),
            InputPort("payment-events", "payment-events"),
        ),
        outputs=(_port("payouts", "tables", "Payouts per artist and period", ARTIST_PAYOUTS),),
        suite=(
            not_null("payout_id"),
            unique("payout_id"),
            not_null("amount"),
            between("amount", 0, 50000),
            in_set("currency", CURRENCIES),
            row_count(150, 1000),
        ),
        run_hour=5,
        noise=0.06,
        # The story "quality degrades": a currency-conversion change starts losing amounts,
        # and five days later the fallback it added writes unknown currencies too.
        degrading=(("amount", 1), ("currency", 5)),
        degrading_days=10,
    ),
    DemoProduct(
        id="user-profiles",
        name="User Profiles",
        domain="users",
        archetype="source-aligned",
        tier="gold",
        purpose="Who listens on Harmonia: plan, country and age band per user, monthly and live.",
        usage="Batch analytics read monthly-summary; services subscribe to profile-updates.",
        limitations="No direct identifiers: user_id is pseudonymous; emails are not included.",
        tags=("users", "profiles", "source-aligned"),
        team=(_member("Sofia Marin", "owner"), _member("Daniel Kim", "data engineer")),
        channel="user-profiles",
        inputs=(InputPort("accounts", "sys-user-accounts"),),
        outputs=(
            _port("monthly-summary", "tables", "One row per user and month", USER_MONTHLY_SUMMARY),
            _port("profile-updates", "topic", "Profile change events", USER_PROFILE_UPDATES),
        ),
        suite=(
            not_null("user_id"),
            unique("user_id"),
            in_set("subscription_tier", TIERS),
            between("minutes_streamed", 0, 44640),
            between("active_days", 1, 31),
            row_count(150, 1000),
        ),
        run_hour=2,
        noise=0.06,
    ),
    DemoProduct(
        id="user-search-history",
        name="User Search History",
        domain="users",
        archetype="source-aligned",
        tier="bronze",
        purpose="What users search for, to improve search ranking and spot catalog gaps.",
        usage="Aggregate before sharing; the growth team joins the email for campaigns.",
        limitations="Raw queries may contain anything users type, including personal data.",
        tags=("users", "search"),
        team=(_member("Mateo García", "owner"), _member("Aisha Bello", "analytics engineer")),
        channel="search-data",
        inputs=(
            InputPort("search-log", "sys-search-service"),
            InputPort("accounts", "sys-user-accounts"),
        ),
        outputs=(_port("search-events", "tables", "One row per search", USER_SEARCH_HISTORY),),
        suite=(
            not_null("search_id"),
            unique("search_id"),
            matches("email", EMAIL_RE),
            in_set("device_type", PLATFORMS),
            between("result_count", 0, 500),
            row_count(150, 1000),
        ),
        run_hour=3,
        noise=0.22,
    ),
    DemoProduct(
        id="podcast-catalog",
        name="Podcast Catalog",
        domain="podcasts",
        archetype="source-aligned",
        tier="silver",
        purpose="Every podcast episode published on Harmonia, from the hosting platform's ingest.",
        usage="The reference for shows and episodes; join on episode_id or show_id.",
        limitations="Episodes removed by creators disappear without a tombstone.",
        tags=("podcasts", "catalog", "source-aligned"),
        team=(_member("Eilidh MacLeod", "owner"), _member("Arjun Mehta", "data engineer")),
        channel="podcasts-data",
        inputs=(InputPort("rss-ingest", "sys-podcast-hosting"),),
        outputs=(_port("episodes", "tables", "One row per episode", PODCAST_EPISODES),),
        suite=(
            not_null("episode_id"),
            unique("episode_id"),
            in_set("language", LANGUAGES),
            between("duration_seconds", 30, 14400),
            row_count(150, 1000),
        ),
        run_hour=3,
        # The story "stops being fresh": the ingest job broke and nobody noticed.
        stale_days=6,
    ),
    DemoProduct(
        id="podcast-listeners",
        name="Podcast Listeners",
        domain="podcasts",
        archetype="consumer-aligned",
        tier="silver",
        purpose="Daily audience per show, for creators' dashboards and ad sales.",
        usage="Creators see their own shows only; ad sales sees all shows.",
        limitations="Shows with fewer than 5 listeners a day are left out.",
        tags=("podcasts", "audience", "advertising"),
        team=(_member("Ravi Iyer", "owner"), _member("Chloé Martin", "data analyst")),
        channel="podcasts-data",
        inputs=(
            InputPort("profile-updates", "user-profile-updates"),
            InputPort("episodes", "podcast-episodes"),
        ),
        outputs=(_port("audience-daily", "tables", "Audience per show and day", PODCAST_AUDIENCE),),
        suite=(
            not_null("show_id"),
            unique("show_id"),
            between("completion_rate", 0, 1),
            in_set("top_country", COUNTRIES),
            row_count(150, 1000),
        ),
        run_hour=6,
    ),
    DemoProduct(
        id="play-events",
        name="Play Events",
        domain="listening",
        archetype="source-aligned",
        tier="gold",
        purpose="Every play of 30 seconds or more: the fact royalties and charts are built on.",
        usage="Partitioned by day; filter on played_at. One row per counted play.",
        limitations="Offline plays arrive up to 72 hours late.",
        tags=("listening", "plays", "source-aligned"),
        team=(_member("Nils Andersson", "owner"), _member("Mei Lin", "data engineer")),
        channel="listening-data",
        inputs=(InputPort("heartbeats", "sys-player-telemetry"),),
        outputs=(_port("plays", "tables", "One row per counted play", PLAY_EVENTS),),
        suite=(
            not_null("play_id"),
            unique("play_id"),
            not_null("track_id"),
            in_set("platform", PLATFORMS),
            between("ms_played", 30000, 3600000),
            row_count(150, 1000),
        ),
        run_hour=2,
        daily_rows=(320, 500),
        noise=0.08,
    ),
    DemoProduct(
        id="playlist-recommendations",
        name="Playlist Recommendations",
        domain="listening",
        archetype="consumer-aligned",
        tier="bronze",
        purpose="Ranked track recommendations per user for Discover Daily and radio.",
        usage="The playlist service reads today's partition at 07:00 UTC.",
        limitations="Still reads artist genres from artist-catalog-v1 (deprecated).",
        tags=("listening", "recommendations", "machine-learning"),
        # The story "without an owner": the owner left and nobody took over.
        team=(_member("Yusuf Demir", "data scientist"), _member("Hannah Schulz", "ml engineer")),
        channel="recsys",
        inputs=(
            InputPort("plays", "play-events"),
            InputPort("artists-legacy", "artist-catalog-v1"),
        ),
        outputs=(
            _port("recommendations", "tables", "Ranked tracks per user", PLAYLIST_RECOMMENDATIONS),
        ),
        suite=(
            not_null("user_id"),
            unique("recommendation_id"),
            between("rank", 1, 50),
            between("score", 0, 1),
            matches("model_version", r"^recsys-\d+\.\d+$"),
            row_count(150, 1000),
        ),
        run_hour=6,
        noise=0.18,
    ),
    DemoProduct(
        id="payment-events",
        name="Payment Events",
        domain="finance",
        archetype="source-aligned",
        tier="gold",
        purpose="Every payment Harmonia takes: subscriptions, advertising and partner deals.",
        usage="Revenue and payouts are computed from captured events; refunds net them off.",
        limitations="Card data is reduced to the last four digits; amounts are gross of tax.",
        tags=("finance", "payments", "regulated", "source-aligned"),
        team=(_member("Olivia Brooks", "owner"), _member("Kwame Mensah", "data engineer")),
        channel="finance-data",
        inputs=(InputPort("settlements", "sys-payment-gateway"),),
        outputs=(
            _port("payment-events", "topic", "Payment events, one per attempt", PAYMENT_EVENTS),
        ),
        suite=(
            not_null("payment_id"),
            unique("payment_id"),
            between("amount", 0, 10000),
            in_set("currency", CURRENCIES),
            in_set("status", ("captured", "refunded", "failed", "chargeback")),
            row_count(150, 1000),
        ),
        run_hour=1,
        noise=0.05,
    ),
    DemoProduct(
        id="royalty-reports",
        name="Royalty Reports",
        domain="finance",
        archetype="consumer-aligned",
        tier="gold",
        purpose="Monthly royalty statements per artist, as sent to artists and labels.",
        usage="Statements are legal documents: read issued ones only.",
        limitations="Disputed statements are corrected by a new statement, never in place.",
        tags=("finance", "royalties", "regulated"),
        team=(_member("Ingrid Solberg", "owner"), _member("Marco Rossi", "finance analyst")),
        channel="royalties",
        inputs=(InputPort("payouts", "artist-payouts"),),
        outputs=(
            _port("royalty-statements", "tables", "Statements per artist", ROYALTY_STATEMENTS),
        ),
        suite=(
            not_null("statement_id"),
            unique("statement_id"),
            between("gross_royalties", 0, 250000),
            in_set("currency", CURRENCIES),
            matches("period", PERIOD_RE),
            row_count(150, 1000),
        ),
        run_hour=7,
    ),
)
