"""Micro-batching across requests: segments of concurrent requests decoded in one batch.

Every request puts its segments in one bounded queue and awaits them. A
single decoding thread takes what is queued -- up to ``max_batch_size``
segments, waiting at most ``max_wait_ms`` for more once the first is there
-- and decodes it as one ``Translator.translate_segments`` call, each
segment with its own glossary. While a batch decodes, new segments queue up
and form the next batch, so load turns into larger batches rather than a
longer line of requests served one at a time behind a lock (what
LTEngine's single mutex does). Everything else a request does (parsing,
markup, judging, the cache) runs outside the decoding thread.

* A full queue refuses new work at once (:class:`QueueFull`, answered 429
  with a ``Retry-After`` estimated from the recent decoding rate).
* A client that goes away cancels its segments: queued ones are dropped
  before decoding (:meth:`MicroBatcher.cancel`).
* Identical segments (same text, same glossary) queued together are decoded
  once.
* :meth:`MicroBatcher.stop` lets the thread finish everything queued
  (graceful shutdown), then ends it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

log = logging.getLogger("termlock.server")

#: decode(texts, glossaries, digests) -> one result per text, in order
DecodeBatch = Callable[[list[str], list[Any], list[str]], list[Any]]


class QueueFull(Exception):
    """The queue cannot take these segments now; ``retry_after`` seconds is a fair wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"queue full; retry after {retry_after} s")
        self.retry_after = retry_after


class ShuttingDown(Exception):
    """The server is stopping and takes no new work."""


@dataclass(eq=False)
class Segment:
    """One queued segment: its text, its glossary (and that glossary's digest), where its result goes."""

    text: str
    glossary: Any
    digest: str
    future: "asyncio.Future[Any]"
    loop: asyncio.AbstractEventLoop
    queued_at: float = field(default_factory=time.perf_counter)
    cancelled: bool = False


class MicroBatcher:
    """The queue and the decoding thread (see the module docstring)."""

    def __init__(
        self,
        decode: DecodeBatch,
        *,
        max_batch_size: int = 32,
        max_wait_ms: float = 2.0,
        max_queue: int = 1024,
        observe_batch: Callable[[int, float], None] | None = None,
        observe_depth: Callable[[int], None] | None = None,
    ) -> None:
        self._decode = decode
        self.max_batch_size = max_batch_size
        self.max_wait = max_wait_ms / 1000.0
        self.max_queue = max_queue
        self._observe_batch = observe_batch
        self._observe_depth = observe_depth
        self._queue: deque[Segment] = deque()
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._rate = 0.0  # segments per second, smoothed
        self.batches = 0  # batches decoded (tests and metrics)

    # ---------------------------------------------------------------- life

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="termlock-decoder", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Take no new segments, decode every queued one, end the thread."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def depth(self) -> int:
        return len(self._queue)

    # ------------------------------------------------------------- requests

    def submit(self, texts: Sequence[str], glossaries: Sequence[Any], digests: Sequence[str]) -> list[Segment]:
        """Queue segments (all or none); each one's ``future`` resolves to its result."""
        loop = asyncio.get_running_loop()
        segments = [Segment(t, g, d, loop.create_future(), loop) for t, g, d in zip(texts, glossaries, digests)]
        with self._cond:
            if self._stopping:
                raise ShuttingDown()
            if len(self._queue) + len(segments) > self.max_queue and self._queue:
                raise QueueFull(self.retry_after(len(self._queue) + len(segments)))
            self._queue.extend(segments)
            self._cond.notify()
        self._depth_changed()
        return segments

    def cancel(self, segments: Sequence[Segment]) -> None:
        """Drop segments whose client has gone (those not yet decoding are never decoded)."""
        with self._cond:
            for segment in segments:
                segment.cancelled = True
                if not segment.future.done():
                    segment.loop.call_soon_threadsafe(_cancel, segment.future)
            kept = [s for s in self._queue if not s.cancelled]
            if len(kept) != len(self._queue):
                self._queue = deque(kept)
        self._depth_changed()

    def retry_after(self, queued: int) -> int:
        """Seconds until ``queued`` segments are likely decoded (at least 1)."""
        rate = self._rate or 1.0
        return max(1, math.ceil(queued / rate))

    # ------------------------------------------------------------- thread

    def _take(self) -> list[Segment] | None:
        """The next batch (None: stop). Waits for a first segment, then up to max_wait for more."""
        with self._cond:
            while not self._queue and not self._stopping:
                self._cond.wait()
            if not self._queue:
                return None
            deadline = self._queue[0].queued_at + self.max_wait
            while len(self._queue) < self.max_batch_size and not self._stopping:
                left = deadline - time.perf_counter()
                if left <= 0:
                    break
                self._cond.wait(left)
            batch: list[Segment] = []
            while self._queue and len(batch) < self.max_batch_size:
                segment = self._queue.popleft()
                if not segment.cancelled:
                    batch.append(segment)
        self._depth_changed()
        return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            if batch:
                self._decode_batch(batch)

    def _decode_batch(self, batch: list[Segment]) -> None:
        unique: dict[tuple[str, str], int] = {}
        texts: list[str] = []
        glossaries: list[Any] = []
        digests: list[str] = []
        for segment in batch:
            key = (segment.digest, segment.text)
            if key not in unique:
                unique[key] = len(texts)
                texts.append(segment.text)
                glossaries.append(segment.glossary)
                digests.append(segment.digest)
        started = time.perf_counter()
        try:
            results = self._decode(texts, glossaries, digests)
        except BaseException as exc:  # delivered to every waiting request, the thread carries on
            log.exception("decoding a batch of %d segments failed", len(texts))
            for segment in batch:
                segment.loop.call_soon_threadsafe(_fail, segment.future, exc)
            return
        elapsed = time.perf_counter() - started
        self.batches += 1
        if elapsed > 0:
            current = len(texts) / elapsed
            self._rate = current if not self._rate else 0.8 * self._rate + 0.2 * current
        if self._observe_batch is not None:
            self._observe_batch(len(texts), elapsed)
        for segment in batch:
            result = results[unique[(segment.digest, segment.text)]]
            segment.loop.call_soon_threadsafe(_resolve, segment.future, result)

    def _depth_changed(self) -> None:
        if self._observe_depth is not None:
            self._observe_depth(len(self._queue))


def _resolve(future: asyncio.Future, value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future, exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)


def _cancel(future: asyncio.Future) -> None:
    if not future.done():
        future.cancel()
