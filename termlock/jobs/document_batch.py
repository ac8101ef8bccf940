"""Checking many document pairs in one run: which pairs, the work of one pair, the batch result.

``termlock check --granularity document`` takes one pair of documents, two
directories (paired by relative path) or a manifest (``--pairs pairs.tsv``:
source, target and optionally the pair's term list per line). Whatever the
input, a check is a list of :class:`DocumentPair`; each pair is checked by
:func:`check_task` from a :class:`DocumentTask` that carries the documents'
bytes (so a Ray worker needs no access to the files), and the reports are
put together by :func:`termlock.evaluate.document_check.document_result`
in pair order, whoever ran the tasks.

A file found on one side only is never skipped silently: a source document
without a translation is checked against nothing (every occurrence
missing) and both kinds are listed as unpaired in every report. Files that
are not documents termlock reads are listed apart; an old binary ``.doc``
is refused, since it is plainly meant to be checked.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from termlock.documents.document_base import DocumentText
from termlock.documents.paragraphs import DOCUMENT_EXTENSIONS, document_text, read_bytes
from termlock.errors import TermlockError
from termlock.evaluate.document_check import DocumentReport, check_document
from termlock.evaluate.records import UnpairedDocument
from termlock.filekinds import OLD_WORD, binary_error, kind_by_name
from termlock.glossary import Glossary
from termlock.inputs import decode_utf8, read_input, split_segments

#: what a directory of documents may hold: whole documents, and plain text
CHECKED_EXTENSIONS = DOCUMENT_EXTENSIONS + (".txt", ".text")
_FIX_PAIRS = "write one pair per line: SOURCE<TAB>TARGET, optionally <TAB> and the pair's terms as one JSON value"


@dataclass(frozen=True)
class DocumentPair:
    """A source document and its translation (None: none was found).

    ``name``: how reports name the pair (its relative path in a directory,
    the target's path in a manifest); ``terms``: the pair's term list as
    one JSON value (a manifest's third column); ``line``: its manifest line.
    """

    name: str
    source: str
    target: str | None
    terms: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class DocumentPairs:
    """The pairs of a check in order, the unpaired files, and the files that are not documents."""

    pairs: list[DocumentPair]
    unpaired: list[UnpairedDocument]
    skipped: list[str]


def _refuse_old_word(path: Path) -> None:
    """An old .doc among the documents is plainly meant to be checked: refused (a PDF is skipped and named)."""
    if kind_by_name(path.name) is OLD_WORD:
        raise binary_error(OLD_WORD, str(path), also="or move it out of the directory")


def _documents(root: Path, option: str) -> tuple[dict[str, Path], list[str]]:
    """Relative path -> file of every document under ``root`` (hidden ones skipped), and the other files."""
    found: dict[str, Path] = {}
    skipped: list[str] = []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        for file in sorted(files):
            if file.startswith("."):
                continue
            path = Path(directory) / file
            name = path.relative_to(root).as_posix()
            _refuse_old_word(path)
            if path.suffix.lower() in CHECKED_EXTENSIONS:
                found[name] = path
            else:
                skipped.append(f"{option} {name}")
    return found, skipped


def pairs_from_directories(source: str, target: str) -> DocumentPairs:
    """Documents of two directories paired by relative path (sorted); the rest listed."""
    sources, skipped = _documents(Path(source), "--source")
    targets, skipped_targets = _documents(Path(target), "--target")
    if not sources:
        raise TermlockError("the directory holds no documents termlock reads", path=source,
                            fix=f"put documents there ({', '.join(CHECKED_EXTENSIONS)})")
    pairs, unpaired = [], []
    for name in sorted(sources):
        matched = targets.get(name)
        pairs.append(DocumentPair(name, str(sources[name]), str(matched) if matched is not None else None))
        if matched is None:
            unpaired.append(UnpairedDocument("source", name, str(sources[name])))
    unpaired += [UnpairedDocument("target", name, str(targets[name])) for name in sorted(set(targets) - set(sources))]
    return DocumentPairs(pairs, unpaired, skipped + skipped_targets)


def read_pairs_manifest(path: str) -> DocumentPairs:
    """``--pairs``: one pair per line, tab-separated, paths relative to the manifest's folder.

    Blank lines and lines starting with ``#`` are skipped, as is a first
    line ``source<TAB>target...``. A third column is the pair's terms (one
    JSON value, WMT23 or WMT25 layout); given on one line, it is needed on
    every line (``[]`` for a pair without terms).
    """
    lines = split_segments(decode_utf8(read_input(path, "--pairs", stdin=False), path, "--pairs"))
    base = Path(path).parent
    pairs: list[DocumentPair] = []
    with_terms: int | None = None
    without_terms: int | None = None
    first = True
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = line.split("\t", 2)
        if first and cells[0].strip().lower() == "source":
            first = False
            continue
        first = False
        if len(cells) < 2 or not cells[0].strip() or not cells[1].strip():
            raise TermlockError("a pair needs a source and a target separated by a tab", path=path, line=number, fix=_FIX_PAIRS)
        terms = cells[2].strip() if len(cells) > 2 and cells[2].strip() else None
        if terms is None:
            without_terms = without_terms or number
        else:
            with_terms = with_terms or number
        if with_terms and without_terms:
            raise TermlockError(
                f"line {with_terms} gives the pair's terms but line {without_terms} does not",
                path=path, line=max(with_terms, without_terms),
                fix="give every pair its terms in the third column ([] for a pair without terms), or none",
            )
        source, target = (base / cells[0].strip(), base / cells[1].strip())
        for option, file in (("source", source), ("target", target)):
            _refuse_old_word(file)
            if not file.is_file():
                raise TermlockError(f"the {option} {file} is not a file", path=path, line=number,
                                    fix="give paths relative to the manifest's folder (or absolute ones)")
        pairs.append(DocumentPair(cells[1].strip(), str(source), str(target), terms, number))
    if not pairs:
        raise TermlockError("the manifest lists no pairs", path=path, fix=_FIX_PAIRS)
    return DocumentPairs(pairs, [], [])


def manifest_terms(path: str, pairs: Sequence[DocumentPair]):
    """The term lists of a manifest's third column (None when it has none), one per pair."""
    if not pairs or pairs[0].terms is None:
        return None
    from termlock.glossary.term_lists import parse_term_lists

    lines = [""] * max(pair.line or 0 for pair in pairs)
    for pair in pairs:
        lines[(pair.line or 1) - 1] = pair.terms or ""
    lists = parse_term_lists("\n".join(lines) + "\n", path)
    per_pair = tuple(lists.per_segment[(pair.line or 1) - 1] for pair in pairs)
    return type(lists)(lists.glossary, per_pair, path)


# ------------------------------------------------------------------ the work


@dataclass(frozen=True)
class DocumentTask:
    """What checking one pair needs, files read: a worker needs no access to them."""

    index: int
    name: str
    source_path: str
    source: bytes
    target_path: str | None
    target: bytes | None
    glossary: Glossary
    numbers: bool = True
    #: also return the target's text (BLEU/chrF against a reference)
    keep_text: bool = False


@dataclass(frozen=True)
class DocumentOutcome:
    """A checked pair: its report, and the target's text when asked for."""

    index: int
    report: DocumentReport
    target_text: str | None = None


def check_task(task: DocumentTask) -> DocumentOutcome:
    """Read both documents (one reader per kind, the one translate uses) and check them."""
    source = document_text(task.source, task.source_path)
    target = document_text(task.target, task.target_path) if task.target is not None else DocumentText([])
    report = check_document(
        task.glossary, source.paragraphs, target.paragraphs, name=task.name,
        source_path=task.source_path, target_path=task.target_path, numbers=task.numbers,
        source_not_read=source.not_read, target_not_read=target.not_read, paired=task.target is not None,
    )
    return DocumentOutcome(task.index, report, " ".join(target.paragraphs) if task.keep_text else None)


def document_tasks(
    pairs: Sequence[DocumentPair], glossary_of: Callable[[int], Glossary], *, numbers: bool, keep_text: bool = False
) -> Iterator[DocumentTask]:
    """One task per pair, in order; each reads its files when it is reached (memory: one pair at a time)."""
    for index, pair in enumerate(pairs):
        yield DocumentTask(
            index, pair.name, pair.source, read_bytes(pair.source),
            pair.target, read_bytes(pair.target) if pair.target is not None else None,
            glossary_of(index), numbers, keep_text,
        )


def run_locally(tasks: Iterable[DocumentTask]) -> Iterator[DocumentOutcome]:
    """The local engine's way of running the tasks: one after the other, here."""
    for task in tasks:
        yield check_task(task)
