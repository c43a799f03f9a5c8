"""Toxic types by their API name."""

from chaos.faultproxy.toxics.bandwidth import BandwidthToxic
from chaos.faultproxy.toxics.base import NoopToxic, Toxic, ToxicStub
from chaos.faultproxy.toxics.latency import LatencyToxic
from chaos.faultproxy.toxics.limit_data import LimitDataToxic
from chaos.faultproxy.toxics.reset_peer import ResetPeerToxic
from chaos.faultproxy.toxics.slicer import SlicerToxic
from chaos.faultproxy.toxics.slow_close import SlowCloseToxic
from chaos.faultproxy.toxics.timeout import TimeoutToxic

TOXIC_TYPES: dict[str, type[Toxic]] = {
    toxic.type_name: toxic
    for toxic in (
        LatencyToxic,
        BandwidthToxic,
        SlowCloseToxic,
        TimeoutToxic,
        ResetPeerToxic,
        SlicerToxic,
        LimitDataToxic,
    )
}

__all__ = ["TOXIC_TYPES", "NoopToxic", "Toxic", "ToxicStub"]
