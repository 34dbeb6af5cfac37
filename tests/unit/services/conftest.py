from __future__ import annotations

import pytest
from tests.unit.services.practice import Practice


@pytest.fixture
def practice() -> Practice:
    return Practice()


@pytest.fixture
def loaded(practice: Practice) -> Practice:
    """The practice with its claims and the payer's fee schedule imported."""
    practice.load_reference_data()
    return practice
