"""Users: profiles and search history.

Columns carry the generator the evidence uses; suites are the GX checks the product runs.
"""

from __future__ import annotations

from governance.demo.spec import (
    COUNTRY,
    EMAIL_RE,
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
    kafka,
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

AGE_BANDS = ("13-17", "18-24", "25-34", "35-44", "45-54", "55+")
USER_KEY = ref("USR", 900000, distinct=True)
TIERS = ("free", "premium", "family", "student")

USER_MONTHLY_SUMMARY = ContractSpec(
    "user-monthly-summary",
    "User monthly summary",
    "user_monthly_summary",
    "table",
    "One row per active user and month: plan, country band and listening volume.",
    (
        col("user_id", "string", "STRING", "confidential", "Pseudonymous user id", USER_KEY, True),
        col("month", "string", "STRING", "internal", "Month (YYYY-MM)", Gen("month")),
        col("country_code", "string", "STRING", "internal", "Country", COUNTRY),
        col("subscription_tier", "string", "STRING", "internal", "Plan", one_of(TIERS)),
        col("age_band", "string", "STRING", "confidential", "Age band", one_of(AGE_BANDS)),
        col("minutes_streamed", "integer", "INT64", "internal", "Minutes", ints(0, 20000)),
        col("active_days", "integer", "INT64", "internal", "Days active", ints(1, 31)),
    ),
    warehouse("users"),
)

USER_PROFILE_UPDATES = ContractSpec(
    "user-profile-updates",
    "User profile updates",
    "profile_updates",
    "topic",
    "A change event whenever a profile's plan, country or preferences change.",
    (
        col("event_id", "string", "string", "internal", "Event id", key("UPD"), True),
        col("user_id", "string", "string", "confidential", "Pseudonymous user id", USER_ID),
        col("changed_field", "string", "string", "internal", "Field that changed"),
        col("subscription_tier", "string", "string", "internal", "Plan after the change"),
        col("changed_at", "timestamp", "timestamp-millis", "internal", "When it changed"),
    ),
    kafka(),
    latency_hours=1,
)

USER_SEARCH_HISTORY = ContractSpec(
    "user-search-history",
    "User search history",
    "search_events",
    "table",
    "Searches per user, with the account email joined in for the growth team.",
    (
        col("search_id", "string", "STRING", "internal", "Search id", key("SRC"), True),
        col("user_id", "string", "STRING", "confidential", "Pseudonymous user id", USER_ID),
        # The story "personal data not classified": these three carry no classification.
        col("email", "string", "STRING", None, "Account email", Gen("email")),
        col("ip_address", "string", "STRING", None, "Client IP address", Gen("ip")),
        col("search_query", "string", "STRING", None, "Query as typed", Gen("query")),
        col("device_type", "string", "STRING", "internal", "Device", one_of(PLATFORMS)),
        col("result_count", "integer", "INT64", "internal", "Results", ints(0, 200)),
        col("searched_at", "timestamp", "TIMESTAMP", "internal", "When", Gen("timestamp")),
    ),
    warehouse("users"),
)

PRODUCTS: tuple[DemoProduct, ...] = (
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
        team=(member("Sofia Marin", "owner"), member("Daniel Kim", "data engineer")),
        channel="user-profiles",
        inputs=(InputPort("accounts", "sys-user-accounts"),),
        outputs=(
            OutputPort(
                "monthly-summary", "tables", "One row per user and month", USER_MONTHLY_SUMMARY
            ),
            OutputPort("profile-updates", "topic", "Profile change events", USER_PROFILE_UPDATES),
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
        team=(member("Mateo García", "owner"), member("Aisha Bello", "analytics engineer")),
        channel="search-data",
        inputs=(
            InputPort("search-log", "sys-search-service"),
            InputPort("accounts", "sys-user-accounts"),
        ),
        outputs=(OutputPort("search-events", "tables", "One row per search", USER_SEARCH_HISTORY),),
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
)
