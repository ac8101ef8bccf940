"""Scale-out engines: batch translation and checking on a Ray cluster.

``termlock translate --engine ray`` and ``termlock check --engine ray`` run
the same jobs as the single-machine commands, with the same results, on a
pool of Ray Data workers that each load the model and glossary once:

* :mod:`shards` - inputs (a file or a directory of text/JSONL/TSV/Parquet
  shards), work shards, the manifest and resume-by-shard state, outputs;
* :mod:`ray_translate` - the sharded, resumable translation job;
* :mod:`translate_command` - ``termlock translate --engine ray``;
* :mod:`ray_check` and :mod:`segment_files` - sharded terminology QA,
  aggregated on the driver;
* :mod:`ray_support` - importing Ray lazily, connecting, the actor pool;
* :mod:`parquet_store` - Parquet shards as a segment store;
* :mod:`cli` - the ``--engine`` flags both commands add.

Ray is optional (``pip install 'termlock[ray]'``); nothing here imports it
at module level.
"""
