"""Command-line options that the Locust profiles add to ``locust``."""

from typing import Any

from locust import events


def add_options(parser: Any) -> None:
    """Add the profile options; ``locust --help`` lists them under the custom arguments."""
    parser.add_argument(
        "--user-rps",
        type=float,
        default=2.0,
        help="Requests per second that each user aims for (Locust constant_throughput).",
    )
    parser.add_argument(
        "--texts-per-request",
        type=int,
        default=4,
        help="Texts in each embeddings or classify request (the client-side batch).",
    )
    parser.add_argument(
        "--max-tokens", type=int, default=32, help="Tokens each streaming request asks for."
    )
    parser.add_argument(
        "--token-delay-ms",
        type=int,
        default=20,
        help="Server-side delay between streamed tokens, in milliseconds.",
    )
    parser.add_argument(
        "--disconnect-after-tokens",
        type=int,
        default=0,
        help="Close each stream after this many tokens; 0 reads every stream to its end.",
    )


# Locust 2.47 leaves EventHook.add_listener unannotated.
events.init_command_line_parser.add_listener(add_options)  # type: ignore[no-untyped-call]
