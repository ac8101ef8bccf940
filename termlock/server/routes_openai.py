"""OpenAI-compatible ``/v1/chat/completions`` and ``/v1/models``: termlock as an "LLM".

What CAT-tool plugins send (Weblate, memoQ Multi-Supplier, Supervertaler
for Trados, OmegaT plugins, Phrase BYO Lite): ``model``, ``messages`` (the
last user message is the text; its content a string or a list of text
parts), ``temperature`` and friends (accepted; the locked beam search is
deterministic), ``stream`` (server-sent events). The glossary of a request
is, merged in this order over the server's default: the API key's binding,
the model alias ``termlock@GLOSSARY`` (a stored glossary's id or name),
glossary lines in the system messages (Weblate's ``source<TAB>target``,
Supervertaler's ``source → target``; only terms that occur in the text
matter to the lock, so a long prompt glossary costs nothing), and an
extension field ``glossary`` (inline terms). Weblate's batches
(``\\n==WEBLATE_PART==\\n`` between segments) are split, translated as
separate segments and joined back. Inline codes (``<x id="1"/>``,
``<g id="2">…</g>``, ``<t1>``, ``[X0X]``) are kept. The answer carries a
``termlock`` extension: the verdict per term for each part.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from termlock.server import markup
from termlock.server.glossaries import glossary_from_prompt
from termlock.server.routes_common import (
    ClientGone, client_gone_response, inline_glossary, resolve, state_of, translate_texts,
)
from termlock.web.bodies import request_params
from termlock.web.errors import HttpError

router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

SEPARATOR = "\n==WEBLATE_PART==\n"
_SEPARATOR_RE = re.compile(r"\n *==WEBLATE_PART== *\n")

_MESSAGE = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {
        "role": {"type": "string", "enum": ["system", "developer", "user", "assistant"]},
        "content": {"oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "object", "properties": {"type": {"type": "string"}, "text": {"type": "string"}}}},
        ]},
    },
}
CHAT_SCHEMA = {
    "type": "object",
    "required": ["model", "messages"],
    "properties": {
        "model": {"type": "string", "example": "termlock"},
        "messages": {"type": "array", "items": _MESSAGE, "minItems": 1},
        "stream": {"type": "boolean", "default": False},
        "temperature": {"type": "number"},
        "n": {"type": "integer", "minimum": 1, "maximum": 1},
        "glossary": {"description": "termlock: inline terms merged over the others"},
    },
}
_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": CHAT_SCHEMA}}}}


def _content_text(content: Any, field: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for index, part in enumerate(content):
            if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                raise HttpError(400, f"{field}[{index}]: expected a content part object with a type", field=f"{field}[{index}]")
            if part["type"] == "text":
                if not isinstance(part.get("text"), str):
                    raise HttpError(400, f"{field}[{index}].text: expected a string", field=f"{field}[{index}].text")
                parts.append(part["text"])
            else:
                raise HttpError(400, f"{field}[{index}].type: {part['type']!r} parts are not supported; send text",
                                field=f"{field}[{index}].type")
        return "".join(parts)
    if content is None:
        return ""
    raise HttpError(400, f"{field}: expected a string or a list of text parts", field=field)


def _models(state, caller) -> list[str]:
    alias = state.settings.model_alias
    names = [alias] + [f"{alias}@{record.name}" for record in state.store.list(caller.owner)]
    return list(dict.fromkeys(names))


@router.get("/models", summary="Models (termlock and termlock@GLOSSARY for each stored glossary)")
async def models(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    created = int(time.time())
    return JSONResponse({"object": "list", "data": [
        {"id": name, "object": "model", "created": created, "owned_by": "termlock"} for name in _models(state, caller)
    ]})


@router.post("/chat/completions", openapi_extra=_BODY, summary="Translate the last user message (chat completions)")
async def chat_completions(request: Request) -> Response:
    state = state_of(request)
    params = await request_params(request)
    caller = state.caller(request.headers, params)
    service = state.service
    model = params.get("model")
    if not isinstance(model, str) or not model:
        raise HttpError(400, "model: missing; use 'termlock' (see GET /v1/models)", field="model")
    alias = state.settings.model_alias
    name, _, glossary_name = model.partition("@")
    if name not in (alias, service.model_name):
        raise HttpError(404, f"model: {model!r} does not exist; use {alias!r} or {alias}@GLOSSARY (see GET /v1/models)",
                        field="model", code="model_not_found")
    messages = params.get("messages")
    if not isinstance(messages, list) or not messages:
        raise HttpError(400, "messages: expected a non-empty list of messages", field="messages")
    n = params.get("n", 1)
    if n not in (1, None):
        raise HttpError(400, "n: only 1 choice is supported (the locked translation is deterministic)", field="n")
    stream = params.get("stream", False)
    if not isinstance(stream, bool):
        raise HttpError(400, "stream: expected true or false", field="stream")
    system_parts: list[str] = []
    user_text: str | None = None
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise HttpError(400, f"messages[{index}]: expected an object with role and content", field=f"messages[{index}]")
        role = message.get("role")
        if not isinstance(role, str):
            raise HttpError(400, f"messages[{index}].role: expected a string", field=f"messages[{index}].role")
        text = _content_text(message.get("content"), f"messages[{index}].content")
        if role in ("system", "developer"):
            system_parts.append(text)
        elif role == "user":
            user_text = text
    if user_text is None or not user_text.strip():
        raise HttpError(400, "messages: no user message with text to translate", field="messages")
    parts = _SEPARATOR_RE.split(user_text)
    state.check_texts(parts, "messages[-1].content", single=len(parts) == 1)
    stored = state.stored_glossary(caller, glossary_name, "model") if glossary_name else None
    prompt = glossary_from_prompt("\n".join(system_parts), source_lang=service.source_lang,
                                  target_lang=service.target_lang) if system_parts else None
    resolved = resolve(state, caller, stored, prompt, inline_glossary(state, params.get("glossary"), "glossary"))
    try:
        outcomes = await translate_texts(request, state, caller, parts, resolved, mode=markup.CHAT, field="messages",
                                         fields=[f"messages[-1].content part {i}" if len(parts) > 1 else "messages[-1].content"
                                                 for i in range(len(parts))])
    except ClientGone:
        return client_gone_response()
    content = SEPARATOR.join(o.target for o in outcomes)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    usage = {
        "prompt_tokens": service.count_tokens(user_text),
        "completion_tokens": service.count_tokens(content),
    }
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    extension = {"glossary": {"name": resolved.glossary.name, "terms": len(resolved.glossary)},
                 "segments": [o.report() for o in outcomes]}
    if stream:
        include_usage = bool((params.get("stream_options") or {}).get("include_usage")) if isinstance(params.get("stream_options"), dict) else False
        return StreamingResponse(
            _events(completion_id, created, model, content, usage if include_usage else None, extension),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )
    return JSONResponse({
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }],
        "usage": usage,
        "system_fingerprint": None,
        "termlock": extension,
    })


def _events(completion_id: str, created: int, model: str, content: str, usage: dict | None, extension: dict):
    """The completion as server-sent events: the role, the text line by line, stop, [DONE]."""
    def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "system_fingerprint": None,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for piece in content.splitlines(keepends=True) or [""]:
        yield chunk({"content": piece})
    yield chunk({}, "stop", termlock=extension)
    if usage is not None:
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model,
                "system_fingerprint": None, "choices": [], "usage": usage}
        yield f"data: {json.dumps(body, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"
