"""Every failure of a web route as a JSON error: a status, one line naming the field and the fix; never a traceback.

A route raises :class:`HttpError` (or a :class:`~termlock.errors.TermlockError`,
which is bad input: 400 with its message and fix); the front door's
:data:`Renderer` turns it into the body its clients expect (the server has
one layout per API shape, the review page ``{"error", "fix"}``:
:func:`render_plain`). Everything else that escapes a route -- a 404 from
routing, a validation error, a bug -- goes through the same renderer, so no
client ever sees a framework's own error page.

An exception nobody anticipated is a 500 saying only that, and one line in
the server's log (:class:`OneLineErrors`, the outermost middleware; the
traceback only with ``TERMLOCK_DEBUG=1``), so neither a response nor the
terminal shows a stack trace or a path from inside the package.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from termlock.errors import DEBUG_VARIABLE, TermlockError
from termlock.web.security import ASGIApp, Receive, Refusal, Scope, Send

log = logging.getLogger("termlock.web")

#: what a 500 says (the log says more)
INTERNAL_ERROR = "internal error: the server could not answer this request; its log says what failed"


@dataclass
class HttpError(Exception):
    """An answer other than 2xx: ``status``, a one-line ``message``, the ``field`` it concerns, the ``fix``.

    ``code``: a machine-readable code (OpenAI's ``code``, e.g. ``invalid_api_key``);
    ``extra``: more keys of the body (the review page's current text of a stale edit).
    """

    status: int
    message: str
    field: str | None = None
    code: str | None = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    fix: str | None = None
    extra: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def describe(exc: TermlockError) -> str:
    """A TermlockError's message with where it happened, without its fix (that goes in ``fix``)."""
    where = ""
    if exc.path is not None:
        where = f"{exc.path}:{exc.line}: " if exc.line is not None else f"{exc.path}: "
    return where + exc.message


#: renders an :class:`HttpError` for the request (``starlette.requests.Request``) in the front door's layout
Renderer = Callable[[Any, HttpError], Any]


def render_plain(request: Any, error: HttpError) -> Any:
    """``{"error": message, "fix": ..., "field": ..., **extra}`` (keys without a value left out)."""
    from starlette.responses import JSONResponse

    body: dict[str, Any] = {"error": error.message}
    if error.fix:
        body["fix"] = error.fix
    if error.field:
        body["field"] = error.field
    body.update(error.extra)
    return JSONResponse(body, status_code=error.status, headers=dict(error.headers))


def refusal(render: Renderer) -> Refusal:
    """``render`` for middleware that answers before the app (413, a foreign ``Host``): from the scope."""
    from starlette.requests import Request

    def refuse(scope: Scope, status: int, message: str, field: str | None) -> ASGIApp:
        return render(Request(scope), HttpError(status, message, field=field))

    return refuse


_REASONS = {
    404: "no such route",
    405: "method not allowed on this route",
}


def install_error_handlers(app: Any, render: Renderer = render_plain) -> None:
    """Route every error of a FastAPI ``app`` through ``render``; no traceback ever reaches a client."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    async def http_error(request: Any, exc: HttpError) -> Any:
        return render(request, exc)

    async def termlock_error(request: Any, exc: TermlockError) -> Any:
        return render(request, HttpError(400, describe(exc), fix=exc.fix))

    async def starlette_error(request: Any, exc: HTTPException) -> Any:
        message = _REASONS.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else "request refused")
        if exc.status_code == 404:
            message = f"{message}: {request.method} {request.url.path}"
        return render(request, HttpError(exc.status_code, message, headers=dict(exc.headers or {})))

    async def validation_error(request: Any, exc: RequestValidationError) -> Any:
        problems, fields = [], []
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path"))
            problems.append(f"{where or 'request'}: {problem.get('msg', 'invalid value')}")
            fields.append(where or None)
        return render(request, HttpError(400, "; ".join(problems) or "invalid request", field=fields[0] if fields else None))

    async def unexpected(request: Any, exc: Exception) -> Any:
        return render(request, HttpError(500, INTERNAL_ERROR))  # logged by OneLineErrors, outside

    app.add_exception_handler(HttpError, http_error)
    app.add_exception_handler(TermlockError, termlock_error)
    app.add_exception_handler(HTTPException, starlette_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)


class OneLineErrors:
    """The outermost middleware: an exception that escaped the app is one log line, and a 500 if none was sent.

    Starlette answers an unexpected exception through the app's handler and
    then raises it again for the server to log, with its traceback; here it
    ends as one line naming the request and the exception (the traceback with
    ``TERMLOCK_DEBUG=1``). ``refuse`` answers when the app could not.
    """

    def __init__(self, app: ASGIApp, name: str, refuse: Refusal) -> None:
        self.app = app
        self.name = name
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            debug = bool(os.environ.get(DEBUG_VARIABLE))
            log.error("%s: internal error: %s %s: %s: %s%s", self.name, scope.get("method", ""), scope.get("path", ""),
                      type(exc).__name__, exc, "" if debug else f" ({DEBUG_VARIABLE}=1 shows the traceback)",
                      exc_info=exc if debug else None)
            if scope["type"] == "http" and not started:
                response = self.refuse(scope, 500, INTERNAL_ERROR, None)
                await response(scope, receive, send)
