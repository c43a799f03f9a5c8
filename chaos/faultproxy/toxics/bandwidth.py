"""bandwidth toxic: paces the stream to ``rate`` kilobytes (1000 bytes) per second."""

from chaos.faultproxy.channel import Chunk
from chaos.faultproxy.toxics.base import AttributeSpec, Toxic, ToxicStub

# Each write carries at most 100 ms worth of data, so output is smooth at any rate.
_SLICE_SECONDS = 0.1


class BandwidthToxic(Toxic):
    """Pace output to ``rate`` KB/s (0 passes data unpaced). Never drops data."""

    type_name = "bandwidth"
    attribute_specs = (AttributeSpec("rate", "kilobytes per second"),)

    async def pipe(self, stub: ToxicStub) -> None:
        rate = self.attributes["rate"]
        if rate <= 0:
            await stub.forward_until_end()
            return

        bytes_per_second = rate * 1000
        slice_size = max(1, int(bytes_per_second * _SLICE_SECONDS))
        # Send time of the next slice. Slices are scheduled back to back on this clock, so
        # the rate does not drift with the time each write takes.
        next_send = stub.now()

        while True:
            item = await stub.read()
            if item is None:
                return

            if not isinstance(item, Chunk):
                await stub.write(item)
                return

            data = item.data
            while data:
                piece = data[:slice_size]
                next_send = max(next_send, stub.now()) + len(piece) / bytes_per_second
                if not await stub.sleep(next_send - stub.now()):
                    stub.unread(Chunk(data, item.timestamp))
                    return

                data = data[slice_size:]
                if not await stub.write(Chunk(piece, item.timestamp)):
                    if data:
                        stub.unread(Chunk(data, item.timestamp))
                    return
