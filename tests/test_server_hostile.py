"""Bad requests get the right status and a JSON error naming the field; the next request is served.

Malformed JSON, wrong types, empty and huge ``text[]``, an unknown glossary
id, a bad key, an unsupported language pair, invalid UTF-8, unbalanced
tags, a 10 MB body -- and API keys in every place clients put them, a
quota, the key never echoed. No response body ever holds a traceback.
"""

from __future__ import annotations

import json

import pytest

from serve_helpers import GLOSSARY_YAML, call, running_server, server_settings

pytest.importorskip("fastapi", reason="termlock[server] is not installed")

PROCESSOR = "这款处理器采用双核设计。"
KEY = "test-key-0123456789"
QUOTA_KEY = "quota-key-0123456789"


@pytest.fixture(scope="module")
def server(tiny_model_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "terms.yaml").write_text(GLOSSARY_YAML, encoding="utf-8")
    (folder / "project.yaml").write_text(
        "name: project\nterms:\n  - source: 处理器\n    target: processor\n", encoding="utf-8")
    (folder / "keys.yaml").write_text(
        f'keys:\n  "{KEY}":\n    name: weblate\n    glossary: project.yaml\n'
        f'  "{QUOTA_KEY}":\n    name: small\n    quota: 20\n', encoding="utf-8")
    settings = server_settings(tiny_model_dir, folder / "data", folder / "terms.yaml",
                               api_keys=str(folder / "keys.yaml"), max_body_bytes=200_000, max_texts=50, max_chars=2000,
                               allowed_host_names=("mt.example.org",))
    with running_server(settings) as (base, app):
        yield base, app


AUTH = {"Authorization": f"Bearer {KEY}"}


def _ok_again(base: str) -> None:
    """The server still answers a good request after a bad one."""
    status, _, raw = call(base, "POST", "/translate", {"q": PROCESSOR, "source": "zh", "target": "en"}, headers=AUTH)
    assert status == 200 and "dual cores" in json.loads(raw)["translatedText"]


@pytest.mark.parametrize(
    "method, path, body, raw, content_type, status, field",
    [
        ("POST", "/translate", None, b'{"q": "x", "source": ', "application/json", 400, "body"),
        ("POST", "/translate", {"q": 5, "source": "zh", "target": "en"}, None, None, 400, "q"),
        ("POST", "/translate", {"q": "文本", "source": "de", "target": "en"}, None, None, 400, "source"),
        ("POST", "/translate", {"q": "文本", "source": "zh", "target": "fr"}, None, None, 400, "target"),
        ("POST", "/translate", {"q": "文本", "source": "zh", "target": "en", "format": "pdf"}, None, None, 400, "format"),
        ("POST", "/translate", {"q": "文本", "source": "zh", "target": "en", "glossary_id": "nope"}, None, None, 404, "glossary_id"),
        ("POST", "/translate", {"q": "文本", "source": "zh", "target": "en", "glossary": {"双核": ""}}, None, None, 400, "glossary.双核"),
        ("POST", "/translate", None, b"\xff\xfe{not utf-8}", "application/json", 400, "body"),
        ("POST", "/translate", None, b"q=%FF%FE&source=zh&target=en", "application/x-www-form-urlencoded", 400, "body"),
        ("POST", "/v2/translate", {"text": [], "target_lang": "EN"}, None, None, 400, "text"),
        ("POST", "/v2/translate", {"text": ["文本"] * 51, "target_lang": "EN"}, None, None, 413, "text"),
        ("POST", "/v2/translate", {"text": ["文" * 2001], "target_lang": "EN"}, None, None, 413, "text[0]"),
        ("POST", "/v2/translate", {"text": ["文本", 3], "target_lang": "EN"}, None, None, 400, "text[1]"),
        ("POST", "/v2/translate", {"text": ["文本"], "target_lang": "EN", "source_lang": "ZH", "glossary_id": "missing"}, None, None, 404, "glossary_id"),
        ("POST", "/v2/translate", {"text": ["<b>双核"], "target_lang": "EN", "tag_handling": "xml"}, None, None, 400, "text[0]"),
        ("POST", "/v2/translate", {"text": ["文本"], "target_lang": "JA"}, None, None, 400, "target_lang"),
        ("POST", "/v2/glossaries", {"name": "g", "source_lang": "zh", "target_lang": "en", "entries": "a\tb\na\tc",
                                    "entries_format": "tsv"}, None, None, 400, "entries"),
        ("POST", "/v1/chat/completions", {"model": "termlock", "messages": "hi"}, None, None, 400, "messages"),
        ("POST", "/v1/chat/completions", {"model": "termlock", "messages": [{"role": "user", "content": 7}]}, None, None, 400,
         "messages[0].content"),
        ("POST", "/v1/chat/completions", {"model": "termlock", "messages": [{"role": "user", "content": "文本"}], "n": 3},
         None, None, 400, "n"),
        ("POST", "/termlock/v1/check", {"sources": ["a", "b"], "targets": ["a"]}, None, None, 400, "targets"),
        ("POST", "/termlock/v1/check", {"sources": ["a"], "targets": ["a"], "strict_spelling": "yes"}, None, None, 400,
         "strict_spelling"),
        ("POST", "/termlock/v1/translate", {"segments": [{"text": "文本", "terms": 5}]}, None, None, 400, "segments[0].terms"),
    ],
)
def test_bad_request_is_named_and_the_next_one_is_served(server, method, path, body, raw, content_type, status, field):
    base, _ = server
    got, _, answer = call(base, method, path, body, raw=raw, content_type=content_type or "application/json", headers=AUTH)
    assert got == status, answer
    text = answer.decode("utf-8")
    assert "Traceback" not in text and 'File "' not in text
    document = json.loads(text)
    message = document.get("message") or document.get("error")
    if isinstance(message, dict):
        message = message["message"]
    assert field in message, message
    _ok_again(base)


def _raw_exchange(base: str, head: bytes, body: bytes) -> bytes:
    """Send a request head and body over a socket (stopping when the server stops reading); the answer."""
    import socket
    from urllib.parse import urlsplit

    where = urlsplit(base)
    with socket.create_connection((where.hostname, where.port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for start in range(0, len(body), 65536):
                sock.sendall(body[start:start + 65536])
        except OSError:
            pass  # the server answered and closed: it did not read the rest
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_10_mb_body_is_413_before_it_is_read(server):
    base, _ = server
    body = b'{"text": ["' + b"a" * 10_000_000 + b'"], "target_lang": "EN"}'
    head = (f"POST /v2/translate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    answer = _raw_exchange(base, head, b"")  # refused on the declared length: no byte of the body is needed
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 413 " in status_line
    assert "body" in json.loads(rest.split(b"\r\n\r\n", 1)[1])["message"]
    _ok_again(base)


def test_a_chunked_body_over_the_limit_is_413_too(server):
    base, _ = server
    # one byte over the limit, and no end: the server must refuse while the body is still coming
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in (b"a" * 100_000, b"a" * 100_000, b"a"))
    head = (f"POST /v2/translate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {KEY}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    answer = _raw_exchange(base, head, body)
    assert b" 413 " in answer.partition(b"\r\n")[0]
    _ok_again(base)


def test_each_shape_has_its_own_error_layout(server):
    base, _ = server
    libre = json.loads(call(base, "POST", "/translate", {"source": "zh", "target": "en"}, headers=AUTH)[2])
    assert isinstance(libre["error"], str) and "q" in libre["error"]
    deepl = json.loads(call(base, "POST", "/v2/translate", {"text": ["x"]}, headers=AUTH)[2])
    assert "target_lang" in deepl["message"]
    openai = json.loads(call(base, "POST", "/v1/chat/completions", {"messages": []}, headers=AUTH)[2])
    assert openai["error"]["param"] == "model" and openai["error"]["type"] == "invalid_request_error"
    native = json.loads(call(base, "GET", "/termlock/v1/nowhere", headers=AUTH)[2])
    assert native["error"]["message"].startswith("no such route")


def test_a_foreign_host_name_on_the_loopback_is_refused_in_the_shapes_layout(server):
    """DNS rebinding: a page whose name resolves to 127.0.0.1 sends its own name; only loopback names are served."""
    base, _ = server
    status, headers, raw = call(base, "POST", "/v2/translate", {"text": ["x"], "target_lang": "EN"},
                                headers={**AUTH, "Host": "attacker.example:5000"})
    assert status == 400 and json.loads(raw)["message"].startswith("unexpected Host header")
    assert headers["Content-Security-Policy"].startswith("default-src 'none'")
    status, _, raw = call(base, "GET", "/translate?q=x&source=zh&target=en", headers={**AUTH, "Host": "evil.example"})
    assert status == 400 and json.loads(raw)["error"].startswith("unexpected Host header")
    assert call(base, "GET", "/health", headers={"Host": "localhost:5000"})[0] == 200


def test_a_name_given_with_allow_host_is_served_as_a_reverse_proxy_forwards_it(server):
    base, _ = server
    status, _, raw = call(base, "POST", "/translate", {"q": PROCESSOR, "source": "zh", "target": "en"},
                          headers={**AUTH, "Host": "MT.example.org:443"})
    assert status == 200 and "dual cores" in json.loads(raw)["translatedText"]
    assert call(base, "GET", "/health", headers={"Host": "other.example.org"})[0] == 400


def test_the_api_docs_page_has_its_own_policy_and_the_api_the_strict_one(server):
    base, _ = server
    _, headers, _ = call(base, "GET", "/docs", headers=AUTH)
    assert "cdn.jsdelivr.net" in headers["Content-Security-Policy"]
    _, headers, _ = call(base, "GET", "/health")
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"


def test_keys_in_every_place_clients_put_them(server):
    base, _ = server
    body = {"q": PROCESSOR, "source": "zh", "target": "en"}
    assert call(base, "POST", "/translate", body, headers={"Authorization": f"Bearer {KEY}"})[0] == 200
    assert call(base, "POST", "/translate", body, headers={"Authorization": f"DeepL-Auth-Key {KEY}"})[0] == 200
    assert call(base, "POST", "/translate", {**body, "api_key": KEY})[0] == 200
    assert call(base, "GET", f"/languages?api_key={KEY}")[0] == 200


def test_missing_and_wrong_keys_are_refused_without_echoing_them(server):
    base, _ = server
    body = {"q": PROCESSOR, "source": "zh", "target": "en"}
    status, _, raw = call(base, "POST", "/translate", body)
    assert status == 401 and "API key" in json.loads(raw)["error"]
    status, _, raw = call(base, "POST", "/translate", body, headers={"Authorization": "Bearer wrong-key-123456"})
    assert status == 403 and "wrong-key" not in raw.decode()
    for path in ("/ready", "/metrics", "/openapi.json", "/v1/models", "/v2/usage"):
        assert call(base, "GET", path)[0] == 401, path
    assert call(base, "GET", "/health")[0] == 200  # the one open route


def test_a_key_bound_glossary_is_merged_into_every_request(server):
    base, _ = server
    status, _, raw = call(base, "POST", "/translate", {"q": PROCESSOR, "source": "zh", "target": "en"}, headers=AUTH)
    text = json.loads(raw)["translatedText"]
    assert status == 200 and "processor" in text and "dual cores" in text


def test_a_quota_is_enforced_with_deepls_456(server):
    import deepl

    base, _ = server
    client = deepl.Translator(QUOTA_KEY, server_url=base)
    client.translate_text("一二三四五六七八九十", target_lang="EN-US")  # 10 characters of 20
    with pytest.raises(deepl.QuotaExceededException):
        client.translate_text("一二三四五六七八九十一二", target_lang="EN-US")
    usage = client.get_usage()
    assert usage.character.count == 10 and usage.character.limit == 20
    status, _, raw = call(base, "POST", "/translate", {"q": "一二三四五六七八九十一", "source": "zh", "target": "en",
                                                        "api_key": QUOTA_KEY})
    assert status == 429 and "quota" in json.loads(raw)["error"]


def test_glossaries_belong_to_the_key_that_made_them(server):
    base, _ = server
    status, _, raw = call(base, "POST", "/termlock/v1/glossaries", {"name": "mine", "terms": [{"source": "设计", "target": "design"}]},
                          headers=AUTH)
    assert status == 201
    glossary_id = json.loads(raw)["glossary_id"]
    assert call(base, "GET", f"/termlock/v1/glossaries/{glossary_id}", headers=AUTH)[0] == 200
    other = {"Authorization": f"Bearer {QUOTA_KEY}"}
    assert call(base, "GET", f"/termlock/v1/glossaries/{glossary_id}", headers=other)[0] == 404


def test_a_key_bound_glossary_that_is_the_database_is_refused_before_it_is_opened(tmp_path, tiny_model_dir):
    """The glossary a key is bound to is read by the server: the database under --data-dir may not be it."""
    from termlock.errors import TermlockError
    from termlock.server.state import ServerState

    data = tmp_path / "data"
    data.mkdir()
    bound = tmp_path / "bound.yaml"
    bound.write_text(GLOSSARY_YAML, encoding="utf-8")
    (data / "termlock.sqlite3").symlink_to(bound)
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n  k3y-for-tests: {name: tests, glossary: bound.yaml}\n", encoding="utf-8")
    settings = server_settings(tiny_model_dir, data, api_keys=str(keys))
    with pytest.raises(TermlockError, match="--data-dir would overwrite the input --api-keys .*bound.yaml"):
        ServerState(settings)
    assert bound.read_text(encoding="utf-8") == GLOSSARY_YAML
