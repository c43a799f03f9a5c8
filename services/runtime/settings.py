"""Service settings, read once from ``SERVING_*`` environment variables at start-up."""

import os
from dataclasses import dataclass, field
from pathlib import Path

_PREFIX = "SERVING_"


class SettingsError(ValueError):
    """An environment variable holds a value the service cannot use."""


def _read_float(name: str, default: float, minimum: float) -> float:
    raw = os.environ.get(_PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        message = f"{_PREFIX}{name}={raw!r} is not a number; set it to a number >= {minimum}"
        raise SettingsError(message) from None
    if value < minimum:
        message = f"{_PREFIX}{name}={raw!r} is below the minimum {minimum}; raise it"
        raise SettingsError(message)
    return value


def _read_int(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(_PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        message = f"{_PREFIX}{name}={raw!r} is not an integer; set it to an integer >= {minimum}"
        raise SettingsError(message) from None
    if value < minimum:
        message = f"{_PREFIX}{name}={raw!r} is below the minimum {minimum}; raise it"
        raise SettingsError(message)
    return value


def _read_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(_PREFIX + name, default) or default
    if raw not in choices:
        message = f"{_PREFIX}{name}={raw!r} is invalid; expected one of {', '.join(choices)}"
        raise SettingsError(message)
    return raw


@dataclass(frozen=True)
class Settings:
    """Validated settings of one service process.

    ``admin_token`` is ``None`` unless ``SERVING_ADMIN_TOKEN`` is set; the admin fault route is
    disabled (HTTP 404) while it is ``None``.
    """

    service: str
    admin_token: str | None = field(repr=False)
    model_device: str
    request_timeout_s: float
    torch_threads: int
    state_dir: Path
    log_level: str

    @classmethod
    def from_environment(cls, service: str) -> "Settings":
        """Read and validate every ``SERVING_*`` variable; raises ``SettingsError`` on a bad one."""
        token = os.environ.get(_PREFIX + "ADMIN_TOKEN") or None
        if token is not None and len(token) < 16:
            message = (
                f"{_PREFIX}ADMIN_TOKEN is {len(token)} characters long; "
                "use at least 16 random characters or unset it to disable the admin route"
            )
            raise SettingsError(message)

        state_dir = Path(os.environ.get(_PREFIX + "STATE_DIR", "/tmp/serving-state"))
        return cls(
            service=service,
            admin_token=token,
            model_device=_read_choice("MODEL_DEVICE", "auto", ("auto", "cpu", "cuda")),
            request_timeout_s=_read_float("REQUEST_TIMEOUT_S", 30.0, 0.1),
            torch_threads=_read_int("TORCH_THREADS", 1, 1),
            state_dir=state_dir,
            log_level=_read_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")),
        )
