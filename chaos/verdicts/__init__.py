"""Verdicts: measured values compared with stated bounds, each with its evidence."""

from chaos.verdicts.check import Check, Verdict

__all__ = ["Check", "Verdict"]
