"""Open-loop load driver on httpx: fixed arrival rate, one task per request, results in a ledger."""

from chaos.load.config import LoadConfig, check_local_target
from chaos.load.driver import OpenLoopDriver
from chaos.load.errors import classify_exception
from chaos.load.mix import RequestKind, RequestMix, RequestTemplate, single
from chaos.load.sse import ServerSentEvent, SseParser

__all__ = [
    "LoadConfig",
    "OpenLoopDriver",
    "RequestKind",
    "RequestMix",
    "RequestTemplate",
    "ServerSentEvent",
    "SseParser",
    "check_local_target",
    "classify_exception",
    "single",
]
