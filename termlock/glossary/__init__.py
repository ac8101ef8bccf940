"""Glossary schema, loading, validation, import/export and term matching.

Matching lives here, not in translate or evaluate, because both need the
exact same rules: a term the decoder thinks it honoured must be one the
checker counts as honoured.
"""

from termlock.glossary.model import Glossary, Term

__all__ = ["Glossary", "Term"]
