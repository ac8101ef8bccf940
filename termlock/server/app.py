"""``create_app(settings)``: the ASGI app of ``termlock serve``, every API shape over one translator.

The app loads the default glossary and opens the glossary database at once
(a bad file stops the start), then loads the model in a background thread
so ``/health`` answers while it loads and ``/ready`` turns 200 when it is
done. Shutdown (SIGTERM through uvicorn, after requests in flight are
answered) lets the decoder finish what is queued. Errors take each API
shape's own layout -- LibreTranslate ``{"error": "..."}``, DeepL
``{"message": "..."}``, OpenAI ``{"error": {"message", "type", "param",
"code"}}``, termlock ``{"error": {"message", "field", "code"}}`` -- and never
carry a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from termlock import __version__
from termlock.server.settings import ServerSettings
from termlock.server.state import ServerState
from termlock.web.errors import HttpError
from termlock.web.security import SWAGGER_UI_POLICY, allowed_hosts
from termlock.web.stack import front_door

log = logging.getLogger("termlock.server")

_LIBRE_PATHS = ("/translate", "/languages", "/detect")


def render_error(request: Request, error: HttpError) -> Response:
    """``error`` in the layout of the API shape ``request`` belongs to."""
    path = request.url.path
    headers = dict(error.headers)
    status = error.status
    message = f"{error.message} (fix: {error.fix})" if error.fix else error.message
    if path.startswith("/v2/"):
        return JSONResponse({"message": message}, status_code=status, headers=headers)
    if path.startswith("/v1/"):
        kind = "server_error" if status >= 500 else "rate_limit_error" if status == 429 else (
            "authentication_error" if status in (401, 403) else "invalid_request_error")
        return JSONResponse({"error": {"message": message, "type": kind, "param": error.field, "code": error.code}},
                            status_code=status, headers=headers)
    if path in _LIBRE_PATHS:
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    return JSONResponse({"error": {"message": message, "field": error.field, "code": error.code}},
                        status_code=status, headers=headers)


class MetricsMiddleware:
    """Pure ASGI: counts requests by route template, method and status; observes latency."""

    def __init__(self, app, *, metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def observing_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, observing_send)
        finally:
            label = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(label, scope.get("method", ""), str(status["code"])).inc()
            self.metrics.latency.labels(label).observe(time.perf_counter() - started)


def create_app(settings: ServerSettings, *, state: ServerState | None = None, load_in_background: bool = True):
    """The app for ``settings`` behind the web front doors' stack (``state``: an already built one, e.g. on a
    Ray Serve replica); ``.state.termlock`` is its :class:`ServerState`."""
    from termlock.server import routes_deepl, routes_libre, routes_native, routes_openai, routes_ops

    state = state or ServerState(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        loader = None
        if load_in_background:
            loader = asyncio.get_running_loop().run_in_executor(None, state.service.load)
        else:
            state.service.load()
        try:
            yield
        finally:
            if loader is not None:
                await loader
            await asyncio.get_running_loop().run_in_executor(None, state.service.close)

    app = FastAPI(
        title="termlock serve",
        version=__version__,
        description="Glossary-locked machine translation over HTTP: LibreTranslate-, DeepL v2- and "
        "OpenAI-compatible routes and termlock's own, one model and one judge behind them all.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.termlock = state
    for module in (routes_ops, routes_libre, routes_deepl, routes_openai, routes_native):
        app.include_router(module.router)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    return front_door(
        app, name="termlock serve", render=render_error, policies={"/docs": SWAGGER_UI_POLICY},
        body_limit=settings.max_body_bytes, allowed_hosts=_served_hosts(settings),
        access_log=logging.getLogger("termlock.access"),
    )


def _served_hosts(settings: ServerSettings) -> tuple[str, ...] | None:
    """The Host names served: loopback names (and ``--allow-host`` names) on a loopback address, else any."""
    names = allowed_hosts(settings.host)
    return None if names is None else (*names, *settings.allowed_host_names)
