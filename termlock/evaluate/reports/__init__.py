"""The check's reports: JSON, CSV and HTML files, and the terminal summary.

One module per format (``json_report``, ``csv_report``, ``html_report``,
``terminal_report``; ``excerpt`` cuts very long segments for the per-problem
rows). Each turns a :class:`~termlock.evaluate.records.CheckResult`, or the
segment reports as a streamed check produces them, into its format and
decides nothing about a term itself: every verdict comes from the checker.
Files are written atomically (:mod:`termlock.fileio`). Nothing is imported
here, so a run pays only for the reports it writes.
"""
