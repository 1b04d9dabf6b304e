r"""Regularised parameter transfer of linear models (Chelba & Acero 2006):
a target model pulled towards a fitted source model's coefficients."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.sparse.linalg import lsqr
from scipy.special import expit, log_expit, log_softmax, logsumexp, softmax
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from .._validation import check_number
from ..base import DomainContractMixin, LabelledScoreMixin
from ..domain import DomainData
from ._source_model import (
    check_alpha,
    cross_validate_grid,
    labelled_target_rows,
    linear_parameters,
    source_model,
)

__all__ = ["RegularTransferClassifier", "RegularTransferRegressor"]

#: Default grid of ``alpha="auto"``.
ALPHAS = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)


def _with_ones(X):
    """``[X, 1]``: the design whose last coefficient is the intercept."""
    ones = np.ones((X.shape[0], 1))
    return sp.hstack([X, ones], format="csr") if sp.issparse(X) else np.hstack([X, ones])


def _shrink(values, alpha, tol):
    """``1 / (value + alpha)`` for the eigenvalues of a Gram matrix above
    ``tol``, 0 below (the pseudo-inverse's convention when ``alpha = 0``)."""
    out = np.zeros_like(values)
    keep = values > tol
    out[keep] = 1.0 / (values[keep] + alpha)
    return out


#: Largest side of the Gram matrix formed for a sparse design; above it the
#: sparse solve is iterative (LSQR).
MAX_GRAM = 4096


def solve_ridge_pull(X, y, theta_source, alpha, sample_weight):
    r"""``theta`` minimising :math:`\sum_i s_i (y_i - z_i^\top\theta)^2 +
    \alpha \lVert\theta - \theta_s\rVert^2` with :math:`z_i = (x_i, 1)`.

    With :math:`v = \theta - \theta_s` and :math:`r = y - Z\theta_s` this is
    ridge regression of :math:`r` on :math:`A = S^{1/2} Z`, solved exactly:
    by the thin SVD of :math:`A` (dense), or by the eigendecomposition of the
    smaller of :math:`A^\top A` and :math:`A A^\top` (sparse; the dual form
    :math:`v = A^\top (A A^\top + \alpha I)^{-1} r` when there are fewer rows
    than features, the usual case with few target labels). :math:`\alpha = 0`
    gives the minimum-norm least-squares :math:`v`. A sparse design with more
    than ``MAX_GRAM`` rows and columns is solved by LSQR (damping
    :math:`\sqrt\alpha`).
    """
    Z = _with_ones(X)
    root = np.sqrt(sample_weight)
    r = root * (y - Z @ theta_source)
    eps = max(Z.shape) * np.finfo(float).eps
    if not sp.issparse(Z):
        U, sigma, Vt = np.linalg.svd(root[:, None] * Z, full_matrices=False)
        keep = sigma > sigma.max(initial=0.0) * eps
        shrink = np.zeros_like(sigma)
        shrink[keep] = sigma[keep] / (sigma[keep] ** 2 + alpha)
        return theta_source + Vt.T @ (shrink * (U.T @ r))
    A = sp.diags(root) @ Z
    n, p = A.shape
    if min(n, p) > MAX_GRAM:
        v = lsqr(A, r, damp=np.sqrt(alpha), atol=0.0, btol=0.0, conlim=1e16,
                 iter_lim=2 * p + 1000)[0]
        return theta_source + v
    dual = n < p
    G = (A @ A.T if dual else A.T @ A).toarray()
    values, vectors = np.linalg.eigh(G)
    shrink = _shrink(values, alpha, values.max(initial=0.0) * eps)
    if dual:
        return theta_source + A.T @ (vectors @ (shrink * (vectors.T @ r)))
    return theta_source + vectors @ (shrink * (vectors.T @ (A.T @ r)))


def _logistic_loss_grad(theta, X, T, s, theta_source, alpha, n_outputs):
    """Objective and gradient of the pulled logistic / multinomial model."""
    d = X.shape[1]
    Theta = theta.reshape(n_outputs, d + 1)
    W, b = Theta[:, :d], Theta[:, d]
    Z = np.asarray(X @ W.T) + b
    if n_outputs == 1:
        z = Z[:, 0]
        loss = -np.sum(s * (T * log_expit(z) + (1 - T) * log_expit(-z)))
        G = (s * (expit(z) - T))[:, None]
    else:
        lse = logsumexp(Z, axis=1)
        loss = np.sum(s * (lse - np.sum(T * Z, axis=1)))
        G = s[:, None] * (np.exp(Z - lse[:, None]) - T)
    diff = theta - theta_source
    grad = np.empty_like(Theta)
    grad[:, :d] = np.asarray(X.T @ G).T
    grad[:, d] = G.sum(axis=0)
    return loss + 0.5 * alpha * diff @ diff, grad.ravel() + alpha * diff


class _RegularTransfer(DomainContractMixin, LabelledScoreMixin, BaseEstimator):
    """Shared fit: the source model, the labelled target rows, ``alpha`` by
    cross-validation, then the pulled target model (``_solve``)."""

    _accept_sparse = True

    def __init__(self, estimator=None, *, alpha=1.0, alphas=ALPHAS, cv=3,
                 random_state=None):
        self.estimator = estimator
        self.alpha = alpha
        self.alphas = alphas
        self.cv = cv
        self.random_state = random_state

    def _task(self):
        return self._TASK

    def fit(self, X, y, sample_domain=None, sample_weight=None):
        """Fit the source model (unless given fitted) and the target model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows stacked (the source rows may be absent when
            ``estimator`` is a fitted model).
        y : array-like of shape (n_samples,)
            Labels; unlabelled rows masked (-1 / NaN) are ignored.
        sample_domain : array-like of int of shape (n_samples,), default=None
            Positive for source rows, negative for target rows. The labelled
            target rows must be marked here (without it, labelled rows are
            source rows).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows, in the source model's fit (when the
            estimator takes them) and in the target objective.

        Returns
        -------
        self : object
        """
        owner = type(self).__name__
        grid = check_alpha(self.alpha, self.alphas, owner)
        check_number(self.cv, "cv", owner=owner, integer=True, low=2)
        self._check_params(owner)
        if y is None:
            raise ValueError(f"{owner} requires y to be passed, but the target y is "
                             "None: pass the labels (unlabelled rows masked).")
        X, y = self._validate_X_y(X, y)
        data = DomainData.from_fit(X, y, sample_domain, task=self._TASK,
                                   require_labels=False, require_source=False)
        target = labelled_target_rows(data, owner)
        weights = (None if sample_weight is None
                   else _check_sample_weight(sample_weight, X, ensure_non_negative=True))
        fit_params = {} if weights is None else {"sample_weight": weights}
        model = source_model(self.estimator, self._default_source(), data, fit_params,
                             owner, self._TASK)
        coef, intercept = linear_parameters(model, owner)
        if coef.shape[1] != X.shape[1]:
            raise ValueError(
                f"{owner}: the source model has {coef.shape[1]} coefficients but X "
                f"has {X.shape[1]} features; give X in the source model's features.")
        theta_source = np.c_[coef, intercept]
        Xt, yt = X[target], self._encode(model, y[target], owner)
        st = np.ones(target.size) if weights is None else weights[target]
        if grid is None:
            self.alpha_ = float(self.alpha)
            self.cv_scores_ = None
        else:
            def fit_score(alpha, tr, te):
                theta = self._solve(Xt[tr], yt[tr], theta_source, alpha, st[tr])
                return self._held_out_score(theta, Xt[te], yt[te])

            self.alpha_, self.cv_scores_ = cross_validate_grid(
                fit_score, grid, y[target], self.cv, self._TASK, self.random_state,
                owner)
            self.alpha_ = float(self.alpha_)
        theta = self._solve(Xt, yt, theta_source, self.alpha_, st)
        self.source_estimator_ = model
        self.source_coef_, self.source_intercept_ = self._unpack(theta_source)
        self.coef_, self.intercept_ = self._unpack(theta)
        self.n_target_labelled_ = int(target.size)
        return self

    def _check_params(self, owner):
        """Checks of the subclass's own parameters."""

    def _unpack(self, theta):
        return theta[:, :-1].copy(), theta[:, -1].copy()

    def _predict_rows(self, X, sample_domain):
        return self.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.required = True
        return tags


class RegularTransferRegressor(RegressorMixin, _RegularTransfer):
    r"""Ridge regression on the target rows pulled towards a source model.

    The target model minimises, over its coefficients and intercept
    :math:`\theta = (w, b)`,

    .. math::

        \sum_{i \in T} s_i \,(y_i - x_i^\top w - b)^2
        + \alpha \left(\lVert w - w_s\rVert^2 + (b - b_s)^2\right),

    the sum over the labelled target rows :math:`T` (weights :math:`s_i`),
    where :math:`(w_s, b_s)` are the fitted source model's coefficients: the
    maximum a posteriori estimate under a Gaussian prior centred on the
    source model (Chelba & Acero 2006; ADAPT's ``RegularTransferLR``).
    :math:`\alpha = 0` is least squares on the target rows alone (the
    minimum-norm solution when they are fewer than the features);
    :math:`\alpha \to \infty` returns the source model. Solved exactly
    (:func:`solve_ridge_pull`): the thin SVD of the weighted target design
    (dense), the eigendecomposition of its smaller Gram matrix (sparse).

    Deviation from scikit-learn's ``Ridge``: the intercept is pulled too
    (towards the source's), as the prior of the paper covers every
    parameter; that is what makes a large :math:`\alpha` return the source
    model itself.

    Parameters
    ----------
    estimator : regressor, default=None
        The source model: a linear regressor (with ``coef_`` and
        ``intercept_`` once fitted), cloned and fitted on the labelled source
        rows; ``None``: ``Ridge()``. With no source row in ``X``, a fitted
        regressor used as it is (wrap it in
        :class:`sklearn.frozen.FrozenEstimator` to keep it as it is also
        when ``X`` has source rows).
    alpha : float >= 0 or "auto", default=1.0
        Strength of the pull (:math:`\lambda` of the paper). ``"auto"``: the
        value of ``alphas`` with the smallest mean squared error on ``cv``
        folds of the labelled target rows.
    alphas : sequence of float, default=(0.01, 0.1, 1, 10, 100, 1000)
        Grid of ``alpha="auto"``.
    cv : int, default=3
        Folds of ``alpha="auto"`` (at least ``cv`` labelled target rows).
    random_state : int, RandomState or None, default=None
        Shuffling of the folds.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    alpha_ : float
        The pull used (``alpha``, or the one chosen).
    cv_scores_ : ndarray of shape (len(alphas),) or None
        Minus the mean held-out squared error of each value of ``alphas``
        (``"auto"``).
    source_estimator_ : regressor
        The fitted source model.
    source_coef_, source_intercept_ : the source model's coefficients.
    n_target_labelled_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str (when ``X`` had column names)

    References
    ----------
    C. Chelba and A. Acero. Adaptation of maximum entropy capitalizer: little
    data can help a lot. Computer Speech & Language 20(4), 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.parameter import RegularTransferRegressor
    >>> rng = np.random.RandomState(0)
    >>> Xs, Xt = rng.randn(200, 3), rng.randn(10, 3)
    >>> ys, yt = Xs @ [1.0, 2.0, 0.0], Xt @ [1.0, 2.5, 0.0]
    >>> reg = RegularTransferRegressor(alpha=1.0).fit(
    ...     np.r_[Xs, Xt], np.r_[ys, yt], sample_domain=np.r_[[1] * 200, [-1] * 10])
    >>> reg.coef_.round(1)
    array([1. , 2.4, 0. ])
    """

    _TASK = "regression"
    score = LabelledScoreMixin.score  # not RegressorMixin's: masked rows left out

    def _default_source(self):
        return Ridge()

    def _encode(self, model, y, owner):
        return np.asarray(y, dtype=np.float64)

    def _solve(self, X, y, theta_source, alpha, s):
        return solve_ridge_pull(X, y, theta_source[0], alpha, s)[None, :]

    def _held_out_score(self, theta, X, y):
        residual = y - (np.asarray(X @ theta[0, :-1]).ravel() + theta[0, -1])
        return -float(np.mean(residual ** 2))

    def _unpack(self, theta):
        return theta[0, :-1].copy(), float(theta[0, -1])

    def predict(self, X, sample_domain=None):
        """Predictions of the target model (``sample_domain`` is accepted
        for the contract's signature and not used)."""
        check_is_fitted(self)
        X = self._check_X(X)
        return np.asarray(X @ self.coef_).ravel() + self.intercept_


class RegularTransferClassifier(ClassifierMixin, _RegularTransfer):
    r"""Logistic regression on the target rows pulled towards a source model.

    The target model (binary: one logit; :math:`K \ge 3` classes: the
    multinomial model) minimises over :math:`\Theta = (W, b)`

    .. math::

        \sum_{i \in T} s_i\, \ell\left(y_i,\; W x_i + b\right)
        + \frac{\alpha}{2}\left(\lVert W - W_s\rVert_F^2
        + \lVert b - b_s\rVert^2\right),

    :math:`\ell` the logistic (cross-entropy) loss, the sum over the
    labelled target rows :math:`T`, :math:`(W_s, b_s)` the fitted source
    model's coefficients (Chelba & Acero 2006, MAP adaptation of a maximum
    entropy model; ADAPT's ``RegularTransferLC``). With the factor
    :math:`1/2`, :math:`\alpha` is :math:`1/C` of scikit-learn's
    ``LogisticRegression``; :math:`\alpha = 0` is unpenalised logistic
    regression on the target rows alone, :math:`\alpha \to \infty` the
    source model. Solved by L-BFGS from the source coefficients, with the
    exact gradient.

    The classes are the source model's; target labels may cover only some of
    them (the pull keeps the others' coefficients). The intercept is pulled
    too, as the paper's prior covers every parameter. A source model fitted
    one-vs-rest (several binary logits) is taken as a multinomial model's
    logits.

    Parameters
    ----------
    estimator : classifier, default=None
        The source model: a linear classifier (``coef_``, ``intercept_``,
        ``classes_`` once fitted), cloned and fitted on the labelled source
        rows; ``None``: ``LogisticRegression()``. With no source row in
        ``X``, a fitted classifier used as it is (or wrapped in
        :class:`sklearn.frozen.FrozenEstimator`).
    alpha : float >= 0 or "auto", default=1.0
        Strength of the pull. ``"auto"``: the value of ``alphas`` with the
        best mean accuracy on ``cv`` stratified folds of the labelled target
        rows.
    alphas : sequence of float, default=(0.01, 0.1, 1, 10, 100, 1000)
    cv : int, default=3
    random_state : int, RandomState or None, default=None
        Shuffling of the folds.
    max_iter : int, default=1000
        L-BFGS iterations.
    tol : float, default=1e-6
        L-BFGS gradient tolerance.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,)
    alpha_, cv_scores_, source_estimator_, source_coef_, source_intercept_,
    n_target_labelled_, n_features_in_, feature_names_in_ : as in
        :class:`RegularTransferRegressor` (accuracy for ``cv_scores_``).
    n_iter_ : int
        L-BFGS iterations of the final fit.

    References
    ----------
    C. Chelba and A. Acero. Adaptation of maximum entropy capitalizer: little
    data can help a lot. Computer Speech & Language 20(4), 2006.
    """

    _TASK = "classification"
    score = LabelledScoreMixin.score  # not ClassifierMixin's: masked rows left out

    def __init__(self, estimator=None, *, alpha=1.0, alphas=ALPHAS, cv=3,
                 random_state=None, max_iter=1000, tol=1e-6):
        super().__init__(estimator, alpha=alpha, alphas=alphas, cv=cv,
                         random_state=random_state)
        self.max_iter = max_iter
        self.tol = tol

    def _check_params(self, owner):
        check_number(self.max_iter, "max_iter", owner=owner, integer=True, low=1)
        check_number(self.tol, "tol", owner=owner, low=0, low_inclusive=False)

    def _default_source(self):
        return LogisticRegression()

    def _encode(self, model, y, owner):
        """One-hot targets over the source classes (one column: binary)."""
        classes = np.asarray(getattr(model, "classes_", None))
        if classes.ndim != 1 or classes.size < 2:
            raise ValueError(f"{owner}: the source model must be a fitted classifier "
                             "with at least 2 classes (classes_).")
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            raise ValueError(
                f"{owner}: target labels {unknown.tolist()} are not classes of the "
                f"source model ({classes.tolist()}); parameter transfer keeps the "
                "source's classes.")
        self.classes_ = classes
        idx = np.searchsorted(classes, y)
        if classes.size == 2:
            return (idx == 1).astype(np.float64)
        T = np.zeros((len(y), classes.size))
        T[np.arange(len(y)), idx] = 1.0
        return T

    def _solve(self, X, T, theta_source, alpha, s):
        n_outputs = theta_source.shape[0]
        if n_outputs != (1 if self.classes_.size == 2 else self.classes_.size):
            raise ValueError(
                f"{type(self).__name__}: the source model has {n_outputs} rows of "
                f"coefficients for {self.classes_.size} classes.")
        theta0 = theta_source.ravel()
        res = minimize(_logistic_loss_grad, theta0, jac=True, method="L-BFGS-B",
                       args=(X, T, s, theta0, alpha, n_outputs),
                       options={"maxiter": self.max_iter, "gtol": self.tol})
        if not res.success and res.nit >= self.max_iter:
            warnings.warn(f"{type(self).__name__}: L-BFGS did not converge in "
                          f"max_iter={self.max_iter} iterations; raise max_iter or "
                          "alpha.", ConvergenceWarning, stacklevel=3)
        self.n_iter_ = int(res.nit)
        return res.x.reshape(theta_source.shape)

    def _held_out_score(self, theta, X, T):
        Z = np.asarray(X @ theta[:, :-1].T) + theta[:, -1]
        if Z.shape[1] == 1:
            return accuracy_score(T, (Z[:, 0] > 0).astype(float))
        return accuracy_score(T.argmax(axis=1), Z.argmax(axis=1))

    def decision_function(self, X, sample_domain=None):
        """Logits of the target model: shape (n,) binary, (n, K) else."""
        check_is_fitted(self)
        X = self._check_X(X)
        Z = np.asarray(X @ self.coef_.T) + self.intercept_
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of the target model."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            p = expit(Z)
            return np.c_[1 - p, p]
        return softmax(Z, axis=1)

    def predict_log_proba(self, X, sample_domain=None):
        """Log class probabilities of the target model."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return np.c_[log_expit(-Z), log_expit(Z)]
        return log_softmax(Z, axis=1)

    def predict(self, X, sample_domain=None):
        """The class of largest probability."""
        Z = self.decision_function(X)
        idx = (Z > 0).astype(int) if Z.ndim == 1 else Z.argmax(axis=1)
        return self.classes_[idx]

