"""Glossary-locked machine translation: model loading, segmentation, decoding, batch jobs.

Importing this package is cheap: torch and transformers load only when a
name that needs them is first used, so ``termlock check`` and the formats
work on machines without them. ``from termlock.translate import Translator``
resolves through the module ``__getattr__`` (PEP 562) that
:func:`termlock.lazy.lazy_exports` builds from ``_EXPORTS`` below.
"""

from __future__ import annotations

from termlock.lazy import lazy_exports

#: public name -> module that defines it (imported on first access)
_EXPORTS = {
    "Translator": "termlock.translate.translator",
    "SegmentTranslation": "termlock.translate.translator",
    "SentenceTranslation": "termlock.translate.translator",
    "CONSTRAINT_MODES": "termlock.translate.translator",
    "load_model": "termlock.translate.models.loading",
    "LoadedModel": "termlock.translate.models.loading",
    "ModelNotAvailableError": "termlock.translate.models.loading",
    "DEFAULT_MODEL": "termlock.translate.models.loading",
    "split_sentences": "termlock.translate.segmentation",
    "segment_line": "termlock.translate.segmentation",
    "BatchRunner": "termlock.translate.batch.runner",
    "BatchJob": "termlock.translate.batch.runner",  # BatchRunner's name before the rooms; kept for library callers
    "read_store": "termlock.documents",
    "write_store": "termlock.documents",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
