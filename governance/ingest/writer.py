"""The group commit: requests wait while one thread writes everyone's evidence in one go.

A request is answered only after the transaction holding its evidence has committed, so a
server killed at any moment has lost nothing it acknowledged. While one group is written,
the next one gathers: under load a commit carries hundreds of requests.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Sequence

from governance.service.push import Delivery, FileOutcome

MAX_GROUP = 5_000  # requests per transaction at most


class GroupWriter:
    """One writer thread; `submit` returns once the delivery is committed."""

    def __init__(self, write: Callable[[Sequence[Delivery]], list[FileOutcome]]) -> None:
        self._write = write
        self._queue: queue.SimpleQueue[tuple[Delivery, asyncio.Future[FileOutcome]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._run, name="meshgov-writer", daemon=True)
        self._thread.start()

    async def submit(self, delivery: Delivery) -> FileOutcome:
        """Queue the delivery; the outcome (records new) once it is in the store."""
        future: asyncio.Future[FileOutcome] = asyncio.get_running_loop().create_future()
        self._queue.put((delivery, future))
        return await future

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
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
            try:
                outcomes = self._write([delivery for delivery, _ in group])
            except Exception as exc:  # the store is down: every waiting request hears it
                for _, future in group:
                    _settle(future, exception=exc)
                continue
            for (_, future), outcome in zip(group, outcomes, strict=True):
                _settle(future, result=outcome)


def _settle(
    future: asyncio.Future[FileOutcome],
    *,
    result: FileOutcome | None = None,
    exception: BaseException | None = None,
) -> None:
    def settle() -> None:
        if future.done():  # the client went away; its evidence is written all the same
            return
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    future.get_loop().call_soon_threadsafe(settle)
