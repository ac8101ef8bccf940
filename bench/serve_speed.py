"""How fast is ``termlock serve`` under concurrent CAT-tool clients, against the CLI, in one run.

The server is started as a user starts it (``termlock serve --model M``, a
separate process, translation cache off so every request is decoded), and
1, 8 and 32 concurrent clients each send single-segment requests in a
closed loop (LibreTranslate ``POST /translate`` over a kept-alive
connection, as CAT tools do) until the lines are used up. Reported per level:
segments per second and p50/p95 request latency.

Baselines, in the same run, on the same model, glossary and lines:

* the CLI's batch throughput: ``termlock translate`` on all lines, minus a
  ``termlock translate`` of one line (process start, imports and model
  loading cancel out), so the figure is the CLI's decoding rate;
* a direct ``Translator.translate([line])`` call per line in this process
  (p50/p95): what one client's latency is measured against.

Targets (issue 22): at 32 clients at least 70% of the CLI's throughput; at 1
client a p95 at most 1.2x the direct call's.

    python bench/serve_speed.py --json                       # tiny random model (a minute)
    python bench/serve_speed.py --model opus-shape --lines 64 --max-length 48 --json   # opus-mt-zh-en shape (minutes)
    python bench/serve_speed.py --model path/to/model --json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "termlock" / "corpora" / "data"


#: the tiny model's vocabulary (a few hundred pieces) spells the bundled glossary's long renderings
#: letter by letter, which makes constrained decoding far slower than with a real vocabulary
TINY_GLOSSARY = """name: two terms
terms:
  - source: 双核
    target: dual cores
  - source: 粮食安全
    target: food security
"""


def _lines(count: int) -> list[str]:
    """``count`` single-sentence segments from the bundled corpus (cycled when it is shorter)."""
    from termlock.translate import split_sentences

    lines = [line.strip() for line in (DATA_DIR / "corpus.zh").read_text(encoding="utf-8").splitlines() if line.strip()]
    pieces = [p.content.strip() for line in lines for p in split_sentences(line) if p.content.strip()]
    return [pieces[i % len(pieces)] for i in range(count)]


def _model(choice: str, workdir: Path) -> tuple[str, Path]:
    if choice == "tiny":
        sys.path.insert(0, str(ROOT / "tests"))
        from tiny_model import build_tiny_model

        return "tiny random Marian (tests/tiny_model.py)", build_tiny_model(workdir / "tiny", seed=0)
    if choice == "opus-shape":
        sys.path.insert(0, str(ROOT / "bench"))
        from decode_speed import _build_model

        return _build_model(workdir)
    return f"model at {choice}", Path(choice)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _cli_seconds(model: Path, glossary: str, lines: list[str], workdir: Path, name: str, common: list[str]) -> float:
    source = workdir / f"{name}.zh"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    command = [sys.executable, "-m", "termlock", "translate", "-i", str(source), "-o", str(workdir / f"{name}.en"),
               "--model", str(model), "--glossary", glossary, *common]
    started = time.perf_counter()
    subprocess.run(command, check=True, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _direct_latencies(translator: Any, lines: list[str]) -> list[float]:
    out = []
    for line in lines:
        started = time.perf_counter()
        translator.translate([line])
        out.append(time.perf_counter() - started)
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(model: Path, glossary: str, port: int, workdir: Path, common: list[str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "termlock", "serve", "--model", str(model), "--glossary", glossary, "--port", str(port),
               "--data-dir", str(workdir / "data"), "--cache-size", "0", "--log-level", "warning", *common]
    process = subprocess.Popen(command, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("termlock serve exited before it was ready")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/ready")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("termlock serve did not get ready")


def _load(port: int, lines: list[str], clients: int) -> dict[str, Any]:
    """``clients`` closed-loop clients share ``lines``; throughput and latency percentiles."""
    next_line = iter(range(len(lines)))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        while True:
            with lock:
                index = next(next_line, None)
            if index is None:
                return
            body = json.dumps({"q": lines[index], "source": "zh", "target": "en"}).encode()
            started = time.perf_counter()
            connection.request("POST", "/translate", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    errors.append(str(response.status))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return {"segments": len(latencies), "segments_per_s": len(latencies) / wall, "errors": len(errors),
            "latencies": latencies}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1] if len(ordered) > 1 else ordered[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="tiny", help="tiny, opus-shape, or a model folder (default tiny)")
    parser.add_argument("--lines", type=int, default=96, help="segments per measurement (default 96)")
    parser.add_argument("--levels", default="1,8,32", help="concurrent clients to measure (default 1,8,32)")
    parser.add_argument("--beam", type=int, default=5)
    parser.add_argument("--max-length", type=int, default=None, metavar="TOKENS",
                        help="longest translation, for every method alike (default: the model's own; random weights "
                             "never write the end token, so opus-shape decodes its 512 tokens a line without it: "
                             "48 is a news sentence's length, as bench/decode_speed.py fixes it)")
    parser.add_argument("--glossary", help="glossary file (default: the bundled 168 terms; with --model tiny, two "
                        "terms the tiny vocabulary spells in a few pieces, so that decoding cost stays typical)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds, every method once per round (default 3)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (default: a summary too)")
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]

    import torch

    with tempfile.TemporaryDirectory(prefix="termlock-serve-bench-") as folder:
        workdir = Path(folder)
        origin, model = _model(args.model, workdir)
        glossary, glossary_name = args.glossary, args.glossary
        if glossary is None and args.model == "tiny":
            glossary = str(workdir / "tiny-terms.yaml")
            Path(glossary).write_text(TINY_GLOSSARY, encoding="utf-8")
            glossary_name = "two terms (双核, 粮食安全)"
        elif glossary is None:
            glossary, glossary_name = str(DATA_DIR / "glossary.yaml"), "bundled (168 terms)"
        lines = _lines(args.lines)
        flags = ["--beam", str(args.beam)]
        if args.max_length is not None:
            flags += ["--max-length", str(args.max_length)]
        from termlock.translate import Translator

        translator = Translator(str(model), glossary, beam=args.beam, max_length=args.max_length)
        translator.translate([lines[0]])  # warm up (vocabulary tables)
        port = _free_port()
        server = _start_server(model, glossary, port, workdir, flags)
        cli_all: list[float] = []
        cli_one: list[float] = []
        direct: list[float] = []
        runs: dict[int, list[dict[str, Any]]] = {level: [] for level in levels}
        phases: list[Any] = ["cli", "direct", *levels]
        try:
            _load(port, lines[:8], 1)  # warm up
            for round_number in range(args.repeats):
                # every method in every round, the order rotating, so that load from
                # other processes falls on all of them alike
                shift = round_number % len(phases)
                for phase in phases[shift:] + phases[:shift]:
                    if phase == "cli":
                        cli_all.append(_cli_seconds(model, glossary, lines, workdir, "all", flags))
                        cli_one.append(_cli_seconds(model, glossary, lines[:1], workdir, "one", flags))
                    elif phase == "direct":
                        direct += _direct_latencies(translator, lines)
                    else:
                        runs[phase].append(_load(port, lines, phase))
        finally:
            server.terminate()
            server.wait(120)
    seconds_all, seconds_one = statistics.median(cli_all), statistics.median(cli_one)
    cli_rate = (len(lines) - 1) / max(seconds_all - seconds_one, 1e-9)
    results = {}
    for level, measured in runs.items():
        latencies = [value for run in measured for value in run.pop("latencies")]
        results[str(level)] = {
            "clients": level,
            "segments": sum(run["segments"] for run in measured),
            "segments_per_s": round(statistics.median(run["segments_per_s"] for run in measured), 2),
            "p50_ms": round(1000 * _percentile(latencies, 50), 1),
            "p95_ms": round(1000 * _percentile(latencies, 95), 1),
            "errors": sum(run["errors"] for run in measured),
        }
    direct_p95 = _percentile(direct, 95)
    report: dict[str, Any] = {
        "benchmark": "serve_speed",
        "model": origin,
        "glossary": glossary_name,
        "lines": len(lines),
        "beam": args.beam,
        "max_length": args.max_length,
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "python": platform.python_version()},
        "repeats": args.repeats,
        "cli_batch": {"segments_per_s": round(cli_rate, 2), "seconds_all_lines": round(seconds_all, 2),
                      "seconds_one_line": round(seconds_one, 2)},
        "direct_translate_one_segment": {"p50_ms": round(1000 * _percentile(direct, 50), 1), "p95_ms": round(1000 * direct_p95, 1)},
        "server": results,
        "ratios": {},
    }
    if "32" in results:
        report["ratios"]["server_32_clients_vs_cli_throughput"] = round(results["32"]["segments_per_s"] / cli_rate, 3)
        report["targets_met"] = {"throughput_32_clients_at_least_0.70_of_cli":
                                 report["ratios"]["server_32_clients_vs_cli_throughput"] >= 0.70}
    if "1" in results:
        report["ratios"]["server_1_client_p95_vs_direct_p95"] = round(results["1"]["p95_ms"] / (1000 * direct_p95), 3)
        report.setdefault("targets_met", {})["p95_1_client_at_most_1.2x_direct"] = (
            report["ratios"]["server_1_client_p95_vs_direct_p95"] <= 1.2)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
