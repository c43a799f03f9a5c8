"""slicer toxic: splits the stream into small chunks with a delay between them."""

from collections.abc import Mapping

from chaos.faultproxy.channel import Chunk
from chaos.faultproxy.errors import ApiError
from chaos.faultproxy.toxics.base import AttributeSpec, Toxic, ToxicStub


class SlicerToxic(Toxic):
    """Cut each chunk into pieces of ``average_size ± size_variation`` bytes (at least 1) and
    sleep ``delay`` microseconds after each piece. ``average_size`` 0 passes data uncut."""

    type_name = "slicer"
    attribute_specs = (
        AttributeSpec("average_size", "bytes"),
        AttributeSpec("size_variation", "bytes"),
        AttributeSpec("delay", "microseconds"),
    )

    @classmethod
    def check_combination(cls, values: Mapping[str, int]) -> None:
        average = values["average_size"]
        variation = values["size_variation"]
        if average > 0 and variation >= average:
            raise ApiError(
                400,
                f"attribute size_variation={variation} is out of range for toxic type "
                f"'slicer': expected an integer below average_size={average}",
            )

    async def pipe(self, stub: ToxicStub) -> None:
        average = self.attributes["average_size"]
        variation = self.attributes["size_variation"]
        delay_s = self.attributes["delay"] / 1_000_000
        if average <= 0:
            await stub.forward_until_end()
            return

        while True:
            item = await stub.read()
            if item is None:
                return

            if not isinstance(item, Chunk):
                await stub.write(item)
                return

            data = item.data
            while data:
                size = max(1, average + stub.rng.randint(-variation, variation))
                piece, data = data[:size], data[size:]
                if not await stub.write(Chunk(piece, item.timestamp)):
                    if data:
                        stub.unread(Chunk(data, item.timestamp))
                    return

                if data and not await stub.sleep(delay_s):
                    stub.unread(Chunk(data, item.timestamp))
                    return
