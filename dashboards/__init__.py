"""Grafana dashboards for the serving-chaos suite, built as code with grafana-foundation-sdk.

``python -m dashboards.generate`` writes the dashboard JSON to ``dashboards/generated/``;
``python -m dashboards.publish`` uploads it to a Grafana server through its HTTP API.
"""
