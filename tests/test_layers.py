"""The package's layers and translate's rooms, enforced: no module imports above its own, no import cycles.

Inside ``termlock/translate`` the rooms (models/, search/, lock/, batch/,
then translator.py and segmentation.py on top) import only the rooms
TRANSLATE_ROOMS allows, and what runs without a model imports no torch.
Imports inside functions count (they hide cycles but still couple the
layers), and so do imports under ``TYPE_CHECKING`` and the modules a
package's ``_EXPORTS`` table names for :mod:`termlock.lazy`. Read from the source
with ``ast``, so nothing is imported to check it.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "termlock"

#: top-level part of termlock -> layer; a module may import its own layer or lower ones
LAYERS: dict[str, int] = {
    "": 0,  # termlock/__init__.py
    "errors": 0,
    "fileio": 0,
    "inputs": 0,  # the one reader of input files: bytes, UTF-8, segments
    "outputs": 0,  # refuse outputs that would overwrite an input or each other
    "stdout_guard": 0,  # standard output that a closed pipe or a full disk cannot crash
    "xmlsafe": 0,
    "yamlsafe": 0,  # user YAML without aliases, deep nesting, NUL or impossible dates
    "jsonsafe": 0,  # user JSON without a RecursionError on deep nesting
    "wording": 0,  # counted nouns in messages ("1 document", "2 documents")
    "filekinds": 0,  # what a file that is not text is (PDF, .doc, .odt, UTF-16), named the same by every reader
    "lazy": 0,  # packages whose public names import their modules on first use (PEP 562)
    "extras": 0,  # the optional extras (translate, server, ray, bench) and the one line naming a missing one
    "textwidth": 0,  # text measured, clipped and wrapped in terminal columns (CJK characters take two)
    "glossary": 1,
    "corpora": 2,
    "documents": 2,
    "translate": 3,
    "evaluate": 3,
    "jobs": 4,
    "engines": 5,
    "commands": 6,
    "server": 6,  # a front door like commands: builds the same jobs, calls the same translator and judge
    "review": 6,  # the review page: a front door like commands (issue 21)
    "web": 6,  # HTTP plumbing shared by the web front doors (server, review page)
    "cli": 7,
    "__main__": 7,
}
#: same-layer pairs that must still not import each other
FORBIDDEN_SIDEWAYS = {("evaluate", "translate"), ("translate", "evaluate"), ("corpora", "documents"), ("documents", "corpora")}
#: front doors build jobs and call engines, never each other: the server and the review page never reach into
#: commands (argparse), the cli or each other, and the web plumbing they share imports no front door at all
FRONT_DOORS = ("commands", "review", "server")
FORBIDDEN_SIDEWAYS |= {(door, other) for door in ("review", "server") for other in (*FRONT_DOORS, "cli") if other != door}
FORBIDDEN_SIDEWAYS |= {("web", door) for door in (*FRONT_DOORS, "cli")}


#: rooms of termlock/translate -> the rooms each may import (its own included). models/, lock/ and
#: batch/ stand alone; the search drives a model and reads the lock; translator.py uses them all.
TRANSLATE_ROOMS: dict[str, set[str]] = {
    # termlock/translate/__init__.py: the public names, each imported from its room on first use (termlock.lazy)
    "": {"", "translator", "models", "segmentation", "batch"},
    "models": {"models"},
    "lock": {"lock"},
    "batch": {"batch"},
    "search": {"search", "lock", "models"},
    "segmentation": {"segmentation"},
    # what a vocabulary cannot spell, asked by the translator and by a driver with only a tokenizer
    "spellable": {"spellable", "lock", "models"},
    "translator": {"translator", "segmentation", "models", "search", "lock", "spellable"},
}
#: what runs without torch or transformers: whole rooms (a batch run or segmentation needs no model)
#: and the lock's compiler (its records and symbols are plain Python)
NO_TORCH_ROOMS = {"batch", "segmentation"}
NO_TORCH_MODULES = {
    "termlock.translate.lock.constraints",
    "termlock.translate.lock.symbols",
    "termlock.translate.lock.sentence_lock",
}
MODEL_LIBRARIES = {"torch", "transformers"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """termlock modules that ``path`` imports anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_EXPORTS" for t in node.targets):
            # a lazy_exports table (termlock.lazy): each module named there is imported on first use
            targets = [v.value for v in getattr(node.value, "values", []) if isinstance(v, ast.Constant)]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target.startswith("termlock") and target != name:
                found.add(target)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    known = set(files)
    return {name: imports_of(path, name, known) for name, path in files.items()}


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def layer_violations(root: Path) -> list[str]:
    """Every import of a higher layer (or a forbidden sibling), as 'importer -> imported'."""
    problems = []
    for importer, imported in sorted(import_graph(root).items()):
        for target in sorted(imported):
            a, b = part_of(importer), part_of(target)
            if a not in LAYERS or b not in LAYERS:
                problems.append(f"{importer} -> {target}: part not in LAYERS")
            elif LAYERS[b] > LAYERS[a] or (a, b) in FORBIDDEN_SIDEWAYS:
                problems.append(f"{importer} -> {target}")
    return problems


def room_of(module: str) -> str | None:
    """The room of termlock/translate a module is in (``""`` for the package itself), None outside it."""
    parts = module.split(".")
    if parts[:2] != ["termlock", "translate"]:
        return None
    return parts[2] if len(parts) > 2 else ""


def room_violations(root: Path) -> list[str]:
    """Every import between rooms of termlock/translate that TRANSLATE_ROOMS does not allow."""
    problems = []
    for importer, imported in sorted(import_graph(root).items()):
        room = room_of(importer)
        if room is None:
            continue
        if room not in TRANSLATE_ROOMS:
            problems.append(f"{importer}: room {room!r} not in TRANSLATE_ROOMS")
            continue
        for target in sorted(imported):
            other = room_of(target)
            if other is not None and other not in TRANSLATE_ROOMS[room]:
                problems.append(f"{importer} -> {target}")
    return problems


def libraries_of(path: Path) -> set[str]:
    """Top-level names of the packages ``path`` imports anywhere in its body (absolute imports)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.partition(".")[0])
    return found


def torch_violations(root: Path) -> list[str]:
    """Modules that must run without a model but import torch or transformers."""
    problems = []
    for path in sorted(root.rglob("*.py")):
        name = module_name(path, root)
        if room_of(name) in NO_TORCH_ROOMS or name in NO_TORCH_MODULES:
            for library in sorted(libraries_of(path) & MODEL_LIBRARIES):
                problems.append(f"{name} imports {library}")
    return problems


def import_cycles(root: Path) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan)."""
    graph = import_graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_every_part_of_the_package_has_a_layer():
    parts = {part_of(module_name(p, PACKAGE_ROOT)) for p in PACKAGE_ROOT.rglob("*.py")}
    assert parts <= set(LAYERS), f"add {sorted(parts - set(LAYERS))} to LAYERS (and to docs/DESIGN.md)"


def test_no_module_imports_a_higher_layer():
    assert layer_violations(PACKAGE_ROOT) == []


def test_no_import_cycles():
    assert import_cycles(PACKAGE_ROOT) == []


def test_evaluate_never_imports_translate():
    graph = import_graph(PACKAGE_ROOT)
    assert not [
        (a, b) for a, targets in graph.items() for b in targets if part_of(a) == "evaluate" and part_of(b) == "translate"
    ]


def test_every_room_of_translate_is_listed():
    rooms = {room_of(module_name(p, PACKAGE_ROOT)) for p in (PACKAGE_ROOT / "translate").rglob("*.py")}
    assert rooms <= set(TRANSLATE_ROOMS), f"add {sorted(rooms - set(TRANSLATE_ROOMS))} to TRANSLATE_ROOMS"


def test_the_rooms_of_translate_import_only_what_they_may():
    assert room_violations(PACKAGE_ROOT) == []


def test_batch_runs_and_the_lock_compiler_never_import_torch():
    assert torch_violations(PACKAGE_ROOT) == []
    assert NO_TORCH_MODULES <= set(import_graph(PACKAGE_ROOT))  # the names still exist


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "termlock"
    shutil.copytree(PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    return copy


def test_an_upward_import_inside_a_function_is_caught(package_copy: Path):
    sneaky = package_copy / "glossary" / "sneaky.py"
    sneaky.write_text("def helper():\n    from termlock.commands.check import parse_rate\n    return parse_rate\n")
    assert layer_violations(package_copy) == ["termlock.glossary.sneaky -> termlock.commands.check"]


def test_a_relative_upward_import_is_caught(package_copy: Path):
    (package_copy / "evaluate" / "sneaky.py").write_text("from ..translate import translator\n")
    assert layer_violations(package_copy) == [
        "termlock.evaluate.sneaky -> termlock.translate",
        "termlock.evaluate.sneaky -> termlock.translate.translator",
    ]


def test_a_cycle_through_function_level_imports_is_caught(package_copy: Path):
    (package_copy / "jobs" / "ping.py").write_text("def f():\n    from termlock.jobs import pong\n")
    (package_copy / "jobs" / "pong.py").write_text("def g():\n    import termlock.jobs.ping\n")
    assert ["termlock.jobs.ping", "termlock.jobs.pong"] in import_cycles(package_copy)


def test_the_lock_importing_the_search_is_caught(package_copy: Path):
    (package_copy / "translate" / "lock" / "sneaky.py").write_text(
        "def helper():\n    from termlock.translate.search.beam_search import search\n    return search\n"
    )
    assert room_violations(package_copy) == ["termlock.translate.lock.sneaky -> termlock.translate.search.beam_search"]


def test_a_room_reaching_up_to_the_translator_is_caught(package_copy: Path):
    (package_copy / "translate" / "models" / "sneaky.py").write_text("from ..translator import Translator\n")
    assert room_violations(package_copy) == [
        "termlock.translate.models.sneaky -> termlock.translate.translator",
    ]


def test_torch_in_the_batch_room_is_caught(package_copy: Path):
    (package_copy / "translate" / "batch" / "sneaky.py").write_text("def helper():\n    import torch.nn\n")
    (package_copy / "translate" / "lock" / "sentence_lock.py").write_text("from transformers import AutoTokenizer\n")
    assert torch_violations(package_copy) == [
        "termlock.translate.batch.sneaky imports torch",
        "termlock.translate.lock.sentence_lock imports transformers",
    ]


def test_a_new_room_of_translate_must_be_listed(package_copy: Path):
    (package_copy / "translate" / "extras").mkdir()
    (package_copy / "translate" / "extras" / "thing.py").write_text("X = 1\n")
    assert room_violations(package_copy) == ["termlock.translate.extras.thing: room 'extras' not in TRANSLATE_ROOMS"]


def test_a_lazy_export_reaching_up_is_caught(package_copy: Path):
    """A name in a package's _EXPORTS table is an import that happens later: the layers hold for it too."""
    init = package_copy / "glossary" / "__init__.py"
    init.write_text(init.read_text(encoding="utf-8") + '\n_EXPORTS = {"TranslateJob": "termlock.jobs.translate_job"}\n')
    assert layer_violations(package_copy) == ["termlock.glossary -> termlock.jobs.translate_job"]


def test_the_server_is_a_front_door_beside_the_commands(package_copy: Path):
    (package_copy / "server" / "sneaky.py").write_text("from termlock.commands.translate import job_from_args\n")
    (package_copy / "web" / "sneaky.py").write_text("def f():\n    from termlock.server.app import create_app\n")
    assert layer_violations(package_copy) == [
        "termlock.server.sneaky -> termlock.commands.translate",
        "termlock.web.sneaky -> termlock.server.app",
    ]


def test_the_review_page_and_the_web_plumbing_reach_no_other_front_door():
    graph = import_graph(PACKAGE_ROOT)
    crossing = [
        (a, b) for a, targets in graph.items() for b in targets
        if (part_of(a) == "review" and part_of(b) in ("commands", "server", "cli"))
        or (part_of(a) == "web" and part_of(b) in (*FRONT_DOORS, "cli"))
    ]
    assert crossing == []
    assert any(part_of(b) == "evaluate" for a, targets in graph.items() if part_of(a) == "review" for b in targets)


def test_web_importing_the_review_page_is_caught(package_copy: Path):
    (package_copy / "web" / "sneaky.py").write_text("from termlock.review.session import ReviewSession\n")
    assert layer_violations(package_copy) == ["termlock.web.sneaky -> termlock.review.session"]


def test_the_server_and_the_review_page_importing_each_other_is_caught(package_copy: Path):
    """Two front doors share only ``web/`` and the layers below: a helper one needs from the other moves down."""
    (package_copy / "server" / "sneaky.py").write_text("def f():\n    from termlock.review.app import create_app\n")
    (package_copy / "review" / "sneaky.py").write_text("from termlock.server.app import render_error\n")
    assert layer_violations(package_copy) == [
        "termlock.review.sneaky -> termlock.server.app",
        "termlock.server.sneaky -> termlock.review.app",
    ]


def test_both_web_front_doors_run_behind_the_one_web_stack():
    """serve and review each build their app through ``web.stack.front_door`` and start it with ``web.launcher``."""
    graph = import_graph(PACKAGE_ROOT)
    assert "termlock.web.stack" in graph["termlock.server.app"] and "termlock.web.stack" in graph["termlock.review.app"]
    assert "termlock.web.launcher" in graph["termlock.server.run"]
    assert "termlock.web.launcher" in graph["termlock.commands.review"]
