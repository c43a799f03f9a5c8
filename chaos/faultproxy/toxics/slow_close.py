"""slow_close toxic: holds the close of the stream for ``delay`` milliseconds."""

from chaos.faultproxy.channel import EndOfStream
from chaos.faultproxy.toxics.base import AttributeSpec, Toxic, ToxicStub


class SlowCloseToxic(Toxic):
    """Pass data through, and forward the source's half-close ``delay`` ms after it arrives."""

    type_name = "slow_close"
    attribute_specs = (AttributeSpec("delay", "milliseconds"),)

    async def pipe(self, stub: ToxicStub) -> None:
        delay_s = self.attributes["delay"] / 1000

        while True:
            item = await stub.read()
            if item is None:
                return

            if isinstance(item, EndOfStream) and not await stub.sleep(delay_s):
                stub.unread(item)
                return

            if not await stub.write(item):
                return

            if isinstance(item, EndOfStream):
                return
