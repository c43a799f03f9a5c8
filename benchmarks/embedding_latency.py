"""Sequential latency of one embedding request on each reference service.

Starts each service with the embedded stack's launchers, sends ``--warmup`` requests, then
``--requests`` sequential requests of one short sentence over one keep-alive connection, and
prints p50, p90 and p99 in milliseconds as JSON::

    python -m benchmarks.embedding_latency --requests 200
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from chaos.stack.fastapi_service import FastAPIServiceConfig, running_fastapi_service
from chaos.stack.ports import free_port
from chaos.stack.ray_service import running_ray_service

SENTENCE = "The quick brown fox jumps over the lazy dog."


def measure(base_url: str, warmup: int, requests: int) -> dict[str, float]:
    """Return latency percentiles in milliseconds of ``requests`` sequential calls."""
    samples: list[float] = []
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        for index in range(warmup + requests):
            started = time.perf_counter()
            response = client.post("/v1/embeddings", json={"texts": [SENTENCE]})
            elapsed_ms = (time.perf_counter() - started) * 1000
            response.raise_for_status()
            if index >= warmup:
                samples.append(elapsed_ms)

    deciles = statistics.quantiles(samples, n=100)
    return {
        "requests": len(samples),
        "p50_ms": round(statistics.median(samples), 2),
        "p90_ms": round(deciles[89], 2),
        "p99_ms": round(deciles[98], 2),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure both services and print one JSON object per service."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=200, help="measured requests per service")
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests sent first")
    parser.add_argument("--services", default="fastapi,ray", help="comma-separated: fastapi, ray")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-", dir="/tmp") as directory:
        workdir = Path(directory)
        for name in options.services.split(","):
            if name == "fastapi":
                config = FastAPIServiceConfig(port=free_port(), workers=2)
                with running_fastapi_service(workdir / "fastapi", config) as service:
                    result = measure(service.endpoint.base_url, options.warmup, options.requests)
            elif name == "ray":
                with running_ray_service(workdir / "ray", first_index=25) as ray_service:
                    result = measure(
                        ray_service.endpoint.base_url, options.warmup, options.requests
                    )
            else:
                parser.error(f"unknown service {name!r}; expected fastapi or ray")
            print(json.dumps({"service": name, **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
