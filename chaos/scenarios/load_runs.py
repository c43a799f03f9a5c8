"""Short helpers to run the open-loop driver from synchronous scenario code."""

from chaos.ledger import Ledger, summarize
from chaos.ledger.summary import Summary
from chaos.load.config import LoadConfig
from chaos.load.driver import OpenLoopDriver
from chaos.load.mix import RequestKind, RequestMix, RequestTemplate, single

EMBEDDING_MIX = single(
    RequestTemplate(RequestKind.EMBEDDINGS, texts=("The replica under test embeds this sentence.",))
)


def steady_state_config(
    base_url: str, rate_rps: float, duration_s: float, mix: RequestMix = EMBEDDING_MIX
) -> LoadConfig:
    """Return the load of a steady-state probe: the scenario's rate, fresh connections."""
    return LoadConfig(
        base_url=base_url,
        rate_rps=rate_rps,
        duration_s=duration_s,
        mix=mix,
        timeout_s=5.0,
        new_connection_per_request=True,
        phase="steady_state",
    )


async def run_load(config: LoadConfig, ledger: Ledger | None = None) -> tuple[Ledger, Summary]:
    """Run one load to completion; return the ledger and its summary."""
    driver = OpenLoopDriver(config, ledger)
    result = await driver.run()
    return result, summarize(result.entries)
