"""Settings of one open-loop load run, and the check that keeps traffic on local addresses."""

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from chaos.load.mix import RequestMix


def check_local_target(base_url: str) -> None:
    """Raise ``ValueError`` unless ``base_url`` is http(s) on localhost, loopback or a private IP.

    The suite only sends load to services it started itself: on 127.0.0.0/8, or inside network
    namespaces it created, whose addresses are private (RFC 1918) ones.
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        msg = f"load target {base_url!r} is not an http(s) URL; pass e.g. http://127.0.0.1:8000"
        raise ValueError(msg)

    host = parts.hostname
    if host == "localhost":
        return

    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        msg = (
            f"load target host {host!r} is not an IP address; pass a loopback or namespace "
            "address such as 127.0.0.1 so the load cannot leave this machine"
        )
        raise ValueError(msg) from None

    if not (address.is_loopback or address.is_private):
        msg = f"load target {host} is neither loopback nor a private address; refusing to send"
        raise ValueError(msg)


@dataclass(frozen=True)
class LoadConfig:
    """An open-loop run: ``rate_rps`` arrivals per second for ``duration_s`` seconds.

    The run schedules at most ``max_requests`` arrivals. ``max_outstanding`` bounds the
    requests in flight; an arrival beyond it is recorded as failed with kind
    ``client_saturated``. ``timeout_s`` bounds each request from its actual send time to its
    end, streams included. ``new_connection_per_request`` opens a fresh TCP connection for every
    request, so keep-alive cannot hide a network fault.
    """

    base_url: str
    rate_rps: float
    duration_s: float
    mix: RequestMix
    max_requests: int = 10_000
    max_outstanding: int = 256
    timeout_s: float = 5.0
    new_connection_per_request: bool = False
    phase: str = "load"

    def __post_init__(self) -> None:
        check_local_target(self.base_url)

        if not self.rate_rps > 0:
            msg = f"rate_rps {self.rate_rps} is not positive; pass arrivals per second, e.g. 20"
            raise ValueError(msg)
        if not self.duration_s > 0:
            msg = f"duration_s {self.duration_s} is not positive; pass seconds, e.g. 60"
            raise ValueError(msg)
        if self.max_requests < 1:
            msg = f"max_requests {self.max_requests} is below 1"
            raise ValueError(msg)
        if self.max_outstanding < 1:
            msg = f"max_outstanding {self.max_outstanding} is below 1"
            raise ValueError(msg)
        if not self.timeout_s > 0:
            msg = f"timeout_s {self.timeout_s} is not positive; pass seconds, e.g. 5"
            raise ValueError(msg)

    @property
    def planned_requests(self) -> int:
        """Arrivals the schedule holds: rate times duration, capped at ``max_requests``."""
        from math import ceil

        return min(self.max_requests, ceil(self.rate_rps * self.duration_s - 1e-9))
