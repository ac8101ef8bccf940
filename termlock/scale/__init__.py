"""Scale-out engines: batch translation and checking on a Ray cluster.

``termlock translate --engine ray`` and ``termlock check --engine ray`` run
the same jobs as the single-machine commands, with the same results, on a
pool of Ray Data workers that each load the model and glossary once:

* :mod:`shards` - inputs (a file or a directory of text/JSONL/TSV/Parquet
  shards), work shards, the manifest and resume-by-shard state;
* :mod:`ray_translate` - sharded, resumable translation;
* :mod:`ray_check` - sharded terminology QA, aggregated on the driver;
* :mod:`ray_support` - importing Ray lazily, connecting, the actor pool.

Ray is optional (``pip install 'termlock[ray]'``); nothing here imports it
at module level.
"""
