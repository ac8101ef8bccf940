"""LibreTranslate-compatible routes: ``/translate`` (POST and GET), ``/languages``, ``/detect``.

Shapes as LibreTranslate's ``app.py`` answers them: ``q`` a string or a
list (``translatedText`` follows), ``source`` (``auto`` detects), ``target``,
``format`` text|html, ``api_key``, ``alternatives``; JSON bodies, forms (the
``libretranslatepy`` client, Weblate) and GET query strings (the OmegaT
plugin) alike. termlock adds an optional ``glossary`` (inline terms) or
``glossary_id`` (a stored glossary) and a ``termlock`` key in the answer with
the judge's verdict on each term (a list when ``q`` is). Errors are
``{"error": "..."}`` as LibreTranslate writes them.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from termlock.server import languages, markup
from termlock.server.routes_common import (
    ClientGone, client_gone_response, inline_glossary, resolve, state_of, string_field, translate_texts,
)
from termlock.web.bodies import request_params
from termlock.web.errors import HttpError

router = APIRouter(tags=["LibreTranslate"])

_TEXTS = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
TRANSLATE_SCHEMA = {
    "type": "object",
    "required": ["q", "source", "target"],
    "properties": {
        "q": {**_TEXTS, "description": "text(s) to translate"},
        "source": {"type": "string", "example": "zh", "description": "source language code, or auto"},
        "target": {"type": "string", "example": "en"},
        "format": {"type": "string", "enum": ["text", "html"], "default": "text"},
        "api_key": {"type": "string"},
        "alternatives": {"type": "integer", "minimum": 0, "default": 0},
        "glossary": {"description": "termlock: inline terms ({source: target}, [{src, tgt}], termlock terms, or TSV lines)"},
        "glossary_id": {"type": "string", "description": "termlock: a stored glossary (id or name)"},
    },
}
_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": TRANSLATE_SCHEMA},
    "application/x-www-form-urlencoded": {"schema": TRANSLATE_SCHEMA},
}}}
_QUERY = {"parameters": [
    {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
    {"name": "source", "in": "query", "required": True, "schema": {"type": "string"}},
    {"name": "target", "in": "query", "required": True, "schema": {"type": "string"}},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["text", "html"]}},
    {"name": "api_key", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "glossary_id", "in": "query", "required": False, "schema": {"type": "string"}},
]}
_DETECT = {"requestBody": {"required": True, "content": {
    t: {"schema": {"type": "object", "required": ["q"], "properties": {"q": {"type": "string"}, "api_key": {"type": "string"}}}}
    for t in ("application/json", "application/x-www-form-urlencoded")
}}}


@router.post("/translate", openapi_extra=_BODY, summary="Translate text(s) (LibreTranslate)")
async def translate_post(request: Request) -> Response:
    return await _translate(request)


@router.get("/translate", openapi_extra=_QUERY, summary="Translate a text from a query string (OmegaT plugin)")
async def translate_get(request: Request) -> Response:
    return await _translate(request)


async def _translate(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    service = state.service
    q = params.get("q")
    if q is None or q == "" or q == []:
        raise HttpError(400, "q: missing; send the text to translate", field="q")
    batch = isinstance(q, list)
    texts = state.check_texts(q if batch else [q], "q", single=not batch)
    source = string_field(params, "source", required=True)
    target = string_field(params, "target", required=True)
    if source != "auto" and languages.primary(source) != service.source_lang:
        raise HttpError(400, f"source: {source} is not supported; this server translates "
                             f"{service.source_lang} to {service.target_lang}", field="source")
    if languages.primary(target) != service.target_lang:
        raise HttpError(400, f"target: {target} is not supported; this server translates "
                             f"{service.source_lang} to {service.target_lang}", field="target")
    fmt = string_field(params, "format", default="text")
    if fmt not in ("text", "html"):
        raise HttpError(400, f"format: {fmt} is not supported; use text or html", field="format")
    alternatives = params.get("alternatives", 0)
    try:
        alternatives = int(alternatives)
        if alternatives < 0:
            raise ValueError
    except (TypeError, ValueError):
        raise HttpError(400, "alternatives: expected a whole number of at least 0", field="alternatives") from None
    stored = None
    glossary_id = string_field(params, "glossary_id")
    if glossary_id:
        stored = state.stored_glossary(caller, glossary_id, "glossary_id")
    resolved = resolve(state, caller, stored, inline_glossary(state, params.get("glossary"), "glossary"))
    mode = markup.HTML if fmt == "html" else markup.TEXT
    try:
        outcomes = await translate_texts(request, state, caller, texts, resolved, mode=mode, field="q",
                                         fields=[f"q[{i}]" if batch else "q" for i in range(len(texts))])
    except ClientGone:
        return client_gone_response()
    answers = [o.target for o in outcomes]
    body: dict = {"translatedText": answers if batch else answers[0]}
    if source == "auto":
        detected = [languages.detect(t)[0] for t in texts]  # as guessed; the text is translated from the server's source
        body["detectedLanguage"] = detected if batch else detected[0]
    if alternatives:
        body["alternatives"] = [[] for _ in answers] if batch else []
    reports = [o.report() for o in outcomes]
    body["termlock"] = reports if batch else reports[0]
    return JSONResponse(body)


@router.get("/languages", summary="Languages this server translates")
async def languages_get(request: Request) -> Response:
    return await _languages(request)


@router.post("/languages", summary="Languages this server translates (as POST)")
async def languages_post(request: Request) -> Response:
    return await _languages(request)


async def _languages(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    state.caller(request.headers, params)
    service = state.service
    source, target = service.source_lang, service.target_lang
    return JSONResponse([
        {"code": source, "name": languages.name_of(source), "targets": [target]},
        {"code": target, "name": languages.name_of(target), "targets": []},
    ])


@router.post("/detect", openapi_extra=_DETECT, summary="Guess the language of a text (zh or en)")
async def detect(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    state.caller(request.headers, params)
    q = params.get("q")
    if not q:
        raise HttpError(400, "q: missing; send the text whose language to detect", field="q")
    if isinstance(q, list):
        q = " ".join(str(item) for item in q)
    if not isinstance(q, str):
        raise HttpError(400, f"q: expected a string, got {type(q).__name__}", field="q")
    return JSONResponse(languages.detect(q))
