"""Security headers and a request-size guard for every response of a web front door.

Responses are JSON or plain data, never pages meant to run scripts, so the
headers lock a browser down (no sniffing, no framing, no referrer, a CSP that
allows nothing); the review page may loosen the CSP for its own page only.
The body-size guard answers 413 before a huge upload is read into memory:
by the declared ``Content-Length`` at once, and by counting as the body
streams in when there is none (chunked uploads).
"""

from __future__ import annotations

from typing import Awaitable, Callable

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-store",
}

#: header for the docs page (Swagger UI loads its own scripts and styles)
DOCS_CSP = "default-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com"


class BodyTooLarge(Exception):
    """A request body over the configured limit (the app answers 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


async def read_body(receive: Callable[[], Awaitable[dict]], limit: int, declared: int | None) -> bytes:
    """The whole request body from an ASGI ``receive``, refusing more than ``limit`` bytes early."""
    if declared is not None and declared > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def add_security_headers(headers, *, docs: bool = False) -> None:
    """Set :data:`SECURITY_HEADERS` on a response's mutable headers (not overriding ones set)."""
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value
    if docs:
        headers["Content-Security-Policy"] = DOCS_CSP


class FrontDoorMiddleware:
    """Pure ASGI middleware: body-size limit, security headers, an access log without secrets.

    ``limit``: the largest request body accepted (bytes); a larger one is
    refused with 413 through ``render_too_large(scope)`` before the route
    reads it. The access log names method, route path and status only: query
    strings and bodies can hold keys (``?api_key=``) and never reach a log.
    """

    def __init__(self, app, *, limit: int, render_too_large, log=None) -> None:
        self.app = app
        self.limit = limit
        self.render_too_large = render_too_large
        self.log = log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import time

        started = time.perf_counter()
        status = {"code": 500}
        docs = scope.get("path", "") in ("/docs", "/redoc")

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                from starlette.datastructures import MutableHeaders

                add_security_headers(MutableHeaders(scope=message), docs=docs)
            await send(message)

        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        try:
            # the whole body, bounded: a route never sees more than ``limit`` bytes
            body = await read_body(receive, self.limit, declared)
        except BodyTooLarge:
            response = self.render_too_large(scope, self.limit)
            await response(scope, receive, guarded_send)
            self._log(scope, status["code"], started)
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to go (disconnect)

        try:
            await self.app(scope, replay, guarded_send)
        finally:
            self._log(scope, status["code"], started)

    def _log(self, scope, status: int, started: float) -> None:
        if self.log is not None:
            import time

            self.log.info("%s %s %d %.1f ms", scope.get("method"), scope.get("path"), status, (time.perf_counter() - started) * 1000)
