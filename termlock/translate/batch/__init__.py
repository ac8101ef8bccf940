"""The batch room: a resumable translation run over one document store.

``runner`` (:class:`~termlock.translate.batch.runner.BatchRunner`: plan,
translate batch by batch, write OUT once), ``journal`` (finished batches,
fsync'd, so a run resumes), ``output_lock`` (one run per output file) and
``resume`` (what every resumable run shares, the Ray engine's included: the
fingerprint, the refusal of changed settings, the progress bar and the
"saved" messages). The translation itself is injected: nothing here imports
torch or a model.
"""
