"""DeepL API v2 subset: translate, languages, usage, glossaries (kept in SQLite).

As the official ``deepl`` package and Weblate call them with a custom
server URL: ``Authorization: DeepL-Auth-Key KEY``; ``POST /v2/translate``
with ``text`` (a list of at most 50; a form with ``text`` repeated works
too), ``source_lang``, ``target_lang``, ``glossary_id``, ``tag_handling``
xml|html, ``ignore_tags``, ``split_sentences``; answers
``{"translations": [{"detected_source_language", "text", "billed_characters"}]}``
plus termlock's ``termlock`` list of verdicts. Glossaries are created from
TSV or CSV entries (``source,target`` rows, DeepL's layout); a DeepL glossary
is a termlock glossary whose entries are canonical renderings. Accepted and
ignored, as they do not change a locked translation: ``formality``,
``context``, ``model_type``, ``preserve_formatting``, ``outline_detection``,
``splitting_tags``, ``non_splitting_tags``, ``show_billed_characters``.
Line breaks are always kept (each line is translated on its own), whatever
``split_sentences`` says. Errors are ``{"message": "..."}``; an exhausted
key quota is 456, as DeepL answers it.
"""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from termlock.glossary import Glossary
from termlock.glossary.writer import glossary_to_yaml
from termlock.server import languages, markup
from termlock.server.glossaries import glossary_from_pairs
from termlock.server.routes_common import (
    ClientGone, client_gone_response, resolve, state_of, string_field, tag_list, translate_texts,
)
from termlock.web.bodies import request_params
from termlock.web.errors import HttpError

router = APIRouter(prefix="/v2", tags=["DeepL v2"])

QUOTA_STATUS = 456
_SPLIT = ("0", "1", "nonewlines")

TRANSLATE_SCHEMA = {
    "type": "object",
    "required": ["text", "target_lang"],
    "properties": {
        "text": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
        "source_lang": {"type": "string", "example": "ZH"},
        "target_lang": {"type": "string", "example": "EN-US"},
        "glossary_id": {"type": "string"},
        "tag_handling": {"type": "string", "enum": ["xml", "html"]},
        "ignore_tags": {"type": "array", "items": {"type": "string"}},
        "split_sentences": {"type": "string", "enum": list(_SPLIT)},
        "formality": {"type": "string"},
        "context": {"type": "string"},
    },
}
GLOSSARY_SCHEMA = {
    "type": "object",
    "required": ["name", "source_lang", "target_lang", "entries", "entries_format"],
    "properties": {
        "name": {"type": "string"},
        "source_lang": {"type": "string", "example": "zh"},
        "target_lang": {"type": "string", "example": "en"},
        "entries": {"type": "string", "example": "双核\tdual cores"},
        "entries_format": {"type": "string", "enum": ["tsv", "csv"]},
    },
}


def _body(schema: dict) -> dict:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema}, "application/x-www-form-urlencoded": {"schema": schema},
    }}}


def _deepl_code(code: str) -> str:
    return code.upper()


@router.post("/translate", openapi_extra=_body(TRANSLATE_SCHEMA), summary="Translate texts (DeepL v2)")
async def translate(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    service = state.service
    text = params.get("text")
    if text is None or text == [] or text == "":
        raise HttpError(400, "text: missing; send at least one text", field="text")
    texts = state.check_texts(text if isinstance(text, list) else [text], "text", single=not isinstance(text, list))
    target = string_field(params, "target_lang", required=True)
    if languages.primary(target) != service.target_lang:
        raise HttpError(400, f"target_lang: {target} is not supported; this server translates "
                             f"{service.source_lang.upper()} to {service.target_lang.upper()}", field="target_lang")
    source = string_field(params, "source_lang")
    if source is not None and languages.primary(source) != service.source_lang:
        raise HttpError(400, f"source_lang: {source} is not supported; this server translates "
                             f"{service.source_lang.upper()} to {service.target_lang.upper()}", field="source_lang")
    tag_handling = string_field(params, "tag_handling")
    if tag_handling not in (None, "xml", "html"):
        raise HttpError(400, f"tag_handling: {tag_handling} is not supported; use xml or html", field="tag_handling")
    split = string_field(params, "split_sentences", default="1")
    if split not in _SPLIT:
        raise HttpError(400, f"split_sentences: expected 0, 1 or nonewlines, got {split!r}", field="split_sentences")
    ignore = tag_list(params.get("ignore_tags"), "ignore_tags")
    stored = None
    glossary_id = string_field(params, "glossary_id")
    if glossary_id:
        if source is None:
            raise HttpError(400, "source_lang: required when a glossary_id is given", field="source_lang")
        stored = state.stored_glossary(caller, glossary_id, "glossary_id")
    resolved = resolve(state, caller, stored)
    mode = {"xml": markup.XML, "html": markup.HTML}.get(tag_handling or "", markup.TEXT)
    try:
        outcomes = await translate_texts(request, state, caller, texts, resolved, mode=mode, field="text",
                                         ignore_tags=ignore, quota_status=QUOTA_STATUS,
                                         fields=[f"text[{i}]" for i in range(len(texts))])
    except ClientGone:
        return client_gone_response()
    detected = _deepl_code(service.source_lang)
    return JSONResponse({
        "translations": [
            {"detected_source_language": detected, "text": o.target, "billed_characters": len(t)}
            for o, t in zip(outcomes, texts)
        ],
        "termlock": [o.report() for o in outcomes],
    })


@router.get("/languages", summary="Source or target languages (type=source|target)")
async def languages_route(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    state.caller(request.headers, params)
    service = state.service
    kind = string_field(params, "type", default="source")
    if kind not in ("source", "target"):
        raise HttpError(400, f"type: expected source or target, got {kind!r}", field="type")
    if kind == "source":
        code = service.source_lang
        return JSONResponse([{"language": _deepl_code(code), "name": languages.name_of(code)}])
    code = service.target_lang
    if code == "en":
        return JSONResponse([
            {"language": "EN-GB", "name": "English (British)", "supports_formality": False},
            {"language": "EN-US", "name": "English (American)", "supports_formality": False},
        ])
    return JSONResponse([{"language": _deepl_code(code), "name": languages.name_of(code), "supports_formality": False}])


@router.get("/usage", summary="Characters translated with this key, and its quota")
async def usage(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    limit = caller.key.quota if caller.key is not None and caller.key.quota is not None else 1_000_000_000_000
    return JSONResponse({"character_count": state.store.used(caller.owner), "character_limit": limit})


@router.get("/glossary-language-pairs", summary="Language pairs glossaries may have")
async def glossary_pairs(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    state.caller(request.headers, params)
    service = state.service
    return JSONResponse({"supported_languages": [{"source_lang": service.source_lang, "target_lang": service.target_lang}]})


def _info(record) -> dict:
    return {
        "glossary_id": record.id,
        "name": record.name,
        "ready": True,
        "source_lang": record.source_lang,
        "target_lang": record.target_lang,
        "creation_time": record.created,
        "entry_count": record.entry_count,
    }


def parse_entries(entries: str, entries_format: str) -> list[tuple[str, str]]:
    """DeepL glossary entries: TSV ``source<TAB>target`` or CSV ``source,target[,src_lang,tgt_lang]`` rows."""
    pairs: list[tuple[str, str]] = []
    if entries_format == "tsv":
        rows = [(number, line.split("\t")) for number, line in enumerate(entries.splitlines(), start=1) if line.strip()]
    else:
        try:
            rows = [(number, row) for number, row in enumerate(csv.reader(io.StringIO(entries), strict=True), start=1) if row]
        except csv.Error as exc:
            raise HttpError(400, f"entries: malformed CSV: {exc}", field="entries") from None
    for number, cells in rows:
        if len(cells) < 2 or (entries_format == "tsv" and len(cells) != 2) or not cells[0].strip() or not cells[1].strip():
            raise HttpError(400, f"entries: entry {number} is not 'source{'<TAB>' if entries_format == 'tsv' else ','}target'",
                            field="entries")
        pairs.append((cells[0].strip(), cells[1].strip()))
    if not pairs:
        raise HttpError(400, "entries: no entries; a glossary needs at least one", field="entries")
    seen: set[str] = set()
    for number, (source, _) in enumerate(pairs, start=1):
        if source in seen:
            raise HttpError(400, f"entries: entry {number} duplicates the source term {source!r}", field="entries")
        seen.add(source)
    return pairs


@router.post("/glossaries", status_code=201, openapi_extra=_body(GLOSSARY_SCHEMA), summary="Create a glossary")
async def create_glossary(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    service = state.service
    name = string_field(params, "name", required=True)
    source = string_field(params, "source_lang", required=True)
    target = string_field(params, "target_lang", required=True)
    if (languages.primary(source), languages.primary(target)) != (service.source_lang, service.target_lang):
        raise HttpError(400, f"source_lang/target_lang: unsupported glossary language pair {source}->{target}; "
                             f"this server's pair is {service.source_lang}->{service.target_lang}", field="source_lang")
    entries = string_field(params, "entries", required=True)
    entries_format = string_field(params, "entries_format", default="tsv")
    if entries_format not in ("tsv", "csv"):
        raise HttpError(400, f"entries_format: expected tsv or csv, got {entries_format!r}", field="entries_format")
    pairs = parse_entries(entries, entries_format)
    glossary = glossary_from_pairs([(s, [t]) for s, t in pairs], "entries", service.source_lang, service.target_lang)
    glossary = Glossary(name=name, terms=glossary.terms, source_lang=service.source_lang, target_lang=service.target_lang)
    record = state.store.add(caller.owner, name, service.source_lang, service.target_lang, len(glossary), glossary_to_yaml(glossary))
    return JSONResponse(_info(record), status_code=201)


@router.get("/glossaries", summary="List glossaries")
async def list_glossaries(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    return JSONResponse({"glossaries": [_info(record) for record in state.store.list(caller.owner)]})


async def _stored(request: Request, glossary_id: str):
    """The caller's stored glossary ``glossary_id`` (a DeepL-shaped 404 when the caller has none by that id)."""
    state = state_of(request)
    caller = state.caller(request.headers, await request_params(request))
    record = state.store.get(caller.owner, glossary_id)
    if record is None:
        raise HttpError(404, "Glossary not found", field="glossary_id")
    return record


@router.get("/glossaries/{glossary_id}", summary="A glossary's details")
async def get_glossary(glossary_id: str, request: Request) -> Response:
    return JSONResponse(_info(await _stored(request, glossary_id)))


@router.get("/glossaries/{glossary_id}/entries", summary="A glossary's entries as TSV")
async def glossary_entries(glossary_id: str, request: Request) -> Response:
    from termlock.server.glossaries import glossary_from_yaml

    record = await _stored(request, glossary_id)
    glossary = glossary_from_yaml(record.yaml, "glossary")
    lines = [f"{source}\t{term.target}" for term in glossary.terms for source in term.sources]
    return PlainTextResponse("\n".join(lines), media_type="text/tab-separated-values; charset=utf-8")


@router.delete("/glossaries/{glossary_id}", status_code=204, summary="Delete a glossary")
async def delete_glossary(glossary_id: str, request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    if not state.store.delete(caller.owner, glossary_id):
        raise HttpError(404, "Glossary not found", field="glossary_id")
    return Response(status_code=204)


__all__ = ["router", "parse_entries"]
