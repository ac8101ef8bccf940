"""Glossary schema, loading, validation, import/export and term matching.

Matching lives here, not in translate or evaluate, because both need the
exact same rules: a term the decoder thinks it honoured must be one the
checker counts as honoured.
"""

from termlock.glossary.errors import GlossaryError, GlossaryProblem
from termlock.glossary.loader import load_glossary, load_glossary_text, parse_glossary, validate_glossary
from termlock.glossary.model import Glossary, Term
from termlock.glossary.source_match import SourceMatch, SourceMatcher
from termlock.glossary.target_match import TargetMatch, TargetMatcher
from termlock.glossary.verdicts import FORBIDDEN, MISSING, OK, STATUSES, SegmentJudge, Verdict
from termlock.glossary.writer import dump_glossary, glossary_to_yaml

__all__ = [
    "FORBIDDEN",
    "MISSING",
    "OK",
    "STATUSES",
    "SegmentJudge",
    "Verdict",
    "Glossary",
    "GlossaryError",
    "GlossaryProblem",
    "SourceMatch",
    "SourceMatcher",
    "TargetMatch",
    "TargetMatcher",
    "Term",
    "dump_glossary",
    "glossary_to_yaml",
    "load_glossary",
    "load_glossary_text",
    "parse_glossary",
    "validate_glossary",
]
