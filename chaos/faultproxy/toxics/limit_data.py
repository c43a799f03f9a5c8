"""limit_data toxic: closes the connection once ``bytes`` bytes have passed in its direction."""

from chaos.faultproxy.channel import Chunk, CloseConnection
from chaos.faultproxy.toxics.base import AttributeSpec, Toxic, ToxicStub


class LimitDataToxic(Toxic):
    """Forward exactly ``bytes`` bytes, then close the connection after they are written.

    The count is per link and survives chain restarts and updates of this toxic. Removing the
    toxic drops it.
    """

    type_name = "limit_data"
    attribute_specs = (AttributeSpec("bytes", "bytes"),)

    async def pipe(self, stub: ToxicStub) -> None:
        limit = self.attributes["bytes"]

        while True:
            item = await stub.read()
            if item is None:
                return

            if not isinstance(item, Chunk):
                await stub.write(item)
                return

            sent = int(stub.state.get("bytes_sent", 0))
            remaining = limit - sent
            if len(item.data) < remaining:
                stub.state["bytes_sent"] = sent + len(item.data)
                if not await stub.write(item):
                    return

                continue

            stub.state["bytes_sent"] = limit
            if remaining > 0 and not await stub.write(Chunk(item.data[:remaining], item.timestamp)):
                stub.unread(CloseConnection())
                return

            await stub.write(CloseConnection())
            return
