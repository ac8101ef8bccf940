"""The part of a very long segment a per-problem report row shows.

The CSV and HTML reports give each problem its own row with the segment's
source and target, so a reviewer sees the term in context. A 400 KB
paragraph with thousands of term problems would then be copied thousands
of times (gigabytes, or a MemoryError). Segments longer than
:data:`LONG_SEGMENT` characters are therefore shown as an excerpt around
the marked term (:data:`CONTEXT` characters either side, ``…`` where cut);
the JSON report keeps every segment whole.
"""

from __future__ import annotations

#: segments up to this many characters are shown whole
LONG_SEGMENT = 2000
#: characters kept either side of the marked spans in an excerpt
CONTEXT = 300
ELLIPSIS = "…"


def excerpt(text: str, spans: list[tuple[int, int]]) -> tuple[str, int]:
    """``(shown text, offset of its first character in text)``; ``text`` itself when short.

    The shown text starts and/or ends with ``…`` where it was cut; a span
    offset ``s`` in ``text`` is ``s - offset + (1 if cut at the start else 0)``
    in the shown text (see :func:`shift`).
    """
    if len(text) <= LONG_SEGMENT:
        return text, 0
    marked = [s for s in spans if s is not None]
    first = min((start for start, _ in marked), default=0)
    last = max((end for _, end in marked), default=0)
    low = max(0, first - CONTEXT)
    high = min(len(text), max(last, first) + CONTEXT)
    shown = (ELLIPSIS if low > 0 else "") + text[low:high] + (ELLIPSIS if high < len(text) else "")
    return shown, low


def shift(span: tuple[int, int], offset: int) -> tuple[int, int]:
    """A span of the original text as a span of its excerpt that starts at ``offset``."""
    lead = 1 if offset > 0 else 0
    return span[0] - offset + lead, span[1] - offset + lead
