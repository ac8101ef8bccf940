"""One mapping of a request's parameters, whatever way the client sent them.

CAT-tool clients disagree: LibreTranslate clients send forms (``q=...``) or
JSON, the OmegaT plugin a GET query string, DeepL clients JSON (older ones a
form with ``text`` repeated), and some send a form body even with GET. The
query string and the body are read into one dict (a repeated form key
becomes a list); the body wins where both name a key. Bad bytes are refused
with a message naming what is wrong: a body that is not UTF-8, JSON that
does not parse (with line and column), JSON that is not an object.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from termlock import jsonsafe
from termlock.web.errors import HttpError


def _pairs_to_dict(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key.endswith("[]"):  # text[]=a&text[]=b (PHP-style clients)
            key = key[:-2]
            out.setdefault(key, [])
        if key in out:
            previous = out[key]
            out[key] = previous + [value] if isinstance(previous, list) else [previous, value]
        else:
            out[key] = value
    return out


def parse_form(data: bytes | str, what: str = "body") -> dict[str, Any]:
    """``a=1&b=2&b=3`` -> ``{"a": "1", "b": ["2", "3"]}``; bad UTF-8 or percent-escapes are refused."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"{what}: not valid UTF-8 (byte {exc.start}); send UTF-8 text", field=what) from None
    return _pairs_to_dict(pairs)


def parse_json_object(data: bytes, what: str = "body") -> dict[str, Any]:
    """A JSON object from bytes; anything else is refused naming the problem."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"{what}: not valid UTF-8 (byte {exc.start}); send UTF-8 JSON", field=what) from None
    try:
        value = jsonsafe.loads(text)
    except jsonsafe.JsonRefused as exc:
        where = f" (line {exc.line}, column {exc.column})" if exc.line is not None else ""
        raise HttpError(400, f"{what}: not valid JSON: {exc.message}{where}", field=what) from None
    if not isinstance(value, dict):
        raise HttpError(400, f"{what}: expected a JSON object, got {type(value).__name__}", field=what)
    return value


async def request_params(request) -> dict[str, Any]:
    """Query parameters and body parameters (JSON or form) of ``request`` as one dict."""
    params = parse_form(request.scope.get("query_string", b""), "query string")
    body = await request.body()
    if not body.strip():
        return params
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if "json" in content_type or (not content_type.endswith("form-urlencoded") and body.lstrip()[:1] in (b"{", b"[")):
        params.update(parse_json_object(body))
    elif content_type in ("", "application/x-www-form-urlencoded", "text/plain"):
        params.update(parse_form(body))
    else:
        raise HttpError(
            415, f"body: unsupported content type {content_type!r}; send application/json or a form", field="body"
        )
    return params
