"""Micro-batching across requests: one decode for many clients, answers never crossed.

The decoding queue is tested alone with a fake decoder (batch limits, the
wait, 429 when full, a client's segments dropped when it goes, shutdown
finishing the queue), then end to end: 32 clients at once get exactly what a
sequential ``termlock translate`` writes for the same lines, in fewer decodes
than requests; a client that disconnects while queued is never decoded.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from serve_helpers import GLOSSARY_YAML, call, running_server, server_settings

pytest.importorskip("fastapi", reason="termlock[server] is not installed")

from termlock.server.batching import MicroBatcher, QueueFull, ShuttingDown  # noqa: E402


class FakeDecoder:
    """Records each batch; can be held so that segments pile up behind it."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()

    def __call__(self, texts, glossaries, digests):
        self.started.set()
        self.release.wait(120)
        self.batches.append(list(texts))
        return [f"<{t}>" for t in texts]


def _run(coroutine):
    return asyncio.run(coroutine)


def test_segments_of_concurrent_requests_share_a_batch():
    decoder = FakeDecoder()
    batcher = MicroBatcher(decoder, max_batch_size=8, max_wait_ms=50, max_queue=100)
    batcher.start()

    async def main():
        first = batcher.submit(["a", "b"], [None, None], ["g", "g"])
        second = batcher.submit(["c"], [None], ["g"])
        return await asyncio.gather(*(s.future for s in first + second))

    try:
        assert _run(main()) == ["<a>", "<b>", "<c>"]
    finally:
        batcher.stop()
    assert decoder.batches == [["a", "b", "c"]]


def test_a_batch_holds_at_most_max_batch_size_and_duplicates_decode_once():
    decoder = FakeDecoder()
    batcher = MicroBatcher(decoder, max_batch_size=3, max_wait_ms=20, max_queue=100)
    batcher.start()

    async def main():
        segments = batcher.submit(["a", "a", "b", "c", "d"], [None] * 5, ["g", "g", "g", "g", "g"])
        return await asyncio.gather(*(s.future for s in segments))

    try:
        assert _run(main()) == ["<a>", "<a>", "<b>", "<c>", "<d>"]
    finally:
        batcher.stop()
    assert decoder.batches == [["a", "b"], ["c", "d"]]  # 3 queued segments per batch, "a" decoded once


def test_a_full_queue_refuses_with_a_retry_after():
    decoder = FakeDecoder()
    decoder.release.clear()
    batcher = MicroBatcher(decoder, max_batch_size=2, max_wait_ms=0, max_queue=3)
    batcher.start()

    async def main():
        running = batcher.submit(["x"], [None], ["g"])
        await asyncio.get_running_loop().run_in_executor(None, decoder.started.wait, 120)
        waiting = batcher.submit(["a", "b", "c"], [None] * 3, ["g"] * 3)
        with pytest.raises(QueueFull) as full:
            batcher.submit(["d"], [None], ["g"])
        assert full.value.retry_after >= 1
        decoder.release.set()
        return await asyncio.gather(*(s.future for s in running + waiting))

    try:
        assert _run(main()) == ["<x>", "<a>", "<b>", "<c>"]
    finally:
        batcher.stop()


def test_cancelled_segments_are_never_decoded():
    decoder = FakeDecoder()
    decoder.release.clear()
    batcher = MicroBatcher(decoder, max_batch_size=4, max_wait_ms=0, max_queue=100)
    batcher.start()

    async def main():
        running = batcher.submit(["x"], [None], ["g"])
        await asyncio.get_running_loop().run_in_executor(None, decoder.started.wait, 120)
        gone = batcher.submit(["gone-1", "gone-2"], [None, None], ["g", "g"])
        kept = batcher.submit(["kept"], [None], ["g"])
        batcher.cancel(gone)
        decoder.release.set()
        await asyncio.gather(*(s.future for s in running + kept))
        assert all(s.future.cancelled() for s in gone)

    try:
        _run(main())
    finally:
        batcher.stop()
    assert decoder.batches == [["x"], ["kept"]]


def test_stop_finishes_what_is_queued_and_refuses_more():
    decoder = FakeDecoder()
    decoder.release.clear()
    batcher = MicroBatcher(decoder, max_batch_size=1, max_wait_ms=0, max_queue=100)
    batcher.start()

    async def main():
        segments = batcher.submit(["a", "b", "c"], [None] * 3, ["g"] * 3)
        stopper = asyncio.get_running_loop().run_in_executor(None, batcher.stop)
        for _ in range(12000):  # until stop() has begun (it runs in another thread; a loaded machine is slow)
            if batcher._stopping:
                break
            await asyncio.sleep(0.01)
        with pytest.raises(ShuttingDown):
            batcher.submit(["late"], [None], ["g"])
        decoder.release.set()
        await stopper
        return await asyncio.gather(*(s.future for s in segments))

    assert _run(main()) == ["<a>", "<b>", "<c>"]
    assert decoder.batches == [["a"], ["b"], ["c"]]


# ------------------------------------------------------------------ end to end


def _corpus_lines(count: int) -> list[str]:
    data = Path(__file__).resolve().parents[1] / "termlock" / "corpora" / "data" / "corpus.zh"
    lines = [line for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines[:count]


def test_32_clients_at_once_get_what_sequential_translate_writes(tiny_model_dir, tmp_path):
    from termlock.cli import main

    glossary = tmp_path / "terms.yaml"
    glossary.write_text(GLOSSARY_YAML, encoding="utf-8")
    lines = _corpus_lines(30) + ["这款处理器采用双核设计。", "粮食安全是国家安全的重要基础。"]
    source = tmp_path / "in.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["translate", "-i", str(source), "-o", str(tmp_path / "out.txt"), "--model", str(tiny_model_dir),
                 "--glossary", str(glossary)]) == 0
    expected = (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()
    assert len(expected) == 32

    settings = server_settings(tiny_model_dir, tmp_path / "data", glossary, cache_size=0, max_wait_ms=20)
    with running_server(settings) as (base, app):
        barrier = threading.Barrier(32)

        def client(index: int) -> str:
            barrier.wait()
            status, _, raw = call(base, "POST", "/translate", {"q": lines[index], "source": "zh", "target": "en"})
            assert status == 200, raw
            return json.loads(raw)["translatedText"]

        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(client, range(32)))
        batches = app.state.termlock.service.batcher.batches
    assert answers == expected
    assert "dual cores" in answers[30] and "food security" in answers[31]
    assert batches < 32  # segments of different requests were decoded together


def test_a_client_that_disconnects_drops_its_queued_segments(tiny_model_dir, tmp_path):
    glossary = tmp_path / "terms.yaml"
    glossary.write_text(GLOSSARY_YAML, encoding="utf-8")
    settings = server_settings(tiny_model_dir, tmp_path / "data", glossary, cache_size=0, max_wait_ms=0)
    with running_server(settings) as (base, app):
        service = app.state.termlock.service
        original = service.batcher._decode
        hold = threading.Event()
        decoding = threading.Event()
        decoded: list[str] = []

        def held(texts, glossaries, digests):
            decoding.set()
            hold.wait(120)
            decoded.extend(texts)
            return original(texts, glossaries, digests)

        service.batcher._decode = held
        first = threading.Thread(target=call, args=(base, "POST", "/translate",
                                                    {"q": "第一句。", "source": "zh", "target": "en"}))
        first.start()
        assert decoding.wait(120)
        body = json.dumps({"q": "走开的客户。", "source": "zh", "target": "en"}).encode()
        where = urlsplit(base)
        with socket.create_connection((where.hostname, where.port)) as sock:
            sock.sendall(b"POST /translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            deadline = time.monotonic() + 120
            while service.batcher.depth < 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert service.batcher.depth == 1
        # the socket is closed: the queued segment goes before the decoder is free again
        deadline = time.monotonic() + 120
        while service.batcher.depth and time.monotonic() < deadline:
            time.sleep(0.01)
        assert service.batcher.depth == 0
        hold.set()
        first.join(30)
        status, _, raw = call(base, "POST", "/translate", {"q": "第三句。", "source": "zh", "target": "en"})
        assert status == 200
    assert "走开的客户。" not in decoded
    assert decoded == ["第一句。", "第三句。"]
