"""Benchmarks: workload generator (bureau, city, province), measurements against floors measured
in the same run, and the report (BENCHMARKS.md, bench/results.json)."""
