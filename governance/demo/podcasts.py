"""Podcasts: the episode catalog and its audience.

Columns carry the generator the evidence uses; suites are the GX checks the product runs.
"""

from __future__ import annotations

from governance.demo.spec import (
    COUNTRIES,
    COUNTRY,
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
    member,
    not_null,
    one_of,
    ref,
    row_count,
    unique,
    warehouse,
)

LANGUAGES = ("en", "es", "pt", "de", "sv", "fr")

PODCAST_EPISODES = ContractSpec(
    "podcast-episodes",
    "Podcast episodes",
    "episodes",
    "table",
    "Every published podcast episode with its show, language and duration.",
    (
        col("episode_id", "string", "STRING", "public", "Episode id", key("EPI"), True),
        col("show_id", "string", "STRING", "public", "Show", ref("SHW", 3000)),
        col("episode_title", "string", "STRING", "public", "Title", Gen("title")),
        col("language", "string", "STRING", "public", "Language", one_of(LANGUAGES)),
        col("duration_seconds", "integer", "INT64", "public", "Length", ints(300, 7200)),
        col("explicit", "boolean", "BOOL", "public", "Explicit content", Gen("bool", (0.15,))),
        col("published_at", "timestamp", "TIMESTAMP", "public", "Release", Gen("timestamp")),
    ),
    warehouse("podcasts"),
)

PODCAST_AUDIENCE = ContractSpec(
    "podcast-audience",
    "Podcast audience",
    "audience_daily",
    "table",
    "Per show and day: listeners, listening time, completion and where they listen.",
    (
        col("show_id", "string", "STRING", "public", "Show", ref("SHW", 3000, distinct=True), True),
        col("day", "date", "DATE", "internal", "Day", Gen("date")),
        col("listeners", "integer", "INT64", "internal", "Listeners", ints(5, 250000)),
        col(
            "avg_listen_seconds",
            "number",
            "FLOAT64",
            "internal",
            "Mean listening time",
            amounts(1500.0, 600.0, 30.0, 10000.0),
        ),
        col(
            "completion_rate",
            "number",
            "FLOAT64",
            "internal",
            "Share",
            Gen("uniform", (0.05, 0.98)),
        ),
        col("top_country", "string", "STRING", "internal", "Largest audience", COUNTRY),
    ),
    warehouse("podcasts"),
)

PRODUCTS: tuple[DemoProduct, ...] = (
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
        team=(member("Eilidh MacLeod", "owner"), member("Arjun Mehta", "data engineer")),
        channel="podcasts-data",
        inputs=(InputPort("rss-ingest", "sys-podcast-hosting"),),
        outputs=(OutputPort("episodes", "tables", "One row per episode", PODCAST_EPISODES),),
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
        team=(member("Ravi Iyer", "owner"), member("Chloé Martin", "data analyst")),
        channel="podcasts-data",
        inputs=(
            InputPort("profile-updates", "user-profile-updates"),
            InputPort("episodes", "podcast-episodes"),
        ),
        outputs=(
            OutputPort("audience-daily", "tables", "Audience per show and day", PODCAST_AUDIENCE),
        ),
        suite=(
            not_null("show_id"),
            unique("show_id"),
            between("completion_rate", 0, 1),
            in_set("top_country", COUNTRIES),
            row_count(150, 1000),
        ),
        run_hour=6,
    ),
)
