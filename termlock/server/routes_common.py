"""What the routes of every API shape share: reading glossaries from requests, running a translation.

:func:`translate_texts` is the one way a route translates: markup split
per text (errors name ``field[i]``), the service's queue, and the service's
refusals turned into HTTP answers -- 503 with ``Retry-After`` while the
model loads or the server stops, 429 with ``Retry-After`` when the queue is
full, the quota as the route's own status.
"""

from __future__ import annotations

from typing import Any, Sequence

from starlette.requests import Request
from starlette.responses import Response

from termlock import jsonsafe
from termlock.glossary import Glossary
from termlock.server import markup
from termlock.server.batching import QueueFull, ShuttingDown
from termlock.server.glossaries import Resolved, glossary_from_value
from termlock.server.service import ClientGone, NotReady, Outcome
from termlock.server.state import Caller, QuotaExceeded, ServerState
from termlock.web.errors import HttpError


def state_of(request: Request) -> ServerState:
    return request.app.state.termlock


def inline_glossary(state: ServerState, value: Any, field: str) -> Glossary | None:
    """A request's inline glossary (JSON value, JSON text in a form field, or TSV lines), or None."""
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            value = jsonsafe.loads(value)
        except jsonsafe.JsonRefused as exc:
            raise HttpError(400, f"{field}: not valid JSON: {exc.message}", field=field) from None
    service = state.service
    return glossary_from_value(value, field, source_lang=service.source_lang, target_lang=service.target_lang)


def resolve(state: ServerState, caller: Caller, *parts: Glossary | None) -> Resolved:
    """The default glossary, the caller's key binding, then ``parts`` in order (later wins)."""
    return state.service.resolver.resolve([state.bound_glossary(caller), *parts])


def string_field(params: dict[str, Any], name: str, *, required: bool = False, default: str | None = None) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise HttpError(400, f"{name}: missing; it is required", field=name)
        return default
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str):
        raise HttpError(400, f"{name}: expected a string, got {type(value).__name__}", field=name)
    return value


def tag_list(value: Any, field: str) -> list[str]:
    """``ignore_tags``: a list of names or a comma-separated string."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise HttpError(400, f"{field}: expected tag names, got {type(item).__name__}", field=field)
        out += [name.strip() for name in item.split(",") if name.strip()]
    return out


async def translate_texts(
    request: Request,
    state: ServerState,
    caller: Caller,
    texts: Sequence[str],
    resolved: Resolved,
    *,
    mode: str,
    field: str,
    ignore_tags: Sequence[str] = (),
    quota_status: int = 429,
    fields: Sequence[str] | None = None,
) -> list[Outcome]:
    """Translate ``texts``; refusals become :class:`HttpError` (see the module docstring)."""
    names = fields or [f"{field}[{i}]" if len(texts) > 1 else field for i in range(len(texts))]
    marked = [markup.parse(text, mode, ignore_tags=ignore_tags, field_name=name) for text, name in zip(texts, names)]
    service = state.service
    if not service.ready:
        if service.load_error:
            raise HttpError(503, f"the model could not be loaded: {service.load_error}", code="model_not_loaded")
        raise HttpError(503, "the model is still loading; retry shortly", headers={"Retry-After": "5"}, code="loading")
    characters = sum(len(m.plain) for m in marked)
    try:
        state.check_quota(caller, characters)
    except QuotaExceeded as exc:
        raise HttpError(quota_status, str(exc), code="insufficient_quota") from None
    try:
        outcomes = await service.translate(marked, resolved, request=request)
        state.add_usage(caller, characters)
        return outcomes
    except QueueFull as exc:
        state.metrics.rejected.labels("queue_full").inc()
        raise HttpError(429, f"too many segments waiting; retry after {exc.retry_after} s",
                        headers={"Retry-After": str(exc.retry_after)}, code="queue_full") from None
    except ShuttingDown:
        raise HttpError(503, "the server is shutting down", headers={"Retry-After": "5"}, code="shutting_down") from None
    except NotReady as exc:
        raise HttpError(503, str(exc), headers={"Retry-After": "5"}, code="loading") from None


def client_gone_response() -> Response:
    """Nobody reads it: the client disconnected and its segments were dropped (nginx's 499)."""
    return Response(status_code=499)


__all__ = ["ClientGone", "client_gone_response", "inline_glossary", "resolve", "state_of", "string_field",
           "tag_list", "translate_texts"]
