"""JSON errors for HTTP front doors: one exception type, handlers that never leak a traceback.

A route raises :class:`HttpError` with the status, a message that names the
field at fault and how to fix it; the app's renderer turns it into the body
its clients expect (each API shape has its own error layout). Everything
else that escapes a route -- a 404 from routing, a validation error, a bug
-- goes through the same renderer; an unexpected exception is logged with its
traceback on the server side and answered with a plain 500 message.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from termlock.errors import TermlockError
from termlock.web.security import ASGIApp, BodyTooLarge, Receive, Scope, Send, send_json

log = logging.getLogger("termlock.web")


@dataclass
class HttpError(Exception):
    """An answer other than 2xx: ``status``, a one-line ``message``, the ``field`` it concerns."""

    status: int
    message: str
    field: str | None = None
    #: a machine-readable code (OpenAI's ``code``, e.g. ``invalid_api_key``)
    code: str | None = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


#: renders an :class:`HttpError` for the request's API shape
Renderer = Callable[[Request, HttpError], Response]


def plain_renderer(request: Request, error: HttpError) -> Response:
    """``{"error": {"message", "field", "code"}}``: the default layout."""
    body = {"error": {"message": error.message, "field": error.field, "code": error.code}}
    return JSONResponse(body, status_code=error.status, headers=dict(error.headers))


_REASONS = {
    404: "no such route",
    405: "method not allowed on this route",
}


def install_error_handlers(app, render: Renderer = plain_renderer) -> None:
    """Route every error of ``app`` through ``render``; no traceback ever reaches a client."""
    from fastapi.exceptions import RequestValidationError

    async def http_error(request: Request, exc: HttpError) -> Response:
        return render(request, exc)

    async def starlette_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = _REASONS.get(exc.status_code) or (exc.detail if isinstance(exc.detail, str) else "request refused")
        if exc.status_code == 404:
            message = f"{message}: {request.method} {request.url.path}"
        return render(request, HttpError(exc.status_code, message, headers=dict(exc.headers or {})))

    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
        return render(request, HttpError(400, f"{where or 'request'}: {first.get('msg', 'invalid value')}", field=where or None))

    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return render(request, too_large_error(exc.limit))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return render(request, HttpError(500, "internal error: the server could not answer this request; it is logged"))

    app.add_exception_handler(HttpError, http_error)
    app.add_exception_handler(StarletteHTTPException, starlette_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(BodyTooLarge, too_large)
    app.add_exception_handler(Exception, unexpected)


def too_large_error(limit: int) -> HttpError:
    """The 413 answer to a body over ``limit`` bytes."""
    return HttpError(413, f"body: over the limit of {limit} bytes; send fewer or shorter texts per request", field="body")


def error_body(message: str, fix: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"error": message}
    if fix:
        body["fix"] = fix
    body.update(extra)
    return body


def describe(exc: TermlockError) -> str:
    """A TermlockError's message with where it happened, without its fix (that goes in ``fix``)."""
    where = ""
    if exc.path is not None:
        where = f"{exc.path}:{exc.line}: " if exc.line is not None else f"{exc.path}: "
    return where + exc.message


def install_json_errors(app) -> None:
    """Handlers on a FastAPI/Starlette ``app``: HTTP errors, validation errors and TermlockError as JSON."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    async def http_error(request, exc: HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse(error_body(detail), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    async def invalid(request, exc: RequestValidationError):
        problems = []
        for problem in exc.errors():
            where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path"))
            problems.append(f"{where or 'request'}: {problem.get('msg', 'invalid')}")
        return JSONResponse(error_body("; ".join(problems) or "invalid request", "send the fields the page sends"),
                            status_code=400)

    async def termlock_error(request, exc: TermlockError):
        return JSONResponse(error_body(describe(exc), exc.fix), status_code=400)

    async def unexpected(request, exc: Exception):
        return JSONResponse(error_body("internal error", "try again; the server's terminal says what failed"), status_code=500)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(TermlockError, termlock_error)


class OneLineErrors:
    """The outermost middleware: an unexpected exception is one stderr line and a JSON 500, never a traceback."""

    def __init__(self, app: ASGIApp, name: str = "termlock") -> None:
        self.app = app
        self.name = name

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
            where = scope.get("path", "")
            print(f"{self.name}: error: {scope.get('method', '')} {where}: {type(exc).__name__}: {exc}", file=sys.stderr)
            if scope["type"] == "http" and not started:
                await send_json(send, 500, error_body("internal error", "try again; the server's terminal says what failed"))
