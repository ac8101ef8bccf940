"""The middleware every web front door runs behind, assembled in one place and one order.

From the outside in: :class:`~termlock.web.security.SecurityHeaders` (on
every answer, refusals and 500s included), :class:`~termlock.web.errors.OneLineErrors`
(an escaped exception is one log line and a 500), :class:`~termlock.web.security.HostGuard`
(on a loopback address only), :class:`~termlock.web.security.BodyLimit`
(413 before the app reads a byte too many), :class:`AccessLog` (method,
path, status, time; never a query string or a body, which can hold keys),
then the front door's app with its error handlers installed
(:func:`~termlock.web.errors.install_error_handlers`). The server and the
review page differ only in what they pass: their error layout, their
Content-Security-Policy, their body limit.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Iterable, Mapping

from termlock.web.errors import OneLineErrors, Renderer, install_error_handlers, refusal, render_plain
from termlock.web.security import API_POLICY, ASGIApp, BodyLimit, HostGuard, Receive, Scope, SecurityHeaders, Send


class AccessLog:
    """Pure ASGI: one INFO line per request (method, route path, status, milliseconds) on ``log``."""

    def __init__(self, app: ASGIApp, log: logging.Logger) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def observing(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing)
        finally:
            self.log.info("%s %s %d %.1f ms", scope.get("method"), scope.get("path"), status["code"],
                          (time.perf_counter() - started) * 1000)


def front_door(
    app: Any,
    *,
    name: str,
    render: Renderer = render_plain,
    policy: str = API_POLICY,
    policies: Mapping[str, str] | None = None,
    body_limit: int,
    allowed_hosts: Iterable[str] | None = None,
    access_log: logging.Logger | None = None,
) -> ASGIApp:
    """``app`` (FastAPI) behind the whole stack (see the module docstring).

    ``name``: how the log names the front door; ``render``: its error
    layout; ``policy``: its Content-Security-Policy (``policies``: other
    ones by path); ``body_limit``: the largest request body in bytes;
    ``allowed_hosts``: the ``Host`` names served (None: any,
    :func:`~termlock.web.security.allowed_hosts` says which for an address);
    ``access_log``: a logger for one line per request (None: none). The
    result carries the app's ``state``, as the app itself does.
    """
    install_error_handlers(app, render)
    refuse = refusal(render)
    wrapped: ASGIApp = AccessLog(app, access_log) if access_log is not None else app
    wrapped = BodyLimit(wrapped, body_limit, refuse)
    if allowed_hosts is not None:
        wrapped = HostGuard(wrapped, allowed_hosts, refuse)
    outer = SecurityHeaders(OneLineErrors(wrapped, name, refuse), policy, policies)
    outer.state = app.state  # the app's state, reachable as on the app itself
    return outer
