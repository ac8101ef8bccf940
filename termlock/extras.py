"""termlock's optional extras: which libraries each brings, and one line saying how to install a missing one.

The core install is the QA tool (glossaries, ``termlock check``, its
reports, documents): no torch, no transformers, no Ray. Translation, the
web front doors, the Ray engine and the benchmarks each need an extra of
``pyproject.toml``; a command that needs one asks :func:`require` before it
imports anything heavy, so a QA install says ``pip install
'termlock[translate]'`` in one line (exit 2) instead of crashing on an
ImportError. The names here match ``[project.optional-dependencies]``
(tests/test_project_files.py holds the two together).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from termlock.errors import TermlockError


@dataclass(frozen=True)
class Extra:
    """One optional extra: its name in pyproject.toml, what it is for, and the modules a command cannot run without."""

    name: str
    purpose: str
    #: modules whose absence means the extra is not installed (the others it brings are optional helpers)
    modules: tuple[str, ...]
    #: every top-level module the extra installs that the core does not (for the blocked-import test and the CLI's net)
    provides: tuple[str, ...]

    def install_hint(self) -> str:
        """The pip command that installs this extra (plus, for translation, how torch is chosen)."""
        # termlock installs from its clone (README: pip install -e .); the package-index form is for where it is published
        hint = f"in the termlock clone: pip install -e '.[{self.name}]' (pip install 'termlock[{self.name}]' where published)"
        if self.name == "translate":
            hint += "; install torch first to choose its CPU or CUDA build (make install-extras TORCH_SPEC=...)"
        return hint


EXTRAS: dict[str, Extra] = {
    extra.name: extra
    for extra in (
        Extra(
            "translate",
            "translation with a Hugging Face model",
            ("torch", "transformers"),
            ("torch", "transformers", "sentencepiece", "sacremoses", "tokenizers", "safetensors", "huggingface_hub"),
        ),
        Extra(
            "server",
            "the web front doors, termlock serve and termlock review",
            ("fastapi", "uvicorn"),
            ("fastapi", "starlette", "uvicorn", "prometheus_client"),
        ),
        Extra("ray", "the Ray engine (--engine ray) and Ray Serve", ("ray",), ("ray", "pyarrow")),
        Extra("bench", "the CTranslate2 baseline of the benchmarks", ("ctranslate2",), ("ctranslate2",)),
    )
}


def missing_modules(modules: tuple[str, ...]) -> list[str]:
    """Those of ``modules`` that cannot be imported here (looked up, not imported: torch takes seconds)."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a broken or blocked package counts as absent
            found = False
        if not found:
            missing.append(name)
    return missing


def require(extra: str, what: str, modules: tuple[str, ...] | None = None) -> None:
    """Raise a one-line :class:`TermlockError` when ``extra`` (or the given ``modules`` of it) is not installed.

    ``what`` names what needs it (``termlock translate``); ``modules``
    narrows the check where less than the whole extra is needed (the
    prompt preview reads a tokenizer: transformers, no torch).
    """
    spec = EXTRAS[extra]
    missing = missing_modules(modules or spec.modules)
    if missing:
        raise TermlockError(
            f"{what} needs the '{extra}' extra ({spec.purpose}), and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed here",
            fix=spec.install_hint(),
        )


def extra_providing(module: str | None) -> Extra | None:
    """The extra that installs the top-level package of ``module`` (``torch.nn`` -> translate), if any."""
    if not module:
        return None
    top = module.partition(".")[0]
    return next((extra for extra in EXTRAS.values() if top in extra.provides), None)


def missing_extra_error(exc: ModuleNotFoundError, what: str) -> TermlockError | None:
    """The one-line error for an import of an extra's module that failed, or None for any other module."""
    extra = extra_providing(exc.name)
    if extra is None:
        return None
    return TermlockError(
        f"{what} needs the '{extra.name}' extra ({extra.purpose}): {exc.name} is not installed here",
        fix=extra.install_hint(),
    )
