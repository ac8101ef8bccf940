"""Run termlock as a core-only install would: every library an extra brings fails to import.

    python tests/without_extras.py check --source ...   # termlock's command line
    python tests/without_extras.py --run script.py      # any script, same imports blocked

A meta-path finder placed first refuses the modules with the
``ModuleNotFoundError`` a missing package raises, so code that guards an
optional import sees exactly what a machine without the package shows it.
Used by tests/test_without_extras.py.
"""

from __future__ import annotations

import importlib.abc
import runpy
import sys

from termlock.extras import EXTRAS

#: top-level modules of the extras (termlock.extras) and of the web front doors' libraries, named here
#: too so that trimming the list in termlock.extras cannot quietly let one through
BLOCKED = {module for extra in EXTRAS.values() for module in extra.provides} | {
    "torch", "transformers", "sentencepiece", "sacremoses", "tokenizers", "safetensors", "huggingface_hub",
    "accelerate", "ray", "pyarrow", "ctranslate2", "fastapi", "starlette", "uvicorn", "prometheus_client",
}  # fmt: skip


class RefuseExtras(importlib.abc.MetaPathFinder):
    """Finds nothing for a blocked module: raises as if it were not installed."""

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201 - importlib's signature
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked: not in the core install)", name=name)
        return None


def main() -> int:
    for name in list(sys.modules):  # nothing blocked may already be loaded (sitecustomize, .pth files)
        if name.partition(".")[0] in BLOCKED:
            del sys.modules[name]
    sys.meta_path.insert(0, RefuseExtras())
    if sys.argv[1:2] == ["--run"]:
        sys.argv = sys.argv[2:]
        runpy.run_path(sys.argv[0], run_name="__main__")
        return 0
    from termlock.cli import main as termlock

    return termlock(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
