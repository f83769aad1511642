"""The ingest server: meshgov as a backend that clients push evidence to.

`meshgov ingest-server` serves OpenLineage events (`POST /api/v1/lineage`, what
openlineage-python's HttpTransport sends), OTLP/HTTP logs (`POST /v1/logs`, protobuf or
JSON) and tool results (`POST /api/v1/results/{tool}`: GX, dbt, Soda), each behind a bearer
token of a domain or a product. It is a front end like the CLI and the app: it parses and
writes through the service (governance/service/push.py), with the collectors' own parsers.

- `app.py` the routes; `exchange.py` the busy routes' HTTP at the ASGI level; `bodies.py`
  reading bounded (and gzip) bodies; `guard.py` tokens and rate limits; `intake.py` parsing
  and writing in groups, answered after commit; `worker.py` the worker processes that do it;
  `otlp.py` the OTLP protobuf encoding; `results.py` the parts of a results upload.
"""

from __future__ import annotations

DEFAULT_PORT = 8700
HEALTH_PATH = "/healthz"  # the process serves
READY_PATH = "/readyz"  # the store is reachable and migrated
DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024  # a large dbt manifest fits; an event is ~2 KB
DEFAULT_RATE_LIMIT = 500.0  # requests per second per token; 0: no limit
DEFAULT_BURST = 1000  # requests a token may send at once before the rate applies
# Worker processes that parse and write (they write in turn on SQLite): one keeps a second
# core busy while the server process speaks HTTP (benchmarks/README.md, "Push ingestion").
DEFAULT_WORKERS = 1
