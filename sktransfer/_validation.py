"""Hyperparameter checks shared by every estimator: one wording for every
error, raised in ``fit`` before any heavy work."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np


def check_number(value, name, *, owner, integer=False, low=None,
                 low_inclusive=True, allow_none=False):
    """Raise a ``ValueError`` unless ``value`` is a finite number (an integer
    when ``integer``) ``>= low`` (``> low`` when not ``low_inclusive``), or
    ``None`` when ``allow_none``."""
    if value is None and allow_none:
        return
    kind = Integral if integer else Real
    ok = isinstance(value, kind) and not isinstance(value, bool) and np.isfinite(value)
    if ok and low is not None:
        ok = value >= low if low_inclusive else value > low
    if not ok:
        if integer and low == 1 and low_inclusive:
            what = "a positive integer"
        else:
            what = "an integer" if integer else "a finite float"
            if low is not None:
                what += f" {'>=' if low_inclusive else '>'} {low:g}"
        if allow_none:
            what += " or None"
        raise ValueError(f"{owner}: {name} must be {what}, got {value!r}.")


def check_option(value, name, options, *, owner):
    """Raise a ``ValueError`` unless ``value`` is one of ``options``."""
    if not any(value is opt or (type(value) is type(opt) and value == opt)
               for opt in options):
        raise ValueError(f"{owner}: {name} must be one of {options}, got {value!r}.")


def check_dict(value, name, *, owner):
    """Raise a ``ValueError`` unless ``value`` is a dict or ``None``."""
    if value is not None and not isinstance(value, dict):
        raise ValueError(f"{owner}: {name} must be a dict or None, got {value!r}.")


def check_bool(value, name, *, owner=None):
    """Raise a ``ValueError`` unless ``value`` is ``True`` or ``False``."""
    if not isinstance(value, (bool, np.bool_)):
        prefix = f"{owner}: " if owner else ""
        raise ValueError(f"{prefix}{name} must be True or False, got {value!r}.")
