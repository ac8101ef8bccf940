"""The Ray engine: batch translation and checking on a Ray cluster.

``termlock translate --engine ray`` and ``termlock check --engine ray`` run
the same jobs as the local engine, with the same results, on a pool of Ray
Data workers that each load the model and glossary once:

* :mod:`engine` - :class:`RayEngine`, the engine interface (a job in, the
  local engine's result type out);
* :mod:`shards` - inputs (a file or a directory of text/JSONL/TSV/Parquet
  shards), work shards, the manifest and resume-by-shard state, outputs;
* :mod:`translate` - the sharded, resumable translation job;
* :mod:`check` and :mod:`segment_files` - sharded terminology QA,
  aggregated on the driver;
* :mod:`support` - importing Ray lazily, connecting, the actor pool.

Ray is optional (``pip install 'termlock[ray]'``); nothing here imports it
at module level.
"""
