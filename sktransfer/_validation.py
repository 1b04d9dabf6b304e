"""Hyperparameter checks shared by every estimator: one wording for every
error, raised in ``fit`` before any heavy work."""

from __future__ import annotations

from contextlib import contextmanager
from numbers import Integral, Number, Real

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


#: The largest absolute value an estimator accepts in ``X``: squared
#: distances, kernels and covariances of larger values overflow float64
#: (about 1.8e308) or lose every digit, and the solvers then stall or return
#: NaN. Data this large is always a unit problem; rescaling fixes it.
MAX_ABS_VALUE = 1e100


def largest_abs(X):
    """The largest absolute value among the entries of ``X`` (dense or
    sparse: its stored entries), NaN ignored (an absent block of the block
    layout is not a magnitude); 0 for an empty or non-float ``X``."""
    data = np.asarray(X.data if hasattr(X, "data") and hasattr(X, "indptr") else X)
    if not data.size or data.dtype.kind not in "fc":
        return 0.0
    return float(np.max(np.abs(data), initial=0.0, where=~np.isnan(data)))


def check_magnitude(X, *, owner, what="X"):
    """Raise a ``ValueError`` when an entry of ``X`` (dense or sparse,
    already finite) exceeds :data:`MAX_ABS_VALUE` in absolute value."""
    largest = largest_abs(X)
    if largest > MAX_ABS_VALUE:
        raise ValueError(
            f"{owner}: {what} has an entry of absolute value {largest:.3g}, above "
            f"{MAX_ABS_VALUE:g}; distances and covariances of such values overflow "
            "float64. Rescale the features (e.g. StandardScaler, or a change of "
            "units) first.")


def check_sample_weight(sample_weight, n_samples, *, owner):
    """``sample_weight`` as a float64 array of ``n_samples`` finite,
    non-negative values, not all zero; a ``ValueError`` that says what is
    wrong otherwise."""
    sw = np.asarray(sample_weight, dtype=np.float64) if not np.isscalar(sample_weight) \
        else np.full(n_samples, float(sample_weight))
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(
            f"{owner}: sample_weight has shape {sw.shape} but X has {n_samples} rows; "
            "pass one weight per row of X.")
    if not np.all(np.isfinite(sw)):
        raise ValueError(f"{owner}: sample_weight holds NaN or infinite values.")
    if np.any(sw < 0):
        raise ValueError(
            f"{owner}: sample_weight holds negative values (the smallest is "
            f"{sw.min():.3g}); weights must be >= 0.")
    if not np.any(sw > 0):
        raise ValueError(f"{owner}: every sample_weight is 0; at least one row must "
                         "have a positive weight.")
    return sw


def non_numeric_message(X, *, owner, what="X"):
    """The error message for an ``X`` with a column that does not convert to
    numbers, naming the column and a value; ``None`` when every column
    converts (the failure was something else)."""
    columns = getattr(X, "columns", None)
    if columns is not None and hasattr(X, "iloc"):     # a DataFrame
        candidates = ((name, j, X.iloc[:, j].to_numpy()) for j, name in enumerate(columns))
    else:
        try:
            array = np.asarray(X, dtype=object)
        except Exception:       # ragged rows: not this problem
            return None
        if array.ndim != 2:
            return None
        candidates = ((None, j, array[:, j]) for j in range(array.shape[1]))
    for name, j, values in candidates:
        for value in values:
            if isinstance(value, (Number, np.number, np.bool_)):
                continue            # complex is numbers' own error, not this one
            try:
                float(value)
            except (TypeError, ValueError):
                where = f"column {name!r} (index {j})" if name is not None else f"column {j}"
                return (
                    f"{owner}: {where} of {what} holds a non-numeric value, {value!r}; the "
                    "estimators take numbers only. Encode such a column first, e.g. "
                    "with a OneHotEncoder or OrdinalEncoder in a ColumnTransformer "
                    "placed before this estimator in the Pipeline, or drop it.")
    return None


@contextmanager
def naming_non_numeric(X, *, owner, what="X"):
    """Turn a failed numeric conversion of ``X`` inside the block (numpy's
    "could not convert string to float: 'paris'") into a ``ValueError``
    that names the column and the way out. Costs nothing when the block
    succeeds."""
    try:
        yield
    except ValueError as exc:       # a TypeError (a dict in X) keeps numpy's wording
        message = non_numeric_message(X, owner=owner, what=what)
        if message is None:
            raise
        raise ValueError(message) from exc


def validate_numeric(estimator, X, *args, **kwargs):
    """scikit-learn's ``validate_data`` with a non-numeric column of ``X``
    named in the error (:func:`naming_non_numeric`)."""
    from sklearn.utils.validation import validate_data

    with naming_non_numeric(X, owner=type(estimator).__name__):
        return validate_data(estimator, X, *args, **kwargs)
