"""``termlock serve`` as a user runs it: a process that binds loopback, stops gracefully, fails in one line.

SIGTERM while requests are queued: every one of them is answered in full,
then the process exits 0. A missing model, a bad glossary or a bad keys
file is one ``error:`` line and exit 2 (never 1, the gate's code); a port in
use too.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from serve_helpers import GLOSSARY_YAML, call

pytest.importorskip("fastapi", reason="termlock[server] is not installed")

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(*args: str, cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "termlock", "serve", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_ready(base: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {process.stderr.read()}")
        try:
            if call(base, "GET", "/ready", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not get ready")


def test_sigterm_answers_every_queued_request_then_exits_0(tiny_model_dir, tmp_path):
    (tmp_path / "terms.yaml").write_text(GLOSSARY_YAML, encoding="utf-8")
    port = _free_port()
    process = _serve("--model", str(tiny_model_dir), "--glossary", "terms.yaml", "--port", str(port), "--data-dir",
                     str(tmp_path / "data"), "--max-batch-size", "2", "--cache-size", "0", cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        texts = [f"这款处理器采用双核设计，第{i}次。" for i in range(12)]
        answers: list = [None] * 4

        def client(index: int) -> None:
            answers[index] = call(base, "POST", "/v2/translate", {"text": texts[index * 3:(index + 1) * 3],
                                                                  "target_lang": "EN-US"}, timeout=600)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)  # the requests are in; most of their segments still queued
        process.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(600)
        assert process.wait(120) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    for status, _, raw in answers:
        assert status == 200, raw
        translations = json.loads(raw)["translations"]
        assert len(translations) == 3 and all("dual cores" in t["text"] for t in translations)


def test_it_binds_loopback_by_default(tiny_model_dir, tmp_path):
    port = _free_port()
    process = _serve("--model", str(tiny_model_dir), "--glossary", "bundled", "--port", str(port), "--data-dir", str(tmp_path / "data"), cwd=tmp_path)
    try:
        _wait_ready(f"http://127.0.0.1:{port}", process)
        listening = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
        if listening.returncode == 0 and listening.stdout.strip():
            local = [line.split()[3] for line in listening.stdout.splitlines()]
            assert local == [f"127.0.0.1:{port}"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model", "no-such-model-dir/"], "no-such-model-dir"),
        (["--glossary", "broken.yaml"], "broken.yaml:"),
        (["--api-keys", "keys.yaml"], "keys.yaml:"),
    ],
)
def test_bad_start_is_one_line_and_exit_2(tmp_path, tiny_model_dir, args, message):
    (tmp_path / "broken.yaml").write_text("name: x\nterms:\n  - source: 双核\n", encoding="utf-8")
    (tmp_path / "keys.yaml").write_text("keys:\n  short: someone\n", encoding="utf-8")
    if "--model" not in args:
        args = ["--model", str(tiny_model_dir), *args]
    if "--glossary" not in args:
        args = [*args, "--glossary", "bundled"]
    process = _serve(*args, "--port", str(_free_port()), "--data-dir", str(tmp_path / "data"), cwd=tmp_path)
    try:
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 2, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("termlock serve: error:")]
    assert len(errors) == 1 and message in errors[0], stderr
    assert "Traceback" not in stderr


def test_no_glossary_is_refused_as_translate_refuses_it(tiny_model_dir, tmp_path):
    """The bundled glossary is never forced on a client's text unless named (--glossary bundled)."""
    process = _serve("--model", str(tiny_model_dir), "--port", str(_free_port()), "--data-dir", str(tmp_path / "data"),
                     cwd=tmp_path)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    assert "termlock serve: error: no glossary" in stderr and "--glossary bundled" in stderr
    assert not (tmp_path / "data").exists() and "Traceback" not in stderr


def test_a_port_in_use_is_exit_2(tiny_model_dir, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _serve("--model", str(tiny_model_dir), "--glossary", "bundled", "--port", str(port),
                         "--data-dir", str(tmp_path / "data"), cwd=tmp_path)
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    assert "cannot listen on" in stderr and "address already in use" in stderr and "Traceback" not in stderr
