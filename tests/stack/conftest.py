"""Fixtures for the embedded stack's tests: they need root and iproute2 for network namespaces."""

import os
import shutil

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.geteuid() == 0 and shutil.which("ip") is not None:
        return
    skip = pytest.mark.skip(reason="network namespaces need root and the 'ip' command (iproute2)")
    for item in items:
        if "tests/stack/" in str(item.path):
            item.add_marker(skip)
