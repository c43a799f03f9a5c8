"""latency toxic: delays every chunk by ``latency`` ± ``jitter`` milliseconds."""

from chaos.faultproxy.channel import Chunk
from chaos.faultproxy.toxics.base import AttributeSpec, Toxic, ToxicStub


class LatencyToxic(Toxic):
    """Delay each chunk by ``latency + U[-jitter, +jitter)`` ms after it was read.

    The delay counts from the chunk's timestamp, so chunks that queue behind each other are
    delayed once, not once per queued chunk. The chunk leaves with a new timestamp, so several
    latency toxics in a chain add up.
    """

    type_name = "latency"
    attribute_specs = (
        AttributeSpec("latency", "milliseconds"),
        AttributeSpec("jitter", "milliseconds"),
    )

    async def pipe(self, stub: ToxicStub) -> None:
        latency_ms = self.attributes["latency"]
        jitter_ms = self.attributes["jitter"]

        while True:
            item = await stub.read()
            if item is None:
                return

            if isinstance(item, Chunk):
                delay_ms = latency_ms + stub.rng.uniform(-jitter_ms, jitter_ms)
                wait_s = item.timestamp + delay_ms / 1000 - stub.now()
                if not await stub.sleep(wait_s):
                    stub.unread(item)
                    return

                item = Chunk(item.data, stub.now())

            if not await stub.write(item):
                return

            if not isinstance(item, Chunk):
                return
