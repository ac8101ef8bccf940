"""Reading Word documents: termlock's streamed reader against python-docx, time and peak memory.

    python bench/document_read.py [--paragraphs 200000] [--empty 1000000] [--repeats 1] [--json]

Generates two .docx files in a temporary folder: one of ``--paragraphs``
text paragraphs (two runs each, one bold), one of ``--empty`` empty
paragraphs and a single text paragraph. Each reader runs in its own
process (so the peak resident memory, VmHWM, is the reader's alone) and
reads the document's text: termlock's ``read_document`` (every container:
body, tables, text boxes, headers, notes) against what a competent user
would write with python-docx (body paragraphs and every table cell). Prints
JSON: seconds and MiB per reader and document, and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

TERMLOCK = """
from termlock.documents.paragraphs import read_document
texts = read_document(PATH).paragraphs
"""
PYTHON_DOCX = """
import docx
document = docx.Document(PATH)
texts = [p.text for p in document.paragraphs if p.text.strip()]
for table in document.tables:
    for row in table.rows:
        texts += [cell.text for cell in row.cells]
"""


def _run(code: str, path: Path) -> dict:
    script = (
        "import time\nstart = time.perf_counter()\n"
        f"PATH = {str(path)!r}\n{code}\n"
        "seconds = time.perf_counter() - start\n"
        "peak = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "print(seconds, peak, len(texts))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True).stdout.split()
    return {"seconds": float(out[0]), "peak_mib": int(out[1]) / 1024, "paragraphs": int(out[2])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=200_000)
    parser.add_argument("--empty", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=1, help="runs per reader and document (best kept)")
    parser.add_argument("--json", action="store_true", help="JSON only")
    args = parser.parse_args()
    from docx_builder import build_docx, p

    text = ('<w:p><w:r><w:t>我们要构建新发展格局，</w:t></w:r><w:r><w:rPr><w:b/></w:rPr>'
            "<w:t>坚持双核驱动。</w:t></w:r></w:p>")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        documents = {
            "text_paragraphs": build_docx(Path(folder) / "text.docx", text * args.paragraphs),
            "empty_paragraphs": build_docx(Path(folder) / "empty.docx", "<w:p/>" * args.empty + p("双核")),
        }
        for name, path in documents.items():
            entry = {"bytes": path.stat().st_size}
            for reader, code in (("termlock", TERMLOCK), ("python_docx", PYTHON_DOCX)):
                runs = [_run(code, path) for _ in range(args.repeats)]
                entry[reader] = min(runs, key=lambda r: r["seconds"])
            entry["time_ratio_termlock_vs_python_docx"] = entry["termlock"]["seconds"] / entry["python_docx"]["seconds"]
            entry["memory_ratio_termlock_vs_python_docx"] = entry["termlock"]["peak_mib"] / entry["python_docx"]["peak_mib"]
            results[name] = entry
    results["when"] = time.strftime("%Y-%m-%d %H:%M")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
