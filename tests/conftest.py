"""Shared test fixtures."""

from pathlib import Path

import pytest

#: The real data sets (wine, heart disease, Office-Caltech10, Amazon reviews):
#: ``../shared/data`` beside the repository root, as CI and developers have it.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data():
    """Path of the real data folder; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"real data folder not found at {SHARED_DATA} (the repository expects "
            "the shared data sets at ../shared/data beside its root)"
        )
    return SHARED_DATA
