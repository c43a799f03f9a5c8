"""Prometheus rules, promtool tests and Alertmanager configuration of the serving SLOs."""
