"""Transfer through intermediate domains: gradual self-training."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.utils.metaestimators import available_if

from .._validation import check_number
from ..base import DomainContractMixin, LabelledScoreMixin, _estimator_has
from ..domain import DEFAULT_TARGET

__all__ = ["GradualSelfTraining"]

_OWNER = "GradualSelfTraining"


class GradualSelfTraining(DomainContractMixin, LabelledScoreMixin, MetaEstimatorMixin,
                          BaseEstimator):
    r"""Adapt step by step from the source through intermediate domains to
    the target by self-training (Kumar, Ma & Liang, ICML 2020).

    The classifier :math:`h_0` is fitted on the labelled source rows; then,
    for each domain :math:`d_1, \dots, d_T` of the path (the intermediate
    domains in order, the target last), the previous classifier labels the
    domain's rows, the ``keep_fraction`` of them it is most confident about
    are kept, and a fresh clone of ``estimator`` is fitted on them:

    .. math::

        \hat y_i = \arg\max_y h_{t-1}(y \mid x_i), \qquad
        h_t = \mathrm{fit}\big(\{(x_i, \hat y_i) : x_i \in d_t,\
              \max_y h_{t-1}(y \mid x_i) \ge q_t\}\big),

    with :math:`q_t` the :math:`(1 -` ``keep_fraction`` :math:`)`-quantile
    of the confidences on :math:`d_t`. The target model is :math:`h_T`.
    When each step is a small shift the pseudo-labels stay mostly right,
    where one self-training step from the source to a far target does not
    (the paper's bound grows exponentially with the number of steps but
    holds for each small one).

    Domains (the contract of :mod:`sktransfer.domain`): the source rows have
    positive ids and labels; the intermediate domains and the target are
    unlabelled domains with negative ids. By default the target is ``-1``
    and the intermediate domains are visited in the order ``-2, -3, ...``
    (every other negative id, by decreasing id); ``path`` gives another
    order. A labelled row of a domain on the path keeps its own label.

    Parameters
    ----------
    estimator : classifier with predict_proba
        Fitted anew at each step. Its regularisation matters (the paper
        finds regularised models essential): a model that fits its
        pseudo-labels exactly cannot correct any of them.
    path : list of int, default=None
        The domain ids visited after the source, the target last; ``None``:
        ``[-2, -3, ..., -1]`` over the negative ids present.
    keep_fraction : float in (0, 1], default=0.9
        Share of each domain's rows, the most confident, trained on (the
        paper drops the 10% least confident).

    Attributes
    ----------
    path_ : list of int
        The domains visited, in order.
    source_estimator_ : estimator
        :math:`h_0`, fitted on the labelled source rows.
    estimators_ : list of estimator
        :math:`h_1, \dots, h_T`, one per domain of ``path_``.
    estimator_ : estimator
        :math:`h_T`, the target model (the last of ``estimators_``).
    n_kept_ : list of int
        Rows trained on at each step.
    classes_ : ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    Deviations from the paper: each step fits a fresh clone of
    ``estimator`` (the paper continues training its network from the
    previous weights with the same regularisation); with a scikit-learn
    estimator that has ``warm_start`` the user may set it. Only hard
    pseudo-labels are used, as in the paper. Transitive transfer's
    selection of bridging rows from one unlabelled pool (Tan et al. 2015)
    is not implemented: the intermediate domains must be given.

    References
    ----------
    A. Kumar, T. Ma, P. Liang. Understanding self-training for gradual
    domain adaptation. ICML 2020.

    Examples
    --------
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sktransfer.datasets import make_rotating_moons
    >>> from sktransfer.multisource import GradualSelfTraining
    >>> data = make_rotating_moons(angles=(0, 20, 40, 60), random_state=0)
    >>> model = GradualSelfTraining(MLPClassifier((32, 32), max_iter=1000, random_state=0))
    >>> model = model.fit(data.X, data.y, sample_domain=data.sample_domain)
    >>> model.path_
    [-2, -3, -1]
    """

    _accept_sparse = True

    def __init__(self, estimator=None, *, path=None, keep_fraction=0.9):
        self.estimator = estimator
        self.path = path
        self.keep_fraction = keep_fraction

    def _check_params(self, data):
        est = self.estimator
        if not is_classifier(est) or not hasattr(est, "predict_proba"):
            raise ValueError(
                f"{_OWNER} self-trains a classifier on its most confident predictions: "
                f"estimator must be a classifier with predict_proba, got {est!r}.")
        check_number(self.keep_fraction, "keep_fraction", owner=_OWNER, low=0,
                     low_inclusive=False)
        if self.keep_fraction > 1:
            raise ValueError(f"{_OWNER}: keep_fraction must be <= 1, got "
                             f"{self.keep_fraction!r}.")
        sd = data.sample_domain
        present = sorted(set(sd[sd < 0].tolist()), reverse=True)
        if self.path is None:
            if DEFAULT_TARGET not in present:
                raise ValueError(
                    f"{_OWNER}: with path=None the target is domain -1, but the "
                    f"unlabelled domains are {present}; give path=[..., target].")
            return [d for d in present if d != DEFAULT_TARGET] + [DEFAULT_TARGET]
        path = list(self.path)
        if (not path or not all(isinstance(d, Integral) for d in path)
                or len(set(path)) != len(path)):
            raise ValueError(f"{_OWNER}: path must be a non-empty list of distinct domain "
                             f"ids, got {self.path!r}.")
        missing = [d for d in path if not np.any(sd == d)]
        if missing or any(d > 0 for d in path):
            raise ValueError(
                f"{_OWNER}: every domain of path must be a non-source domain of the "
                f"data; {missing or [d for d in path if d > 0]} is not (domains "
                f"present: {sorted(set(sd.tolist()))}).")
        return [int(d) for d in path]

    def fit(self, X, y, sample_domain=None):
        """Fit on the source, then self-train through the path.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Source labels; the rows of the other domains masked (-1).
        sample_domain : array-like of int of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        data = self._validate_fit(X, y, sample_domain)
        path = self._check_params(data)
        sd, labelled = data.sample_domain, data.labelled
        src = np.flatnonzero((sd > 0) & labelled)
        if np.unique(data.y[src]).size < 2:
            raise ValueError(
                f"{_OWNER}: the labelled source rows hold one class "
                f"({data.y[src][0]!r}); the source model needs two.")
        current = clone(self.estimator).fit(data.X[src], data.y[src])
        self.source_estimator_ = current
        self.classes_ = current.classes_
        self.estimators_, self.n_kept_ = [], []
        for domain in path:
            rows = np.flatnonzero(sd == domain)
            P = current.predict_proba(data.X[rows])
            pseudo = current.classes_[np.argmax(P, axis=1)]
            confidence = P.max(axis=1)
            own = labelled[rows]
            pseudo = np.where(own, data.y[rows], pseudo)
            confidence = np.where(own, np.inf, confidence)
            n_keep = max(1, int(np.ceil(self.keep_fraction * rows.size)))
            keep = np.argsort(-confidence, kind="stable")[:n_keep]
            if np.unique(pseudo[keep]).size < 2:
                raise ValueError(
                    f"{_OWNER}: at domain {domain} the model labels every kept row "
                    f"{pseudo[keep][0]!r}; self-training needs two classes. The step "
                    "from the previous domain is too large (add intermediate "
                    "domains) or the model has collapsed.")
            current = clone(self.estimator).fit(data.X[rows[keep]], pseudo[keep])
            self.estimators_.append(current)
            self.n_kept_.append(int(n_keep))
        self.path_ = path
        self.estimator_ = current
        return self

    def _predict_rows(self, X, sample_domain):
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict"))
    def predict(self, X, sample_domain=None):
        """Predictions of the target model."""
        X, _ = self._validate_predict(X, sample_domain)
        return self.estimator_.predict(X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of the target model, in the columns of
        ``classes_`` (a class the last step never saw gets 0)."""
        X, _ = self._validate_predict(X, sample_domain)
        P = self.estimator_.predict_proba(X)
        if len(self.estimator_.classes_) == len(self.classes_):
            return P
        out = np.zeros((P.shape[0], len(self.classes_)))
        out[:, np.searchsorted(self.classes_, self.estimator_.classes_)] = P
        return out

    score = available_if(_estimator_has("predict"))(LabelledScoreMixin.score)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "estimator_")

    def __sklearn_tags__(self):
        return self._sklearn_tags_from_estimator(super().__sklearn_tags__())
