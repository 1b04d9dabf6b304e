"""The domain data contract: how source and target rows enter every estimator.

This module is the single place where sktransfer decides which rows of a data
set are *source* rows, which are *target* rows and which carry a label. Every
estimator, scorer, splitter and benchmark of the package goes through it; when
the contract changes it changes here (and in ``docs/contract.md``).

The contract
------------
* ``X`` stacks the rows of every domain in one array, DataFrame or (where the
  method allows it) sparse matrix.
* ``y`` holds the labels. An unlabelled row is marked ``-1`` for classification
  (scikit-learn's semi-supervised convention) and ``NaN`` for regression.
  ``NaN`` (or ``None`` in an object array) also marks an unlabelled row of a
  classification target. A classification problem whose genuine classes
  include ``-1`` must be recoded before use.
* ``sample_domain`` (optional fit parameter): one integer per row; positive
  integers are source domains, negative integers target domains; ``0``, a
  non-integer value or a wrong length is an error. Without it, unlabelled rows
  form the target domain (``-1``) and labelled rows the source domain (``1``).
  Several source ids are several source domains: adapters pool them unless
  they take ``source_handling="per_domain"``
  (:class:`sktransfer._per_domain.PerSourceDomainMixin`).
* At ``predict`` / ``transform`` time every row is a target row unless
  ``sample_domain`` says otherwise. At ``score`` time the same holds, with one
  exception: a ``y`` that contains masked labels is a held-out part of a
  training set (a cross-validation fold), so its domains are inferred exactly
  as at fit time.
* Nothing is ever dropped silently from an output: ``predict`` and
  ``transform`` return one row per input row.

Heterogeneous feature spaces (the block layout)
-----------------------------------------------
When source and target are described by different features, ``X`` holds
a *source block* and a *target block* of columns side by side
(:class:`FeatureBlocks`). A row fills the block of each feature space it
is described in and leaves the other block absent: all ``NaN`` for a dense
``X``; no stored entry for a sparse ``X``. A row with both blocks filled
is a *parallel pair*. The rules above still decide the domains, with one
addition: without ``sample_domain``, a labelled row whose source block is
absent is a target row (it cannot be a source row), so a few labelled
target rows need no ``sample_domain``. A source row must fill its source
block and a target row its target block.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

__all__ = [
    "MASKED_LABEL",
    "DEFAULT_SOURCE",
    "DEFAULT_TARGET",
    "DomainData",
    "FeatureBlocks",
    "check_sample_domain",
    "column_indices",
    "labelled_mask",
    "check_masked_labels",
    "infer_sample_domain",
    "make_sample_domain",
    "mask_target_labels",
    "split_domains",
]

#: Label that marks an unlabelled row of a classification target.
MASKED_LABEL = -1
#: Domain given to labelled rows when ``sample_domain`` is not passed.
DEFAULT_SOURCE = 1
#: Domain given to unlabelled rows (and to every row at predict time).
DEFAULT_TARGET = -1

_TASKS = ("classification", "regression", "auto")


def labelled_mask(y, *, task="auto"):
    """Boolean mask of the rows of ``y`` that carry a label.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels, with unlabelled rows masked as the contract says.
    task : {"classification", "regression", "auto"}, default="auto"
        ``"classification"``: ``-1``, ``NaN`` and ``None`` mark unlabelled
        rows. ``"regression"``: only ``NaN`` does. ``"auto"`` (used when no
        estimator tells the task, e.g. a transformer): ``NaN`` and ``None``
        always, and ``-1`` when ``y`` has an integer, boolean or object dtype.

    Returns
    -------
    mask : ndarray of bool of shape (n_samples,)
    """
    if task not in _TASKS:
        raise ValueError(f"task must be one of {_TASKS}, got {task!r}.")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"y must be one-dimensional (one label per row), got shape {y.shape}."
        )
    if y.dtype.kind == "f":
        unlabelled = np.isnan(y)
        if task == "classification":
            unlabelled |= y == MASKED_LABEL
        return ~unlabelled
    if y.dtype.kind in "iub":
        if task == "regression":
            return np.ones(y.shape, dtype=bool)
        return y != MASKED_LABEL
    if y.dtype.kind == "O":
        unlabelled = np.array(
            [
                v is None
                or (isinstance(v, float) and np.isnan(v))
                or (task != "regression" and _is_masked_scalar(v))
                for v in y
            ],
            dtype=bool,
        )
        return ~unlabelled
    # strings and other dtypes carry no masked value
    return np.ones(y.shape, dtype=bool)


def check_masked_labels(y, n_samples, *, task="auto"):
    """``y`` as every estimator takes it: one-dimensional, one label per row
    of ``X``; for regression numeric (returned as float64; ``NaN`` marks an
    unlabelled row, infinity is an error), for classification the labelled
    rows a valid class target.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, 1)
    n_samples : int
        Number of rows of ``X``.
    task : {"classification", "regression", "auto"}
        ``"auto"`` treats a float ``y`` as a regression target and checks
        nothing else.
    """
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import column_or_1d

    y = column_or_1d(y, warn=True)
    if y.shape[0] != n_samples:
        raise ValueError(
            f"X has {n_samples} rows but y has {y.shape[0]} labels; give one label "
            "per row (masked for unlabelled rows: -1 for classification, NaN for "
            "regression)."
        )
    if task == "regression" or (task == "auto" and y.dtype.kind == "f"):
        if y.dtype.kind not in "fiub":
            raise ValueError(
                f"Unknown label type: a regression target must be numeric, got "
                f"dtype {y.dtype}."
            )
        y = y.astype(np.float64)
        if np.isinf(y).any():
            raise ValueError("y contains infinity; mark unlabelled rows with NaN.")
    elif task == "classification":
        if y.dtype.kind == "f" and np.isinf(y).any():
            raise ValueError(
                "y contains infinity; a class label must be finite (mark unlabelled "
                "rows with -1 or NaN).")
        check_classification_targets(y[labelled_mask(y, task=task)])
    return y


def _is_masked_scalar(v):
    return (
        isinstance(v, (Integral, float, np.number))
        and not isinstance(v, bool)
        and v == MASKED_LABEL
    )


def check_sample_domain(sample_domain, n_samples):
    """Validate a ``sample_domain`` vector and return it as an int array.

    Raises a ``ValueError`` naming the problem for a wrong length, a
    non-integer value, or the reserved value ``0``.
    """
    sd = np.asarray(sample_domain)
    if sd.ndim != 1:
        raise ValueError(
            "sample_domain must be a 1-d array with one integer per row, got "
            f"an array of shape {sd.shape}."
        )
    if sd.shape[0] != n_samples:
        raise ValueError(
            f"sample_domain has {sd.shape[0]} entries but X has {n_samples} rows; "
            "give one domain label per row (positive: source, negative: target)."
        )
    if sd.dtype.kind == "f":
        if not np.all(np.isfinite(sd)) or np.any(sd != np.round(sd)):
            raise ValueError(
                "sample_domain must hold integers (positive: source, negative: "
                "target); it has non-integer or non-finite values."
            )
        sd = sd.astype(np.int64)
    elif sd.dtype.kind not in "iu":
        raise ValueError(
            "sample_domain must hold integers (positive: source, negative: target), "
            f"got dtype {sd.dtype}."
        )
    sd = sd.astype(np.int64, copy=True)
    if np.any(sd == 0):
        raise ValueError(
            "sample_domain contains 0, which is not a domain: use positive "
            "integers for source domains and negative integers for target domains."
        )
    return sd


def infer_sample_domain(y=None, sample_domain=None, *, n_samples, purpose="fit",
                        task="auto", source_absent=None):
    """Return the domain of every row as the contract decides it.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or None
        Labels with unlabelled rows masked.
    sample_domain : array-like of shape (n_samples,) or None
        Explicit domains; validated with :func:`check_sample_domain`.
    n_samples : int
        Number of rows of ``X``.
    purpose : {"fit", "predict", "score"}
        ``"fit"``: without ``sample_domain``, labelled rows are source and
        unlabelled rows target (``y`` is then required). ``"predict"``: every
        row is a target row. ``"score"``: as ``"predict"``, unless ``y`` has
        masked labels, in which case as ``"fit"``.
    task : {"classification", "regression", "auto"}
        How masked labels are recognised; see :func:`labelled_mask`.
    source_absent : ndarray of bool of shape (n_samples,), default=None
        Block layout only (:class:`FeatureBlocks`): rows whose source block
        is absent. Without ``sample_domain`` they are target rows even when
        labelled.

    Returns
    -------
    sample_domain : ndarray of int64 of shape (n_samples,)
    """
    if sample_domain is not None:
        return check_sample_domain(sample_domain, n_samples)
    if purpose == "predict" or y is None and purpose == "score":
        return np.full(n_samples, DEFAULT_TARGET, dtype=np.int64)
    if purpose not in ("fit", "score"):
        raise ValueError(f"purpose must be 'fit', 'predict' or 'score', got {purpose!r}.")
    if y is None:
        raise ValueError(
            "Cannot tell source rows from target rows: pass y with the target "
            "labels masked (-1 for classification, NaN for regression) or pass "
            "sample_domain (positive integers: source, negative: target)."
        )
    labelled = labelled_mask(y, task=task)
    if purpose == "score" and labelled.all():
        return np.full(n_samples, DEFAULT_TARGET, dtype=np.int64)
    if source_absent is not None:
        labelled = labelled & ~source_absent
    return np.where(labelled, DEFAULT_SOURCE, DEFAULT_TARGET).astype(np.int64)


def make_sample_domain(n_source, n_target):
    """``sample_domain`` for ``np.vstack([Xs, Xt])``: ``n_source`` ones then
    ``n_target`` minus ones."""
    return np.r_[
        np.full(int(n_source), DEFAULT_SOURCE, dtype=np.int64),
        np.full(int(n_target), DEFAULT_TARGET, dtype=np.int64),
    ]


def mask_target_labels(y, sample_domain, *, task="classification"):
    """Return a copy of ``y`` with the labels of every target row masked.

    The input is never modified. Classification labels become ``-1`` (the
    array is cast to a signed type or ``object`` when needed); regression
    labels become ``NaN``.
    """
    y = np.asarray(y)
    sd = check_sample_domain(sample_domain, y.shape[0])
    target = sd < 0
    if task == "regression":
        out = y.astype(np.float64, copy=True)
        out[target] = np.nan
        return out
    if y.dtype.kind in "iu":
        out = y.astype(np.result_type(y.dtype, np.int8), copy=True)
    elif y.dtype.kind == "f":
        out = y.astype(np.float64, copy=True)
    else:
        out = y.astype(object, copy=True)
    out[target] = MASKED_LABEL
    return out


def split_domains(X, y=None, sample_domain=None, *, task="auto"):
    """The source rows and the target rows of ``X``, as the contract decides
    them at fit time: from ``sample_domain`` when given, else labelled rows
    are source and masked rows target.

    For the shift diagnostics of :mod:`sktransfer.metrics`, which compare
    two samples: ``mmd(*split_domains(X, y))``.

    Returns
    -------
    X_source, X_target : the rows of ``X`` (same type) with a positive and a
        negative domain, in their order in ``X``.
    """
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    sd = infer_sample_domain(y, sample_domain, n_samples=n, purpose="fit", task=task)
    if not (sd > 0).any() or not (sd < 0).any():
        raise ValueError(
            "split_domains needs source and target rows, got "
            f"{int((sd > 0).sum())} source and {int((sd < 0).sum())} target rows: mask "
            "the target labels (-1 / NaN) or pass sample_domain."
        )
    take = (lambda rows: X.iloc[rows]) if hasattr(X, "iloc") else (lambda rows: X[rows])
    return take(np.flatnonzero(sd > 0)), take(np.flatnonzero(sd < 0))


@dataclass(frozen=True)
class DomainData:
    """Rows of a fit call sorted out by the contract.

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or None
    sample_domain : ndarray of int64 of shape (n_samples,)
    labelled : ndarray of bool of shape (n_samples,)
    has_source, has_target : ndarray of bool of shape (n_samples,) or None
        Block layout only (:class:`FeatureBlocks`): the rows that fill the
        source block and the target block.
    """

    X: object
    y: object
    sample_domain: np.ndarray
    labelled: np.ndarray
    has_source: np.ndarray | None = None
    has_target: np.ndarray | None = None

    @property
    def is_source(self):
        return self.sample_domain > 0

    @property
    def is_target(self):
        return self.sample_domain < 0

    @property
    def train(self):
        """Rows the downstream estimator is trained on: every labelled row."""
        return self.labelled

    @classmethod
    def from_fit(cls, X, y, sample_domain, *, task, require_labels=True,
                 n_classes_min=2, blocks=None, require_source=True):
        """Apply the fit-time contract and its checks to validated ``X``, ``y``.

        Raises ``ValueError`` for no source rows, no target rows, no labelled
        source row, or (classification) fewer than ``n_classes_min`` classes
        among the labelled rows. With ``blocks`` (a :class:`FeatureBlocks`),
        ``X`` is in the block layout: its presence is checked and recorded,
        a labelled row without its source block is a target row (see
        :func:`infer_sample_domain`), and every source (target) row must fill
        its source (target) block. ``require_source=False`` (estimators
        that can start from a source model fitted elsewhere, e.g.
        :class:`sktransfer.parameter.RegularTransferClassifier`) accepts
        data with target rows only.
        """
        n = X.shape[0]
        has_source = has_target = None
        if blocks is not None:
            has_source, has_target = blocks.presence(X)
        sd = infer_sample_domain(
            y, sample_domain, n_samples=n, purpose="fit", task=task,
            source_absent=None if blocks is None else ~has_source,
        )
        if y is None:
            labelled = np.zeros(n, dtype=bool)
        else:
            labelled = labelled_mask(y, task=task)
        data = cls(X=X, y=y, sample_domain=sd, labelled=labelled,
                   has_source=has_source, has_target=has_target)
        how = (
            "pass sample_domain with negative integers for target rows"
            if sample_domain is not None
            else "mask the labels of the target rows (-1 for classification, NaN "
            "for regression) or pass sample_domain (negative integers: target)"
        )
        if not data.is_target.any():
            raise ValueError(f"No target rows in the data: {how}.")
        if require_source and not data.is_source.any():
            raise ValueError(
                "No source rows in the data: every row is a target row. Give the "
                "labelled source rows a label (or a positive sample_domain)."
            )
        if require_labels:
            if require_source and not (labelled & data.is_source).any():
                raise ValueError(
                    "No labelled source row: the estimator needs labelled source "
                    "rows to learn from."
                )
            if task == "classification":
                classes = np.unique(y[labelled])
                if classes.shape[0] < n_classes_min:
                    raise ValueError(
                        f"The labelled rows hold {classes.shape[0]} class(es) "
                        f"({classes.tolist()}); a classifier needs at least "
                        f"{n_classes_min}. Check that the labels are not all masked."
                    )
        if blocks is not None:
            blocks.check_domains(sd, has_source, has_target)
        return data


def _first_rows(mask, k=5):
    rows = np.flatnonzero(mask)
    shown = ", ".join(str(r) for r in rows[:k])
    return f"{rows.size} row(s) ({shown}{', ...' if rows.size > k else ''})"


@dataclass(frozen=True)
class FeatureBlocks:
    """The block layout for source and target feature spaces that differ.

    ``X`` holds the columns of the source feature space (``source``) and
    those of the target feature space (``target``) side by side; the two
    blocks partition the columns. A row fills each block it is described
    in; an absent block is all ``NaN`` (dense ``X``) or has no stored entry
    (sparse ``X``, which must not store ``NaN``). Scalers that ignore
    ``NaN`` (``StandardScaler``, ``MinMaxScaler``, ...) keep the layout.

    Attributes
    ----------
    source, target : ndarray of int
        Column indices of the two blocks, in the order of ``X``.
    """

    source: np.ndarray
    target: np.ndarray

    @classmethod
    def resolve(cls, source_features, target_features, *, n_features,
                feature_names=None, owner="FeatureBlocks"):
        """Column indices of the two blocks from their specifications.

        Each of ``source_features`` / ``target_features`` is an array-like of
        column indices, a boolean mask over the columns, column names (when
        ``X`` is a DataFrame: ``feature_names`` given), or ``None`` for every
        column the other block does not take. Raises ``ValueError`` for a
        block that is empty, repeats or overlaps the other block, for columns
        left in neither block, and for unknown names or indices.
        """
        if source_features is None and target_features is None:
            raise ValueError(
                f"{owner}: give source_features or target_features (column indices, "
                "a boolean mask or column names); the other block defaults to the "
                "remaining columns."
            )
        blocks = {}
        for name, spec in (("source_features", source_features),
                           ("target_features", target_features)):
            if spec is not None:
                blocks[name] = column_indices(spec, name, n_features, feature_names,
                                              owner)
        taken = np.concatenate(list(blocks.values()))
        rest = np.setdiff1d(np.arange(n_features), taken)
        for name in ("source_features", "target_features"):
            if name not in blocks:
                blocks[name] = rest
        src, tgt = blocks["source_features"], blocks["target_features"]
        for name, idx in (("source_features", src), ("target_features", tgt)):
            if idx.size == 0:
                raise ValueError(f"{owner}: {name} selects no column of X's "
                                 f"{n_features} feature(s); each block needs at "
                                 "least one feature.")
        both = np.intersect1d(src, tgt)
        if both.size:
            raise ValueError(
                f"{owner}: columns {_names(both, feature_names)} are in both "
                "source_features and target_features; the blocks must not overlap "
                "(a feature recorded in both spaces takes one column in each block)."
            )
        unassigned = np.setdiff1d(np.arange(n_features), np.r_[src, tgt])
        if unassigned.size:
            raise ValueError(
                f"{owner}: columns {_names(unassigned, feature_names)} are in neither "
                "source_features nor target_features; assign every column to one "
                "block (or drop it before this step)."
            )
        return cls(source=np.sort(src), target=np.sort(tgt))

    def presence(self, X):
        """Which rows fill the source block and which the target block.

        Raises ``ValueError`` for a partly filled dense block, a sparse ``X``
        that stores ``NaN``, and a row that fills neither block.

        Returns
        -------
        has_source, has_target : ndarray of bool of shape (n_samples,)
        """
        filled = []
        for name, cols in (("source", self.source), ("target", self.target)):
            block = X[:, cols]
            if hasattr(block, "getnnz"):
                if np.isnan(block.data).any():
                    raise ValueError(
                        f"The sparse X stores NaN in its {name} block. In a sparse X "
                        "an absent block is marked by storing no entry, not by NaN."
                    )
                filled.append(np.asarray(block.getnnz(axis=1)) > 0)
                continue
            missing = np.isnan(block)
            n_missing = missing.sum(axis=1)
            partial = (n_missing > 0) & (n_missing < cols.size)
            if partial.any():
                raise ValueError(
                    f"{_first_rows(partial)} fill only part of the {name} block: a "
                    "block is either filled or all NaN (absent). Impute missing values "
                    "within the block first, from the rows that fill it."
                )
            filled.append(n_missing == 0)
        neither = ~(filled[0] | filled[1])
        if neither.any():
            raise ValueError(
                f"{_first_rows(neither)} fill neither the source nor the target block; "
                "every row must be described in at least one feature space."
            )
        return filled[0], filled[1]

    def check_domains(self, sample_domain, has_source, has_target):
        """Raise ``ValueError`` unless every source row fills the source
        block and every target row the target block."""
        for name, rows, filled in (("source", sample_domain > 0, has_source),
                                   ("target", sample_domain < 0, has_target)):
            bad = rows & ~filled
            if bad.any():
                raise ValueError(
                    f"{_first_rows(bad)} are {name} rows (by sample_domain or their "
                    f"labels) but leave the {name} block absent (all NaN, or no stored "
                    f"entry in a sparse X); a {name} row must "
                    f"fill the {name} block. Fix sample_domain, or the layout."
                )


def _names(indices, feature_names):
    if feature_names is not None:
        return [str(feature_names[i]) for i in indices[:10]]
    return indices[:10].tolist()


def column_indices(spec, name, n_features, feature_names=None, owner="X"):
    """Column indices (in the order given) of a block named by column
    indices, a boolean mask over the columns, or column names (``X`` a
    DataFrame: ``feature_names`` given). Raises ``ValueError`` for unknown
    names, indices outside the columns and a column listed twice."""
    arr = np.asarray(spec)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise ValueError(f"{owner}: {name} must be one-dimensional, got shape {arr.shape}.")
    if arr.dtype.kind == "b":
        if arr.shape[0] != n_features:
            raise ValueError(
                f"{owner}: the boolean mask {name} has {arr.shape[0]} entries but X "
                f"has {n_features} columns."
            )
        return np.flatnonzero(arr)
    if arr.dtype.kind in "US" or (arr.dtype.kind == "O" and arr.size
                                  and all(isinstance(v, str) for v in arr)):
        if feature_names is None:
            raise ValueError(
                f"{owner}: {name} names columns, but X has no column names; pass a "
                "DataFrame or give column indices."
            )
        position = {str(n): i for i, n in enumerate(feature_names)}
        unknown = [str(v) for v in arr if str(v) not in position]
        if unknown:
            raise ValueError(f"{owner}: {name} names columns X does not have: "
                             f"{unknown[:10]}.")
        idx = np.array([position[str(v)] for v in arr], dtype=np.intp)
    elif arr.dtype.kind in "iu" or arr.size == 0:
        idx = arr.astype(np.intp)
        outside = idx[(idx < -n_features) | (idx >= n_features)]
        if outside.size:
            raise ValueError(
                f"{owner}: {name} holds column indices {outside[:10].tolist()} outside "
                f"[0, {n_features}) for an X with {n_features} columns (negative "
                "indices count from the end)."
            )
        idx = idx % n_features
    else:
        raise ValueError(
            f"{owner}: {name} must hold column indices, a boolean mask or column "
            f"names, got dtype {arr.dtype}."
        )
    values, counts = np.unique(idx, return_counts=True)
    if (counts > 1).any():
        raise ValueError(f"{owner}: {name} lists columns "
                         f"{values[counts > 1][:10].tolist()} more than once.")
    return idx
