"""Benchmarks: measured numbers, kept apart from the tests."""
