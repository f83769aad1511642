"""The intake: requests' bodies parsed, checked and written in groups, answered after commit.

A job is one request's body with its token's scope. `take` handles a group of jobs: each is
parsed by the collector `collect` uses (service.push) and checked against its token's scope,
then the group is written in one transaction; the answers say what each request's evidence
became. Nothing is answered before its transaction has committed, so a server killed at any
moment has lost nothing it acknowledged.

Where `take` runs is the intake's choice: `ThreadIntake` runs it on a thread of the server
process (one core between HTTP and parsing); `ProcessIntake` (worker.py) in a worker process
beside it, so the event loop only speaks HTTP. While one group is written the next gathers:
under load a transaction carries hundreds of requests.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol

from governance.errors import OutOfScope
from governance.ingest import otlp
from governance.model.tokens import TokenScope
from governance.service.push import Delivery, FileOutcome, Push

log = logging.getLogger("meshgov.ingest")

MAX_GROUP = 5_000  # requests per transaction at most


@dataclass(frozen=True)
class Job:
    """One request's evidence: the body as a file would hold it, and who sent it."""

    collector: str
    content: bytes
    scope: TokenScope
    shown: str  # how the collector log names the request
    options: Mapping[str, Any] | None = None
    protobuf: bool = False  # an OTLP protobuf body, read as OTLP/JSON first


@dataclass(frozen=True)
class Answer:
    """What came of one job: its outcome once written, or why it was not (status, message).

    `status` 0 means written (the outcome says what was read, refused and new); 400 is an
    OTLP body that is not protobuf, 403 evidence outside the token's scope (logged),
    503 a store that could not take the write.
    """

    outcome: FileOutcome | None = None
    problems: int = 0  # parts refused (events, lines, log records) of a partly read body
    status: int = 0
    message: str = ""


class Intake(Protocol):
    """Where jobs are taken: `submit` returns once the job's evidence is committed."""

    async def start(self) -> None: ...

    async def submit(self, job: Job) -> Answer: ...

    async def close(self) -> None: ...

    def ready(self) -> str | None:
        """None when jobs can be taken, else why not."""
        ...


def take(
    push: Push,
    jobs: Sequence[Job],
    writing: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> list[Answer]:
    """Parse and check every job, write the group in one transaction; one answer per job.

    `writing` is held around the transaction: where several workers share a SQLite store,
    it makes them write in turn while they parse side by side.
    """
    answers: list[Answer | None] = []
    deliveries: list[tuple[int, Delivery]] = []
    for index, job in enumerate(jobs):
        try:
            content = otlp.protobuf_to_json(job.content) if job.protobuf else job.content
            delivery = push.parse(job.collector, content, job.scope, job.shown, job.options)
        except otlp.OtlpDecodeError as exc:
            answers.append(Answer(status=400, message=str(exc)))
            continue
        except OutOfScope as exc:
            log.warning("refused %s: %s", job.shown, exc)
            refusal = push.refusal(job.collector, job.scope, job.shown, str(exc))
            deliveries.append((-1, refusal))  # logged with the group; the answer is 403
            answers.append(Answer(status=403, message=str(exc)))
            continue
        except Exception as exc:  # the registry could not be read: the store is down
            log.exception("could not read the registry for %s", job.shown)
            answers.append(_unwritten(exc))
            continue
        deliveries.append((index, delivery))
        answers.append(None)
    try:
        with writing():
            outcomes = push.write([delivery for _, delivery in deliveries])
    except Exception as exc:  # the store is down: every waiting request hears it
        log.exception("could not write pushed evidence")
        return [answer or _unwritten(exc) for answer in answers]
    for (index, delivery), outcome in zip(deliveries, outcomes, strict=True):
        if index >= 0:
            answers[index] = Answer(outcome, delivery.problems)
    return [answer or Answer(status=503, message="not written") for answer in answers]


def _unwritten(exc: BaseException) -> Answer:
    return Answer(status=503, message=f"the store could not take it: {type(exc).__name__}")


class ThreadIntake:
    """`take` on one thread of the server process: parsing shares the core with HTTP."""

    def __init__(self, push: Push) -> None:
        self._push = push
        self._queue: queue.SimpleQueue[tuple[Job, asyncio.Future[Answer]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="meshgov-intake", daemon=True)

    async def start(self) -> None:
        self._thread.start()

    async def submit(self, job: Job) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._queue.put((job, future))
        return await future

    async def close(self) -> None:
        """Take what is queued, then stop the thread."""
        self._queue.put(None)
        await asyncio.to_thread(self._thread.join)

    def ready(self) -> str | None:
        return None if self._thread.is_alive() else "the intake thread has stopped"

    def _run(self) -> None:
        self._push.hold_connection()  # on this thread: the only one that writes
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                break
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                group.append(item)
            answers = take(self._push, [job for job, _ in group])
            for (_, future), answer in zip(group, answers, strict=True):
                future.get_loop().call_soon_threadsafe(_settle, future, answer)
        self._push.release_connection()


def _settle(future: asyncio.Future[Answer], answer: Answer) -> None:
    if not future.done():  # the client went away; its evidence is written all the same
        future.set_result(answer)
