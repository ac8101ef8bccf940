"""Running ``termlock serve``'s app for tests: a real uvicorn server on a free loopback port.

Real clients (``deepl``, ``openai``, ``libretranslatepy``, plain HTTP) talk
to it over TCP, exactly as CAT tools do; the server runs in a thread of the
test process so tests can also look at its state (batches decoded, queue).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

GLOSSARY_YAML = """\
name: serve test terms
source_lang: zh
target_lang: en
terms:
  - source: 双核
    target: dual cores
    forbidden: [double nuclei]
  - source: 粮食安全
    target: food security
"""


@contextmanager
def running_server(settings: Any, *, wait_ready: bool = True) -> Iterator[tuple[str, Any]]:
    """``(base_url, app)`` of a server for ``settings`` on 127.0.0.1 and a free port."""
    from termlock.server.app import create_app
    from termlock.web.launcher import bind, make_server, url_of

    app = create_app(settings)
    sock = bind("127.0.0.1", (0,))
    server = make_server(app, log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    base = url_of(sock, "127.0.0.1", "")
    if wait_ready:
        state = app.state.termlock
        state.service.wait_loaded(120)
        assert state.service.ready, state.service.load_error
    try:
        yield base, app
    finally:
        server.should_exit = True
        thread.join(60)
        sock.close()


def call(base: str, method: str, path: str, body: Any = None, *, headers: dict | None = None,
         raw: bytes | None = None, content_type: str = "application/json", timeout: float = 60) -> tuple[int, Any, bytes]:
    """``(status, headers, body)`` of one plain HTTP request (urllib, no client library)."""
    data = raw if raw is not None else (json.dumps(body, ensure_ascii=False).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def server_settings(model_dir: Path, data_dir: Path, glossary: Path | None = None, **overrides: Any):
    from termlock.jobs import TranslatorSettings
    from termlock.server.settings import ServerSettings

    settings = ServerSettings(
        translator=TranslatorSettings(model=str(model_dir)),
        glossaries=(str(glossary),) if glossary else (),
        data_dir=str(data_dir),
    )
    return replace(settings, **overrides)
