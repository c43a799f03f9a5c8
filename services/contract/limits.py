"""Input limits of the HTTP contract, shared by both services and by their tests."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Upper bounds that every request is validated against before any model work starts.

    The defaults bound the work one request can ask for: at the limits (64 texts of 2,000
    characters, which the tokenizer truncates to 256 word pieces each) one embedding request
    took about 9 s on one core of a 2-core machine, so a worker serves such requests one at a
    time and the request timeout cuts a queue of them.
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
