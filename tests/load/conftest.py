"""Fixtures: the stall app served on 127.0.0.1 for the duration of one test."""

from collections.abc import Iterator

import pytest

from .stall_app import AppState, serve


@pytest.fixture
def app_state() -> AppState:
    return AppState()


@pytest.fixture
def base_url(app_state: AppState) -> Iterator[str]:
    with serve(app_state) as url:
        yield url
