"""Listening: play events and playlist recommendations.

Columns carry the generator the evidence uses; suites are the GX checks the product runs.
"""

from __future__ import annotations

from governance.demo.spec import (
    ARTIST_ID,
    COUNTRY,
    PLATFORMS,
    USER_ID,
    ContractSpec,
    DemoProduct,
    Gen,
    InputPort,
    OutputPort,
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
)

PLAY_EVENTS = ContractSpec(
    "play-events",
    "Play events",
    "plays",
    "table",
    "One row per play of 30 seconds or more, the unit royalties are counted in.",
    (
        col("play_id", "string", "STRING", "internal", "Play id", key("PLY"), True),
        col("user_id", "string", "STRING", "confidential", "Pseudonymous user id", USER_ID),
        col("track_id", "string", "STRING", "public", "Track", ref("TRK", 2000000)),
        col("artist_id", "string", "STRING", "public", "Main artist", ARTIST_ID),
        col("platform", "string", "STRING", "internal", "Player", one_of(PLATFORMS)),
        col("ms_played", "integer", "INT64", "internal", "Played", ints(30000, 420000)),
        col("country_code", "string", "STRING", "internal", "Country", COUNTRY),
        col("played_at", "timestamp", "TIMESTAMP", "internal", "Start of play", Gen("timestamp")),
    ),
    warehouse("listening"),
    latency_hours=2,
)

PLAYLIST_RECOMMENDATIONS = ContractSpec(
    "playlist-recommendations",
    "Playlist recommendations",
    "recommendations",
    "table",
    "Tracks recommended per user for their personalised playlists, ranked.",
    (
        col("recommendation_id", "string", "STRING", "internal", "Id", key("REC"), True),
        col("user_id", "string", "STRING", "confidential", "Pseudonymous user id", USER_ID),
        col("playlist_id", "string", "STRING", "internal", "Playlist", ref("PLS", 50000)),
        col("track_id", "string", "STRING", "public", "Track", ref("TRK", 2000000)),
        col("rank", "integer", "INT64", "internal", "Position", ints(1, 50)),
        col("score", "number", "FLOAT64", "internal", "Model score", Gen("uniform", (0.0, 1.0))),
        col(
            "model_version",
            "string",
            "STRING",
            "internal",
            "Recommender release",
            one_of(("recsys-4.2", "recsys-4.3")),
        ),
    ),
    warehouse("listening"),
)

PRODUCTS: tuple[DemoProduct, ...] = (
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
        team=(member("Nils Andersson", "owner"), member("Mei Lin", "data engineer")),
        channel="listening-data",
        inputs=(InputPort("heartbeats", "sys-player-telemetry"),),
        outputs=(OutputPort("plays", "tables", "One row per counted play", PLAY_EVENTS),),
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
        team=(member("Yusuf Demir", "data scientist"), member("Hannah Schulz", "ml engineer")),
        channel="recsys",
        inputs=(
            InputPort("plays", "play-events"),
            InputPort("artists-legacy", "artist-catalog-v1"),
        ),
        outputs=(
            OutputPort(
                "recommendations", "tables", "Ranked tracks per user", PLAYLIST_RECOMMENDATIONS
            ),
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
)
