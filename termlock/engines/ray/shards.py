"""Shards: what a distributed job reads, how it is cut up, and what it has finished.

A job's input is one file or a directory of shard files (text, JSONL, TSV,
Parquet, XLIFF, TMX, and whole documents: Word, Markdown, HTML). Each input
file is a *document*, identified by its path relative
to the input and the SHA-256 of its bytes. A document's translatable units
are planned exactly as the single-machine runner plans them
(:func:`termlock.translate.batch.runner.batch_plan`: longest first, ``batch_size``
per batch), and consecutive batches are grouped into *work shards* of about
``shard_size`` segments (a whole document -- Word, Markdown, HTML -- is one
work shard: one task). A work shard is what a worker receives, what is
saved when it is done, and what a rerun skips; because the decoder sees
exactly the batches a single-machine run would give it, the output is the
same byte for byte.

Finished work shards are saved in a state directory, one file each, written
atomically: a file is there, complete, or not at all, so a rerun after any
crash redoes exactly the shards without a file. The state directory's
``manifest.json`` holds the job's fingerprint (input hashes and every
setting that shapes the output), and a rerun with a different fingerprint is
refused, as the single-machine journal refuses it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Mapping, Sequence

from termlock.errors import TermlockError
from termlock.fileio import is_stream, write_atomically
from termlock.filekinds import OLD_WORD, binary_error, kind_by_name
from termlock.translate.batch.resume import refuse_changed_settings, run_fingerprint, sha256_hex

MANIFEST_NAME = "manifest.json"
MANIFEST_KEY = "termlock_manifest"
MANIFEST_VERSION = 1
SHARD_KEY = "termlock_shard"
#: state directory inside a directory output (hidden: not one of the output shards)
STATE_DIR_NAME = ".termlock-shards"
#: state directory beside a single-file output
STATE_SUFFIX = ".termlock-shards"
PARQUET_EXTENSIONS = (".parquet", ".pq")
#: files of other programs in an input directory: skipped, and named (never read as text lines)
NOT_TRANSLATED_EXTENSIONS = frozenset(
    ".pdf .rtf .odt .ods .odp .xlsx .xls .xlsm .pptx .ppt .epub .png .jpg .jpeg .gif .bmp .tif .tiff .webp .ico "
    ".svg .zip .gz .tgz .bz2 .xz .7z .rar .tar .mp3 .mp4 .wav .mov .avi .exe .dll .so .bin .pyc .db .sqlite".split()
)


def digest(value: Any) -> str:
    """SHA-256 of a JSON value, keys sorted: a short name for a fingerprint."""
    return sha256_hex(json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8"))


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class InputFile:
    """One shard file of the input: ``name`` is its path relative to the input (POSIX)."""

    name: str
    path: str
    fmt: str


def is_manifest(path: Path) -> bool:
    """Whether ``path`` is a termlock manifest (not a segment file that happens to be called so)."""
    if path.name != MANIFEST_NAME:
        return False
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and MANIFEST_KEY in data


def format_of(path: str, fmt: str | None) -> str:
    """``fmt``, or the format ``path``'s extension names (Parquet included), text if none."""
    if fmt is None and Path(path).suffix.lower() in PARQUET_EXTENSIONS:
        fmt = "parquet"
    if fmt is not None and fmt.lower() in ("parquet", "pq"):
        import termlock.documents.parquet  # noqa: F401  (registers the format)

        return "parquet"
    from termlock.documents import detect_format

    return detect_format(path, fmt)


def list_shard_files(root: str | os.PathLike[str], option: str = "-i") -> list[tuple[str, Path]]:
    """``(name, path)`` of every shard under directory ``root``, sorted by name.

    Hidden files and directories (``.*``, which includes termlock's own
    state) are skipped. A termlock ``manifest.json`` (the output of an
    earlier sharded run) fixes the shards and their order; otherwise every
    other file is a shard, in the order of its relative path.
    """
    base = Path(root)
    manifest = base / MANIFEST_NAME
    if is_manifest(manifest):
        data = json.loads(manifest.read_bytes().decode("utf-8"))
        if not data.get("complete"):
            raise TermlockError(
                "this sharded output is not complete yet",
                path=str(manifest),
                fix="finish the job that writes it (run the same translate command again) first",
            )
        try:
            return [(entry["output"], output_path_for(base, entry["output"])) for entry in data["shards"]]
        except (KeyError, TypeError):
            raise TermlockError("the manifest lists no output shards", path=str(manifest), fix="rerun the job that wrote it") from None
    found = []
    for directory, subdirs, files in os.walk(base):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for file in files:
            if file.startswith("."):
                continue
            path = Path(directory) / file
            found.append((path.relative_to(base).as_posix(), path))
    if not found:
        raise TermlockError(f"{option}: the directory holds no shard files", path=str(base), fix="point at the shards' directory")
    return sorted(found)


def discover_inputs(path: str, fmt: str | None = None) -> list[InputFile]:
    """The documents of an input: the file itself, or every shard of a directory."""
    return discover_documents(path, fmt)[0]


def discover_documents(path: str, fmt: str | None = None) -> tuple[list[InputFile], list[str]]:
    """The documents of an input, and (a directory's) files of other programs, skipped by name.

    A directory's files are read by their extension (text when it names no
    format), except files of other programs (PDF, images, spreadsheets,
    archives: :data:`NOT_TRANSLATED_EXTENSIONS`), which are skipped and
    listed, and old binary Word files, which are refused.
    """
    if path == "-":
        raise TermlockError("the Ray engine cannot read stdin", fix="save the input to a file (or a directory of shards)")
    source = Path(path)
    if source.is_dir():
        inputs, skipped = [], []
        for name, p in list_shard_files(source):
            suffix = p.suffix.lower()
            if fmt is None and kind_by_name(p.name) is OLD_WORD:  # plainly meant to be translated: refused
                raise binary_error(OLD_WORD, str(p), also="or move it out of the directory")
            if fmt is None and suffix in NOT_TRANSLATED_EXTENSIONS:
                skipped.append(name)
                continue
            inputs.append(InputFile(name, str(p), format_of(str(p), fmt)))
        if not inputs:
            raise TermlockError("-i: the directory holds no files termlock translates", path=path,
                                fix="point at a directory of documents or shards (text, JSONL, TSV, XLIFF, TMX, .docx, .md, .html)")
        return inputs, skipped
    if not source.exists():
        raise TermlockError("no such file or directory", path=path, fix="check the input path")
    return [InputFile(source.name, path, format_of(path, fmt))], []


@dataclass
class Document:
    """One input file: identity, counts and its batch plan; the text is reloaded when needed."""

    index: int
    source: InputFile
    sha256: str
    units: int
    translatable: int

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def fmt(self) -> str:
        return self.source.fmt

    def identity(self) -> dict[str, Any]:
        return {"name": self.name, "format": self.fmt, "sha256": self.sha256}

    def load(self, target_lang: str | None = None) -> Any:
        """The document's store, checking that the file did not change since it was planned.

        ``target_lang``: the language a whole document (HTML) says it is in once translated.
        """
        store, sha = load_store(self.source)
        if target_lang is not None and hasattr(store, "target_lang"):
            store.target_lang = target_lang
        if sha != self.sha256:
            raise TermlockError(
                "the file changed while the job was running",
                path=self.source.path,
                fix="leave the input alone until the job is done, then rerun with --restart",
            )
        return store


def load_store(source: InputFile) -> tuple[Any, str]:
    """Parse an input file; returns the store and the SHA-256 of its bytes."""
    from termlock.documents import read_input, read_store

    if source.fmt == "parquet":
        import termlock.documents.parquet  # noqa: F401

    data = read_input(source.path)
    return read_store(source.path, source.fmt, data=data), sha256_hex(data)


# ------------------------------------------------------------- work shards


@dataclass(frozen=True)
class WorkShard:
    """Consecutive batches of one document's plan: the unit of work and of resuming."""

    document: int
    number: int
    batches: tuple[tuple[int, ...], ...]

    @property
    def key(self) -> str:
        return f"{self.document:06d}-{self.number:06d}"

    @property
    def indices(self) -> list[int]:
        return [i for batch in self.batches for i in batch]

    @property
    def size(self) -> int:
        return sum(len(batch) for batch in self.batches)


def plan_work(document: int, store: Any, batch_size: int, shard_size: int) -> list[WorkShard]:
    """The single-machine batch plan of ``store``, grouped into work shards of ~``shard_size`` units.

    Whole batches only: a batch split between two workers would be decoded
    differently from the single-machine run. A whole document (Word,
    Markdown, HTML: ``store.whole_document``) is one shard, one task.
    """
    from termlock.translate.batch.runner import batch_plan

    plan = batch_plan(store, batch_size)
    per_shard = max(1, -(-shard_size // batch_size))  # batches per shard, rounded up
    if getattr(store, "whole_document", False):
        per_shard = max(1, len(plan))
    return [
        WorkShard(document, number, tuple(tuple(batch) for batch in plan[start : start + per_shard]))
        for number, start in enumerate(range(0, len(plan), per_shard))
    ]


def payload_of(shard: WorkShard, store: Any, glossary: Any = None) -> list[tuple]:
    """What a worker needs for ``shard``: per batch, the unit indices and their sources.

    ``glossary``: the document's own glossary (``--terms``, one list per
    document), sent with each batch; None: the worker's glossary.
    """
    if glossary is None:
        return [(list(batch), [store.units[i].source for i in batch]) for batch in shard.batches]
    return [(list(batch), [store.units[i].source for i in batch], glossary) for batch in shard.batches]


# ------------------------------------------------------------------- state


@dataclass
class SavedShards:
    """The state directory of a sharded job: manifest plus one file per finished work shard."""

    directory: Path
    manifest_path: Path
    fingerprint: dict[str, Any]
    job: str = ""  # digest of the fingerprint, stamped in every shard file

    def __post_init__(self) -> None:
        self.job = digest(self.fingerprint)

    @classmethod
    def open(
        cls,
        directory: str | os.PathLike[str],
        manifest_path: str | os.PathLike[str],
        fingerprint: Mapping[str, Any],
        *,
        restart: bool = False,
    ) -> "SavedShards":
        """Load the state of this very job, or refuse one saved with other settings."""
        state = cls(Path(directory), Path(manifest_path), dict(fingerprint))
        if restart:
            state.clear()
            try:
                state.manifest_path.unlink()
            except FileNotFoundError:
                pass
            return state
        saved = state.read_manifest()
        if saved is not None and (saved.get("complete") or state.has_saved_shards()):
            state._check_fingerprint(saved.get("fingerprint") or {})
        return state

    def has_saved_shards(self) -> bool:
        """Whether any work shard was saved (an unfinished job whose work a mismatch would lose)."""
        return self.directory.is_dir() and any(self.directory.glob("*.jsonl"))

    def read_manifest(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.manifest_path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise self._damaged(self.manifest_path) from None
        if not isinstance(data, dict) or data.get(MANIFEST_KEY) != MANIFEST_VERSION:
            raise self._damaged(self.manifest_path)
        return data

    def _damaged(self, path: Path) -> TermlockError:
        return TermlockError(
            "the sharded job's manifest is damaged",
            path=str(path),
            fix="pass --restart to start the job over",
        )

    def _check_fingerprint(self, saved: Mapping[str, Any]) -> None:
        refuse_changed_settings(saved, self.fingerprint, what="a sharded job", path=self.manifest_path)

    def shard_path(self, key: str) -> Path:
        return self.directory / f"{key}.jsonl"

    def load(self, shard: WorkShard) -> list[dict[str, Any]] | None:
        """The saved records of ``shard``, or None when it is not (completely) done.

        A file from another job, or whose units are not exactly the shard's,
        counts as not done: the shard is translated again and the file
        replaced, so nothing stale is ever merged.
        """
        try:
            lines = self.shard_path(shard.key).read_bytes().decode("utf-8").splitlines()
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError):
            return None
        try:
            header = json.loads(lines[0])
            records = [json.loads(line) for line in lines[1:]]
        except (IndexError, json.JSONDecodeError):
            return None
        if not isinstance(header, dict) or header.get(SHARD_KEY) != 1 or header.get("job") != self.job:
            return None
        if header.get("key") != shard.key or [r.get("index") for r in records] != shard.indices:
            return None
        return records

    def header(self, shard: WorkShard) -> dict[str, Any]:
        """The header of ``shard``'s saved file (what :meth:`save` got as ``info``), empty if unreadable."""
        try:
            first = self.shard_path(shard.key).read_bytes().split(b"\n", 1)[0]
            header = json.loads(first.decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return header if isinstance(header, dict) else {}

    def save(self, shard: WorkShard, records: Sequence[Mapping[str, Any]], info: Mapping[str, Any] | None = None) -> None:
        """Save a finished shard (atomically: a rerun sees all of it or none); ``info`` goes in its header."""
        by_index = {int(r["index"]): r for r in records}
        if sorted(by_index) != sorted(shard.indices) or len(records) != shard.size:
            raise RuntimeError(
                f"work shard {shard.key}: the worker returned units {sorted(by_index)[:5]}..., "
                f"expected {shard.indices[:5]}... ({shard.size})"
            )
        header = {SHARD_KEY: 1, "job": self.job, "key": shard.key, "units": shard.size, **(info or {})}
        lines = [json.dumps(header, separators=(",", ":"))]
        lines += [json.dumps(by_index[i], ensure_ascii=False, separators=(",", ":")) for i in shard.indices]
        write_atomically(self.shard_path(shard.key), ("\n".join(lines) + "\n").encode("utf-8"))

    def write_manifest(self, documents: Sequence[Document], *, complete: bool, outputs: Mapping[int, dict[str, Any]] | None = None, extra: Mapping[str, Any] | None = None) -> None:
        """The manifest: fingerprint, and per document its counts (and output, once written)."""
        outputs = outputs or {}
        shards = []
        for doc in documents:
            entry = {
                "input": doc.name,
                "format": doc.fmt,
                "input_sha256": doc.sha256,
                "segments": doc.units,
                "translatable": doc.translatable,
            }
            entry.update(outputs.get(doc.index, {}))
            shards.append(entry)
        data = {
            MANIFEST_KEY: MANIFEST_VERSION,
            "complete": complete,
            "fingerprint": self.fingerprint,
            "totals": {
                "shards": len(documents),
                "segments": sum(d.units for d in documents),
                "translatable": sum(d.translatable for d in documents),
            },
            **(extra or {}),
            "shards": shards,
        }
        write_atomically(self.manifest_path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))

    def clear(self) -> None:
        """Delete the saved shards (the job is done, or restarts)."""
        shutil.rmtree(self.directory, ignore_errors=True)


def job_fingerprint(documents: Sequence[Document], settings: Mapping[str, Any]) -> dict[str, Any]:
    """What identifies a sharded run: its inputs (names, formats, hashes), settings, version (the resume core's)."""
    return run_fingerprint(digest([d.identity() for d in documents]), settings, inputs=len(documents))


# ----------------------------------------------------------------- outputs


def fill_targets(store: Any, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any] | None]:
    """Put saved translations into ``store``; returns the records by unit index (None = not translated)."""
    by_index: list[dict[str, Any] | None] = [None] * len(store.units)
    for record in records:
        index = int(record["index"])
        if by_index[index] is not None:
            raise RuntimeError(f"unit {index} was translated twice")
        by_index[index] = dict(record)
        store.units[index].target = record["target"]
    return by_index


def merge_bytes(parts: Sequence[tuple[str, bytes]]) -> bytes:
    """Several serialised documents of one format as one file.

    Line formats are concatenated, with a line break added after a document
    that does not end with one, so every document keeps its own lines.
    Parquet tables are concatenated into one table.
    """
    if not parts:
        return b""
    formats = {fmt for fmt, _ in parts}
    if len(formats) != 1:
        raise TermlockError(
            f"cannot merge shards of different formats ({', '.join(sorted(formats))}) into one file",
            fix="drop --merge to write one output per shard, or give shards of one format",
        )
    if formats == {"parquet"}:
        import pyarrow as pa

        from termlock.documents.parquet import read_table, table_bytes

        tables = [read_table(data, "<shard>") for _, data in parts]
        return table_bytes(pa.concat_tables(tables))
    out = bytearray()
    for _, data in parts:
        if out and not out.endswith(b"\n"):
            out += b"\r\n" if out.endswith(b"\r") else b"\n"
        out += data
    return bytes(out)


def output_path_for(root: Path, name: str) -> Path:
    """Where input shard ``name`` goes under output directory ``root`` (never outside it)."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts:
        raise TermlockError(f"shard name {name!r} leaves the output directory", fix="use plain relative shard names")
    return root.joinpath(*relative.parts)


@dataclass
class OutputPlan:
    """Where a job writes: one file (merged) or a directory of shards plus a manifest.

    ``stream``: the one file is a stream (``/dev/null``, a FIFO: see
    :func:`termlock.fileio.is_stream`), beside which nothing is kept; the
    run's work shards then go to a scratch folder of its own, removed by
    :meth:`close`, and an interrupted run starts over, as the local engine's does.
    """

    target: Path
    merged: bool
    stream: bool = False
    state_dir: Path = field(init=False)
    manifest: Path = field(init=False)
    _scratch: tempfile.TemporaryDirectory | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if self.merged and self.stream:
            self._scratch = tempfile.TemporaryDirectory(prefix="termlock-shards-")
            self.state_dir = Path(self._scratch.name)
            self.manifest = self.state_dir / MANIFEST_NAME
        elif self.merged:
            self.state_dir = self.target.with_name(self.target.name + STATE_SUFFIX)
            self.manifest = self.state_dir / MANIFEST_NAME
        else:
            self.state_dir = self.target / STATE_DIR_NAME
            self.manifest = self.target / MANIFEST_NAME

    def close(self) -> None:
        """Remove the scratch folder of a stream output (nothing to do otherwise)."""
        if self._scratch is not None:
            self._scratch.cleanup()


def plan_output(input_path: str, output_path: str, *, input_is_dir: bool, merge: bool) -> OutputPlan:
    """Validate OUT: a directory of shards (directory input without --merge), else one file."""
    if output_path == "-":
        raise TermlockError("the Ray engine cannot write to stdout", fix="give an output path")
    out = Path(output_path)
    merged = merge or not input_is_dir
    src = Path(input_path).resolve()
    dst = out.resolve()
    if input_is_dir and (dst == src or src in dst.parents or dst in src.parents):
        raise TermlockError(
            "the output must not be the input directory, inside it, or around it",
            path=output_path,
            fix="write the output somewhere outside the input directory",
        )
    if merged:
        if out.is_dir():
            raise TermlockError("is a directory, but the output is one file", path=output_path, fix="give a file name for OUT")
        return OutputPlan(out, True, stream=is_stream(output_path))
    if out.exists() and not out.is_dir():
        raise TermlockError(
            "is a file, but a directory input gives a directory of output shards",
            path=output_path,
            fix="give a directory for OUT, or pass --merge to write one file",
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST_NAME).exists():
        raise TermlockError(
            "the output directory is not empty and holds no termlock manifest",
            path=output_path,
            fix="give a new or empty directory for OUT",
        )
    return OutputPlan(out, False)
