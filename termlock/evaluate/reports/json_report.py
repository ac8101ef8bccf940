"""The JSON report: ``CheckResult.to_dict()`` as UTF-8 text, streamed.

The bytes are exactly ``json.dumps(result.to_dict(), ensure_ascii=False,
indent=2) + "\\n"`` (the contract tests compare them), but produced without
Python's pure-Python indenting encoder, which was half the run time of a
large ``termlock check``: segments, the term table and the inconsistency
table (strings, ints, None, lists and dicts only) go through orjson, whose
strings are escaped exactly as ``json`` escapes them without
``ensure_ascii``; the glossary header and the summary, the only parts with
floats, go through ``json`` itself, so float formatting (``1e-05``, not
orjson's ``0.00001``) cannot drift.

Non-ASCII is written as is so Chinese sources stay readable in the file and
a third smaller than ``\\uXXXX`` escapes.

Streaming: the summary comes first in the file but is only known at the
end, so :class:`JsonReportWriter` writes each segment's JSON to a spill file
beside the output as it is checked (memory stays flat in the number of
segments) and, at the end, writes the header, copies the spill in
(:meth:`AtomicOutput.copy_from`: the kernel's file-to-file copy where it
can, chunks into a pipe), and adds the term tables. Nothing is checked or
encoded twice.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Callable, Iterable

import orjson

from termlock.evaluate.records import CheckResult, SegmentReport
from termlock.fileio import AtomicOutput, write_atomically

_INDENT = orjson.OPT_INDENT_2
_SEGMENT_BREAK = b"\n    "  # a segment sits two levels deep: "segments" list inside the top object
_MEMBER_BREAK = b"\n  "
#: segment reports encoded together: a few hundred KB of JSON at a time
_BATCH = 256


def _dumps(value: Any) -> bytes:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` as UTF-8, for values without floats.

    orjson refuses two things: ints beyond 64 bits (never in a report; the
    standard library writes them) and lone surrogates, which UTF-8 cannot
    hold at all (the command never reads them: its input is strict UTF-8;
    only a library caller can pass them). Such a value is written with
    ``\\uXXXX`` escapes, so the file stays valid UTF-8 JSON that decodes to
    the same strings, where the old writer crashed.
    """
    try:
        return orjson.dumps(value, option=_INDENT)
    except (orjson.JSONEncodeError, TypeError):
        text = json.dumps(value, ensure_ascii=False, indent=2)
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(value, ensure_ascii=True, indent=2).encode("ascii")


def _member(key: str, encoded: bytes) -> bytes:
    """``"key": value`` as a member of the top-level object (value re-indented one level)."""
    return b'  "' + key.encode("ascii") + b'": ' + encoded.replace(b"\n", _MEMBER_BREAK)


def _head_and_tail(result: CheckResult) -> tuple[bytes, bytes]:
    """The report around the segment list: the members before ``"segments": `` and after its value."""
    document = result.to_dict(segments=False)
    keys = list(document)
    cut = keys.index("segments")
    # before the segments: the glossary header and the summary, where the
    # report's only floats live; the standard library formats them
    head = [_member(key, json.dumps(document[key], ensure_ascii=False, indent=2).encode("utf-8")) for key in keys[:cut]]
    tail = [_member(key, _dumps(document[key])) for key in keys[cut + 1 :]]
    return b"{\n" + b"".join(part + b",\n" for part in head) + b'  "segments": ', b"".join(b",\n" + part for part in tail) + b"\n}\n"


def segment_json(report: SegmentReport) -> bytes:
    """One segment as it appears inside the report's ``segments`` list (leading line break included)."""
    return _SEGMENT_BREAK + _dumps(report.to_dict()).replace(b"\n", _SEGMENT_BREAK)


def segments_json(reports: list[SegmentReport]) -> bytes:
    """Segments as they appear inside the ``segments`` list, comma-separated: ``segment_json`` joined by ``,``.

    Encoded as one list, so orjson is called once per batch rather than
    once per segment: a list at the top level is indented one level less
    than the segments sit in the report, which one ``replace`` adds.
    """
    try:
        encoded = orjson.dumps([report.to_dict() for report in reports], option=_INDENT)
    except (orjson.JSONEncodeError, TypeError):  # what _dumps escapes instead: segment by segment
        return b",".join(segment_json(report) for report in reports)
    # b'[\n  {...},\n  {...}\n]' -> b'\n    {...},\n    {...}'
    return encoded[1:-2].replace(b"\n", _MEMBER_BREAK)


def encode_segments(reports: list[SegmentReport]) -> tuple[int, bytes]:
    """``(how many, segments_json(reports))``: a run of segments encoded in a worker process.

    The bytes do not depend on where a run is cut: runs joined by ``,`` are
    the bytes of one run of all their segments.
    """
    return len(reports), segments_json(reports) if reports else b""


class JsonReportWriter:
    """Writes the JSON report of a check while the check runs.

    ``add`` each segment report in order, then ``finish`` with the
    document-level result (its ``segments`` are not read: they were
    added), or ``abort`` to leave no file behind.
    """

    kind = "json"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = path
        self._out = AtomicOutput(path)  # fails early on an unwritable folder, before any checking
        # the segments wait beside the output (same disk), or in the temp folder when it is a pipe or device
        directory = None if self._out.in_place else str(self._out.path.parent)
        self._spill = tempfile.TemporaryFile(dir=directory, prefix=".termlock-segments.")
        self._write = self._spill.write
        self._count = 0
        self._batch: list[SegmentReport] = []

    def add(self, report: SegmentReport) -> None:
        batch = self._batch
        batch.append(report)
        if len(batch) >= _BATCH:
            self._flush()

    def encoder(self) -> "Callable[[list[SegmentReport]], tuple[int, bytes]]":
        """What a worker process runs on a run of segment reports; its answer goes to :meth:`add_encoded`."""
        return encode_segments

    def add_encoded(self, encoded: tuple[int, bytes]) -> None:
        """The next segments, as :func:`encode_segments` made them (the same bytes :meth:`add` would write)."""
        count, data = encoded
        if count:
            self._flush()
            if self._count:
                self._write(b",")
            self._count += count
            self._write(data)

    def _flush(self) -> None:
        if self._batch:
            if self._count:
                self._write(b",")
            self._count += len(self._batch)
            self._write(segments_json(self._batch))
            self._batch = []

    def finish(self, result: CheckResult) -> None:
        out = self._out
        try:
            self._flush()
            head, tail = _head_and_tail(result)
            out.write(head)
            if self._count:
                out.write(b"[")
                out.copy_from(self._spill)
                out.write(b"\n  ]")
            else:
                out.write(b"[]")
            out.write(tail)
        except BaseException:
            self.abort()
            raise
        self._spill.close()
        out.commit()

    def abort(self) -> None:
        self._spill.close()
        self._out.abort()


def json_bytes(result: CheckResult, segments: Iterable[SegmentReport] | None = None) -> bytes:
    """The whole report in memory (library use and tests)."""
    reports = result.segments if segments is None else tuple(segments)
    body = b"[" + segments_json(list(reports)) + b"\n  ]" if reports else b"[]"
    head, tail = _head_and_tail(result)
    return head + body + tail


def to_json(result: CheckResult, *, indent: int | None = 2) -> str:
    if indent != 2:  # other layouts are rare (tests, debugging): the standard library as before
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=indent) + "\n"
    return json_bytes(result).decode("utf-8")


def write_json(result: CheckResult, path: str | os.PathLike[str]) -> None:
    write_atomically(path, json_bytes(result))
