"""Weighted pooling: source and labelled target rows trained on together,
the target rows up-weighted, the weight chosen on the target labels."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score
from sklearn.utils.validation import _check_method_params

from .._validation import check_number
from ..base import BaseAdapter
from ._source_model import cross_validate_grid, labelled_target_rows

__all__ = ["WeightedPooling"]

#: Shares of the total training weight given to the labelled target rows by
#: the default grid of ``target_weight="auto"`` (plain pooling is added).
TARGET_SHARES = (0.1, 0.25, 0.5, 0.75, 0.9)


class WeightedPooling(BaseAdapter):
    r"""Train on the source and the labelled target rows, the target rows
    up-weighted.

    The estimator is fitted on every labelled row, a source row with weight
    1 and a labelled target row with weight :math:`w` (times any
    ``sample_weight``). :math:`w = 1` is plain pooling; a large :math:`w`
    approaches target-only training. With :math:`n_s` source and
    :math:`n_t` labelled target rows, the target rows hold the share
    :math:`\rho = w n_t / (n_s + w n_t)` of the total weight.

    ``target_weight="auto"`` chooses :math:`w` by ``cv``-fold
    cross-validation on the labelled target rows (each fold trains on every
    source row and the other folds' target rows, and is scored on its
    held-out target rows: accuracy, or minus the mean squared error) among plain pooling and
    the weights giving the target rows the shares ``target_shares``. This is
    the "WEIGHTED" baseline of Daume III (2007), which the published
    comparisons of few-label transfer include.

    Parameters
    ----------
    estimator : estimator
        Any classifier or regressor whose ``fit`` takes ``sample_weight``.
    target_weight : float > 0 or "auto", default="auto"
        Weight :math:`w` of a labelled target row (a source row has 1).
    target_shares : sequence of float in (0, 1), default=(0.1, 0.25, 0.5, 0.75, 0.9)
        Grid of ``"auto"``, as shares :math:`\rho` of the total weight (so
        that it means the same for any :math:`n_s / n_t`); plain pooling
        (:math:`w = 1`) is always in the grid.
    cv : int, default=3
        Folds of ``"auto"``.
    random_state : int, RandomState or None, default=None
        Shuffling of the folds.

    Attributes
    ----------
    estimator_ : the estimator fitted on the weighted rows.
    target_weight_ : float
        :math:`w` used.
    target_share_ : float
        The labelled target rows' share of the total weight.
    cv_results_ : dict or None
        ``"auto"``: ``target_weight``, ``target_share`` and
        ``mean_test_score`` of every setting.
    n_features_in_, feature_names_in_, classes_ (classifiers)

    References
    ----------
    H. Daume III. Frustratingly easy domain adaptation. ACL 2007 (the
    WEIGHTED baseline).
    """

    _requires_estimator = True
    _accept_sparse = True

    def __init__(self, estimator=None, *, target_weight="auto",
                 target_shares=TARGET_SHARES, cv=3, random_state=None):
        self.estimator = estimator
        self.target_weight = target_weight
        self.target_shares = target_shares
        self.cv = cv
        self.random_state = random_state

    def _check_adapter(self, data):
        owner = type(self).__name__
        self._require_sample_weight()
        if isinstance(self.target_weight, str):
            if self.target_weight != "auto":
                raise ValueError(f"{owner}: target_weight must be a float > 0 or "
                                 f"'auto', got {self.target_weight!r}.")
            shares = np.asarray(self.target_shares, dtype=np.float64).ravel()
            if shares.size == 0 or not np.all((shares > 0) & (shares < 1)):
                raise ValueError(f"{owner}: target_shares must be floats strictly "
                                 f"between 0 and 1, got {self.target_shares!r}.")
            check_number(self.cv, "cv", owner=owner, integer=True, low=2)
        else:
            check_number(self.target_weight, "target_weight", owner=owner, low=0,
                         low_inclusive=False)
        labelled_target_rows(data, owner)

    def _fit_adapter(self, data, fit_params):
        source = np.flatnonzero(data.labelled & data.is_source)
        target = labelled_target_rows(data, type(self).__name__)
        n_s, n_t = source.size, target.size
        if self.target_weight != "auto":
            self.target_weight_ = float(self.target_weight)
            self.cv_results_ = None
        else:
            shares = np.asarray(self.target_shares, dtype=np.float64).ravel()
            grid = np.r_[1.0, shares / (1 - shares) * n_s / n_t]
            task = self._task()

            def fit_score(w, tr, te):
                rows = np.r_[source, target[tr]]
                p = _check_method_params(data.X, fit_params, indices=rows)
                weights = np.r_[np.ones(source.size), np.full(tr.size, w)]
                if p.get("sample_weight") is not None:
                    weights = weights * np.asarray(p["sample_weight"], np.float64)
                p["sample_weight"] = weights
                est = clone(self.estimator).fit(data.X[rows], data.y[rows], **p)
                held = target[te]
                pred = est.predict(data.X[held])
                if task == "regression":
                    return -float(np.mean((pred - data.y[held]) ** 2))
                return accuracy_score(data.y[held], pred)

            best, means = cross_validate_grid(fit_score, grid, data.y[target], self.cv,
                                              task, self.random_state,
                                              type(self).__name__)
            self.target_weight_ = float(best)
            self.cv_results_ = {"target_weight": grid,
                                "target_share": grid * n_t / (n_s + grid * n_t),
                                "mean_test_score": means}
        w = self.target_weight_
        self.target_share_ = w * n_t / (n_s + w * n_t)
        return data.X

    def _training_weights(self, data):
        return np.where(data.is_target, self.target_weight_, 1.0)
