"""Writes the run journal to disk after every scenario, so a crash keeps what was measured."""

import json
import os
from pathlib import Path

from chaos.journal.records import RunJournal


class JournalWriter:
    """Owns the journal file of one run and replaces it atomically on every write."""

    def __init__(self, journal: RunJournal, path: Path) -> None:
        self.journal = journal
        self.path = path

    def write(self) -> None:
        """Write the journal as indented JSON through a temporary file and a rename."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(
            json.dumps(self.journal.to_dict(), indent=2, default=str), encoding="utf-8"
        )
        temporary.replace(self.path)
