"""reset_peer toxic: resets the connection (TCP RST) ``timeout`` ms after the first data."""

from chaos.faultproxy.channel import Chunk
from chaos.faultproxy.toxics.base import AttributeSpec, Toxic, ToxicStub


class ResetPeerToxic(Toxic):
    """On the first chunk in this direction, wait ``timeout`` ms, then close both sockets with
    SO_LINGER 0 so the peers get "connection reset by peer". The chunk is not forwarded. An
    idle connection is not reset until data flows."""

    type_name = "reset_peer"
    attribute_specs = (AttributeSpec("timeout", "milliseconds"),)

    async def pipe(self, stub: ToxicStub) -> None:
        while True:
            item = await stub.read()
            if item is None:
                return

            if not isinstance(item, Chunk):
                await stub.write(item)
                return

            if "first_data_at" not in stub.state:
                stub.state["first_data_at"] = stub.now()

            reset_at = stub.state["first_data_at"] + self.attributes["timeout"] / 1000
            if not await stub.sleep(reset_at - stub.now()):
                stub.unread(item)
                return

            stub.control.close_connection(reset=True)
            return
