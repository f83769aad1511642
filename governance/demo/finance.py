"""Finance: payment events and royalty statements.

Columns carry the generator the evidence uses; suites are the GX checks the product runs.
"""

from __future__ import annotations

from governance.demo.spec import (
    ARTIST_ID,
    CURRENCIES,
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
    kafka,
    key,
    matches,
    member,
    not_null,
    one_of,
    row_count,
    unique,
    warehouse,
    weighted,
)

PERIOD_RE = r"^\d{4}-(?:0[1-9]|1[0-2])$"

PAYMENT_EVENTS = ContractSpec(
    "payment-events",
    "Payment events",
    "payment_events",
    "topic",
    "Every captured, refunded or failed payment: subscriptions, ads and partners.",
    (
        col("payment_id", "string", "string", "internal", "Payment id", key("PMT"), True),
        col(
            "payer_type",
            "string",
            "string",
            "internal",
            "Who paid",
            weighted(subscriber=0.9, advertiser=0.08, partner=0.02),
        ),
        col(
            "amount",
            "number",
            "decimal",
            "confidential",
            "Amount in currency",
            amounts(12.99, 6.0, 0.99, 5000.0),
        ),
        col("currency", "string", "string", "internal", "ISO 4217", one_of(CURRENCIES)),
        col(
            "status",
            "string",
            "string",
            "internal",
            "Outcome",
            weighted(captured=0.9, refunded=0.04, failed=0.05, chargeback=0.01),
        ),
        col("card_last4", "string", "string", "restricted", "Card digits", Gen("digits", (4,))),
        col("captured_at", "timestamp", "timestamp-micros", "internal", "When", Gen("timestamp")),
    ),
    kafka(),
    latency_hours=1,
)

ROYALTY_STATEMENTS = ContractSpec(
    "royalty-statements",
    "Royalty statements",
    "royalty_statements",
    "table",
    "Monthly royalty statement per artist: streams, gross and net royalties.",
    (
        col("statement_id", "string", "STRING", "internal", "Id", key("RST"), True),
        col("artist_id", "string", "STRING", "internal", "Artist", ARTIST_ID),
        col("period", "string", "STRING", "internal", "Period (YYYY-MM)", Gen("month")),
        col("streams", "integer", "INT64", "internal", "Counted streams", ints(0, 5000000)),
        col(
            "gross_royalties",
            "number",
            "NUMERIC",
            "confidential",
            "Before fees",
            amounts(1200.0, 900.0, 0.0, 80000.0),
        ),
        col("currency", "string", "STRING", "internal", "ISO 4217", one_of(CURRENCIES)),
        col(
            "statement_status",
            "string",
            "STRING",
            "internal",
            "Lifecycle",
            weighted(draft=0.2, issued=0.77, disputed=0.03),
        ),
    ),
    warehouse("finance"),
)

PRODUCTS: tuple[DemoProduct, ...] = (
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
        team=(member("Olivia Brooks", "owner"), member("Kwame Mensah", "data engineer")),
        channel="finance-data",
        inputs=(InputPort("settlements", "sys-payment-gateway"),),
        outputs=(
            OutputPort(
                "payment-events", "topic", "Payment events, one per attempt", PAYMENT_EVENTS
            ),
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
        team=(member("Ingrid Solberg", "owner"), member("Marco Rossi", "finance analyst")),
        channel="royalties",
        inputs=(InputPort("payouts", "artist-payouts"),),
        outputs=(
            OutputPort("royalty-statements", "tables", "Statements per artist", ROYALTY_STATEMENTS),
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
