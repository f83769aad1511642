"""The demo's daily batches: generated rows, with the defects of each product's story.

Every product, day and purpose has its own random stream, so any day can be rebuilt alone
and the same seed always gives the same rows.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd

from governance.demo.spec import NOT_NULL, ROW_COUNT, DemoProduct, Expectation, Gen

FIRST_NAMES = ("ana", "ben", "chen", "dara", "emil", "fatou", "gita", "hugo", "ines", "jon")
LAST_NAMES = ("silva", "berg", "okoro", "novak", "tanaka", "lopez", "nilsson", "khan", "roy")
MAIL_PROVIDERS = ("mail.example", "inbox.example", "post.example")
WORDS = ("midnight", "summer", "blue", "river", "neon", "golden", "wild", "echo", "paper", "city")
NOUNS = ("hearts", "wolves", "lights", "tides", "machines", "sisters", "ghosts", "birds")


def evidence_days(product: DemoProduct, days: int, today: date) -> list[date]:
    """The days a product has evidence for: the window, minus its stale tail."""
    first = today - timedelta(days=days - 1)
    last = today - timedelta(days=product.stale_days)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _rng(seed: int, product: DemoProduct, day: date, stream: int = 0) -> np.random.Generator:
    # One generator per product, day and purpose: any day can be rebuilt on its own.
    key = [seed, zlib.crc32(product.id.encode()), day.toordinal(), stream]
    return np.random.default_rng(key)


def run_time(product: DemoProduct, day: date, seed: int) -> datetime:
    """When the product's nightly validation ran on `day` (UTC, a little after its hour)."""
    rng = _rng(seed, product, day, stream=1)
    start = datetime.combine(day, time(product.run_hour), tzinfo=UTC)
    jitter = timedelta(
        minutes=int(rng.integers(0, 40)),
        seconds=int(rng.integers(0, 60)),
        microseconds=int(rng.integers(1, 1_000_000)),  # never 0: isoformat keeps 6 digits
    )
    return start + jitter


def daily_batch(product: DemoProduct, day: date, today: date, seed: int) -> pd.DataFrame:
    """The rows the product's evidence port held on `day`, defects of its story included."""
    rng = _rng(seed, product, day)
    rows = int(rng.integers(product.daily_rows[0], product.daily_rows[1] + 1))
    columns = product.evidence_port.contract.columns
    frame = pd.DataFrame(
        {c.name: _values(c.gen, rows, day, rng) for c in columns if c.gen.kind != "none"}
    )
    frame = _degrade(product, frame, day, today, rng)
    if rng.random() < product.noise:
        # An everyday slip: a few bad rows for one check, now and then a partial load.
        weights = np.array([0.15 if e.type == ROW_COUNT else 1.0 for e in product.suite])
        expectation = product.suite[int(rng.choice(len(weights), p=weights / weights.sum()))]
        frame = break_rows(frame, expectation, int(rng.integers(1, 5)), rng)
    return frame.reset_index(drop=True)


def _degrade(
    product: DemoProduct, frame: pd.DataFrame, day: date, today: date, rng: np.random.Generator
) -> pd.DataFrame:
    """The story "quality degrades": growing shares of bad values, column after column."""
    step = product.degrading_days - (today - day).days  # 1 on the first bad day
    for column, first_step in product.degrading:
        if step < first_step:
            continue
        count = max(1, round(0.008 * (step - first_step + 1) * len(frame)))
        for expectation in product.suite:
            if expectation.column == column:
                frame = break_rows(frame, expectation, count, rng)
    return frame


def break_rows(
    frame: pd.DataFrame, expectation: Expectation, count: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Make `count` rows fail `expectation` the way real pipelines fail it."""
    if expectation.type == ROW_COUNT:
        return frame.head(max(1, expectation.kwargs["min_value"] // 3)).copy()  # partial load
    frame = frame.copy()
    column = str(expectation.column)
    picked = rng.choice(len(frame), size=min(count + 1, len(frame)), replace=False)
    rows = picked[1:] if expectation.type.endswith("_unique") else picked[:count]
    kwargs = expectation.kwargs
    if expectation.type == NOT_NULL:
        if pd.api.types.is_integer_dtype(frame[column]):
            frame[column] = frame[column].astype("float64")  # a null needs a float column
        frame.loc[rows, column] = None
    elif expectation.type.endswith("_unique"):
        frame.loc[rows, column] = frame[column].iloc[picked[0]]
    elif expectation.type.endswith("_between"):
        low, high = kwargs["min_value"], kwargs["max_value"]
        span = (high - low) * rng.uniform(0.01, 0.3, len(rows))
        bad = np.where(rng.random(len(rows)) < 0.5, low - span, high + span)
        integer = pd.api.types.is_integer_dtype(frame[column])
        frame.loc[rows, column] = bad.round().astype("int64") if integer else bad.round(2)
    elif expectation.type.endswith("_in_set"):
        frame.loc[rows, column] = "unknown"
    elif expectation.type.endswith("_match_regex"):
        frame.loc[rows, column] = [_malformed(str(v)) for v in frame.loc[rows, column]]
    return frame


def _malformed(value: str) -> str:
    if "@" in value:
        return value.replace("@", " at ")
    return value.lower() if value.lower() != value else value + "?"


def _values(gen: Gen, rows: int, day: date, rng: np.random.Generator) -> Any:
    kind, args = gen.kind, gen.args
    if kind == "key":
        return [f"{args[0]}-{day:%y%m%d}-{n:05d}" for n in range(1, rows + 1)]
    if kind == "ref":
        prefix, pool, distinct = args
        picked = rng.choice(pool, size=rows, replace=False) + 1 if distinct else None
        numbers = picked if picked is not None else rng.integers(1, pool + 1, rows)
        return [f"{prefix}-{n:06d}" for n in numbers]
    if kind == "choice":
        values, weights = (args[0], args[1]) if len(args) > 1 else (args[0], None)
        return rng.choice(list(values), size=rows, p=weights).tolist()
    if kind == "number":
        mean, sd, low, high = args
        return np.clip(rng.normal(mean, sd, rows), low, high).round(2)
    if kind == "uniform":
        return rng.uniform(args[0], args[1], rows).round(3)
    if kind == "int":
        return rng.integers(args[0], args[1] + 1, rows)
    if kind == "bool":
        return rng.random(rows) < args[0]
    if kind == "digits":
        return [f"{n:0{args[0]}d}" for n in rng.integers(0, 10 ** args[0], rows)]
    if kind == "timestamp":
        offsets = pd.to_timedelta(rng.integers(0, 86_400_000_000, rows), unit="us")
        return pd.Timestamp(day, tz="UTC") + offsets
    if kind == "date":
        return [day.isoformat()] * rows
    if kind == "month":  # statements and summaries cover the month before
        return [f"{(day.replace(day=1) - timedelta(days=1)):%Y-%m}"] * rows
    if kind == "const":
        return [args[0]] * rows
    return _text(kind, rows, rng)


def _text(kind: str, rows: int, rng: np.random.Generator) -> list[str]:
    def pick(words: tuple[str, ...]) -> list[str]:
        return [words[i] for i in rng.integers(0, len(words), rows)]

    numbers = rng.integers(1, 999, rows)
    if kind == "email":
        firsts, lasts, hosts = pick(FIRST_NAMES), pick(LAST_NAMES), pick(MAIL_PROVIDERS)
        return [f"{f}.{s}{n}@{h}" for f, s, n, h in zip(firsts, lasts, numbers, hosts, strict=True)]
    if kind == "person":
        return [
            f"{f.title()} {s.title()}"
            for f, s in zip(pick(FIRST_NAMES), pick(LAST_NAMES), strict=True)
        ]
    if kind == "artist":
        return [
            f"The {w.title()} {n.title()}" for w, n in zip(pick(WORDS), pick(NOUNS), strict=True)
        ]
    if kind == "title":
        return [
            f"Ep. {n}: {w.title()} {m}"
            for n, w, m in zip(numbers, pick(WORDS), pick(NOUNS), strict=True)
        ]
    if kind == "query":
        return [f"{w} {m}" for w, m in zip(pick(WORDS), pick(NOUNS), strict=True)]
    if kind == "ip":
        octets = rng.integers(1, 255, (rows, 4))
        return [".".join(str(o) for o in row) for row in octets]
    raise ValueError(f"unknown demo column generator {kind!r}")
