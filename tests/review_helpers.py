"""Shared pieces of the review tests: small bilingual files, a job on the bundled corpus, a live server.

The bilingual files hold three translated units (one term missing, one
forbidden rendering, one right) and one locked unit, in each CAT tool's
dialect, so every export path is exercised on the same findings.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from termlock.corpora import bundled_corpus

ROOT = Path(__file__).resolve().parents[1]

GLOSSARY = """\
name: review test terms
terms:
  - id: dual-cores
    source: 双核
    target: dual cores
    forbidden: [double nuclei]
    note: "Shenyang and Dalian. Source: <script>alert('note')</script>"
  - id: new-development-pattern
    source: 新发展格局
    target: new development pattern
  - id: stuck-neck
    source: 卡脖子
    target: stuck neck
"""

#: (id, source, target) of the translated units; unit 2 misses its term, unit 3 uses a forbidden rendering
UNITS = [
    ("u1", "构建新发展格局。", "Build the new development pattern."),
    ("u2", "破解卡脖子难题。", "Solve the chokepoint problems."),
    ("u3", "发挥双核作用。", "Let the double nuclei play their role."),
]
LOCKED = ("u4", "坚持双核驱动。", "Keep the double nuclei driving.")


def xliff12(flavour: str = "xliff") -> str:
    """A plain XLIFF 1.2, Trados SDLXLIFF or memoQ file of :data:`UNITS` plus the locked unit."""
    units = []
    for uid, source, target in UNITS + [LOCKED]:
        locked = uid == LOCKED[0]
        if flavour == "sdl":
            units.append(
                f'<trans-unit id="{uid}"><source>{source}</source><seg-source><mrk mtype="seg" mid="{uid}">{source}</mrk>'
                f'</seg-source><target><mrk mtype="seg" mid="{uid}">{target}</mrk></target><sdl:seg-defs>'
                f'<sdl:seg id="{uid}" conf="{"ApprovedSignOff" if locked else "Translated"}" origin="mt" origin-system="Engine" '
                f'percent="80"/></sdl:seg-defs></trans-unit>'
            )
        elif flavour == "memoq":
            lock = ' mq:locked="locked"' if locked else ""
            status = "Proofread" if locked else "ManuallyConfirmed"
            units.append(
                f'<trans-unit id="{uid}" mq:status="{status}"{lock}><source xml:space="preserve">{source}</source>'
                f'<target xml:space="preserve">{target}</target></trans-unit>'
            )
        else:
            approved = ' approved="yes"' if locked else ""
            state = "final" if locked else "needs-review-translation"
            units.append(
                f'<trans-unit id="{uid}"{approved}><source>{source}</source>'
                f'<target state="{state}" state-qualifier="leveraged-mt">{target}</target></trans-unit>'
            )
    namespaces = {"sdl": ' xmlns:sdl="http://sdl.com/FileTypes/SdlXliff/1.0"', "memoq": ' xmlns:mq="MQXliff"'}.get(flavour, "")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2"{namespaces} version="1.2">\n'
        '<file original="report.docx" source-language="zh-CN" target-language="en-US" datatype="plaintext"><body>\n'
        + "\n".join(units)
        + "\n</body></file>\n</xliff>\n"
    )


def xliff20() -> str:
    units = "\n".join(
        f'<unit id="{uid}"><segment state="{"final" if uid == LOCKED[0] else "translated"}">'
        f"<source>{source}</source><target>{target}</target></segment></unit>"
        for uid, source, target in UNITS + [LOCKED]
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="zh-CN" trgLang="en">\n'
        f'<file id="f1">\n{units}\n</file>\n</xliff>\n'
    )


def tmx() -> str:
    units = "\n".join(
        f'<tu tuid="{uid}"><tuv xml:lang="zh-CN"><seg>{source}</seg></tuv><tuv xml:lang="en-US"><seg>{target}</seg></tuv></tu>'
        for uid, source, target in UNITS
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="t" creationtoolversion="1" '
        'datatype="plaintext" segtype="sentence" adminlang="en" srclang="zh-CN" o-tmf="t"/>\n'
        f"<body>\n{units}\n</body></tmx>\n"
    )


def bundled_copy(folder: Path) -> dict[str, Path]:
    """The bundled source, flawed translation and reference copied into ``folder`` (a review writes beside its target)."""
    corpus = bundled_corpus()
    out = {}
    for role, path in (("source", corpus.source_path), ("target", corpus.flawed_path), ("reference", corpus.reference_path)):
        out[role] = folder / Path(path).name
        shutil.copyfile(path, out[role])
    return out


def termlock_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("TERMLOCK_REVIEWER", "Test Reviewer")
    return env


@contextmanager
def review_server(
    args: list[str], cwd: Path, timeout: float = 120.0, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen, list[str]]]:
    """``termlock review ARGS --port 0`` running in ``cwd``: yields (URL, process, the lines it printed)."""
    command = [sys.executable, "-m", "termlock", "review", *args, "--port", "0"]
    environment = {**termlock_env(), **(env or {})}
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server can never block on a full pipe
    process = subprocess.Popen(command, cwd=cwd, env=environment, stdout=subprocess.PIPE, stderr=errors, text=True)
    lines: list[str] = []
    url = None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if ": open http" in line:
                url = line.split(": open ", 1)[1].strip()
                break
        if url is None:
            process.kill()
            process.wait(timeout=30)
            errors.seek(0)
            raise AssertionError(f"termlock review did not start: {lines} {errors.read().decode(errors='replace')}")
        yield url, process, lines
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=30)
        process.stdout.close()
        errors.close()
