"""Scenario definitions (with their bounds), the step runner, and each scenario's procedure."""
