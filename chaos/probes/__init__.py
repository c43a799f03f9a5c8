"""Probes: read-only views of the target that the scenarios judge from."""
