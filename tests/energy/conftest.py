"""Shared fixtures of the energy tests: the two sample scenarios."""

from __future__ import annotations

import pytest

from energy.scenario import Scenario, load_city_scenario


@pytest.fixture(scope="session")
def santa_cruz() -> Scenario:
    """Santa Cruz de la Sierra sample scenario."""
    return load_city_scenario("santa_cruz")


@pytest.fixture(scope="session")
def baltimore() -> Scenario:
    """Baltimore sample scenario."""
    return load_city_scenario("baltimore")
