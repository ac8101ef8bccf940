"""Start-up of ``termlock translate``: where the seconds before the first translation go, against a plain script.

A user translating one short file waits for the interpreter, termlock's
own modules, torch and transformers, the weights, and (when a sentence
needs the lock) the symbol tables of the vocabulary. This bench runs each
step as its own process, as a user runs it, alternating the variants, and
reports the best and the median wall time and CPU time of ``--repeats`` runs:

* ``python``: the bare interpreter;
* ``termlock_cli``: ``termlock --version`` (the interpreter, the command
  line and termlock's modules; no torch);
* ``import_torch``, ``import_transformers_model``: ``import torch``, then
  transformers' Marian model class (what any model load imports);
* ``baseline``: what a competent user writes without termlock: load the
  tokenizer and the model with transformers and ``generate`` one sentence
  (beam 5, same max length);
* ``termlock_off``: ``termlock translate`` of the same sentence with
  ``--constraints off`` (same model, beam, length);
* ``termlock_always``: the same with ``--constraints always`` on a sentence
  with a glossary term: adds the lock's vocabulary tables;
* ``termlock_wrong_model``: a mistyped ``--model`` folder, until the error.

``--before-root`` times another checkout's termlock in the same run, the
two alternated (a before/after on one machine under one load), and
``--python-path`` prepends a folder to every process's path (one holding a
``sacremoses.py`` that raises ImportError times the tokenizer without
sacremoses).

The model is the opus-mt-zh-en shape with random weights (the real
tokenizer and config when ``../shared/models/opus-mt-zh-en-tokenizer``
exists, see ``decode_speed.py``), built once into ``--workdir``. Prints
JSON; the ratios against ``baseline`` are what to compare across machines.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "坚持双核驱动，推动高质量发展。"

BASELINE = """
import sys
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
import torch
tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])
model = AutoModelForSeq2SeqLM.from_pretrained(sys.argv[1]).eval()
with torch.inference_mode():
    out = model.generate(**tokenizer([sys.argv[2]], return_tensors="pt"), num_beams=5, max_length=int(sys.argv[3]))
print(tokenizer.batch_decode(out, skip_special_tokens=True)[0])
"""


def _model(workdir: Path) -> Path:
    """The random-weight opus-mt-shaped model of decode_speed.py, built once."""
    model_dir = workdir / "model"
    if not (model_dir / "config.json").is_file():
        sys.path.insert(0, str(ROOT / "bench"))
        from decode_speed import _build_model

        _build_model(workdir)
    return model_dir


def _timed(argv: list[str], env: dict[str, str], cwd: Path, code: int = 0) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system of the child) of one process that exits with ``code``.

    ``cwd`` must hold no termlock package: ``python -m`` puts the current
    folder first on the path, ahead of PYTHONPATH (``--before-root``).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != code:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _termlock_variants(root: str, tag: str, py: str, workdir: Path, model: Path, source: Path,
                       max_length: int) -> dict[str, list[str]]:  # fmt: skip
    """The termlock processes timed for the checkout at ``root`` (names end in ``tag``)."""
    glossary = Path(root) / "termlock" / "corpora" / "data" / "glossary.yaml"  # a path every version reads
    translate = [py, "-m", "termlock", "translate", "-i", str(source), "--model", str(model), "--glossary", str(glossary),
                 "--beam", "5", "--max-length", str(max_length)]  # fmt: skip
    return {
        f"termlock_cli{tag}": [py, "-m", "termlock", "--version"],
        f"termlock_off{tag}": [*translate, "-o", str(workdir / f"off{tag}.en"), "--constraints", "off", "--restart"],
        f"termlock_always{tag}": [*translate, "-o", str(workdir / f"always{tag}.en"), "--constraints", "always", "--restart"],
        # a mistyped --model folder: how long until the user is told (exit 2)
        f"termlock_wrong_model{tag}": [*translate, "-o", str(workdir / "none.en"), "--model", str(workdir / "no-such-model")],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", default="/tmp/termlock-startup", help="where the model and files go")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-length", type=int, default=16)
    parser.add_argument("--before-root",
                        help="another checkout (e.g. main) timed in the same run, alternated: names end in _before")
    parser.add_argument("--python-path", default="", help="prepended to PYTHONPATH (e.g. a folder hiding a package)")
    args = parser.parse_args()

    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    model = _model(workdir)
    source = workdir / "one.zh"
    source.write_text(SENTENCE + "\n", encoding="utf-8")
    script = workdir / "baseline.py"
    script.write_text(BASELINE, encoding="utf-8")
    py = sys.executable
    base_env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), "HF_HUB_OFFLINE": "1"}

    def env_for(root: str) -> dict[str, str]:
        return {**base_env, "PYTHONPATH": os.pathsep.join(p for p in (args.python_path, root) if p)}

    roots = {"": str(ROOT), **({"_before": args.before_root} if args.before_root else {})}
    variants: dict[str, tuple[list[str], dict[str, str]]] = {
        name: (argv, env_for(str(ROOT)))
        for name, argv in {
            "python": [py, "-c", "pass"],
            "import_torch": [py, "-c", "import torch"],
            "import_transformers_model": [py, "-c", "from transformers.models.marian import modeling_marian"],
            "baseline": [py, str(script), str(model), SENTENCE, str(args.max_length)],
        }.items()
    }
    for tag, root in roots.items():
        for name, argv in _termlock_variants(root, tag, py, workdir, model, source, args.max_length).items():
            variants[name] = (argv, env_for(root))
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for _ in range(args.repeats):
        for name, (argv, env) in variants.items():  # alternated, so load changes hit every variant alike
            runs[name].append(_timed(argv, env, workdir, 2 if name.startswith("termlock_wrong_model") else 0))
    best = {name: {"wall_s": round(min(w for w, _ in r), 3), "cpu_s": round(min(c for _, c in r), 3)} for name, r in runs.items()}
    median = {name: {"wall_s": round(statistics.median(w for w, _ in r), 3),
                     "cpu_s": round(statistics.median(c for _, c in r), 3)} for name, r in runs.items()}  # fmt: skip

    def ratios(name: str, against: str) -> dict[str, float]:
        return {f"{k}_{stat}": round(table[name][k] / table[against][k], 3)
                for stat, table in (("best", best), ("median", median)) for k in ("wall_s", "cpu_s")}  # fmt: skip

    result = {
        "roots": roots,
        "python_path": args.python_path,
        "sentence": SENTENCE,
        "repeats": args.repeats,
        "threads": base_env["OMP_NUM_THREADS"],
        "best": best,
        "median": median,
    }
    for tag in roots:
        result[f"ratio_off{tag}_vs_baseline"] = ratios(f"termlock_off{tag}", "baseline")
        result[f"ratio_always{tag}_vs_baseline"] = ratios(f"termlock_always{tag}", "baseline")
        result[f"termlock_own_cpu_s{tag}"] = round(best[f"termlock_cli{tag}"]["cpu_s"] - best["python"]["cpu_s"], 3)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
