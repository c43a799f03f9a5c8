"""A small Prometheus HTTP API client for scenario checks."""

import time
from dataclasses import dataclass
from typing import Any

import httpx


class PrometheusQueryError(RuntimeError):
    """A query failed or returned an error status."""


@dataclass(frozen=True)
class Sample:
    """One series of an instant vector."""

    labels: dict[str, str]
    value: float


class PrometheusClient:
    """Instant queries, target health and alert state against one Prometheus server."""

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.Client(timeout=timeout_s)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def query(self, expression: str, at_unix_s: float | None = None) -> list[Sample]:
        """Run an instant query and return its vector; raises on errors and non-vectors."""
        params: dict[str, Any] = {"query": expression}
        if at_unix_s is not None:
            params["time"] = at_unix_s
        data = self._get("/api/v1/query", params)
        if data["resultType"] != "vector":
            message = f"query {expression!r} returned a {data['resultType']}, expected a vector"
            raise PrometheusQueryError(message)
        return [
            Sample(labels=item["metric"], value=float(item["value"][1])) for item in data["result"]
        ]

    def query_value(self, expression: str, at_unix_s: float | None = None) -> float | None:
        """Return the single value of a query, ``None`` when the vector is empty."""
        samples = self.query(expression, at_unix_s)
        if len(samples) > 1:
            message = f"query {expression!r} returned {len(samples)} series, expected one"
            raise PrometheusQueryError(message)
        return samples[0].value if samples else None

    def targets(self) -> list[dict[str, Any]]:
        """Return the active scrape targets with their health."""
        data = self._get("/api/v1/targets", {"state": "active"})
        targets: list[dict[str, Any]] = data["activeTargets"]
        return targets

    def alerts(self) -> list[dict[str, Any]]:
        """Return the alerts Prometheus currently holds (pending and firing)."""
        alerts: list[dict[str, Any]] = self._get("/api/v1/alerts", {})["alerts"]
        return alerts

    def wait_for_targets_up(self, jobs: set[str], timeout_s: float) -> dict[str, int]:
        """Wait until every job in ``jobs`` has at least one target and all its targets are up.

        Returns the number of up targets per job; raises ``PrometheusQueryError`` at the
        deadline with the targets' last errors.
        """
        deadline = time.monotonic() + timeout_s
        last: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            last = self.targets()
            up = {job: 0 for job in jobs}
            down = False
            for target in last:
                job = target["labels"].get("job")
                if job not in jobs:
                    continue
                if target["health"] == "up":
                    up[job] += 1
                else:
                    down = True
            if not down and all(count > 0 for count in up.values()):
                return up
            time.sleep(0.5)

        summary = [
            f"{target['labels'].get('job')} {target['scrapeUrl']}: {target['health']} "
            f"{target.get('lastError', '')}"
            for target in last
        ]
        message = f"scrape targets of {sorted(jobs)} not all up after {timeout_s} s: {summary}"
        raise PrometheusQueryError(message)

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.get(self.url + path, params=params)
        except httpx.HTTPError as error:
            message = f"GET {self.url}{path} failed: {error!r}"
            raise PrometheusQueryError(message) from error
        body = response.json()
        if response.status_code != 200 or body.get("status") != "success":
            reason = body.get("error")
            message = f"GET {self.url}{path} {params} returned {response.status_code}: {reason}"
            raise PrometheusQueryError(message)
        data: dict[str, Any] = body["data"]
        return data
