"""Append-only, fsync'd record of finished segments, so a batch job can resume.

A translation job over a long document can run for hours; a crash, a full
disk or Ctrl-C must not cost the work already done. Each finished batch is
appended to ``OUT.termlock-journal`` as one JSON line and fsync'd before the
job moves on. The first line is the run's fingerprint (input hash, model,
glossary hash, settings): resuming with anything different would mix two
runs' translations in one output, so it is refused (the resume core,
:mod:`termlock.translate.batch.resume`, says so as the Ray engine does).

A crash can tear only the line being written; such a last line is ignored
(and cut off before the next append), every complete line before it is kept.
A garbled line in the middle (two runs of an older termlock writing the
same journal, then killed; a disk error) is skipped the same way: its
segments are simply translated again, every intact line is kept, and the
journal is rewritten clean before the next append. (Concurrent runs on one
output are refused by :mod:`termlock.translate.batch.output_lock`.)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from termlock.errors import TermlockError
from termlock.translate.batch.resume import refuse_changed_settings

JOURNAL_SUFFIX = ".termlock-journal"
JOURNAL_VERSION = 1
_HEADER_KEY = "termlock_journal"


def journal_path_for(out_path: str | os.PathLike[str]) -> Path:
    """Where the journal of a job writing ``out_path`` lives: right beside it."""
    out = Path(out_path)
    return out.with_name(out.name + JOURNAL_SUFFIX)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def unit_problem(unit: Any) -> str | None:
    """What is wrong with one saved unit (a hand edit, a disk error), or None.

    A unit is ``{"index": int, "target": str, "report": {...}}`` (the
    report's own fields are the translator's, checked by whoever reads it);
    anything else would reach the output or the report as garbage, or crash
    the run that resumes it.
    """
    if not isinstance(unit, dict):
        return "a saved unit is not a JSON object"
    index = unit.get("index")
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        return f"a saved unit's index is {json.dumps(index)}, not a whole number"
    if not isinstance(unit.get("target"), str):
        return f"unit {index}'s target is {json.dumps(unit.get('target'))[:40]}, not a string"
    if "report" in unit and not isinstance(unit["report"], dict):
        return f"unit {index}'s report is not a JSON object"
    return None


class Journal:
    """The finished units of one job, keyed by unit index.

    Nothing is written until the first :meth:`append`, so a job that fails
    before translating anything (a missing model, say) leaves no journal to
    trip over on the next, corrected, run.
    """

    def __init__(self, path: str | os.PathLike[str], fingerprint: Mapping[str, Any]):
        self.path = Path(path)
        self.fingerprint = dict(fingerprint)
        self.done: dict[int, dict[str, Any]] = {}
        self._valid_bytes = 0  # length of the file's intact prefix
        self._exists = False
        #: garbled lines skipped while loading (their segments are translated again)
        self.dropped_lines = 0
        self._rewrite = False
        #: the journal line each loaded unit came from (messages about a unit name its line)
        self.line_of: dict[int, int] = {}

    # ------------------------------------------------------------- opening

    @classmethod
    def open(
        cls, path: str | os.PathLike[str], fingerprint: Mapping[str, Any], *, restart: bool = False
    ) -> "Journal":
        """Load the journal at ``path`` if there is one for this very job.

        ``restart`` discards an existing journal. A journal written with
        another fingerprint raises :class:`TermlockError` saying how to start over.
        """
        journal = cls(path, fingerprint)
        if restart:
            journal.remove()
            return journal
        try:
            data = journal.path.read_bytes()
        except FileNotFoundError:
            return journal
        except OSError as exc:
            raise TermlockError(
                f"cannot read the resume journal: {exc.strerror}",
                path=str(journal.path),
                fix="fix its permissions, or delete it (or pass --restart) to start the job over",
            ) from None
        journal._load(data)
        return journal

    def _load(self, data: bytes) -> None:
        lines = data.split(b"\n")
        # everything after the last newline is a line the crash interrupted
        complete, offset = lines[:-1], 0
        header: dict[str, Any] | None = None
        for number, raw in enumerate(complete, start=1):
            try:
                record = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                if number == len(complete):
                    break  # a torn last line that happened to end in a newline
                if number == 1:
                    raise self.damaged_error(1) from None
                self.dropped_lines += 1  # garbled: skip it, keep the lines around it
                self._rewrite = True
                continue
            if number == 1:
                if not isinstance(record, dict) or record.get(_HEADER_KEY) != JOURNAL_VERSION:
                    raise self.damaged_error(1)
                if not isinstance(record.get("fingerprint", {}), dict):
                    raise self.damaged_error(1, "its fingerprint is not a JSON object")
                header = record
            elif isinstance(record, dict) and isinstance(record.get("units"), list):
                for unit in record["units"]:
                    problem = unit_problem(unit)
                    if problem is not None:
                        raise self.damaged_error(number, problem)
                    self.done[unit["index"]] = unit
                    self.line_of[unit["index"]] = number
            else:
                raise self.damaged_error(number)
            offset += len(raw) + 1
        if header is None:
            # not even the header survived: nothing was saved
            self.done.clear()
            return
        self._check_fingerprint(header.get("fingerprint") or {})
        self._exists = True
        self._valid_bytes = offset

    def damaged_error(self, line: int, problem: str | None = None) -> TermlockError:
        """The error for a journal line that cannot be part of this job (the journal is left as it is)."""
        return TermlockError(
            "the resume journal is damaged" + (f": {problem}" if problem else ""),
            path=str(self.path),
            line=line,
            fix=f"undo the edit of that line to resume, or delete {self.path} (or pass --restart) to start the job over",
        )

    def _check_fingerprint(self, saved: Mapping[str, Any]) -> None:
        refuse_changed_settings(saved, self.fingerprint, what="an unfinished job", path=self.path, delete=self.path)

    # ------------------------------------------------------------- writing

    def append(self, units: Iterable[Mapping[str, Any]]) -> None:
        """Save finished units durably (one line, fsync'd) before going on.

        A failing disk (full, gone read-only) raises TermlockError: the
        units saved before are intact, the same command resumes from them.
        """
        records = [dict(u) for u in units]
        if not records:
            return
        try:
            self._append(records)
        except OSError as exc:
            raise TermlockError(
                f"cannot save progress to the resume journal: {exc.strerror}",
                path=str(self.path),
                fix="free disk space (or fix permissions) and run the same command again: "
                f"the {len(self.done)} segments saved so far are kept",
            ) from None
        for record in records:
            self.done[int(record["index"])] = record

    def _header_bytes(self) -> bytes:
        header = {_HEADER_KEY: JOURNAL_VERSION, "fingerprint": self.fingerprint}
        return (json.dumps(header, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")

    def _rewrite_clean(self) -> None:
        """Replace a journal with garbled lines by header + one line of every intact unit."""
        data = self._header_bytes()
        if self.done:
            units = [self.done[i] for i in sorted(self.done)]
            data += (json.dumps({"units": units}, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)
        self._valid_bytes = len(data)
        self._rewrite = False

    def _append(self, records: list[dict[str, Any]]) -> None:
        line = json.dumps({"units": records}, ensure_ascii=False, separators=(",", ":")) + "\n"
        if self._rewrite and self._exists:
            self._rewrite_clean()
        if not self._exists:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "wb") as handle:
                data = self._header_bytes()
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            _fsync_dir(self.path.parent)
            self._exists = True
            self._valid_bytes = len(data)
        with open(self.path, "r+b") as handle:
            handle.truncate(self._valid_bytes)  # drop a torn line left by a crash
            handle.seek(self._valid_bytes)
            data = line.encode("utf-8")
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        self._valid_bytes += len(data)

    def remove(self) -> None:
        """Delete the journal (the job finished, or is being restarted)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        self._exists = False
        self._valid_bytes = 0
        self.done.clear()

    @property
    def exists(self) -> bool:
        return self._exists
