"""Hypothesis profiles of the property-based fuzz tests (issue 19).

``SKTRANSFER_FUZZ_PROFILE`` selects one:

* ``ci`` (the default, CI's step 2): 1,000 cases a target, derandomized (the
  same cases every run, so that a failing CI run is reproducible);
  ``python -m pytest -m slow tests/fuzz -q -n 2`` with one BLAS / torch thread
  per worker takes about 5.5 minutes on two cores (10 CPU-minutes; the deep
  nets, ~0.1 s a fit, are half of it);
* ``full``: 1,000 new random cases a target each run (exploration by hand);
* ``quick``: 100 derandomized cases a target (about a minute), while developing.

No example database is written."""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

_COMMON = dict(database=None, deadline=15000, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.filter_too_much])
settings.register_profile("ci", max_examples=1000, derandomize=True, **_COMMON)
settings.register_profile("full", max_examples=1000, derandomize=False, **_COMMON)
settings.register_profile("quick", max_examples=100, derandomize=True, **_COMMON)
PROFILE = os.environ.get("SKTRANSFER_FUZZ_PROFILE", "ci")
if PROFILE not in ("ci", "full", "quick"):
    raise ValueError("SKTRANSFER_FUZZ_PROFILE must be 'ci', 'full' or 'quick', got "
                     f"{PROFILE!r}")
settings.load_profile(PROFILE)
