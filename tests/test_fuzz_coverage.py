"""Every public estimator, scorer, splitter and metric is fuzzed by
tests/fuzz (or excluded there with a reason): a new public name fails this
test until it is."""

import importlib
import importlib.util
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))

import _targets

SUBPACKAGES = ["auto", "datasets", "metrics", "model_selection", "multisource", "online",
               "deep"]


def public_names():
    import sktransfer

    names = {f"sktransfer.{n}" for n in sktransfer.__all__}
    for sub in SUBPACKAGES:
        if sub == "deep" and importlib.util.find_spec("torch") is None:
            continue
        module = importlib.import_module(f"sktransfer.{sub}")
        names |= {f"sktransfer.{sub}.{n}" for n in getattr(module, "__all__", [])}
    return names


def fuzzed():
    short = set(_targets.estimators()) | set(_targets.online()) | set(_targets.scorers()) \
        | set(_targets.splitters()) | set(_targets.metrics())
    if importlib.util.find_spec("torch") is not None:
        short |= set(_targets.deep())
    return short


def test_every_public_name_is_fuzzed_or_excluded_with_a_reason():
    covered = fuzzed()
    missing = sorted(name for name in public_names()
                     if name.rsplit(".", 1)[1] not in covered
                     and name not in _targets.EXCLUDED)
    assert not missing, f"not fuzzed and not excluded with a reason: {missing}"
    assert all(reason.strip() for reason in _targets.EXCLUDED.values())


@pytest.mark.parametrize("name", sorted(_targets.EXCLUDED))
def test_an_excluded_name_exists(name):
    module, _, attr = name.rpartition(".")
    assert hasattr(importlib.import_module(module), attr), name
