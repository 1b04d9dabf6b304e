"""Several source domains weighted by how much of the target each explains."""

from __future__ import annotations

import numpy as np
from scipy import optimize
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import has_fit_parameter

from .._per_domain import source_domain_ids
from .._validation import check_number, check_option
from ..domain import mask_target_labels
from ..base import DomainContractMixin, LabelledScoreMixin, _estimator_has
from ..instance._label_shift import em_priors
from ..model_selection._scorers import domain_call, domain_fit

__all__ = ["MultiSourceAdapter"]

_EPS = 1e-12
_OWNER = "MultiSourceAdapter"


def _proba_on(classes_from, classes_to, P):
    """``P`` (columns ``classes_from``) with the columns of ``classes_to``;
    a class the model never saw has probability 0."""
    out = np.zeros((P.shape[0], len(classes_to)))
    index = {c: i for i, c in enumerate(classes_to)}
    for j, c in enumerate(classes_from):
        out[:, index[c]] = P[:, j]
    return out


def _log_loss_of_rule(lam, R, P, y):
    """Mean log loss of the distribution-weighted rule with weights ``lam``
    (``R``: :math:`r_k(x_i)`; ``P``: each model's probability of ``y_i``)
    and its gradient in ``lam``."""
    A = np.maximum((R * P) @ lam, _EPS)
    B = np.maximum(R @ lam, _EPS)
    m = len(A)
    value = -np.sum(np.log(A) - np.log(B)) / m
    grad = -((R * P) / A[:, None] - R / B[:, None]).sum(axis=0) / m
    return value, grad


def _squared_error_of_rule(lam, R, H, y):
    """Mean squared error of the rule's combined prediction (``H``: each
    model's prediction) and its gradient in ``lam``."""
    B = np.maximum(R @ lam, _EPS)
    pred = ((R * H) @ lam) / B
    err = pred - np.asarray(y, dtype=np.float64)
    m = len(err)
    value = np.sum(err ** 2) / m
    grad = 2.0 * ((err / B)[:, None] * R * (H - pred[:, None])).sum(axis=0) / m
    return value, grad


class MultiSourceAdapter(DomainContractMixin, LabelledScoreMixin, MetaEstimatorMixin,
                         BaseEstimator):
    r"""Several source domains, weighted by the share of the target each
    explains: the distribution-weighted combination of per-source models
    (Mansour, Mohri & Rostamizadeh 2009) or one model on the sources
    weighted alike.

    The target is modelled as a mixture of the source domains,
    :math:`D_T = \sum_k \lambda_k D_k`. A domain classifier trained on the
    source rows to tell the domains apart gives :math:`p(k \mid x)` under
    the source proportions :math:`\pi_k = n_k / n_S`; the mixture weights
    :math:`\lambda` are the target's proportions of those "classes",
    estimated from the unlabelled target rows by expectation-maximisation
    (Saerens, Latinne & Decaestecker 2002; :func:`em_priors`). Since
    :math:`D_k(x) \propto p(k \mid x) / \pi_k`,

    * ``combine="distribution"``: a model :math:`h_k` per source domain
      (``estimator`` fitted on that domain's rows and every target row, so
      an adapter adapts each source to the target), combined row by row,

      .. math::

          h(x) = \sum_k w_k(x)\, h_k(x), \qquad
          w_k(x) = \frac{\lambda_k\, p(k \mid x) / \pi_k}
                        {\sum_j \lambda_j\, p(j \mid x) / \pi_j},

      on the class probabilities of a classifier or the predictions of a
      regressor: Mansour et al.'s combining rule with the densities' ratios
      from the domain classifier;
    * ``combine="weighted"``: one ``estimator`` fitted on every kept source
      domain (and the target rows), the rows of domain :math:`k` weighted
      :math:`\lambda_k n_S / n_k` (``sample_weight``), so that each domain
      weighs in proportion to the share of the target it explains.

    With labelled target rows, ``weights="target_labels"`` fits
    :math:`\lambda` to them instead: with :math:`r_k(x) = p(k \mid x)/\pi_k`,
    the combined prediction of ``combine="distribution"`` is
    :math:`\sum_k w_k(x; \lambda)\, h_k(x)`, and :math:`\lambda` minimises its
    loss on the :math:`m` labelled target rows,

    .. math::

        \hat\lambda = \arg\min_{\lambda \in \Delta} \frac1m \sum_{i}
        \ell\Big(y_i, \frac{\sum_k \lambda_k r_k(x_i)\, h_k(x_i)}
                        {\sum_k \lambda_k r_k(x_i)}\Big),

    the log loss of the combined class probabilities (the conditional
    likelihood of the labels) for a classifier, the squared error for a
    regressor. The per-source models :math:`h_k` of this fit are fitted
    without the target labels, so that the loss is measured on rows they
    did not train on. It is a constrained, smooth problem in a handful of
    variables, solved by SLSQP from several starts (equal weights, the
    label-free mixture, and each domain weighted 0.9), keeping the best.
    The same :math:`\hat\lambda` weights the domains of
    ``combine="weighted"``.

    Source selection: a domain with :math:`\lambda_k <` ``min_weight`` is
    dropped (its rows are used nowhere) and the other weights renormalised.

    Parameters
    ----------
    estimator : estimator
        Classifier or regressor; an adapter of this package (``CORAL(...)``)
        gets ``sample_domain`` and adapts its rows, any other estimator is
        fitted on the labelled rows. ``combine="distribution"`` with a
        classifier needs ``predict_proba``; ``combine="weighted"`` needs
        ``sample_weight`` in ``fit``.
    combine : {"distribution", "weighted"}, default="distribution"
    weights : "mixture", "target_labels", "uniform" or array-like of shape (n_source_domains,), default="mixture"
        :math:`\lambda`: estimated from the target's inputs as above, fitted
        to the labelled target rows (``"target_labels"``: needs some; a
        classifier needs ``predict_proba``), equal, or given (non-negative,
        in the order of the sorted source ids; normalised to sum 1).
    min_weight : float in [0, 1), default=0.0
        Domains whose weight is below it are dropped (the largest is kept).
    domain_classifier : classifier with predict_proba, default=None
        The domain classifier; ``None`` is
        ``LogisticRegression(max_iter=1000)``.
    max_iter : int, default=1000
        EM iterations at most.
    tol : float, default=1e-6
        EM stops when no weight moves by ``tol`` or more.

    Attributes
    ----------
    source_domains_ : ndarray of int
        The source domain ids, sorted.
    source_priors_ : ndarray of shape (n_source_domains,)
        :math:`\pi_k`, each domain's share of the source rows.
    mixture_weights_ : ndarray of shape (n_source_domains,)
        :math:`\lambda` before selection (estimated, equal or given).
    source_weights_ : ndarray of shape (n_source_domains,)
        The weights used: 0 for a dropped domain, the rest renormalised.
    domain_classifier_ : classifier or None
        The fitted domain classifier (``None`` with one source domain).
    estimators_ : dict of int to estimator
        ``combine="distribution"``: the fitted model of each kept domain.
    estimator_ : estimator
        ``combine="weighted"``: the fitted model.
    n_iter_ : int
        EM iterations (``"mixture"``), SLSQP iterations of the kept start
        (``"target_labels"``), 0 with equal or given weights.
    classes_ : ndarray
        Classifiers: the classes of the labelled rows.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    Deviations from Mansour et al. (2009): the paper assumes the source
    densities known and proves that some :math:`\lambda` makes the
    combination good for every target mixture; it leaves :math:`\lambda`
    to be found. Here the density ratios come from a discriminative domain
    classifier and :math:`\lambda` is the maximum-likelihood mixture of the
    target rows (EM), an estimate that is right when the target is a
    mixture of the sources and the classifier is calibrated. With one
    source domain both combinations are ``estimator`` on that domain.
    ``"target_labels"`` is this package's addition (the paper has no
    target labels): Mansour et al.'s combining rule with :math:`\lambda`
    chosen by the loss of the labelled target rows, a form of stacking
    constrained to the rule's weights. With a handful of labels it can
    put all the weight on one domain. EM on the joint likelihood of every
    target row (the labelled ones also weighted by each source model's
    probability of their label), tried first, moved the weights from the
    label-free ones by 0.02 or less on the heart-disease tasks with 10% of
    the target labelled, because the unlabelled rows outnumber the
    labelled ones.

    References
    ----------
    Y. Mansour, M. Mohri, A. Rostamizadeh. Domain adaptation with multiple
    sources. NIPS 2009.

    M. Saerens, P. Latinne, C. Decaestecker. Adjusting the outputs of a
    classifier to new a priori probabilities: a simple procedure. Neural
    Computation 14, 2002.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.multisource import MultiSourceAdapter
    >>> rng = np.random.default_rng(0)
    >>> X1 = rng.normal(-2, 1, (200, 2)); X2 = rng.normal(2, 1, (200, 2))
    >>> Xt = rng.normal(2, 1, (100, 2))               # the target is like domain 2
    >>> X = np.vstack([X1, X2, Xt])
    >>> y = np.r_[(X1[:, 0] > -2), (X2[:, 1] > 2), np.zeros(100)].astype(int)
    >>> y[400:] = -1
    >>> sd = np.r_[np.ones(200, int), 2 * np.ones(200, int), -np.ones(100, int)]
    >>> model = MultiSourceAdapter(LogisticRegression()).fit(X, y, sample_domain=sd)
    >>> bool(model.source_weights_[1] > 0.9)
    True
    """

    _accept_sparse = False

    def __init__(self, estimator=None, *, combine="distribution", weights="mixture",
                 min_weight=0.0, domain_classifier=None, max_iter=1000, tol=1e-6):
        self.estimator = estimator
        self.combine = combine
        self.weights = weights
        self.min_weight = min_weight
        self.domain_classifier = domain_classifier
        self.max_iter = max_iter
        self.tol = tol

    # ------------------------------------------------------------- checks
    def _check_params(self, n_domains):
        check_option(self.combine, "combine", ("distribution", "weighted"), owner=_OWNER)
        check_number(self.min_weight, "min_weight", owner=_OWNER, low=0)
        if self.min_weight >= 1:
            raise ValueError(f"{_OWNER}: min_weight must be < 1 (a weight share), got "
                             f"{self.min_weight!r}.")
        check_number(self.max_iter, "max_iter", owner=_OWNER, integer=True, low=1)
        check_number(self.tol, "tol", owner=_OWNER, low=0)
        if isinstance(self.weights, str):
            check_option(self.weights, "weights", ("mixture", "target_labels", "uniform"),
                         owner=_OWNER)
        else:
            w = np.asarray(self.weights, dtype=np.float64)
            if (w.shape != (n_domains,) or not np.all(np.isfinite(w)) or np.any(w < 0)
                    or w.sum() <= 0):
                raise ValueError(
                    f"{_OWNER}: weights must be 'mixture', 'uniform' or {n_domains} "
                    f"non-negative numbers (one per source domain, not all 0), got "
                    f"{self.weights!r}.")
        est = self.estimator
        if self.combine == "distribution" and is_classifier(est) and not hasattr(
                est, "predict_proba"):
            raise ValueError(
                f"{_OWNER}(combine='distribution') combines class probabilities, but "
                f"{type(est).__name__} has no predict_proba; use a probabilistic "
                "classifier or combine='weighted'.")
        if self.combine == "weighted" and not has_fit_parameter(est, "sample_weight"):
            raise ValueError(
                f"{_OWNER}(combine='weighted') weights the source rows, but "
                f"{type(est).__name__}.fit takes no sample_weight; use an estimator "
                "that does or combine='distribution'.")
        if (isinstance(self.weights, str) and self.weights == "target_labels"
                and is_classifier(est) and not hasattr(est, "predict_proba")):
            raise ValueError(
                f"{_OWNER}(weights='target_labels') needs each source model's "
                f"probability of the target labels, but {type(est).__name__} has no "
                "predict_proba; use a probabilistic classifier or weights='mixture'.")
        clf = self.domain_classifier
        if clf is not None and not (is_classifier(clf) and hasattr(clf, "predict_proba")):
            raise ValueError(
                f"{_OWNER}: domain_classifier must be a classifier with predict_proba, "
                f"got {clf!r}.")

    # ----------------------------------------------------------------- fit
    def fit(self, X, y, sample_domain=None, **fit_params):
        """Estimate the domains' weights and fit the model(s).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Source labels; target rows masked (or labelled target rows).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Positive ids: the source domains; negative: target.
        **fit_params : dict
            Passed to ``estimator.fit``, sliced to its rows.

        Returns
        -------
        self : object
        """
        data = self._validate_fit(X, y, sample_domain)
        sd = data.sample_domain
        ids = source_domain_ids(sd)
        self._check_params(len(ids))
        with_labels = isinstance(self.weights, str) and self.weights == "target_labels"
        if with_labels and not (data.labelled & data.is_target).any():
            raise ValueError(
                f"{_OWNER}(weights='target_labels') fits the weights to the "
                "labelled target rows, but every target label is masked; give some "
                "target rows their label or use weights='mixture'.")
        counts = np.array([np.count_nonzero(sd == k) for k in ids], dtype=np.float64)
        self.source_domains_ = ids
        self.source_priors_ = counts / counts.sum()
        self.domain_classifier_, self.n_iter_ = None, 0
        if len(ids) > 1:
            clf = self.domain_classifier
            clf = LogisticRegression(max_iter=1000) if clf is None else clone(clf)
            self.domain_classifier_ = clf.fit(data.X[data.is_source], sd[data.is_source])
        if with_labels and len(ids) > 1:
            lam, self.n_iter_ = self._weights_from_labels(data, fit_params)
        elif isinstance(self.weights, str) and self.weights == "mixture" and len(ids) > 1:
            P = self._domain_posteriors(data.X[data.is_target])
            lam, self.n_iter_ = em_priors(P, self.source_priors_, max_iter=self.max_iter,
                                          tol=self.tol)
        elif isinstance(self.weights, str):
            lam = np.full(len(ids), 1.0 / len(ids))
        else:
            lam = np.asarray(self.weights, dtype=np.float64)
            lam = lam / lam.sum()
        self.mixture_weights_ = lam
        keep = lam >= self.min_weight
        keep[np.argmax(lam)] = True
        self.source_weights_ = np.where(keep, lam, 0.0) / lam[keep].sum()
        if self.combine == "distribution":
            self._fit_per_domain(data, fit_params)
        else:
            self._fit_weighted(data, counts, fit_params)
        return self

    def _domain_posteriors(self, X):
        """:math:`p(k \\mid x)` in the order of ``source_domains_``."""
        if self.domain_classifier_ is None:
            return np.ones((X.shape[0], 1))
        P = self.domain_classifier_.predict_proba(X)
        return _proba_on(self.domain_classifier_.classes_, self.source_domains_, P)

    def _weights_from_labels(self, data, fit_params):
        r"""``weights="target_labels"``: :math:`\hat\lambda` (see the class
        docstring) and the SLSQP iterations of the kept start."""
        lab = np.flatnonzero(data.labelled & data.is_target)
        y_lab = data.y[lab]
        H = self._free_source_outputs(data, lab, fit_params)
        R = self._domain_posteriors(data.X[lab]) / self.source_priors_
        loss = (_log_loss_of_rule if self._task() == "classification"
                else _squared_error_of_rule)
        K = len(self.source_domains_)
        free = em_priors(self._domain_posteriors(data.X[data.is_target]),
                         self.source_priors_, max_iter=self.max_iter, tol=self.tol)[0]
        starts = [np.full(K, 1.0 / K), free,
                  *(np.where(np.arange(K) == k, 0.9, 0.1 / (K - 1)) for k in range(K))]
        best = None
        for x0 in starts:
            res = optimize.minimize(
                loss, x0, args=(R, H, y_lab), jac=True, method="SLSQP",
                bounds=[(0.0, 1.0)] * K,
                constraints=[{"type": "eq", "fun": lambda v: v.sum() - 1.0,
                              "jac": lambda v: np.ones_like(v)}],
                options={"maxiter": self.max_iter, "ftol": self.tol * 1e-3})
            if best is None or res.fun < best.fun:
                best = res
        lam = np.clip(best.x, 0.0, None)
        return lam / lam.sum(), int(best.nit)

    def _free_source_outputs(self, data, rows_out, fit_params):
        """Per source domain, a model fitted on its rows and the target
        rows with every target label masked, evaluated on ``rows_out``:
        the probability of each row's label (classification, floored at
        1e-6; a domain whose rows hold one class predicts that class) or
        the prediction (regression). Shape ``(len(rows_out), K)``."""
        y_free = mask_target_labels(data.y, data.sample_domain, task=self._task())
        X_out, sd_out, y_out = (data.X[rows_out], data.sample_domain[rows_out],
                                data.y[rows_out])
        cls = self._task() == "classification"
        columns = []
        for k in self.source_domains_:
            seen = np.unique(data.y[data.labelled & (data.sample_domain == k)])
            if cls and seen.size == 1:
                columns.append(np.where(y_out == seen[0], 1.0, 1e-6))
                continue
            rows = self._rows_of(data, [k])
            params = {name: np.asarray(v)[rows] for name, v in fit_params.items()}
            est = domain_fit(clone(self.estimator), data.X[rows], y_free[rows],
                             data.sample_domain[rows], task=self._task(), **params)
            if cls:
                P = domain_call(est, "predict_proba", X_out, sd_out)
                at = {c: j for j, c in enumerate(est.classes_)}
                col = np.array([at.get(c, -1) for c in y_out])
                # a label the domain's model never saw has probability 0
                p_y = np.where(col >= 0, P[np.arange(len(col)), np.maximum(col, 0)], 0.0)
                columns.append(np.maximum(p_y, 1e-6))
            else:
                columns.append(np.asarray(domain_call(est, "predict", X_out, sd_out),
                                          dtype=np.float64))
        return np.column_stack(columns)

    def _rows_of(self, data, domains):
        return np.flatnonzero(np.isin(data.sample_domain, domains) | data.is_target)

    def _fit_per_domain(self, data, fit_params):
        self.__dict__.pop("estimator_", None)
        self.estimators_ = {}
        for k, w in zip(self.source_domains_, self.source_weights_):
            if w <= 0:
                continue
            rows = self._rows_of(data, [k])
            params = {name: np.asarray(v)[rows] for name, v in fit_params.items()}
            self.estimators_[int(k)] = domain_fit(
                clone(self.estimator), data.X[rows], data.y[rows], data.sample_domain[rows],
                task=self._task(), **params)
        if self._task() == "classification":
            self.classes_ = np.unique(data.y[data.labelled])

    def _fit_weighted(self, data, counts, fit_params):
        self.__dict__.pop("estimators_", None)
        kept = self.source_domains_[self.source_weights_ > 0]
        rows = self._rows_of(data, kept)
        sd = data.sample_domain[rows]
        n_source = counts[self.source_weights_ > 0].sum()
        weights = np.ones(rows.size)
        for k, w, n_k in zip(self.source_domains_, self.source_weights_, counts):
            weights[sd == k] = w * n_source / n_k
        params = {name: np.asarray(v)[rows] for name, v in fit_params.items()}
        if "sample_weight" in params:
            weights = weights * np.asarray(params.pop("sample_weight"), dtype=np.float64)
        self.estimator_ = domain_fit(clone(self.estimator), data.X[rows], data.y[rows], sd,
                                     task=self._task(), sample_weight=weights, **params)
        if self._task() == "classification":
            self.classes_ = self.estimator_.classes_

    # ------------------------------------------------------------- predict
    def _combination_weights(self, X):
        """:math:`w_k(x)` of the kept domains (rows of ``X``), in the order
        of ``estimators_``."""
        kept = self.source_weights_ > 0
        R = self._domain_posteriors(X)[:, kept] * (
            self.source_weights_[kept] / self.source_priors_[kept])
        total = R.sum(axis=1, keepdims=True)
        # rows the domain classifier gives no kept domain: the weights alone
        flat = (total[:, 0] <= _EPS)
        R[flat] = self.source_weights_[kept]
        return R / R.sum(axis=1, keepdims=True)

    def _combined(self, X, sd, method):
        W = self._combination_weights(X)
        out = 0.0
        for j, est in enumerate(self.estimators_.values()):
            part = domain_call(est, method, X, sd)
            if method == "predict_proba":
                part = _proba_on(est.classes_, self.classes_, part)
                out = out + W[:, [j]] * part
            else:
                out = out + W[:, j] * np.asarray(part, dtype=np.float64)
        return out

    def _predict_rows(self, X, sd):
        if hasattr(self, "estimator_"):
            return domain_call(self.estimator_, "predict", X, sd)
        if self._task() == "classification":
            return self.classes_[np.argmax(self._combined(X, sd, "predict_proba"), axis=1)]
        return self._combined(X, sd, "predict")

    @available_if(_estimator_has("predict"))
    def predict(self, X, sample_domain=None):
        """Predictions for target rows (every row, unless ``sample_domain``
        says otherwise)."""
        X, sd = self._validate_predict(X, sample_domain)
        return self._predict_rows(X, sd)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities: the combination of the per-domain models'
        (``combine="distribution"``) or the weighted model's."""
        X, sd = self._validate_predict(X, sample_domain)
        if hasattr(self, "estimator_"):
            return domain_call(self.estimator_, "predict_proba", X, sd)
        return self._combined(X, sd, "predict_proba")

    score = available_if(_estimator_has("predict"))(LabelledScoreMixin.score)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "source_weights_")

    def __sklearn_tags__(self):
        return self._sklearn_tags_from_estimator(super().__sklearn_tags__())
