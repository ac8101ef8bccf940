"""Terminology QA: check any translation against a glossary.

``from termlock.evaluate import check`` is the library entry point; it
returns typed records (:class:`CheckResult` and friends) whose ``to_dict()``
is the JSON report. The checker's core is :mod:`termlock.evaluate.checker`,
the reports live in :mod:`termlock.evaluate.reports`. This package never imports ``termlock.translate`` nor
torch/transformers, so checking works on a machine without a model.
"""

from termlock.evaluate.checker import SegmentChecker, aggregate, check
from termlock.evaluate.metrics import corpus_metrics
from termlock.evaluate.records import (
    FORBIDDEN,
    MISSING,
    OK,
    STATUSES,
    CheckResult,
    Metrics,
    SegmentReport,
    Summary,
    TermOccurrence,
    TermSummary,
)

__all__ = [
    "FORBIDDEN",
    "MISSING",
    "OK",
    "STATUSES",
    "CheckResult",
    "Metrics",
    "SegmentChecker",
    "SegmentReport",
    "Summary",
    "TermOccurrence",
    "TermSummary",
    "aggregate",
    "check",
    "corpus_metrics",
]
