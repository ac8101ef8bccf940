"""The JSON Schemas of termlock's two JSON reports, and a watch over every report the tests write.

``docs/reference/check-report.schema.json`` describes ``termlock check
--json`` (``CheckResult.to_dict()``); ``translate-report.schema.json``
describes ``termlock translate --report``. They are published for users
(the reference pages link them) and allow keys a later version adds; the
tests validate against a *strict* copy that refuses any key the schema does
not describe, so a key added to a report without a line in its schema (and
so in the docs) fails the suite.

:func:`install` wraps the report builders for the whole test session
(``conftest.py`` calls it): every check report built in-process
(``CheckResult.to_dict``, each segment's ``SegmentReport.to_dict``) and
every translate report (``build_report``/``batch_report``) is validated as
it is made; :func:`scan` validates the report files a test left under its
``tmp_path``, which catches those written by a ``termlock`` subprocess.
Problems are collected, not raised inside termlock (a raise there would
surface as the command's own error), and the autouse fixture in
``conftest.py`` fails the test that produced them.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "reference"
CHECK_SCHEMA = SCHEMAS / "check-report.schema.json"
TRANSLATE_SCHEMA = SCHEMAS / "translate-report.schema.json"

#: segment reports validated one by one per test (a million-segment streaming test needs no million validations)
SEGMENT_BUDGET = 2000
#: report files larger than this are validated with their first segments only
LARGE_FILE = 5 * 1024 * 1024

_problems: list[str] = []
_segments_checked = 0


def strict(schema: Any) -> Any:
    """A copy of ``schema`` in which every object with listed properties refuses any other key."""
    if isinstance(schema, dict):
        out = {key: strict(value) for key, value in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


@functools.cache
def validator(path: Path, *, lenient: bool = False, definition: str | None = None):
    """A Draft 2020-12 validator of the schema at ``path`` (strict unless ``lenient``), or of one of its ``$defs``."""
    from jsonschema import Draft202012Validator

    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    if not lenient:
        schema = strict(schema)
    if definition is not None:
        schema = {"$defs": schema["$defs"], **schema["$defs"][definition]}
    return Draft202012Validator(schema)


def errors(report: Any, path: Path, *, lenient: bool = False, definition: str | None = None) -> list[str]:
    """Every way ``report`` breaks the schema, one line each (empty: valid)."""
    found = validator(path, lenient=lenient, definition=definition).iter_errors(report)
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}" for error in found]


def check_report_errors(report: Any, **options: Any) -> list[str]:
    return errors(report, CHECK_SCHEMA, **options)


def translate_report_errors(report: Any, **options: Any) -> list[str]:
    return errors(report, TRANSLATE_SCHEMA, **options)


def kind(report: Any) -> str | None:
    """``check``, ``translate`` or None: which report a parsed JSON file is, by its keys."""
    if not isinstance(report, dict):
        return None
    if {"glossary", "summary", "segments", "terms", "inconsistent"} <= report.keys():
        return "check"
    if {"input", "model", "constraints", "summary", "segments"} <= report.keys():
        return "translate"
    return None


def _note(where: str, problems: list[str]) -> None:
    if problems:
        schema = CHECK_SCHEMA if "translate" not in where else TRANSLATE_SCHEMA
        _problems.append(
            f"{where} does not match {schema.relative_to(ROOT)} (describe a new key there and in its reference page): "
            + "; ".join(problems[:5])
        )


def take_problems() -> list[str]:
    """The problems recorded since the last call (and forget them)."""
    global _segments_checked
    taken = list(_problems)
    _problems.clear()
    _segments_checked = 0
    return taken


def _watch(owner: Any, name: str, check: Callable[[Any, tuple, dict], None]) -> None:
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        try:
            check(result, args, kwargs)
        except Exception as exc:  # noqa: BLE001 - a broken watch must not pass for termlock's own error
            _problems.append(f"report schema watch failed on {name}: {exc!r}")
        return result

    setattr(owner, name, wrapper)


def install() -> None:
    """Validate every check and translate report built in this process (see the module docstring)."""
    from termlock.evaluate import records
    from termlock.jobs import translate_job

    def check_result(result: Any, args: tuple, kwargs: dict) -> None:
        _note("a check report (CheckResult.to_dict)", check_report_errors(result))

    def segment(result: Any, args: tuple, kwargs: dict) -> None:
        global _segments_checked
        if _segments_checked < SEGMENT_BUDGET:
            _segments_checked += 1
            _note("a check report's segment (SegmentReport.to_dict)", check_report_errors(result, definition="segment"))

    def translated(result: Any, args: tuple, kwargs: dict) -> None:
        _note("a translate report (--report)", translate_report_errors(result))

    _watch(records.CheckResult, "to_dict", check_result)
    _watch(records.SegmentReport, "to_dict", segment)
    # engines import these by name: installed before any test module imports an engine
    _watch(translate_job, "build_report", translated)
    _watch(translate_job, "batch_report", translated)


def scan(folder: Path) -> None:
    """Validate every check or translate report file under ``folder`` (subprocess runs write them)."""
    for path in folder.rglob("*.json"):
        try:
            if not path.is_file() or path.is_symlink():
                continue
            size = path.stat().st_size
            report = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            continue  # not a report: a hostile input, a half-written file a test made on purpose
        which = kind(report)
        if which is None:
            continue
        if size > LARGE_FILE:
            report["segments"] = report["segments"][:SEGMENT_BUDGET]
        found = check_report_errors(report) if which == "check" else translate_report_errors(report)
        _note(f"the {which} report file {path.name}" if which == "check" else f"the translate report file {path.name}", found)
