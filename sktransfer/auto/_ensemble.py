"""AdapterEnsemble: the source-only model and adapters, averaged."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_method_params, check_is_fitted

from ..base import DomainContractMixin, LabelledScoreMixin
from ..model_selection._scorers import _takes_sample_domain

__all__ = ["AdapterEnsemble"]

_ESTIMATOR_ROWS = ("source", "labelled")


def _members_have(attr):
    def check(self):
        if self.estimator is None or not hasattr(self.estimator, attr):
            return False
        members = getattr(self, "adapters_", None)
        if members is None:
            members = [est for _, est in self.adapters]
        return all(hasattr(est, attr) for est in members)
    return check


class AdapterEnsemble(DomainContractMixin, LabelledScoreMixin, MetaEstimatorMixin,
                      BaseEstimator):
    r"""Average of the source-only (or pooled) model and domain adapters.

    The wrapped ``estimator`` is trained on the labelled source rows (the
    source-only model) or, with ``estimator_rows="labelled"``, on every
    labelled row, source and target (pooled training), and each adapter of
    ``adapters`` on every row, with ``sample_domain``; a classifier's class
    probabilities, or a regressor's predictions, are the weighted mean of
    the members':

    .. math::

        \hat p(y \mid x) = \sum_{m=0}^{M} \omega_m\, \hat p_m(y \mid x),
        \qquad \omega_m \ge 0,\ \sum_m \omega_m = 1,

    with :math:`m = 0` the wrapped estimator's model and :math:`m = 1..M` the
    adapters (uniform :math:`\omega` by default), and the predicted class
    the most probable one. This is soft voting (as scikit-learn's
    ``VotingClassifier``), with members that each see the rows as the
    domain data contract says: the source-only model the raw features, an
    adapter its own adapted representation of the rows and their domains.

    Averaging hedges between adapters whose gains vary by task: on the
    package's real tasks the label-free picks of CORAL and TCA each lose on
    about half of the tasks, and their average with the source-only model
    gains on most (``docs/auto_adapter.md``). It is the ``"ensemble"``
    candidate of :class:`AutoAdapter`: with source-only, CORAL and TCA
    without target labels; with pooled training, CORAL, TCA, weighted
    pooling and regularised transfer when a few target rows are labelled.

    Parameters
    ----------
    estimator : estimator object
        The first member (a classifier with ``predict_proba``, or a
        regressor), trained on the rows ``estimator_rows`` names.
    adapters : list of (str, estimator) tuples, default=()
        Domain adapters (their ``fit`` takes ``sample_domain``), each trained
        on every row.
    estimator_rows : {"source", "labelled"}, default="source"
        The rows ``estimator`` is trained on: the labelled source rows (the
        source-only model), or every labelled row, source and target (pooled
        training; the labelled target rows are marked by a negative
        ``sample_domain``).
    weights : array-like of shape (len(adapters) + 1,), default=None
        Non-negative weights of the ``estimator``'s model and then of each
        adapter, normalised to sum to one; ``None``: uniform.

    Attributes
    ----------
    estimator_ : estimator
        The fitted source-only (or pooled) model.
    adapters_ : list of estimators
        The fitted adapters, in the order of ``adapters``.
    weights_ : ndarray of shape (len(adapters) + 1,)
        The normalised weights.
    classes_ : ndarray (classifiers)
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer import CORAL
    >>> from sktransfer.auto import AdapterEnsemble
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.randn(40, 2), rng.randn(40, 2) + 1]
    >>> y = np.r_[(X[:40, 0] > 0).astype(int), -np.ones(40, dtype=int)]
    >>> sd = np.r_[np.ones(40, dtype=int), -np.ones(40, dtype=int)]
    >>> ens = AdapterEnsemble(LogisticRegression(),
    ...                       [("coral", CORAL(LogisticRegression()))]).fit(X, y, sample_domain=sd)
    >>> ens.predict_proba(X[40:42]).shape
    (2, 2)
    """

    _requires_estimator = True

    def __init__(self, estimator=None, adapters=(), weights=None,
                 estimator_rows="source"):
        self.estimator = estimator
        self.adapters = adapters
        self.weights = weights
        self.estimator_rows = estimator_rows

    def _check_members(self):
        if isinstance(self.adapters, (str, bytes)) or not hasattr(self.adapters, "__iter__"):
            raise ValueError("adapters must be a list of (name, estimator) tuples, got "
                             f"{self.adapters!r}.")
        if self.estimator_rows not in _ESTIMATOR_ROWS:
            raise ValueError(f"estimator_rows must be one of {_ESTIMATOR_ROWS}, got "
                             f"{self.estimator_rows!r}.")
        members = list(self.adapters)
        for item in members:
            if not (isinstance(item, (tuple, list)) and len(item) == 2
                    and isinstance(item[0], str) and hasattr(item[1], "fit")):
                raise ValueError("each adapter must be a (name, estimator) tuple, got "
                                 f"{item!r}.")
            if not _takes_sample_domain(item[1].fit):
                raise ValueError(
                    f"adapter {item[0]!r} ({type(item[1]).__name__}) does not take "
                    "sample_domain in fit, so it cannot adapt; pass domain adapters "
                    "(e.g. CORAL, TCA).")
        classifier = self._task() == "classification"
        for name, est in [("estimator", self.estimator)] + members:
            if classifier != is_classifier(est):
                raise ValueError(
                    f"{name} ({type(est).__name__}) is not a "
                    f"{'classifier' if classifier else 'regressor'} like estimator; "
                    "the members must all be classifiers or all regressors.")
            if classifier and not hasattr(est, "predict_proba"):
                raise ValueError(
                    f"AdapterEnsemble averages class probabilities, and {name} "
                    f"({type(est).__name__}) has no predict_proba; use a classifier "
                    "that has one (e.g. LogisticRegression, or SVC(probability=True)).")
        k = len(members) + 1
        if self.weights is None:
            return members, np.full(k, 1.0 / k)
        w = np.asarray(self.weights, dtype=np.float64) if not isinstance(
            self.weights, (str, bytes)) else np.array([np.nan])
        if w.shape != (k,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(
                f"weights must be None or {k} non-negative numbers (the source-only "
                f"model, then each adapter) with a positive sum, got {self.weights!r}.")
        return members, w / w.sum()

    def fit(self, X, y=None, sample_domain=None, **fit_params):
        """Fit the source-only model and every adapter.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,)
            Labels; unlabelled rows masked (``-1`` or ``NaN``).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Positive for source rows, negative for target rows.
        **fit_params : dict
            Passed to every member's ``fit`` (sliced to ``estimator``'s
            rows for it), e.g. ``sample_weight``.

        Returns
        -------
        self : object
        """
        data = self._validate_fit(X, y, sample_domain)
        fit_params = self._check_fit_params(data, self._route_fit_params(fit_params))
        members, weights = self._check_members()
        pooled = self.estimator_rows == "labelled"
        rows = np.flatnonzero(data.labelled if pooled else data.is_source & data.labelled)
        params = _check_method_params(data.X, fit_params, indices=rows)
        if self._task() == "classification":
            sw = params.get("sample_weight")
            kept = rows if sw is None else rows[np.asarray(sw) > 0]
            if np.unique(data.y[kept]).size < 2:
                what = "labelled" if pooled else "labelled source"
                raise ValueError(
                    f"AdapterEnsemble's estimator is trained on the {what} "
                    f"rows{'' if sw is None else ' with a positive sample_weight'}"
                    ", and they hold one class; a classifier needs at least 2. "
                    f"Label {what} rows of another class"
                    f"{'' if sw is None else ', or check the sample_weight passed to fit'}.")
        self.estimator_ = clone(self.estimator).fit(data.X[rows], data.y[rows], **params)
        self.adapters_ = [clone(est).fit(data.X, data.y, sample_domain=data.sample_domain,
                                         **fit_params) for _, est in members]
        if self._task() == "classification":
            for (name, _), est in zip(members, self.adapters_):
                if not np.array_equal(est.classes_, self.estimator_.classes_):
                    raise ValueError(
                        f"adapter {name!r} learnt the classes {est.classes_}, the "
                        f"estimator {self.estimator_.classes_}; members must "
                        "see the same classes.")
        self.weights_ = weights
        return self

    def _average(self, method, X, sd):
        """Weighted mean of the members' ``method`` on validated ``X``."""
        out = self.weights_[0] * np.asarray(getattr(self.estimator_, method)(X), float)
        for w, est in zip(self.weights_[1:], self.adapters_):
            out = out + w * np.asarray(getattr(est, method)(X, sample_domain=sd), float)
        return out

    @available_if(_members_have("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Weighted mean of the members' class probabilities (every row a
        target row unless ``sample_domain`` says otherwise)."""
        return self._average("predict_proba", *self._validate_predict(X, sample_domain))

    @available_if(_members_have("predict_proba"))
    def predict_log_proba(self, X, sample_domain=None):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, sample_domain))

    def predict(self, X, sample_domain=None):
        """The most probable class (classifier) or the weighted mean of the
        members' predictions (regressor)."""
        return self._predict_rows(*self._validate_predict(X, sample_domain))

    score = LabelledScoreMixin.score

    def _predict_rows(self, X, sample_domain):
        if self._task() == "classification":
            proba = self._average("predict_proba", X, sample_domain)
            return self.estimator_.classes_[np.argmax(proba, axis=1)]
        return self._average("predict", X, sample_domain)

    @property
    def classes_(self):
        # (no docstring: documented in the class's Attributes; a second
        # documented ``classes_`` makes the bare cross-references numpydoc
        # writes for other classes' ``classes_`` ambiguous in the API site)
        check_is_fitted(self)
        return self.estimator_.classes_

    def __sklearn_is_fitted__(self):
        return hasattr(self, "adapters_")

    def __sklearn_tags__(self):
        return self._sklearn_tags_from_estimator(super().__sklearn_tags__())
