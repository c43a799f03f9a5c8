"""Targets: where the services and their drivers are, and which faults may run there."""
