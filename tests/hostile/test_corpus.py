"""The hostile corpus through the runner: every file a readable outcome, in bounded time and
memory, and the valid files collected beside the hostile ones land in full.

Small artifacts run in this process on SQLite and PostgreSQL; the big ones (100 MB lines,
gzip bombs, repetition) in a child process capped at 1.5 GB of address space.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from collectors import Parsed, SourceContext, available_collectors, get_collector
from collectors.runner import run_sources
from collectors.sources import Source
from governance.store.write.collector_log import FileOutcome
from governance.store.write.evidence import record_key
from tests.hostile.corpus import Artifact, artifacts
from tests.hostile.limited import GIB, collect_limited
from tests.hostile.seeds import seeds

SECONDS_PER_FILE = 10.0
MEMORY_CAP = 3 * GIB // 2
# What a reason must never look like: a crash, or advice meant for a Python programmer.
CRASH_MARKS = ("failed:", "Traceback", "set_int_max_str_digits", "recursion depth")
FORMS = sorted({seed.form for seed in seeds()})


@cache
def seed_records(form: str) -> tuple[int, int]:
    """How many records the format's valid seed gives on its own, and how many distinct."""
    seed = next(s for s in seeds() if s.form == form)
    parsed = get_collector(seed.collector).parse(
        seed.content, SourceContext(path="seed", fetched_at=datetime.now(UTC))
    )
    records = parsed.records if isinstance(parsed, Parsed) else parsed
    assert records and not (isinstance(parsed, Parsed) and parsed.problems), form
    return len(records), len({record_key(r) for r in records})


def written(artifact: Artifact, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / artifact.name
    artifact.write(path)
    return path


def check_outcome(artifact: Artifact, outcome: FileOutcome | dict) -> None:
    """The artifact's outcome is one it allows, with a reason a person can act on."""
    status = outcome["status"] if isinstance(outcome, dict) else outcome.status
    reason = (outcome["reason"] if isinstance(outcome, dict) else outcome.reason) or ""
    where = f"{artifact.form}/{artifact.name}: {status}: {reason[:300]}"
    assert status in artifact.outcomes, where
    assert not any(mark in reason for mark in CRASH_MARKS), where
    if status in ("refused", "partial", "skipped"):
        assert reason.strip(), where
        if artifact.reasons:
            assert any(phrase in reason for phrase in artifact.reasons), where


def test_the_corpus_is_broad():
    corpus = artifacts()
    hostile = [a for a in corpus if not a.valid]
    assert len(hostile) >= 100
    assert {a.collector for a in corpus} == set(available_collectors())
    per_form = Counter(a.form for a in hostile)
    assert min(per_form.values()) >= 25, per_form
    assert len({(a.form, a.name) for a in corpus}) == len(corpus)


def test_every_hostile_file_has_a_readable_outcome(store, tmp_path):
    """All small artifacts of every format in one run, each format's valid seed first."""
    corpus = [a for a in artifacts() if not a.big]
    paths = {str(written(a, tmp_path / a.form)): a for a in corpus}
    seconds: list[float] = []
    started = [time.perf_counter()]

    def progress(event: str, amount: int) -> None:
        if event == "done":
            now = time.perf_counter()
            seconds.append(now - started[0])
            started[0] = now

    sources = [Source(a.collector, path, None, a.options) for path, a in paths.items()]
    report = run_sources(store, sources, progress=progress)
    assert all(s.error is None for s in report.sources), [s.error for s in report.sources]
    outcomes = [o for s in report.sources for o in s.outcomes]
    assert sorted(o.path for o in outcomes) == sorted(paths)
    slow = {o.path: s for o, s in zip(outcomes, seconds, strict=True) if s > SECONDS_PER_FILE}
    assert not slow, slow
    for outcome in outcomes:
        check_outcome(paths[outcome.path], outcome)
    for form in FORMS:
        valid = next(o for o in outcomes if paths[o.path].valid and paths[o.path].form == form)
        assert (valid.records_read, valid.records_new) == seed_records(form), valid


def test_big_hostile_files_stay_within_time_and_memory(tmp_path):
    """100 MB lines, gzip bombs and repetition, with the seeds, in a capped child process."""
    corpus = [a for a in artifacts() if a.big or a.valid]
    paths = {str(written(a, tmp_path / a.form)): a for a in corpus}
    store = f"sqlite:///{tmp_path / 'store.db'}"
    report = collect_limited(store, [(a.collector, p, a.options) for p, a in paths.items()])
    assert not report["errors"]
    assert set(report["files"]) == set(paths)
    for path, outcome in report["files"].items():
        check_outcome(paths[path], outcome)
        assert outcome["seconds"] < SECONDS_PER_FILE, (path, outcome)
        if paths[path].valid:
            assert outcome["records_read"] == seed_records(paths[path].form)[0], (path, outcome)
    assert report["peak_rss_bytes"] < MEMORY_CAP, report["peak_rss_bytes"]
    print(f"peak RSS {report['peak_rss_bytes'] / GIB:.2f} GiB")
