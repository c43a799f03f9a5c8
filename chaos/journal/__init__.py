"""The run journal: one JSON document per run, with every scenario's steps and evidence."""

from chaos.journal.records import RunJournal, ScenarioRecord, StepRecord
from chaos.journal.writer import JournalWriter

__all__ = ["JournalWriter", "RunJournal", "ScenarioRecord", "StepRecord"]
