"""termlock.lazy: a package's public names import their module on first use, once, and only then."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from termlock.lazy import lazy_exports

PACKAGE_INIT = """
from termlock.lazy import lazy_exports

_EXPORTS = {"Heavy": "lazypkg.heavy", "LIGHT": "lazypkg.light"}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
"""


@pytest.fixture
def lazypkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    package = tmp_path / "lazypkg"
    package.mkdir()
    (package / "__init__.py").write_text(PACKAGE_INIT)
    (package / "heavy.py").write_text("class Heavy:\n    pass\n")
    (package / "light.py").write_text("LIGHT = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module("lazypkg")
    for name in [m for m in sys.modules if m == "lazypkg" or m.startswith("lazypkg.")]:
        del sys.modules[name]


def test_importing_the_package_imports_none_of_its_modules(lazypkg):
    assert "lazypkg.heavy" not in sys.modules and "lazypkg.light" not in sys.modules


def test_a_name_imports_its_own_module_only_and_is_then_a_plain_attribute(lazypkg):
    heavy = lazypkg.Heavy
    assert heavy is sys.modules["lazypkg.heavy"].Heavy
    assert "lazypkg.light" not in sys.modules
    assert vars(lazypkg)["Heavy"] is heavy  # cached: the next access does not go through __getattr__


def test_from_import_and_star_import_work(lazypkg):
    namespace: dict[str, object] = {}
    exec("from lazypkg import LIGHT\nfrom lazypkg import *", namespace)
    assert namespace["LIGHT"] == 42 and namespace["Heavy"] is sys.modules["lazypkg.heavy"].Heavy


def test_an_unknown_name_is_an_attribute_error_naming_the_package(lazypkg):
    with pytest.raises(AttributeError, match="module 'lazypkg' has no attribute 'Missing'"):
        lazypkg.Missing
    assert not hasattr(lazypkg, "Missing")


def test_dir_lists_the_lazy_names_before_they_are_loaded(lazypkg):
    assert {"Heavy", "LIGHT", "_EXPORTS"} <= set(dir(lazypkg))
    assert "lazypkg.heavy" not in sys.modules


def test_a_name_missing_from_its_module_is_an_attribute_error():
    getattr_, _ = lazy_exports("termlock", {"Nowhere": "termlock.errors"})
    with pytest.raises(AttributeError, match="Nowhere"):
        getattr_("Nowhere")


@pytest.mark.parametrize("package", ["termlock.jobs", "termlock.translate"])
def test_every_exported_name_of_termlock_exists(package: str):
    """A typo in an _EXPORTS table would only show when a user first asked for the name."""
    code = (
        f"import {package} as p\n"
        "missing = [n for n in p.__all__ if not hasattr(p, n)]\n"
        "print(missing)\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
