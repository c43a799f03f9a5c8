"""What an injector did, for the journal and for the scenario's timing."""

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class InjectedFault:
    """One injected fault: kind, blast radius, victim and the Unix time it took effect."""

    kind: str
    blast_radius: str
    victim: str
    injected_at_unix_s: float
    details: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """Return the fault as a JSON-ready dictionary."""
        return asdict(self)
