"""Artists: onboarding, the artist catalog (v2 and the deprecated v1) and payouts.

Columns carry the generator the evidence uses; suites are the GX checks the product runs.
"""

from __future__ import annotations

from governance.demo.spec import (
    ARTIST_ID,
    COUNTRIES,
    COUNTRY,
    CURRENCIES,
    EMAIL_RE,
    ContractSpec,
    DemoProduct,
    Gen,
    InputPort,
    OutputPort,
    amounts,
    between,
    col,
    in_set,
    ints,
    key,
    matches,
    member,
    not_null,
    one_of,
    ref,
    row_count,
    unique,
    warehouse,
    weighted,
)

ARTIST_KEY = ref("ART", 40000, distinct=True)  # one row per artist: drawn without repeats
GENRES = ("pop", "rock", "hip-hop", "electronic", "jazz", "classical", "latin", "afrobeats")

ONBOARDED_ARTISTS = ContractSpec(
    "onboarded-artists",
    "Onboarded artists",
    "onboarded_artists",
    "table",
    "Artists whose onboarding completed today, with verification outcome.",
    (
        col("artist_id", "string", "STRING", "internal", "Harmonia artist id", ARTIST_KEY, True),
        col("artist_name", "string", "STRING", "public", "Name shown to listeners", Gen("artist")),
        col("legal_name", "string", "STRING", "confidential", "Legal name", Gen("person")),
        col("contact_email", "string", "STRING", "restricted", "Contact email", Gen("email")),
        col("country_code", "string", "STRING", "internal", "ISO 3166 country", COUNTRY),
        col(
            "verification_status",
            "string",
            "STRING",
            "internal",
            "Identity check outcome",
            weighted(verified=0.78, pending=0.18, rejected=0.04),
        ),
        col("onboarded_at", "timestamp", "TIMESTAMP", "internal", "Completion", Gen("timestamp")),
    ),
    warehouse("artists"),
    latency_hours=6,
)

ARTIST_CATALOG = ContractSpec(
    "artist-catalog",
    "Artist catalog",
    "artists",
    "table",
    "One row per artist on Harmonia: profile, genre and reach.",
    (
        col("artist_id", "string", "STRING", "public", "Harmonia artist id", ARTIST_KEY, True),
        col("display_name", "string", "STRING", "public", "Name shown in the app", Gen("artist")),
        col("primary_genre", "string", "STRING", "public", "Main genre", one_of(GENRES)),
        col("country_code", "string", "STRING", "public", "Home country", COUNTRY),
        col(
            "monthly_listeners",
            "integer",
            "INT64",
            "public",
            "Distinct listeners, last 28 days",
            ints(10, 8000000),
        ),
        col("verified", "boolean", "BOOL", "public", "Blue tick", Gen("bool", (0.4,))),
        col("updated_at", "timestamp", "TIMESTAMP", "internal", "Last change", Gen("timestamp")),
    ),
    warehouse("artists"),
    version="2.0.0",
)

ARTIST_CATALOG_V1 = ContractSpec(
    "artist-catalog-v1",
    "Artist catalog (v1, deprecated)",
    "artists_v1",
    "table",
    "The first artist catalog; kept alive for consumers that have not moved to v2.",
    (
        col("artist_id", "string", "STRING", "public", "Harmonia artist id", ARTIST_KEY, True),
        col("name", "string", "STRING", "public", "Artist name", Gen("artist")),
        col("genre", "string", "STRING", "public", "Genre", one_of(GENRES)),
        col("country", "string", "STRING", "public", "Country", COUNTRY),
    ),
    warehouse("artists_legacy"),
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
        col("payout_id", "string", "STRING", "internal", "Payout id", key("PAY"), True),
        col("artist_id", "string", "STRING", "internal", "Artist paid", ARTIST_ID),
        col("period", "string", "STRING", "internal", "Royalty period (YYYY-MM)", Gen("month")),
        col(
            "amount",
            "number",
            "NUMERIC",
            "confidential",
            "Amount owed, in currency",
            amounts(850.0, 600.0, 5.0, 40000.0),
        ),
        col("currency", "string", "STRING", "internal", "ISO 4217", one_of(CURRENCIES)),
        col(
            "payout_status",
            "string",
            "STRING",
            "internal",
            "Where the payout stands",
            weighted(scheduled=0.5, paid=0.45, held=0.05),
        ),
        col(
            "bank_account_ref",
            "string",
            "STRING",
            "restricted",
            "Token of the artist's bank account",
            ref("BNK", 99999),
        ),
    ),
    warehouse("artist_payments"),
    latency_hours=12,
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
        team=(member("Amara Okafor", "owner"), member("Tomás Ribeiro", "data engineer")),
        channel="artists-data",
        inputs=(InputPort("signup-forms", "sys-artist-onboarding-app"),),
        outputs=(
            OutputPort(
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
            member("Lena Fischer", "owner"),
            member("Kenji Watanabe", "data engineer"),
            member("Noor Haddad", "data steward"),
        ),
        channel="artist-catalog",
        inputs=(InputPort("onboarded-artists", "onboarded-artists"),),
        outputs=(
            OutputPort("artists", "tables", "One row per artist (v2 schema)", ARTIST_CATALOG),
        ),
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
        team=(member("Lena Fischer", "owner"), member("Kenji Watanabe", "data engineer")),
        channel="artist-catalog",
        inputs=(InputPort("onboarded-artists", "onboarded-artists"),),
        outputs=(
            OutputPort(
                "artists-legacy", "tables", "The v1 artist table, frozen", ARTIST_CATALOG_V1
            ),
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
            member("Priya Raman", "owner"),
            member("Jonas Berg", "data engineer"),
            member("Fatima Zahra", "data steward"),
        ),
        channel="artist-payments",
        inputs=(
            InputPort("onboarded-artists", "onboarded-artists"),
            InputPort("payment-events", "payment-events"),
        ),
        outputs=(OutputPort("payouts", "tables", "Payouts per artist and period", ARTIST_PAYOUTS),),
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
)
