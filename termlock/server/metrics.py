"""Prometheus metrics of one server (prometheus-client), on a registry of its own.

Requests by route and status, request latency, the decoding queue's depth,
batch sizes, segments (decoded or from the cache), terms placed by the lock
and terms left unmet, tag repairs. Routes are labelled by their template
(``/v2/glossaries/{glossary_id}``), never by the raw path, so a client
cannot blow up the number of series.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401  (re-exported for the route)

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("termlock_requests", "HTTP requests by route and status", ["route", "method", "status"], registry=r)
        self.latency = Histogram("termlock_request_seconds", "HTTP request latency", ["route"], buckets=_LATENCY_BUCKETS, registry=r)
        self.queue_depth = Gauge("termlock_queue_depth", "segments waiting to be decoded", registry=r)
        self.batch_size = Histogram("termlock_batch_size", "segments per decoded batch", buckets=_BATCH_BUCKETS, registry=r)
        self.batch_seconds = Histogram("termlock_batch_seconds", "time to decode one batch", buckets=_LATENCY_BUCKETS, registry=r)
        self.segments = Counter("termlock_segments", "segments translated", ["source"], registry=r)
        self.terms_placed = Counter("termlock_terms_placed", "terms the lock placed (the free translation missed them)", registry=r)
        self.terms_unmet = Counter("termlock_terms_unmet", "terms still missing or forbidden in a returned translation", registry=r)
        self.tag_repairs = Counter("termlock_tag_repairs", "inline tags kept as standalone codes because their partner was missing", registry=r)
        self.rejected = Counter("termlock_rejected", "requests refused before translation", ["reason"], registry=r)
        self.model_ready = Gauge("termlock_model_ready", "1 once the model is loaded", registry=r)

    def observe_batch(self, size: int, seconds: float) -> None:
        self.batch_size.observe(size)
        self.batch_seconds.observe(seconds)
        self.segments.labels("decoded").inc(size)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
