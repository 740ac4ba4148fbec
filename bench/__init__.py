"""Benchmarks for Candor: attack robustness, data generation, web latency.

Results and the commands that reproduce them are in docs/benchmarks.md.
"""
