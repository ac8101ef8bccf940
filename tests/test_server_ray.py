"""``termlock serve --engine ray --replicas 2``: the same answers as the local server.

A local Ray instance runs Ray Serve with two replicas of the app, each with
its own copy of the tiny model; each API shape's answer equals the local
server's for the same request.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from serve_helpers import GLOSSARY_YAML, call, running_server, server_settings

pytestmark = pytest.mark.ray

pytest.importorskip("fastapi", reason="termlock[server] is not installed")

REQUESTS = [
    ("POST", "/translate", {"q": ["这款处理器采用双核设计。", "粮食安全是国家安全的重要基础。"], "source": "zh", "target": "en"}),
    ("POST", "/v2/translate", {"text": ['这款<x id="0"></x>处理器采用双核设计。'], "target_lang": "EN-US",
                               "tag_handling": "xml", "ignore_tags": ["x"]}),
    ("POST", "/termlock/v1/translate", {"segments": [{"text": "这款处理器采用双核设计。", "terms": {"处理器": "processor"}}]}),
    ("POST", "/termlock/v1/check", {"sources": ["坚持双核驱动。"], "targets": ["Uphold the dual cores."]}),
]


def _comparable(path: str, raw: bytes):
    body = json.loads(raw)
    if path == "/v1/chat/completions":
        return body["choices"][0]["message"]["content"]
    return body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_ray_serve_replicas_answer_as_the_local_server(local_ray, tiny_model_dir, tmp_path):
    from ray import serve

    from termlock.server.ray_serve import start_on_ray, stop_on_ray

    glossary = tmp_path / "terms.yaml"
    glossary.write_text(GLOSSARY_YAML, encoding="utf-8")
    chat = ("POST", "/v1/chat/completions", {"model": "termlock", "messages": [{"role": "user", "content": "坚持双核驱动。"}]})
    local_settings = server_settings(tiny_model_dir, tmp_path / "local-data", glossary)
    with running_server(local_settings) as (base, _):
        expected = [_comparable(path, call(base, method, path, body)[2]) for method, path, body in REQUESTS + [chat]]

    port = _free_port()
    settings = server_settings(tiny_model_dir, tmp_path / "ray-data", glossary, engine="ray", replicas=2, port=port)
    start_on_ray(settings)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while call(base, "GET", "/ready")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        status = serve.status().applications["termlock"].deployments["termlock"]
        assert status.replica_states.get("RUNNING") == 2
        for _ in range(2):  # requests spread over both replicas: each answers the same
            got = [_comparable(path, call(base, method, path, body)[2]) for method, path, body in REQUESTS + [chat]]
            assert got == expected
        assert "dual cores" in expected[0]["translatedText"][0]
    finally:
        stop_on_ray()
