"""Process-level pieces shared by both services: settings, logging, request ids and faults."""
