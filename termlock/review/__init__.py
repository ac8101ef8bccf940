"""``termlock review``: a reviewer's workbench in the browser, a front door like ``commands``.

It builds the same :class:`~termlock.jobs.CheckJob` as ``termlock check``
and runs the same checker (:class:`~termlock.evaluate.SegmentChecker`, the
judge of :mod:`termlock.glossary.verdicts`); nothing here decides whether a
term is right. Rooms:

* :mod:`~termlock.review.setup`: inputs read as ``check`` reads them; the state made or resumed;
* :mod:`~termlock.review.state`: the SQLite state (edits, acceptances, proposals, undo, stale-edit refusal);
* :mod:`~termlock.review.session`: the live check the page shows, one segment re-checked per edit
  (:mod:`~termlock.review.document_session` for whole documents);
* :mod:`~termlock.review.export`: the corrected target through the document stores, accepted.yaml, reports;
* :mod:`~termlock.review.additions`: proposed variants as a glossary file for the terminologist;
* :mod:`~termlock.review.app`: the FastAPI app and its guards; ``static/``: the page (HTML, CSS, one script).
"""
