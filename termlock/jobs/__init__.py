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

from termlock.lazy import lazy_exports

#: public name -> module that defines it (imported on first access: the command line builds its
#: parser from EngineOptions alone, and a translate run never needs the check job or the evaluator)
_EXPORTS = {
    "CheckJob": "termlock.jobs.check_job",
    "CheckOutputs": "termlock.jobs.check_job",
    "EngineOptions": "termlock.jobs.engine_options",
    "TranslateJob": "termlock.jobs.translate_job",
    "TranslateOutcome": "termlock.jobs.translate_job",
    "TranslatorSettings": "termlock.jobs.translate_job",
    "load_job_glossary": "termlock.jobs.glossaries",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
