"""The source model of the parameter-transfer estimators, and the
cross-validation of their strength parameter on the labelled target rows."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..model_selection._folds import labelled_folds

_HOW_TO_MARK = (
    "mark the labelled target rows with a negative sample_domain (fit(X, y, "
    "sample_domain=sd); in a Pipeline <step>__sample_domain=sd)"
)


def labelled_target_rows(data, owner):
    """Positions of the labelled target rows of ``data``; a ``ValueError``
    saying how to mark them when there are none."""
    rows = np.flatnonzero(data.labelled & data.is_target)
    if rows.size == 0:
        raise ValueError(
            f"{owner} learns from labelled target rows and there are none: "
            f"{_HOW_TO_MARK}. Without target labels use an unsupervised adapter "
            "or AutoAdapter.")
    return rows


def source_model(source_estimator, default, data, fit_params, owner, task):
    """The fitted source model.

    A clone of ``source_estimator`` (``default`` when ``None``) fitted on the
    labelled source rows; with no labelled source row, ``source_estimator``
    itself when it is already fitted (a model trained elsewhere; wrap it in
    :class:`sklearn.frozen.FrozenEstimator` to keep it unchanged even when
    there are source rows).
    """
    est = default if source_estimator is None else source_estimator
    rows = np.flatnonzero(data.labelled & data.is_source)
    if rows.size == 0:
        try:
            check_is_fitted(est)
        except (NotFittedError, TypeError):
            raise ValueError(
                f"{owner} has no labelled source row to fit its source model on, and "
                f"source_estimator={est!r} is not fitted: pass labelled source rows "
                "(positive sample_domain) or a fitted source_estimator.") from None
        return est
    if task == "classification" and np.unique(data.y[rows]).size < 2:
        raise ValueError(
            f"{owner}: the labelled source rows hold one class "
            f"({np.unique(data.y[rows]).tolist()}); the source model needs at least "
            "2. Pass source rows of every class, or a fitted source model and no "
            "source rows.")
    params = {k: np.asarray(v)[rows] for k, v in fit_params.items()}
    return clone(est).fit(data.X[rows], data.y[rows], **params)


def linear_parameters(model, owner):
    """``(coef, intercept)`` of a fitted linear model as 2-d / 1-d float
    arrays (``coef`` of shape (n_outputs, n_features))."""
    # a FrozenEstimator forwards its estimator's attributes
    if hasattr(model, "coef_"):
        coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
        intercept = np.ravel(np.asarray(getattr(model, "intercept_", 0.0),
                                        dtype=np.float64))
        if intercept.size == 1 and coef.shape[0] > 1:
            intercept = np.full(coef.shape[0], intercept[0])
        return coef, intercept
    raise ValueError(
        f"{owner} pulls a linear model towards the source model's coefficients, "
        f"but {type(model).__name__} has no coef_: use a linear source_estimator "
        "(LogisticRegression, Ridge, LinearRegression, SGDClassifier, ...).")


def check_alpha(alpha, alphas, owner):
    if isinstance(alpha, str):
        if alpha != "auto":
            raise ValueError(f"{owner}: alpha must be a float >= 0 or 'auto', got "
                             f"{alpha!r}.")
        grid = np.asarray(alphas, dtype=np.float64).ravel()
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
            raise ValueError(f"{owner}: alphas must be a non-empty list of finite "
                             f"floats >= 0, got {alphas!r}.")
        return grid
    if not (isinstance(alpha, Real) and not isinstance(alpha, bool)
            and np.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"{owner}: alpha must be a float >= 0 or 'auto', got "
                         f"{alpha!r}.")
    return None


def cross_validate_grid(fit_score, grid, y, cv, task, random_state, owner):
    """Mean held-out score of every value of ``grid`` on ``cv`` folds of the
    labelled target rows; ``fit_score(value, train_pos, held_pos)`` returns
    one fold's score (positions into the labelled target rows).

    Returns ``(best value, mean scores)``; ties go to the first value of the
    grid.
    """
    folds = labelled_folds(y, cv, task=task, random_state=random_state,
                           what=f"labelled target ({owner})")
    scores = np.array([[fit_score(v, tr, te) for tr, te in folds] for v in grid])
    means = scores.mean(axis=1)
    return grid[int(np.argmax(means))], means
