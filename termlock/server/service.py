"""The translation core of the server: texts in, locked translations and verdicts out.

Every API shape calls :meth:`TranslationService.translate` with its texts,
their markup mode and the request's resolved glossary. Per text: the
markup is split off (:mod:`markup`), the plain text is cut into lines, each
line is looked up in the cache or queued for the micro-batcher, which
decodes it with the one shared :class:`~termlock.translate.Translator`
(``translate_segments`` with a glossary per line: the CLI's own code path);
the lines are joined, the judge's verdicts taken on the result with the
checker of :mod:`termlock.evaluate` (the records ``check --json`` writes),
and the codes are put back outside the renderings it found.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from termlock.documents import inline
from termlock.errors import TermlockError
from termlock.server import markup
from termlock.server.batching import MicroBatcher
from termlock.server.cache import TranslationCache
from termlock.server.glossaries import GlossaryResolver, Resolved
from termlock.server.metrics import ServerMetrics
from termlock.server.settings import ServerSettings

log = logging.getLogger("termlock.server")


class ClientGone(Exception):
    """The client disconnected while its segments waited; they were dropped."""


class NotReady(Exception):
    """The model is still loading (or failed to load)."""


@dataclass
class Outcome:
    """One translated text: what the client gets, and the termlock report on it."""

    source: str
    target: str
    plain_source: str
    plain_target: str
    terms: list[dict[str, Any]] = field(default_factory=list)
    required: tuple[str, ...] = ()
    satisfied_first_pass: tuple[str, ...] = ()
    redecoded: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    tags_repaired: tuple[str, ...] = ()

    @property
    def unsatisfied(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t["id"] for t in self.terms if t["status"] != "ok"))

    def report(self) -> dict[str, Any]:
        """The ``termlock`` extension of a response: the judge's verdict per term occurrence, and what the lock did."""
        return {
            "terms": self.terms,
            "required": list(self.required),
            "satisfied_first_pass": list(self.satisfied_first_pass),
            "placed_by_lock": list(self.redecoded),
            "unsatisfied": list(self.unsatisfied),
            "warnings": list(self.warnings),
            "tags_repaired": list(self.tags_repaired),
        }


def _ids(groups: Sequence[Sequence[str]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for group in groups for i in group))


class TranslationService:
    """One model, one decoding queue, one cache, shared by every route."""

    def __init__(self, settings: ServerSettings, metrics: ServerMetrics) -> None:
        from termlock.jobs.glossaries import load_job_glossaries

        self.settings = settings
        self.metrics = metrics
        choice = load_job_glossaries(settings.glossaries, exact=settings.exact)
        for conflict in choice.conflicts:
            log.warning("glossary conflict (the later --glossary wins): %s", conflict.describe())
        self.resolver = GlossaryResolver(choice.glossary, exact=settings.exact)
        self.source_lang = choice.glossary.source_lang or "zh"
        self.target_lang = choice.glossary.target_lang or "en"
        self.cache = TranslationCache(settings.cache_size, settings.fingerprint())
        self.batcher = MicroBatcher(
            self._decode,
            max_batch_size=settings.max_batch_size,
            max_wait_ms=settings.max_wait_ms,
            max_queue=settings.max_queue,
            observe_batch=metrics.observe_batch,
            observe_depth=metrics.queue_depth.set,
        )
        self.translator: Any = None
        self.load_error: str | None = None
        self._loaded = threading.Event()

    # ---------------------------------------------------------------- model

    @property
    def ready(self) -> bool:
        return self.translator is not None

    def load(self) -> None:
        """Load the model (blocking; the app runs it in a thread) and start the decoder."""
        from termlock.translate import Translator

        options = self.settings.translator
        try:
            self.translator = Translator(options.model, self.resolver.default.glossary, **options.translator_options())
        except TermlockError as exc:
            self.load_error = str(exc)
            log.error("cannot load the model: %s", exc)
        except Exception as exc:  # an unexpected loader failure: still one line for the operator
            self.load_error = f"cannot load the model {options.model}: {type(exc).__name__}: {exc}"
            log.exception("cannot load the model")
        else:
            self.batcher.start()
            self.metrics.model_ready.set(1)
        finally:
            self._loaded.set()

    def wait_loaded(self, timeout: float | None = None) -> bool:
        return self._loaded.wait(timeout)

    def close(self) -> None:
        """Finish every queued segment, then stop the decoder (graceful shutdown)."""
        self.batcher.stop()

    @property
    def model_name(self) -> str:
        return self.settings.translator.model

    def count_tokens(self, text: str) -> int:
        loaded = getattr(self.translator, "loaded", None)
        try:
            return int(loaded.count_tokens(text)) if loaded is not None and text else 0
        except Exception:  # a tokenizer that cannot count this text: usage is informative only
            return len(text)

    def _decode(self, texts: list[str], glossaries: list[Any], digests: list[str]) -> list[Any]:
        results = self.translator.translate_segments(texts, glossaries)
        # cached as soon as decoded: a client that timed out and retries gets it at once
        for text, digest, result in zip(texts, digests, results):
            self.cache.put(digest, text, result)
        return results

    # ------------------------------------------------------------ translate

    async def translate(
        self,
        marked: Sequence[markup.Marked],
        resolved: Resolved,
        *,
        request: Any = None,
    ) -> list[Outcome]:
        """Translate each marked-up text under ``resolved``'s glossary (see the module docstring)."""
        if not self.ready:
            raise NotReady(self.load_error or "the model is still loading")
        lines_of: list[list[str]] = [m.plain.split("\n") for m in marked]
        results: dict[str, Any] = {}
        pending: list[str] = []
        for lines in lines_of:
            for line in lines:
                if not line.strip() or line in results:
                    continue
                hit = self.cache.get(resolved.digest, line)
                results[line] = hit
                if hit is None:
                    pending.append(line)
                else:
                    self.metrics.segments.labels("cache").inc()
        if pending:
            segments = self.batcher.submit(pending, [resolved.glossary] * len(pending), [resolved.digest] * len(pending))
            decoded = await self._wait(segments, request)
            for line, result in zip(pending, decoded):
                results[line] = result
        outcomes = []
        for text_marked, lines in zip(marked, lines_of):
            records = [results[line] for line in lines if line.strip()]
            translation = "\n".join(results[line].target if line.strip() else "" for line in lines)
            outcomes.append(self._outcome(text_marked, translation, records, resolved))
        return outcomes

    async def _wait(self, segments: list[Any], request: Any) -> list[Any]:
        gathered = asyncio.gather(*(s.future for s in segments))
        if request is None:
            return await gathered
        watcher = asyncio.ensure_future(_disconnected(request))
        try:
            done, _ = await asyncio.wait({gathered, watcher}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self.batcher.cancel(segments)
            raise
        finally:
            if not watcher.done():
                watcher.cancel()
        if gathered in done:
            return gathered.result()
        self.batcher.cancel(segments)
        gathered.cancel()
        gathered.add_done_callback(_consume)  # its CancelledError is expected: never "never retrieved"
        raise ClientGone()

    def _outcome(self, marked: markup.Marked, translation: str, records: list[Any], resolved: Resolved) -> Outcome:
        placed = markup.place(marked, translation, resolved.judge)
        plain_target = inline.plain_text(placed)
        report = resolved.checker.check(0, marked.plain, plain_target)
        target = markup.render(marked, placed)
        if marked.repairs:
            self.metrics.tag_repairs.inc(len(marked.repairs))
        outcome = Outcome(
            source="",
            target=target,
            plain_source=marked.plain,
            plain_target=plain_target,
            terms=[occ.to_dict() for occ in report.terms],
            required=_ids([r.required for r in records]),
            satisfied_first_pass=_ids([r.satisfied_first_pass for r in records]),
            redecoded=_ids([r.redecoded for r in records]),
            warnings=_ids([r.warnings for r in records]),
            tags_repaired=tuple(marked.repairs),
        )
        placed = [i for i in outcome.redecoded if i not in outcome.unsatisfied]
        if placed:
            self.metrics.terms_placed.inc(len(placed))
        if outcome.unsatisfied:
            self.metrics.terms_unmet.inc(len(outcome.unsatisfied))
        return outcome


def _consume(future: asyncio.Future) -> None:
    if not future.cancelled():
        future.exception()


async def _disconnected(request: Any) -> None:
    """Returns once the client has gone (the ASGI server sends ``http.disconnect``)."""
    receive: Callable = request.receive
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            return
