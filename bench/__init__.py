"""Benchmark harness for the month-end run: a scale generator (``bench.scale``) and a
runner (``bench.run``) that times every stage in a fresh process. Nothing here is
imported by the pipeline."""
