"""Tests of the Prometheus rules, the Alertmanager routing and the runbooks."""
