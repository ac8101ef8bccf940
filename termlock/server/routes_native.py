"""termlock's own API: translate with per-segment terms, check as a service, manage glossaries.

* ``POST /termlock/v1/translate``: ``{"segments": ["...", {"text": "...", "id": ..., "terms": ...}],
  "glossary": ..., "glossary_id": ..., "format": "text"|"xml"|"html", "ignore_tags": [...]}`` ->
  ``{"model", "glossary": {"name", "terms"}, "segments": [{"id", "source", "target", "terms": [...], ...}]}``.
  A segment's ``terms`` (any inline glossary layout, WMT23/WMT25 included) are merged over the
  request's glossary for that segment only, as ``translate --terms`` locks each line to its own.
* ``POST /termlock/v1/check``: ``{"sources": [...], "targets": [...], "references": [...]?, "ids": [...]?,
  "glossary": ..., "glossary_id": ..., "numbers": true, "strict_spelling": false}`` -> exactly the JSON
  ``termlock check --json`` (``--strict-spelling``) writes for the same segments and glossary (the same
  evaluate code writes it).
* ``/termlock/v1/glossaries``: create (a termlock glossary as JSON ``{"name", "terms": [...]}`` or as
  YAML with ``Content-Type: application/yaml``), list, get (with its YAML), delete. The same store as
  the DeepL glossaries: an id works in every API shape, and ``termlock@NAME`` in chat requests.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from termlock.glossary.writer import glossary_to_yaml
from termlock.server import markup
from termlock.server.glossaries import glossary_from_value, glossary_from_yaml
from termlock.server.routes_common import (
    ClientGone, client_gone_response, inline_glossary, resolve, state_of, string_field, tag_list, translate_texts,
)
from termlock.web.bodies import request_params
from termlock.web.errors import HttpError

router = APIRouter(prefix="/termlock/v1", tags=["termlock"])

_SEGMENT = {"oneOf": [
    {"type": "string"},
    {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}, "id": {}, "terms": {}}},
]}
TRANSLATE_SCHEMA = {
    "type": "object",
    "required": ["segments"],
    "properties": {
        "segments": {"type": "array", "items": _SEGMENT, "minItems": 1},
        "glossary": {}, "glossary_id": {"type": "string"},
        "format": {"type": "string", "enum": ["text", "xml", "html"]},
        "ignore_tags": {"type": "array", "items": {"type": "string"}},
    },
}
CHECK_SCHEMA = {
    "type": "object",
    "required": ["sources", "targets"],
    "properties": {
        "sources": {"type": "array", "items": {"type": "string"}},
        "targets": {"type": "array", "items": {"type": "string"}},
        "references": {"type": "array", "items": {"type": "string"}},
        "ids": {"type": "array", "items": {"type": "string"}},
        "glossary": {}, "glossary_id": {"type": "string"},
        "numbers": {"type": "boolean", "default": True},
        "strict_spelling": {"type": "boolean", "default": False},
    },
}
GLOSSARY_SCHEMA = {
    "type": "object",
    "required": ["name", "terms"],
    "properties": {"name": {"type": "string"}, "terms": {"type": "array", "items": {"type": "object"}}},
}


def _json_body(schema: dict) -> dict:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _request_glossaries(state, caller, params):
    stored = None
    glossary_id = string_field(params, "glossary_id")
    if glossary_id:
        stored = state.stored_glossary(caller, glossary_id, "glossary_id")
    return stored, inline_glossary(state, params.get("glossary"), "glossary")


@router.post("/translate", openapi_extra=_json_body(TRANSLATE_SCHEMA), summary="Translate segments, with per-segment terms")
async def translate(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    service = state.service
    segments = params.get("segments")
    if not isinstance(segments, list) or not segments:
        raise HttpError(400, "segments: expected a non-empty list of strings or {text, id, terms} objects", field="segments")
    texts: list[Any] = []
    ids: list[Any] = []
    own_terms: list[Any] = []
    for index, segment in enumerate(segments):
        if isinstance(segment, dict):
            texts.append(segment.get("text"))
            ids.append(segment.get("id", index))
            own_terms.append(inline_glossary(state, segment.get("terms"), f"segments[{index}].terms"))
        else:
            texts.append(segment)
            ids.append(index)
            own_terms.append(None)
    texts = state.check_texts(texts, "segments")
    fmt = string_field(params, "format", default="text")
    if fmt not in (markup.TEXT, markup.XML, markup.HTML):
        raise HttpError(400, f"format: expected text, xml or html, got {fmt!r}", field="format")
    ignore = tag_list(params.get("ignore_tags"), "ignore_tags")
    stored, inline = _request_glossaries(state, caller, params)
    groups: dict[str, tuple[Any, list[int]]] = {}
    for index, terms in enumerate(own_terms):
        resolved = resolve(state, caller, stored, inline, terms)
        groups.setdefault(resolved.digest, (resolved, []))[1].append(index)
    request_glossary = resolve(state, caller, stored, inline)

    async def run(resolved, members):
        return await translate_texts(request, state, caller, [texts[i] for i in members], resolved, mode=fmt,
                                     field="segments", ignore_tags=ignore,
                                     fields=[f"segments[{i}]" for i in members])

    try:
        results = await asyncio.gather(*(run(resolved, members) for resolved, members in groups.values()))
    except ClientGone:
        return client_gone_response()
    outcomes: list[Any] = [None] * len(texts)
    for (_, members), group in zip(groups.values(), results):
        for index, outcome in zip(members, group):
            outcomes[index] = outcome
    return JSONResponse({
        "model": service.model_name,
        "glossary": {"name": request_glossary.glossary.name, "terms": len(request_glossary.glossary)},
        "segments": [
            {"id": ids[i], "source": texts[i], "target": outcome.target, **outcome.report()}
            for i, outcome in enumerate(outcomes)
        ],
    })


def _string_list(params: dict, name: str, *, required: bool) -> list[str] | None:
    value = params.get(name)
    if value is None:
        if required:
            raise HttpError(400, f"{name}: missing; send a list of strings", field=name)
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HttpError(400, f"{name}: expected a list of strings", field=name)
    return value


@router.post("/check", openapi_extra=_json_body(CHECK_SCHEMA), summary="Check translations: the JSON of check --json")
async def check(request: Request) -> Response:
    from termlock.evaluate.reports.json_report import json_bytes
    from termlock.jobs.check_inputs import check_segments
    from termlock.jobs.glossaries import GlossaryChoice

    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    sources = _string_list(params, "sources", required=True)
    targets = _string_list(params, "targets", required=True)
    references = _string_list(params, "references", required=False)
    ids = _string_list(params, "ids", required=False)
    for name, values in (("targets", targets), ("references", references), ("ids", ids)):
        if values is not None and len(values) != len(sources):
            raise HttpError(400, f"{name}: {len(values)} entries but {len(sources)} sources; send one per source", field=name)
    limit = state.settings.max_texts * 100
    if len(sources) > limit:
        raise HttpError(413, f"sources: {len(sources)} segments, at most {limit} per request; split the request", field="sources")
    for name, values in (("sources", sources), ("targets", targets), ("references", references or [])):
        for index, value in enumerate(values):
            if len(value) > state.settings.max_chars:
                raise HttpError(413, f"{name}[{index}]: {len(value)} characters, at most {state.settings.max_chars}",
                                field=f"{name}[{index}]")
    numbers = params.get("numbers", True)
    if not isinstance(numbers, bool):
        raise HttpError(400, "numbers: expected true or false", field="numbers")
    strict_spelling = params.get("strict_spelling", False)
    if not isinstance(strict_spelling, bool):
        raise HttpError(400, "strict_spelling: expected true or false", field="strict_spelling")
    stored, inline = _request_glossaries(state, caller, params)
    resolved = resolve(state, caller, stored, inline)

    def run() -> bytes:
        result = check_segments(GlossaryChoice(resolved.glossary), list(sources), list(targets), references, ids,
                                numbers=numbers, strict_spelling=strict_spelling)
        return json_bytes(result)

    body = await run_in_threadpool(run)
    return Response(body, media_type="application/json")


def _info(record) -> dict:
    return {"glossary_id": record.id, "name": record.name, "source_lang": record.source_lang,
            "target_lang": record.target_lang, "creation_time": record.created, "entry_count": record.entry_count}


@router.post("/glossaries", status_code=201, openapi_extra=_json_body(GLOSSARY_SCHEMA), summary="Store a termlock glossary")
async def create_glossary(request: Request) -> Response:
    state = state_of(request)
    content_type = request.headers.get("content-type", "")
    if "yaml" in content_type:
        body = await request.body()
        params = {}
        caller = state.caller(request.headers, dict(request.query_params))
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HttpError(400, f"body: not valid UTF-8 (byte {exc.start})", field="body") from None
        glossary = glossary_from_yaml(text, "body")
    else:
        params = await request_params(request)
        caller = state.caller(request.headers, params)
        if not isinstance(params.get("terms"), list):
            raise HttpError(400, "terms: expected a list of terms (source, target, variants, forbidden, ...)", field="terms")
        document = {k: v for k, v in params.items() if k != "api_key"}
        glossary = glossary_from_value(document, "glossary", source_lang=state.service.source_lang,
                                       target_lang=state.service.target_lang)
    if not glossary.name:
        raise HttpError(400, "name: missing; give the glossary a name", field="name")
    if not len(glossary):
        raise HttpError(400, "terms: empty; a glossary needs at least one term", field="terms")
    record = state.store.add(caller.owner, glossary.name, glossary.source_lang, glossary.target_lang, len(glossary),
                             glossary_to_yaml(glossary))
    return JSONResponse(_info(record), status_code=201)


@router.get("/glossaries", summary="List stored glossaries")
async def list_glossaries(request: Request) -> Response:
    state = state_of(request)
    caller = state.caller(request.headers, await request_params(request))
    return JSONResponse({"glossaries": [_info(record) for record in state.store.list(caller.owner)]})


@router.get("/glossaries/{glossary_id}", summary="A stored glossary, with its YAML")
async def get_glossary(glossary_id: str, request: Request) -> Response:
    state = state_of(request)
    caller = state.caller(request.headers, await request_params(request))
    record = state.store.get(caller.owner, glossary_id)
    if record is None:
        raise HttpError(404, f"glossary_id: no glossary {glossary_id!r}", field="glossary_id")
    return JSONResponse({**_info(record), "yaml": record.yaml})


@router.delete("/glossaries/{glossary_id}", status_code=204, summary="Delete a stored glossary")
async def delete_glossary(glossary_id: str, request: Request) -> Response:
    state = state_of(request)
    caller = state.caller(request.headers, await request_params(request))
    if not state.store.delete(caller.owner, glossary_id):
        raise HttpError(404, f"glossary_id: no glossary {glossary_id!r}", field="glossary_id")
    return Response(status_code=204)


__all__ = ["router"]
