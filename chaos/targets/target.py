"""What a scenario runs against: the embedded stack, or a deployment named by a target file."""

from dataclasses import dataclass
from typing import Any

from chaos.stack.embedded import EmbeddedStack
from chaos.stack.service_handle import ServiceEndpoint
from chaos.targets.target_file import TargetFile


@dataclass
class ChaosTarget:
    """The services under test and the drivers available to reach their internals."""

    endpoints: dict[str, ServiceEndpoint]
    stack: EmbeddedStack | None = None
    target_file: TargetFile | None = None

    def allows(self, fault: str) -> bool:
        """Return whether ``fault`` may run: always on the embedded stack, else per the file."""
        if self.target_file is None:
            return True
        return self.target_file.allows(fault)

    def describe(self) -> dict[str, Any]:
        """Return a description of the target for the journal."""
        if self.stack is not None:
            return self.stack.describe()
        assert self.target_file is not None
        return {
            "kind": "target_file",
            "name": self.target_file.name,
            "production": self.target_file.production,
            "allowed_faults": list(self.target_file.allowed_faults),
            "services": {name: endpoint.base_url for name, endpoint in self.endpoints.items()},
        }
