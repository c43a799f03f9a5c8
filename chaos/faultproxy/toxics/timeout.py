"""timeout toxic: drops all data, then closes the connection after ``timeout`` milliseconds."""

from chaos.faultproxy.channel import Chunk
from chaos.faultproxy.toxics.base import AttributeSpec, Toxic, ToxicStub


class TimeoutToxic(Toxic):
    """Drop every chunk, and close the connection ``timeout`` ms after the toxic starts on the
    link. With ``timeout`` 0 it drops data until removed, and removal closes the
    connection because the bytes it dropped leave the stream corrupt."""

    type_name = "timeout"
    attribute_specs = (AttributeSpec("timeout", "milliseconds"),)
    closes_connection_on_removal = True

    async def pipe(self, stub: ToxicStub) -> None:
        timeout_ms = self.attributes["timeout"]
        deadline: float | None = None
        if timeout_ms > 0:
            # The deadline survives restarts of the chain caused by other toxics, so adding a
            # second toxic does not postpone the close. Changing ``timeout`` sets a new one.
            if stub.state.get("timeout_ms") != timeout_ms:
                stub.state["timeout_ms"] = timeout_ms
                stub.state["deadline"] = stub.now() + timeout_ms / 1000

            deadline = stub.state["deadline"]

        while True:
            try:
                item = await stub.read(deadline)
            except TimeoutError:
                stub.control.close_connection(reset=False)
                return

            if item is None:
                return

            if not isinstance(item, Chunk):
                stub.control.close_connection(reset=False)
                return
