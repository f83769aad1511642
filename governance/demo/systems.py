"""The operational systems outside the mesh, whose feeds the source-aligned products read.

No dataProduct on these contracts: they belong to no product, so they register on their own.
"""

from __future__ import annotations

from governance.demo.spec import Column, ContractSpec, SourceSystem, col, kafka, postgres


def _system(
    domain: str, contract_id: str, name: str, obj: str, kind: str, about: str, server: dict
) -> SourceSystem:
    columns = SYSTEM_COLUMNS[contract_id]
    return SourceSystem(domain, ContractSpec(contract_id, name, obj, kind, about, columns, server))


SYSTEM_COLUMNS: dict[str, tuple[Column, ...]] = {
    "sys-artist-onboarding-app": (
        col("signup_id", "string", "uuid", "internal", "Sign-up form id", key=True),
        col("artist_name", "string", "text", "public", "Artist name as typed by the artist"),
        col("legal_name", "string", "text", "confidential", "Legal name for contracts"),
        col("contact_email", "string", "text", "restricted", "Contact email of the artist"),
        col("submitted_at", "timestamp", "timestamptz", "internal", "When the form was sent"),
    ),
    "sys-payment-gateway": (
        col("psp_reference", "string", "string", "internal", "Provider's payment id", key=True),
        col("amount_minor", "integer", "long", "confidential", "Amount in minor units"),
        col("currency", "string", "string", "internal", "ISO 4217 currency"),
        col("card_last4", "string", "string", "restricted", "Last four card digits"),
        col("settled_at", "timestamp", "timestamp-micros", "internal", "Settlement time"),
    ),
    "sys-user-accounts": (
        col("account_id", "string", "uuid", "confidential", "Account id", key=True),
        col("email", "string", "text", "restricted", "Login email"),
        col("birth_year", "integer", "int4", "restricted", "Year of birth"),
        col("plan", "string", "text", "internal", "Subscription plan"),
        col("country", "string", "char(2)", "internal", "Billing country"),
    ),
    "sys-search-service": (
        col("request_id", "string", "string", "internal", "Search request id", key=True),
        col("account_id", "string", "string", "confidential", "Account that searched"),
        col("query", "string", "string", "restricted", "Query text as typed"),
        col("client_ip", "string", "string", "restricted", "Client IP address"),
    ),
    "sys-podcast-hosting": (
        col("guid", "string", "text", "public", "RSS item guid", key=True),
        col("feed_url", "string", "text", "public", "Creator's RSS feed"),
        col("title", "string", "text", "public", "Item title"),
        col("enclosure_seconds", "integer", "int4", "public", "Audio length"),
    ),
    "sys-player-telemetry": (
        col("session_id", "string", "string", "internal", "Playback session", key=True),
        col("account_id", "string", "string", "confidential", "Listening account"),
        col("track_id", "string", "string", "public", "Track playing"),
        col("position_ms", "integer", "long", "internal", "Playhead position"),
        col("client", "string", "string", "internal", "Player platform and version"),
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
        postgres("artist-onboarding"),
    ),
    _system(
        "finance",
        "sys-payment-gateway",
        "Payment gateway: settlement feed",
        "settlements",
        "topic",
        "Settlement notifications from the payment service provider.",
        kafka(),
    ),
    _system(
        "users",
        "sys-user-accounts",
        "User accounts service: accounts",
        "accounts",
        "table",
        "Accounts, subscriptions and consents from the user accounts service.",
        postgres("user-accounts"),
    ),
    _system(
        "users",
        "sys-search-service",
        "Search service: query log",
        "search_log",
        "topic",
        "Every query typed in the search box, as the search service logs it.",
        kafka(),
    ),
    _system(
        "podcasts",
        "sys-podcast-hosting",
        "Podcast hosting platform: RSS ingest",
        "feed_items",
        "table",
        "Episodes ingested from creators' RSS feeds by the hosting platform.",
        postgres("podcast-hosting"),
    ),
    _system(
        "listening",
        "sys-player-telemetry",
        "Player telemetry: playback heartbeats",
        "heartbeats",
        "topic",
        "Heartbeats the players send every 30 seconds while audio plays.",
        kafka(),
    ),
)
