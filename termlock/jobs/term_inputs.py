"""Per-segment term lists for a translate job, keyed the way the batch runner asks.

The resumable runner hands the translator batches of source texts (longest
first, resumed across runs), not unit numbers, so each unit's term list is
looked up by its source text. Two units with the same source text and
different term lists cannot be told apart that way: that is refused with
both line numbers rather than guessed.

A whole document (Word, Markdown, HTML) and a directory of files take one
term list per document instead (:func:`document_term_lists`): the terms
that apply to the document, in every one of its paragraphs.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

from termlock.errors import TermlockError
from termlock.glossary import Glossary
from termlock.wording import counted


def document_term_lists(path: str, count: int, *, exact: bool = False):
    """``--terms`` with one line per document (``count`` of them, in input order)."""
    from termlock.glossary.merge import exact_glossary
    from termlock.glossary.term_lists import TermLists, read_term_lists

    lists = read_term_lists(path)
    if len(lists) != count:
        raise TermlockError(
            f"--terms has {counted(len(lists), 'line')} but the input has {counted(count, 'document')}",
            path=path,
            fix="give one JSON line per document, in the order of their paths ([] for one without terms)",
        )
    return TermLists(exact_glossary(lists.glossary), lists.per_segment, lists.path) if exact else lists


def glossaries_by_source(
    path: str, units: Sequence[Any], *, exact: bool = False, whole_document: bool = False
) -> tuple[Glossary, dict[str, Glossary]]:
    """(union glossary, source text -> that unit's glossary) for the translatable units.

    ``whole_document``: the units are one document's paragraphs, and
    ``--terms`` has one line, the document's.
    """
    from termlock.glossary.merge import exact_glossary
    from termlock.glossary.term_lists import read_term_lists

    if whole_document:
        lists = document_term_lists(path, 1, exact=exact)
        own = lists.segment_glossary(0)
        return lists.glossary, {unit.source: own for unit in units if unit.translatable}
    lists = read_term_lists(path)
    if len(lists) != len(units):
        raise TermlockError(
            f"--terms has {counted(len(lists), 'line')} but the input has {counted(len(units), 'segment')}",
            path=path,
            fix="give one JSON line per input line or unit (an empty list [] for one without terms)",
        )
    union = exact_glossary(lists.glossary) if exact else lists.glossary
    by_id = {term.id: term for term in union.terms}
    glossary_of: dict[str, Glossary] = {}
    first_line: dict[str, int] = {}
    for number, (unit, ids) in enumerate(zip(units, lists.per_segment), start=1):
        if not unit.translatable:
            continue
        own = Glossary(f"{union.name} (segment terms)", tuple(by_id[i] for i in ids), union.source_lang, union.target_lang, path)
        known = glossary_of.get(unit.source)
        if known is not None and known.terms != own.terms:
            raise TermlockError(
                f"lines {first_line[unit.source]} and {number} have the same source but different term lists",
                path=path,
                fix="give identical segments the same terms (the translation of a segment is computed once)",
            )
        glossary_of.setdefault(unit.source, own)
        first_line.setdefault(unit.source, number)
    return union, glossary_of


def unit_judges(glossary: Glossary | None, glossary_of: Mapping[str, Glossary] | None = None) -> Callable[[Any], Any]:
    """Each unit's glossary judge (``Store.judge_of``): inline codes are then placed by the unit's terms.

    ``glossary_of``: per-segment term lists by source text (a unit without
    one has no terms); else every unit is judged by ``glossary``. One
    :class:`~termlock.glossary.verdicts.SegmentJudge` per distinct glossary.
    """
    from termlock.glossary.verdicts import SegmentJudge

    judges: dict[int, SegmentJudge] = {}

    def judge_of(unit: Any) -> SegmentJudge | None:
        own = glossary_of.get(unit.source) if glossary_of is not None else glossary
        if own is None or not len(own):
            return None
        judge = judges.get(id(own))
        if judge is None:
            judge = judges[id(own)] = SegmentJudge(own)
        return judge

    return judge_of
