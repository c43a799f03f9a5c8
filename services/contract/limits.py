"""Input limits of the HTTP contract, shared by both services and by their tests."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Upper bounds that every request is validated against before any model work starts.

    The defaults keep one request within a few hundred milliseconds of CPU time on a laptop
    core, so one client cannot occupy a worker or replica for long.
    """

    #: Texts in one embedding or classification request (the client-side batch).
    max_texts: int = 64
    #: Characters in one text; the tokenizer truncates at 256 word pieces anyway.
    max_text_chars: int = 2_000
    #: Bytes in one request body, checked before the body is parsed.
    max_body_bytes: int = 262_144
    #: Tokens one generation request may ask for.
    max_generate_tokens: int = 512
    #: Characters in a generation prompt.
    max_prompt_chars: int = 2_000
    #: Delay between streamed tokens, in milliseconds.
    max_token_delay_ms: int = 1_000
    #: Duration of one injected fault, in seconds.
    max_fault_duration_s: float = 600.0
    #: Added delay of a slow fault, in milliseconds.
    max_fault_delay_ms: int = 60_000
    #: Memory a leak fault may allocate, in mebibytes.
    max_fault_leak_mb: int = 2_048


DEFAULT_LIMITS = Limits()
