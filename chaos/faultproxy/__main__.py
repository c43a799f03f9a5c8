"""Run the fault proxy server: ``python -m chaos.faultproxy --host 127.0.0.1 --port 8474``."""

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import socket
import sys
from collections.abc import Generator
from pathlib import Path

import structlog
import uvicorn

from chaos.faultproxy.api import VERSION, build_app
from chaos.faultproxy.collection import ProxyCollection
from chaos.faultproxy.errors import ApiError
from chaos.faultproxy.models import ProxyConfig, parse_body

log = structlog.get_logger("chaos.faultproxy")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m chaos.faultproxy",
        description="TCP fault proxy that speaks the Toxiproxy 2.x HTTP API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="API bind address (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=8474, help="API port, where 0 picks a free one (default 8474)"
    )
    parser.add_argument(
        "--config", type=Path, help="JSON file with a list of proxies to create at start"
    )
    parser.add_argument(
        "--log-level", default="info", help="minimum log level: debug, info, warning or error"
    )
    return parser.parse_args(argv)


def configure_logging(level_name: str) -> None:
    """Send structlog events as JSON lines to stdout."""
    level = logging.getLevelNamesMapping().get(level_name.upper())
    if level is None:
        message = f"invalid --log-level {level_name!r}: use debug, info, warning or error"
        raise SystemExit(message)

    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
    )


class _ApiServer(uvicorn.Server):
    """Uvicorn server that leaves signal handling to ``serve_forever``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def load_config(path: Path) -> list[ProxyConfig]:
    """Read a JSON file with a list of proxies, in the ``POST /populate`` format."""
    try:
        payload = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        message = f"cannot read --config {path}: {error}"
        raise SystemExit(message) from None

    if not isinstance(payload, list):
        message = f"invalid --config {path}: expected a JSON array of proxies"
        raise SystemExit(message)

    try:
        return [parse_body(ProxyConfig, item) for item in payload]
    except ApiError as error:
        message = f"invalid --config {path}: {error.message}"
        raise SystemExit(message) from None


async def serve_forever(args: argparse.Namespace) -> None:
    """Serve the API until SIGTERM or SIGINT, then close every proxy and connection."""
    collection = ProxyCollection()
    if args.config is not None:
        configs = load_config(args.config)
        try:
            proxies = await collection.populate(configs)
        except ApiError as error:
            message = f"failed to create the proxies of --config {args.config}: {error.message}"
            raise SystemExit(message) from None

        log.info("config_loaded", path=str(args.config), proxies=[p.name for p in proxies])

    sock = socket.create_server((args.host, args.port), reuse_port=False)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        build_app(collection), log_config=None, access_log=False, lifespan="off"
    )
    server = _ApiServer(config)

    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, _request_exit, server, signal_number)

    log.info("api_listening", host=args.host, port=port, version=VERSION)
    await server.serve(sockets=[sock])

    await collection.close_all()
    log.info("server_stopped", proxies=len(collection.proxies))


def _request_exit(server: uvicorn.Server, signal_number: int) -> None:
    log.info("shutdown_requested", signal=signal.Signals(signal_number).name)
    server.should_exit = True


def main() -> None:
    """Entry point."""
    args = parse_args()
    configure_logging(args.log_level)
    try:
        asyncio.run(serve_forever(args))
    except OSError as error:
        log.error("server_failed", host=args.host, port=args.port, error=str(error))
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
