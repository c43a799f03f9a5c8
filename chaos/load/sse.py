"""Incremental parser of a server-sent event stream, fed with raw byte chunks."""

import codecs
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSentEvent:
    """One event: its type (``message`` when the stream names none) and its joined data lines."""

    event: str
    data: str


class SseParser:
    """Split a byte stream into events at blank lines, accepting LF, CRLF and CR line ends."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending_cr = False
        self._buffer = ""
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Add ``chunk`` and return the events it completed."""
        text = ("\r" if self._pending_cr else "") + self._decoder.decode(chunk)

        # A CR at the end of a chunk may be the first half of a CRLF, so it waits for the next.
        self._pending_cr = text.endswith("\r")
        if self._pending_cr:
            text = text[:-1]

        self._buffer += text.replace("\r\n", "\n").replace("\r", "\n")
        events: list[ServerSentEvent] = []

        while "\n" in self._buffer:
            line, self._buffer = self._buffer.split("\n", 1)
            event = self._take_line(line)
            if event is not None:
                events.append(event)

        return events

    def _take_line(self, line: str) -> ServerSentEvent | None:
        if not line:
            if not self._data and not self._event:
                return None

            event = ServerSentEvent(self._event or "message", "\n".join(self._data))
            self._event = ""
            self._data = []
            return event

        if line.startswith(":"):
            return None

        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)

        return None
