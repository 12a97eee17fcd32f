"""Benchmarks against the sandbox (run with `python -m bench NAME`; not part of the tests)."""
