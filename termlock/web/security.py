"""What every web response carries and the checks every request passes, as plain ASGI middleware.

* :class:`SecurityHeaders`: a Content-Security-Policy (:data:`API_POLICY`
  for JSON APIs: nothing may load; :data:`PAGE_POLICY` for a page: only its
  own script, style and data, no inline code, no other origin, no frames),
  ``nosniff``, no referrer, no framing, same-origin opener and resources,
  no caching.
* :class:`HostGuard`: on a loopback address only loopback ``Host`` headers
  (and the address the server was told) are served, which defeats DNS
  rebinding: a web page whose name suddenly resolves to 127.0.0.1 still
  sends its own name.
* :class:`BodyLimit`: a request body over the limit is answered 413 before
  the app reads it: at once by a declared ``Content-Length``, else by
  counting while the body streams in (chunked uploads). The body is read
  here, bounded, and handed to the app whole, so a route never meets an
  exception in the middle of reading it.

Middleware that answers a request itself (413, a foreign ``Host``) renders
the answer with the front door's own error layout (a :data:`Refusal`), so a
DeepL client gets DeepL's error body and the review page its own.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Awaitable, Callable, Iterable, Mapping

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
#: renders a refusal: ``(scope, status, message, field)`` -> an ASGI response
Refusal = Callable[[Scope, int, str, "str | None"], ASGIApp]

#: JSON answers: nothing in them may load or run anything
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
#: a page that uses only its own scripts, styles and data
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: FastAPI's Swagger UI page (its script and style come from a CDN)
SWAGGER_UI_POLICY = (
    "default-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https://fastapi.tiangolo.com; "
    "frame-ancestors 'none'"
)
#: names that reach a loopback address from this machine
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: reachable from this machine only."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(host: str) -> tuple[str, ...] | None:
    """The ``Host`` names a server bound to ``host`` serves: loopback names on a loopback address, else any (None)."""
    return (*LOOPBACK_NAMES, host) if is_loopback(host) else None


def security_headers(policy: str = API_POLICY) -> list[tuple[bytes, bytes]]:
    """The headers every response carries, ``policy`` as its Content-Security-Policy."""
    return [
        (b"content-security-policy", policy.encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"cache-control", b"no-store"),
    ]


class SecurityHeaders:
    """Adds :func:`security_headers` to every HTTP response (a header the app set itself is kept).

    ``paths``: another policy for some paths (a documentation page that loads its own scripts).
    """

    def __init__(self, app: ASGIApp, policy: str = API_POLICY, paths: Mapping[str, str] | None = None) -> None:
        self.app = app
        self.headers = security_headers(policy)
        self.by_path = {path: security_headers(other) for path, other in (paths or {}).items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = self.by_path.get(scope.get("path", ""), self.headers)

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in headers if name not in present
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def _host_name(scope: Scope) -> str:
    """The request's ``Host`` without its port, lower case (``[::1]:80`` -> ``::1``)."""
    host = dict(scope.get("headers", [])).get(b"host", b"").decode("latin-1").strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HostGuard:
    """Serve only requests whose ``Host`` is one of ``allowed`` (names, compared without the port)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str], refuse: Refusal) -> None:
        self.app = app
        self.allowed = {name.strip("[]").lower() for name in allowed}
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _host_name(scope) not in self.allowed:
            response = self.refuse(scope, 400, "unexpected Host header: this server answers its own address only; "
                                   "open the URL it printed", "host")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyTooLarge(Exception):
    """A request body over the configured limit (answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body over {limit} bytes")
        self.limit = limit


async def read_body(receive: Receive, limit: int, declared: int | None) -> bytes:
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


def too_large_message(limit: int) -> str:
    return f"body: over the limit of {limit:,} bytes; send less at once (fewer or shorter texts)"


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413, before the app reads them (see the module docstring)."""

    def __init__(self, app: ASGIApp, limit: int, refuse: Refusal) -> None:
        self.app = app
        self.limit = limit
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        try:
            body = await read_body(receive, self.limit, declared)
        except BodyTooLarge:
            response = self.refuse(scope, 413, too_large_message(self.limit), "body")
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to go (disconnect)

        await self.app(scope, replay, send)
