"""The intake in a worker process: the server's event loop speaks HTTP, the worker parses and writes.

Python runs one thread at a time, so a server that parses and writes in its own process
spends one core on everything. `ProcessIntake` starts `python -m governance.ingest.worker`
beside the server and hands it jobs over a pipe: the jobs that arrived in one turn of the
event loop go as one frame, and the worker takes every frame waiting when it is free as one
group (intake.take: parse, check the scope, one transaction), then answers each frame in
order. Frames are 8 bytes of length and a pickle; the pipe's two ends belong to meshgov
alone, so nothing else can write into it.

The worker lives as long as the server: it ends when its input closes (the server stopped,
or was killed), after answering what it had. If it dies, the requests waiting for it get
503 (nothing of theirs was acknowledged) and a new worker is started.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import gc
import logging
import os
import pickle
import select
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from governance.ingest.intake import MAX_GROUP, Answer, Job, take
from governance.store import sqlite_file

log = logging.getLogger("meshgov.ingest")

HEADER = 8  # bytes of a frame's length, big-endian
START_SECONDS = 120.0  # how long a worker may take to import and open the store
RESTART_SECONDS = 1.0  # pause before starting a worker again after one died
_HELLO = b"meshgov-ingest-worker"


class WorkerGone(Exception):
    """The worker process ended before it answered."""


class _Worker:
    """One worker process and the frames it has not answered yet, oldest first."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.sent: deque[list[asyncio.Future[Answer]]] = deque()
        self.waiting = 0  # jobs sent and not answered


class ProcessIntake:
    """Jobs taken by worker processes; `submit` returns once a worker committed the job.

    Each turn of the event loop, the jobs that arrived go as one frame to the worker with the
    fewest jobs waiting. Several workers parse side by side; on SQLite they take turns to
    write (a lock file beside the store), on PostgreSQL the store takes care of it.
    """

    def __init__(
        self, workspace: Path, db_url: str, workers: int = 2, log_level: str = "info"
    ) -> None:
        self._workspace, self._db_url, self._log_level = workspace, db_url, log_level
        self._slots: list[_Worker | None] = [None] * max(workers, 1)
        self._pending: list[tuple[Job, asyncio.Future[Answer]]] = []
        self._flushing = False
        self._closing = False
        self._readers: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Start the workers and wait until each has opened the store."""
        await asyncio.gather(*(self._start(slot) for slot in range(len(self._slots))))

    async def _start(self, slot: int) -> None:
        env = {**os.environ, "MESHGOV_WORKSPACE": str(self._workspace)}
        env["MESHGOV_DB_URL"] = self._db_url
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "governance.ingest.worker",
            self._log_level,
            str(len(self._slots)),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        assert process.stdout is not None
        try:
            hello = await asyncio.wait_for(_read_frame(process.stdout), START_SECONDS)
        except (TimeoutError, asyncio.IncompleteReadError):
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            code = await process.wait()
            raise WorkerGone(f"an ingest worker did not start (exit code {code})") from None
        if hello != _HELLO:
            raise WorkerGone(f"an ingest worker said {hello!r} instead of hello")
        worker = self._slots[slot] = _Worker(process)
        reader = asyncio.create_task(self._answers(slot, worker))
        self._readers.add(reader)
        reader.add_done_callback(self._readers.discard)
        self._schedule()

    async def submit(self, job: Job) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        self._schedule()
        return await future

    def ready(self) -> str | None:
        down = sum(worker is None for worker in self._slots)
        return f"{down} of {len(self._slots)} ingest workers are starting" if down else None

    async def close(self) -> None:
        """Let the workers take what was sent, then end them."""
        self._closing = True
        self._flush()
        workers = [worker for worker in self._slots if worker is not None]
        for worker in workers:
            assert worker.process.stdin is not None
            worker.process.stdin.close()
        await asyncio.gather(*list(self._readers))
        for worker in workers:
            try:
                await asyncio.wait_for(worker.process.wait(), 60)
            except TimeoutError:
                worker.process.kill()
                await worker.process.wait()

    def _schedule(self) -> None:
        """Send what is pending at the end of this turn of the loop, as one frame."""
        if not self._flushing and self._pending and any(self._slots):
            self._flushing = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flushing = False
        running = [worker for worker in self._slots if worker is not None]
        if not self._pending or not running:
            return
        worker = min(running, key=lambda w: w.waiting)
        batch, self._pending = self._pending, []
        frame = pickle.dumps([job for job, _ in batch], protocol=pickle.HIGHEST_PROTOCOL)
        worker.sent.append([future for _, future in batch])
        worker.waiting += len(batch)
        assert worker.process.stdin is not None
        # Written as the pipe takes it; what it cannot take yet waits in the transport.
        worker.process.stdin.write(len(frame).to_bytes(HEADER, "big") + frame)

    async def _answers(self, slot: int, worker: _Worker) -> None:
        """Settle each sent frame's requests with its answers, in order; restart on death."""
        stdout = worker.process.stdout
        assert stdout is not None
        try:
            while True:
                answers: list[Answer] = await _read_frame(stdout)
                futures = worker.sent.popleft()
                worker.waiting -= len(futures)
                for future, answer in zip(futures, answers, strict=True):
                    if not future.done():  # the client went away; its evidence is written
                        future.set_result(answer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the worker ended
        code = await worker.process.wait()
        self._slots[slot] = None
        lost = [future for frame in worker.sent for future in frame]
        if lost or not self._closing:
            log.error(
                "an ingest worker ended (exit code %s) with %d requests open", code, len(lost)
            )
        gone = Answer(status=503, message="the ingest worker stopped; nothing of it was written")
        for future in lost:
            if not future.done():
                future.set_result(gone)
        if not self._closing:
            asyncio.get_running_loop().create_task(self._restart(slot))

    async def _restart(self, slot: int) -> None:
        while not self._closing:
            await asyncio.sleep(RESTART_SECONDS)
            try:
                await self._start(slot)
                return
            except (WorkerGone, OSError) as exc:
                log.error("%s; trying again", exc)


async def _read_frame(stream: asyncio.StreamReader) -> Any:
    size = int.from_bytes(await stream.readexactly(HEADER), "big")
    return pickle.loads(await stream.readexactly(size))


class _Frames:
    """The worker's end of the pipe: whole frames, waited for or only if already there."""

    def __init__(self, fd: int) -> None:
        self._fd, self._buffer = fd, bytearray()
        self.ended = False

    def next(self, wait: bool) -> list[Job] | None:
        """The next frame's jobs; None at the end, or (not waiting) if none is complete."""
        while True:
            if len(self._buffer) >= HEADER:
                size = int.from_bytes(self._buffer[:HEADER], "big")
                if len(self._buffer) >= HEADER + size:
                    frame = bytes(self._buffer[HEADER : HEADER + size])
                    del self._buffer[: HEADER + size]
                    return pickle.loads(frame)
            if self.ended or (not wait and not select.select([self._fd], [], [], 0)[0]):
                return None
            chunk = os.read(self._fd, 1 << 20)
            if not chunk:
                self.ended = True
            self._buffer += chunk


def _send(fd: int, *payloads: Any) -> None:
    """Frames for each payload, written to the pipe at once."""
    chunks = []
    for payload in payloads:
        frame = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        chunks += [len(frame).to_bytes(HEADER, "big"), frame]
    view = memoryview(b"".join(chunks))
    while view:
        view = view[os.write(fd, view) :]


def serve(frames: _Frames, answer_fd: int, take_group: Any) -> None:
    """Take every frame waiting as one group; answer each frame in order; stop at the end."""
    while True:
        first = frames.next(wait=True)
        if first is None:
            return
        group = [first]
        while sum(len(frame) for frame in group) < MAX_GROUP:
            more = frames.next(wait=False)
            if more is None:
                break
            group.append(more)
        answers = take_group([job for frame in group for job in frame])
        start, replies = 0, []
        for frame in group:
            replies.append(answers[start : start + len(frame)])
            start += len(frame)
        _send(answer_fd, *replies)  # one write: each wakes the server, a costly system call


def _write_turns(db_url: str) -> Callable[[], AbstractContextManager[Any]]:
    """How workers sharing a SQLite store take turns to write: an exclusive lock on a file
    beside it (SQLite's own busy wait would sleep in steps of up to 100 ms). PostgreSQL
    takes concurrent writers as they come.
    """
    database = sqlite_file(db_url)
    if database is None:
        return contextlib.nullcontext
    lock = os.open(f"{database}.ingest-lock", os.O_RDWR | os.O_CREAT, 0o600)

    @contextlib.contextmanager
    def turn() -> Iterator[None]:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    return turn


def main(argv: Sequence[str]) -> None:
    """The worker: open the workspace's service, say hello, take groups until input ends."""
    # The server decides when the worker ends (by closing its input), not a Ctrl-C sent to
    # the whole process group: that would cut a transaction short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # The pipe is the protocol; anything a library prints goes to the log instead.
    jobs_fd, answer_fd = os.dup(0), os.dup(1)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(2, 1)
    level = (argv[0] if argv else "info").upper()
    logging.basicConfig(level=level, format="%(levelname)s:     %(message)s")
    log.setLevel(level)

    from governance.service import MeshgovService

    service = MeshgovService.open(os.environ["MESHGOV_WORKSPACE"])
    service.store.check_ready()
    service.push.hold_connection()
    # Alone, a worker is the only writer the server has: no turns to take.
    alone = len(argv) < 2 or int(argv[1]) <= 1
    writing = contextlib.nullcontext if alone else _write_turns(service.workspace.db_url)
    # As in the server: start-up objects are never garbage, and parsed records hold no
    # cycles, so the young generation is collected less often.
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    _send(answer_fd, _HELLO)
    serve(_Frames(jobs_fd), answer_fd, lambda jobs: take(service.push, jobs, writing))


if __name__ == "__main__":
    main(sys.argv[1:])
