"""Folds of one pool of labelled rows, shared by the estimators that
cross-validate inside ``fit`` (AutoAdapter, the parameter-transfer
estimators)."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold


def labelled_folds(y, n_splits, *, task, random_state=None, what="labelled"):
    """``[(train_positions, held_positions)]``: ``n_splits`` shuffled folds
    of the rows of ``y`` (positions into ``y``), stratified for
    classification.

    Stratified even when a class has fewer rows than folds (its rows then go
    to as many folds as it has), which is the usual case with a few target
    labels; plain shuffled folds when no class has as many rows as folds. Raises a ``ValueError`` naming ``what`` when there are fewer rows
    than folds.
    """
    n = len(y)
    if n < n_splits:
        raise ValueError(
            f"cv={n_splits} folds need at least {n_splits} {what} rows, got {n}. "
            "Label more rows or lower cv.")
    stratify = task == "classification"
    if stratify and np.unique(y, return_counts=True)[1].max() < n_splits:
        # no class has a row for every fold (8 labels of 10 classes):
        # stratification is impossible, plain shuffled folds it is
        stratify = False
    splitter = (StratifiedKFold if stratify else KFold)(
        n_splits, shuffle=True, random_state=random_state)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        return list(splitter.split(np.zeros(n), y))
