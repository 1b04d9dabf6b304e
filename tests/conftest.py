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


@pytest.fixture(autouse=True)
def _no_network_downloads(monkeypatch, tmp_path_factory):
    """No test reaches the network: the UCI archives of the downloading
    loaders point at a local file that does not exist (tests of the download
    itself point them at a local zip instead)."""
    from dataclasses import replace

    from sktransfer.datasets import _real

    absent = (tmp_path_factory.getbasetemp() / "no-network.zip").as_uri()
    for name in ("WINE", "HEART"):
        monkeypatch.setattr(_real, name, replace(getattr(_real, name), url=absent))


@pytest.fixture(scope="module")
def shift():
    """A small covariate shift (120 rows, 3 features): ``y`` masks every
    target label, ``y_semi`` keeps every fourth one (15 labelled target
    rows), ``sd`` is ``sample_domain``."""
    from sklearn.utils import Bunch

    from sktransfer.datasets import make_covariate_shift, make_domain_split

    split = make_domain_split(
        make_covariate_shift(n_source=60, n_target=60, n_features=3, random_state=0),
        "source", "target")
    y_semi = split.y.copy()
    y_semi[split.target_index[::4]] = split.y_target_true[::4]
    return Bunch(X=split.X, y=split.y, y_semi=y_semi, sd=split.sample_domain)
