"""Hypothesis profiles of the property-based fuzz tests (issue 19).

``SKTRANSFER_FUZZ_PROFILE`` selects one: ``ci`` (the default; derandomized,
100 cases a target, 10 for the deep nets, which take ~0.1 s a fit;
``python -m pytest -m slow tests/fuzz -q`` takes a few minutes on two cores)
or ``full`` (1,000 cases a target). No example database is written."""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

_COMMON = dict(database=None, deadline=15000, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])
settings.register_profile("ci", max_examples=100, derandomize=True, **_COMMON)
settings.register_profile("full", max_examples=1000, derandomize=False, **_COMMON)
PROFILE = os.environ.get("SKTRANSFER_FUZZ_PROFILE", "ci")
if PROFILE not in ("ci", "full"):
    raise ValueError(f"SKTRANSFER_FUZZ_PROFILE must be 'ci' or 'full', got {PROFILE!r}")
settings.load_profile(PROFILE)
