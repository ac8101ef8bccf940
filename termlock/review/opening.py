"""Open a review's session: the kind its state holds (segments or whole documents).

Kept apart from both session modules so that neither imports the other's
opener, and ``termlock review export STATE`` opens a state with nothing
but its path.
"""

from __future__ import annotations

import os

from termlock.review.session import ReviewSession
from termlock.review.setup import ReviewPaths
from termlock.review.state import ReviewState


def open_session(state: ReviewState, paths: ReviewPaths) -> ReviewSession:
    """The session a state needs: segments (lines, bilingual units) or whole documents."""
    if (state.meta("job") or {}).get("kind") == "document":
        from termlock.review.document_session import DocumentSession

        return DocumentSession(state, paths)
    return ReviewSession(state, paths)


def open_for_export(state_path: str) -> ReviewSession:
    """A session on a state file alone (``termlock review export STATE``)."""
    state = ReviewState.open(state_path)
    try:
        name = os.fspath(state_path)
        base = name[: -len(".sqlite")] if name.endswith(".sqlite") else name
        additions = state.meta("additions") or base + ".glossary-additions.yaml"
        return open_session(state, ReviewPaths(name, additions))
    except BaseException:
        state.close()
        raise
