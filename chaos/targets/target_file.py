"""The target file: a YAML document that points the suite at an existing (staging) deployment.

Example::

    name: staging-eu
    production: false
    prometheus_url: http://127.0.0.1:9090
    allowed_faults: [client_disconnect]
    services:
      fastapi:
        base_url: http://127.0.0.1:8001
        admin_token_env: FASTAPI_ADMIN_TOKEN
        metrics_urls: [http://127.0.0.1:8001/metrics]
      ray:
        base_url: http://127.0.0.1:8000
        admin_token_env: RAY_ADMIN_TOKEN
        metrics_urls: [http://127.0.0.1:8080/metrics]

Destructive faults (kills) need ``production: false`` and an entry in ``allowed_faults``.
"""

import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chaos.stack.service_handle import ServiceEndpoint

FaultName = Literal[
    "client_disconnect", "replica_kill", "worker_kill", "network", "hung_replica", "slow_replica"
]


class TargetError(ValueError):
    """The target file is missing, malformed, or names something the suite cannot use."""


class ServiceTarget(BaseModel):
    """One service of the target."""

    model_config = ConfigDict(extra="forbid")

    base_url: str
    admin_token_env: str
    metrics_urls: list[str] = Field(min_length=1)
    request_timeout_s: float = 30.0


class TargetFile(BaseModel):
    """The whole target file."""

    model_config = ConfigDict(extra="forbid")

    name: str
    production: bool
    prometheus_url: str | None = None
    allowed_faults: list[FaultName] = Field(default_factory=list)
    services: dict[Literal["fastapi", "ray"], ServiceTarget]

    def allows(self, fault: str) -> bool:
        """Return whether ``fault`` may run here: listed, and never on production."""
        return not self.production and fault in self.allowed_faults

    def endpoints(self) -> dict[str, ServiceEndpoint]:
        """Return the service endpoints, with admin tokens read from the environment."""
        endpoints: dict[str, ServiceEndpoint] = {}
        for name, service in self.services.items():
            token = os.environ.get(service.admin_token_env)
            if not token:
                message = (
                    f"target {self.name!r}: environment variable {service.admin_token_env} for "
                    f"the {name} admin token is not set; export it before running the suite"
                )
                raise TargetError(message)
            endpoints[name] = ServiceEndpoint(
                name=name,
                base_url=service.base_url,
                admin_token=token,
                metrics_urls=tuple(service.metrics_urls),
                request_timeout_s=service.request_timeout_s,
            )
        return endpoints


def load_target_file(path: Path) -> TargetFile:
    """Read and validate a target file; raises ``TargetError`` naming the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        message = (
            f"target file {str(path)!r} does not exist; pass an existing file to --chaos-target"
        )
        raise TargetError(message) from None
    except yaml.YAMLError as error:
        message = f"target file {str(path)!r} is not valid YAML: {error}"
        raise TargetError(message) from None

    try:
        return TargetFile.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        message = f"target file {str(path)!r} is invalid: {problems}"
        raise TargetError(message) from None
