"""What a run does, described once: the job layer between the command line and the engines.

The command line (``termlock.commands``) parses flags into a :class:`CheckJob`
or a :class:`TranslateJob`; library callers build the same records directly.
An engine (``termlock.engines``: local, Ray, or one added later) takes a job
and returns the same result type whatever it ran on, and the functions here
turn a job and its result into reports and messages. Nothing in this package
knows about argparse, so a new engine or a new front end never re-implements
a report, a fingerprint or an outcome message.

Layer: above ``glossary``, ``documents``, ``translate`` and ``evaluate``;
below ``engines`` and ``commands``.
"""

from __future__ import annotations

from termlock.jobs.check_job import CheckJob, CheckOutputs
from termlock.jobs.engine_options import EngineOptions
from termlock.jobs.glossaries import load_job_glossary
from termlock.jobs.translate_job import TranslateJob, TranslateOutcome, TranslatorSettings

__all__ = [
    "CheckJob",
    "CheckOutputs",
    "EngineOptions",
    "TranslateJob",
    "TranslateOutcome",
    "TranslatorSettings",
    "load_job_glossary",
]
