"""Request ids: accepted from the ``X-Request-ID`` header when well formed, generated otherwise."""

import re
import uuid

REQUEST_ID_HEADER = "x-request-id"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def resolve_request_id(header_value: str | None) -> str:
    """Return the client's request id if it is 1-128 safe characters, else a new UUID4 hex."""
    if header_value is not None and _VALID.match(header_value):
        return header_value
    return uuid.uuid4().hex
