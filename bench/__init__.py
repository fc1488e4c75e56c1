"""Benchmarks: `python -m bench` prints speed ratios measured side by side in one run."""
