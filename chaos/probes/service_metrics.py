"""Reads a service's own metrics from its Prometheus expositions."""

import time
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from chaos.stack.service_handle import ServiceEndpoint


def exported_name(endpoint: ServiceEndpoint, base_name: str) -> str:
    """Return the name as exported: Ray prefixes custom metrics with ``ray_``."""
    return f"ray_{base_name}" if endpoint.name == "ray" else base_name


def read_metric(endpoint: ServiceEndpoint, sample_name: str, **labels: str) -> float:
    """Sum every sample called ``sample_name`` whose labels include ``labels``, over all
    expositions of the service. ``sample_name`` is the base name plus any suffix (``_total``,
    ``_count``); the ``ray_`` prefix is added for Ray Serve."""
    wanted = exported_name(endpoint, sample_name)
    total = 0.0
    with httpx.Client(timeout=5.0) as client:
        for url in endpoint.metrics_urls:
            text = client.get(url).text
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    if sample.name != wanted:
                        continue
                    if all(sample.labels.get(key) == value for key, value in labels.items()):
                        total += sample.value
    return total


def exported_sample_names(endpoint: ServiceEndpoint) -> set[str]:
    """Return every sample name in the service's expositions."""
    names: set[str] = set()
    with httpx.Client(timeout=5.0) as client:
        for url in endpoint.metrics_urls:
            for family in text_string_to_metric_families(client.get(url).text):
                names.update(sample.name for sample in family.samples)
    return names


def wait_for_value(
    read: Callable[[], float],
    accept: Callable[[float], bool],
    timeout_s: float,
    interval_s: float = 0.1,
) -> tuple[float, float]:
    """Poll ``read`` until ``accept`` holds; returns the last value and the seconds it took.

    The caller asserts on both, so a value that never arrives fails with what was seen last.
    """
    started = time.monotonic()
    value = read()
    while not accept(value) and time.monotonic() - started < timeout_s:
        time.sleep(interval_s)
        value = read()
    return value, time.monotonic() - started
