"""Run an ASGI app with uvicorn: 127.0.0.1 unless told otherwise, graceful on SIGTERM.

uvicorn stops accepting connections on SIGINT/SIGTERM, lets requests in
flight finish, then runs the app's shutdown (where a front door finishes its
queued work). Its access log is off: it would print query strings, and those
can carry API keys; :class:`~termlock.web.security.FrontDoorMiddleware`
logs method, path and status instead.
"""

from __future__ import annotations

import logging
from typing import Any

DEFAULT_HOST = "127.0.0.1"


def _server_class():
    import signal

    import uvicorn

    class GracefulServer(uvicorn.Server):
        """uvicorn's server, except that a SIGTERM stop ends the process normally (exit 0).

        uvicorn re-raises a caught signal once it has shut down, so the
        process dies *of* SIGTERM after its graceful shutdown; an orchestrator
        asked for the stop and got it, so termlock exits 0 instead. Ctrl-C
        (SIGINT) still ends as an interruption.
        """

        def handle_exit(self, sig, frame) -> None:
            super().handle_exit(sig, frame)
            captured = getattr(self, "_captured_signals", None)
            if sig == signal.SIGTERM and isinstance(captured, list) and sig in captured:
                captured.remove(sig)

    return GracefulServer


def make_server(app: Any, *, host: str = DEFAULT_HOST, port: int = 5000, log_level: str = "info", **options: Any):
    """A ``uvicorn.Server`` for ``app`` (not started), bound to ``host`` (default loopback only)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host or DEFAULT_HOST,
        port=port,
        log_level=log_level,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        lifespan="on",
        # CAT tools send one segment at a time with pauses between: keep their connection open a while
        timeout_keep_alive=options.pop("timeout_keep_alive", 30),
        **options,
    )
    return _server_class()(config)


def run(app: Any, *, host: str = DEFAULT_HOST, port: int = 5000, log_level: str = "info", **options: Any) -> Any:
    """Serve ``app`` until SIGINT/SIGTERM; returns the server (its ``started`` tells whether it bound)."""
    logging.getLogger("termlock").setLevel(getattr(logging, log_level.upper(), logging.INFO))
    server = make_server(app, host=host, port=port, log_level=log_level, **options)
    server.run()
    return server


def bound_port(server: Any) -> int:
    """The port a started server listens on (useful with ``port=0``)."""
    for listener in server.servers:
        for sock in listener.sockets:
            return sock.getsockname()[1]
    raise RuntimeError("the server is not listening")
