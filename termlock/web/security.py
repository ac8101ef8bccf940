"""Security headers and a request-size guard for every response of a web front door.

Responses are JSON or plain data, never pages meant to run scripts, so the
headers lock a browser down (no sniffing, no framing, no referrer, a CSP that
allows nothing); the review page may loosen the CSP for its own page only.
The body-size guard answers 413 before a huge upload is read into memory:
by the declared ``Content-Length`` at once, and by counting as the body
streams in when there is none (chunked uploads).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import secrets
from typing import Any, Awaitable, Callable, Iterable

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


Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the policy of a page that uses only its own scripts, styles and data
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def new_token(nbytes: int = 24) -> str:
    """A URL-safe random secret (a login token, a CSRF token)."""
    return secrets.token_urlsafe(nbytes)


def tokens_match(given: str | None, expected: str) -> bool:
    """Whether ``given`` is ``expected``, compared in constant time; None never matches."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: reachable from this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def security_headers(policy: str = PAGE_POLICY) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", policy.encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]


async def send_json(send: Send, status: int, body: dict[str, Any], headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """A complete JSON response, for middleware that answers before the app."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(data)).encode()),
                    *headers],
    })
    await send({"type": "http.response.body", "body": data})


class SecurityHeaders:
    """Adds :func:`security_headers` to every HTTP response (a header the app set itself is kept)."""

    def __init__(self, app: ASGIApp, policy: str = PAGE_POLICY) -> None:
        self.app = app
        self.headers = security_headers(policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in self.headers if name not in present
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class HostGuard:
    """Serve only requests whose ``Host`` is one of ``allowed`` (names, compared without the port)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = {name.strip("[]").lower() for name in allowed}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
            if name.strip("[]").lower() not in self.allowed:
                await send_json(send, 400, {"error": "unexpected Host header", "fix": "open the URL termlock printed"})
                return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before the app reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        too_big = {"error": f"request body over {self.limit:,} bytes", "fix": "send less at once"}
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await send_json(send, 400, {"error": "bad Content-Length header", "fix": "send a valid request"})
                return
            if size > self.limit:
                await send_json(send, 413, too_big)
                return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await send_json(send, 413, too_big)
