"""``termlock serve --engine ray --replicas N``: the same app on Ray Serve, one model per replica.

Each replica builds the very app ``termlock serve`` runs locally
(:func:`~termlock.server.app.create_app`: every route, the micro-batching
queue, the cache, the judge) and loads its own copy of the model before it
reports ready; Ray Serve's proxy spreads requests over the replicas and
cancels a request whose client went away (the replica then drops its queued
segments). Stored glossaries live in the SQLite file under ``--data-dir``,
shared by the replicas of one machine; on a cluster of several machines it
must be a shared folder (or each machine keeps its own glossaries).

Imports Ray only when called (``pip install 'termlock[ray,server]'``).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from termlock.errors import TermlockError
from termlock.server.settings import ServerSettings
from termlock.wording import counted

APP_NAME = "termlock"


def _deployment(settings: ServerSettings) -> Any:
    from ray import serve

    @serve.deployment(
        name="termlock",
        num_replicas=settings.replicas,
        # room for the micro-batcher: requests must reach a replica together to be decoded together
        max_ongoing_requests=max(2 * settings.max_batch_size, 16),
        ray_actor_options={"num_cpus": 1},
        health_check_period_s=10,
    )
    @serve.ingress()
    class TermlockReplica:
        def __init__(self, settings: ServerSettings) -> None:
            self.settings = settings
            self.termlock_app = None

        def __serve_build_asgi_app__(self):
            from termlock.server.app import create_app

            # loaded before the replica reports ready, so no request meets a loading model
            self.termlock_app = create_app(self.settings, load_in_background=False)
            return self.termlock_app

        def check_health(self) -> None:
            state = getattr(getattr(self.termlock_app, "state", None), "termlock", None)
            if state is not None and state.service.load_error:
                raise RuntimeError(state.service.load_error)

    return TermlockReplica


def start_on_ray(settings: ServerSettings) -> None:
    """Deploy the app on Ray Serve (joining ``settings.address``, or this process's Ray, or a new local one)."""
    try:
        import ray
        from ray import serve
    except ImportError:
        raise TermlockError(
            "--engine ray needs Ray Serve",
            fix="in the termlock clone: pip install -e '.[ray,server]' (pip install 'termlock[ray,server]' where published)",
        ) from None
    if not ray.is_initialized():
        ray.init(address=settings.address, include_dashboard=False, logging_level="WARNING")
    serve.start(http_options={"host": settings.host, "port": settings.port})
    try:
        serve.run(_deployment(settings).bind(settings), name=APP_NAME, route_prefix="/")
    except Exception as exc:  # a replica that could not start (a missing model): one line
        raise TermlockError(f"Ray Serve could not start the replicas: {_reason(exc)}",
                            fix="check the --model path on every node, and the replica logs") from None


def stop_on_ray() -> None:
    """Undeploy and stop Ray Serve (requests in flight are finished by the replicas' shutdown)."""
    from ray import serve

    serve.shutdown()


def serve_on_ray(settings: ServerSettings, *, log_level: str = "info") -> int:
    """Run until SIGTERM/SIGINT, then shut down gracefully."""
    import sys

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    start_on_ray(settings)
    print(f"termlock serve: ready on http://{settings.host}:{settings.port} with "
          f"{counted(settings.replicas, 'Ray Serve replica')} of {settings.translator.model}", file=sys.stderr)
    try:
        stop.wait()
    finally:
        stop_on_ray()
        import ray

        ray.shutdown()
    return 0


def _reason(exc: BaseException) -> str:
    """The replica's own error line out of Ray's report (the last line that names an error)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    named = [line for line in lines if "Error" in line or "error:" in line]
    return (named[-1] if named else lines[0] if lines else type(exc).__name__)[:500]
