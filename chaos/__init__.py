"""Chaos-testing suite: the embedded stack, fault injectors, load, ledger, verdicts and journal."""
