"""Operations: ``/health`` (alive), ``/ready`` (model loaded), ``/metrics`` (Prometheus), the API docs.

``/health`` answers without a key, whatever happens, so an orchestrator can
tell a live process from a dead one; everything else needs a key when keys
are configured. ``/ready`` is 503 until the model is loaded (and says why if
it could not be).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from termlock.server.metrics import CONTENT_TYPE_LATEST
from termlock.server.routes_common import state_of
from termlock.web.bodies import request_params

router = APIRouter(tags=["operations"])


@router.get("/health", summary="Alive (no key needed)")
async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@router.get("/ready", summary="Ready: the model is loaded")
async def ready(request: Request) -> Response:
    state = state_of(request)
    state.caller(request.headers, await request_params(request))
    service = state.service
    if service.ready:
        return JSONResponse({"status": "ready", "model": service.model_name, "glossary": service.resolver.default.glossary.name,
                             "terms": len(service.resolver.default.glossary)})
    if service.load_error:
        return JSONResponse({"status": "failed", "error": service.load_error}, status_code=503)
    return JSONResponse({"status": "loading", "model": service.model_name}, status_code=503, headers={"Retry-After": "5"})


@router.get("/metrics", summary="Prometheus metrics")
async def metrics(request: Request) -> Response:
    state = state_of(request)
    state.caller(request.headers, await request_params(request))
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> Response:
    state = state_of(request)
    state.caller(request.headers, await request_params(request))
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> Response:
    state = state_of(request)
    state.caller(request.headers, await request_params(request))
    return get_swagger_ui_html(openapi_url="/openapi.json", title="termlock serve")
