"""Map client-side exceptions of a request to ledger error kinds."""

import errno

import httpx

from chaos.ledger import ErrorKind

_TIMEOUTS: tuple[tuple[type[httpx.TimeoutException], ErrorKind], ...] = (
    (httpx.ConnectTimeout, ErrorKind.CONNECT_TIMEOUT),
    (httpx.ReadTimeout, ErrorKind.READ_TIMEOUT),
    (httpx.WriteTimeout, ErrorKind.WRITE_TIMEOUT),
    (httpx.PoolTimeout, ErrorKind.POOL_TIMEOUT),
)


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__

    return seen


def _has_errno(error: BaseException, *codes: int) -> bool:
    for item in _chain(error):
        if isinstance(item, OSError) and item.errno in codes:
            return True
        if any(f"[Errno {code}]" in str(item) for code in codes):
            return True

    return False


def classify_exception(error: BaseException) -> ErrorKind:
    """Return the error kind of an exception raised while a request was in flight."""
    for timeout_type, kind in _TIMEOUTS:
        if isinstance(error, timeout_type):
            return kind

    if isinstance(error, httpx.ConnectError):
        if _has_errno(error, errno.ECONNREFUSED):
            return ErrorKind.CONNECT_REFUSED
        return ErrorKind.CONNECT_ERROR

    if isinstance(error, httpx.RemoteProtocolError):
        return ErrorKind.REMOTE_PROTOCOL

    if _has_errno(error, errno.ECONNRESET, errno.EPIPE):
        return ErrorKind.RESET

    if isinstance(error, httpx.ReadError):
        return ErrorKind.READ_ERROR

    if isinstance(error, httpx.WriteError):
        return ErrorKind.WRITE_ERROR

    return ErrorKind.OTHER
