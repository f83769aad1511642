"""The demo's pipeline timeline: when each product's nightly job ran and how it ended.

Lineage, logs, audit trails and SLIs tell one story per product and day, so they all read
it from here. A job lands its data a few minutes before that day's validation (the time
`data.run_time` gives the GX run), so every kind of evidence agrees with the quality
results; failed attempts come before the one that lands. Where data lives is named once
too: the OpenLineage dataset of a contract, which is also what the warehouse audit logs
call it and what the product directory knows it by.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from governance.demo.data import run_time
from governance.demo.spec import ContractSpec, DemoProduct
from governance.demo.systems import SYSTEMS

PRODUCER = "https://github.com/harmonia-music/data-platform/tree/main/pipelines"
SERVICE_ACCOUNT_DOMAIN = "harmonia-mesh.iam.gserviceaccount.com"
RETRY_DELAY = timedelta(minutes=10)  # the scheduler's retry_delay
NOISE_FAILURE = 0.03  # chance an ordinary night's first attempt fails and is retried
# Everyday reasons a first attempt fails; the retry gets through.
TRANSIENT_ERRORS = (
    "Connection reset by peer while reading {input}",
    "BigQuery: Exceeded rate limits: too many table update operations for this table",
    "Worker lost: pod evicted (node memory pressure)",
)
# The story "quality degrades" (artist-payments): the new currency conversion times out
# fetching FX rates, first now and then, soon every night, and twice a night at the end.
DEGRADED_ERROR = "FX rate lookup timed out after 30 s (currency-conversion 2.3.0)"


def story_rng(seed: int, purpose: str, *parts: object) -> random.Random:
    """A random stream of its own per seed, purpose, product and day: any day rebuilds alone."""
    # str seeds are hashed with SHA-512, not hash(): the same on every run and machine.
    return random.Random("/".join([str(seed), purpose, *(str(part) for part in parts)]))


def uuid7(moment: datetime, rng: random.Random) -> str:
    """A UUIDv7 (what OpenLineage recommends for run ids) for `moment`, random bits from rng."""
    millis = int(moment.timestamp() * 1000)
    value = (millis << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64)
    value |= (0b10 << 62) | rng.getrandbits(62)
    return str(uuid.UUID(int=value))


def zulu(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as OpenLineage clients write eventTime."""
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class Dataset:
    """Where a contract's data lives, named as OpenLineage names it (namespace and name)."""

    namespace: str
    name: str
    kind: str  # table | topic

    @property
    def qualified(self) -> str:
        """namespace/name: how the OpenLineage collector names a dataset."""
        return f"{self.namespace}/{self.name}"

    @property
    def resource(self) -> str:
        """The name audit logs give it: project.dataset.table, or the topic's URI."""
        return self.name if self.namespace == "bigquery" else self.qualified


def dataset_of(contract: ContractSpec) -> Dataset:
    """The dataset a contract's server and object name (OpenLineage naming conventions)."""
    server, obj = contract.server, contract.object_name
    if server["type"] == "bigquery":
        return Dataset("bigquery", f"{server['project']}.{server['dataset']}.{obj}", "table")
    if server["type"] == "kafka":
        return Dataset(f"kafka://{server['host']}", obj, "topic")
    if server["type"] == "postgres":
        namespace = f"postgres://{server['host']}:{server['port']}"
        return Dataset(namespace, f"{server['database']}.{server['schema']}.{obj}", "table")
    raise ValueError(f"the demo has no dataset naming for {server['type']!r} servers")


def declared_datasets(product: DemoProduct) -> list[str]:
    """Dataset names the descriptor must declare: contracts give topics no alias of their own."""
    outputs = [dataset_of(port.contract) for port in product.outputs]
    return [d.qualified for d in outputs if d.kind == "topic"]


def output_datasets(product: DemoProduct) -> list[Dataset]:
    """The datasets the product's job writes: one per output port."""
    return [dataset_of(port.contract) for port in product.outputs]


def input_datasets(
    product: DemoProduct, products: tuple[DemoProduct, ...]
) -> list[tuple[Dataset, DemoProduct | None]]:
    """The datasets the job reads, each with the product serving it (None: a source system)."""
    served = {port.contract.id: (port.contract, p) for p in products for port in p.outputs}
    feeds = {system.contract.id: system.contract for system in SYSTEMS}
    found: list[tuple[Dataset, DemoProduct | None]] = []
    for port in product.inputs:
        if port.contract_id in served:
            contract, upstream = served[port.contract_id]
            found.append((dataset_of(contract), upstream))
        else:
            found.append((dataset_of(feeds[port.contract_id]), None))
    return found


def job_name(product: DemoProduct) -> tuple[str, str]:
    """The job's OpenLineage namespace and name: the domain's Airflow, `<dag>.<task>`."""
    return f"airflow-{product.domain}", f"{product.id.replace('-', '_')}_daily.build"


def service_account(product: DemoProduct) -> str:
    """The identity the product's pipeline runs as."""
    return f"svc-{product.id}@{SERVICE_ACCOUNT_DOMAIN}"


def degradation_step(product: DemoProduct, day: date, today: date) -> int:
    """1 on the first day of the product's decline, growing to degrading_days; 0 outside it."""
    if not product.degrading:
        return 0
    step = product.degrading_days - (today - day).days
    return step if step >= 1 else 0


@dataclass(frozen=True)
class Attempt:
    """One try of the nightly job; a failed one carries the error the job raised."""

    number: int
    run_id: str
    started: datetime
    ended: datetime
    error: str | None = None

    @property
    def failed(self) -> bool:
        """True when the attempt raised instead of landing the data."""
        return self.error is not None


@dataclass(frozen=True)
class JobDay:
    """A product's nightly job on one day: its attempts, the last of which lands the data."""

    product: DemoProduct
    day: date
    scheduled: datetime
    attempts: tuple[Attempt, ...]
    step: int  # degradation step of the day (0: not degrading)

    @property
    def landed(self) -> datetime:
        """When the data landed: the end of the last, successful attempt."""
        return self.attempts[-1].ended

    @property
    def landed_run(self) -> str:
        """The run id of the attempt that landed the data."""
        return self.attempts[-1].run_id


def runs_on(product: DemoProduct, day: date, today: date) -> bool:
    """False in the stale tail: the product's job stopped running `stale_days` ago."""
    return (today - day).days >= product.stale_days


def job_day(product: DemoProduct, day: date, today: date, seed: int) -> JobDay | None:
    """The job's attempts on `day`, timed backwards from that day's validation; None if none."""
    if not runs_on(product, day, today):
        return None
    rng = story_rng(seed, "job", product.id, day)
    step = degradation_step(product, day, today)
    if step:
        failures = 2 if step >= 8 else int(rng.random() < min(1.0, 0.25 * step))
    else:
        failures = int(rng.random() < NOISE_FAILURE)
    # The attempt that lands ends a few minutes before GX validates the batch.
    landed = run_time(product, day, seed) - timedelta(seconds=rng.randint(90, 420))
    started = landed - timedelta(seconds=rng.randint(8 * 60, 25 * 60))
    spans = [(started, landed, None)]
    for _ in range(failures):
        ended = spans[0][0] - RETRY_DELAY
        began = ended - timedelta(seconds=rng.randint(2 * 60, 6 * 60))
        spans.insert(0, (began, ended, _error(product, rng, step)))
    scheduled = spans[0][0] - timedelta(seconds=rng.randint(5, 90))
    scheduled = scheduled.replace(second=0, microsecond=0)
    attempts = tuple(
        Attempt(n, uuid7(began, rng), began, ended, error)
        for n, (began, ended, error) in enumerate(spans, start=1)
    )
    return JobDay(product, day, scheduled, attempts, step)


def _error(product: DemoProduct, rng: random.Random, step: int) -> str:
    if step:
        return DEGRADED_ERROR
    inputs = [port.name for port in product.inputs] or ["its input"]
    return rng.choice(TRANSIENT_ERRORS).format(input=f"input port {rng.choice(inputs)}")


def window(days: int, today: date) -> list[date]:
    """The demo's days, oldest first."""
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def last_landing(
    product: DemoProduct, day: date, today: date, seed: int
) -> tuple[date, datetime] | None:
    """The newest day up to `day` whose job landed, and when; None past a week of nothing."""
    for back in range(8):
        job = job_day(product, day - timedelta(days=back), today, seed)
        if job is not None:
            return job.day, job.landed
    return None
