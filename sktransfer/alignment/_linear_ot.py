"""Linear optimal transport mapping: the Monge map between Gaussians."""

from __future__ import annotations

import numpy as np
from scipy import linalg
from sklearn.base import OneToOneFeatureMixin

from .._per_domain import PerSourceDomainMixin
from .._validation import check_bool, check_number
from ..base import AlignmentTransformerMixin, BaseAdapter, map_source_rows

__all__ = ["LinearOTMapping"]


def _sym_eigh(C):
    """Eigenpairs of the symmetric part of ``C``."""
    return linalg.eigh((C + C.T) / 2.0, check_finite=False)


def _bures_map(Cs, Ct):
    """``A = Cs^{-1/2} (Cs^{1/2} Ct Cs^{1/2})^{1/2} Cs^{-1/2}`` for symmetric
    positive definite ``Cs`` and positive semi-definite ``Ct`` (``r x r``),
    through two symmetric eigendecompositions; ``None`` when ``Cs`` is
    singular up to rounding."""
    s, V = _sym_eigh(Cs)
    r = s.shape[0]
    if s[0] <= r * np.finfo(np.float64).eps * max(s[-1], 0.0):
        return None
    root = np.sqrt(s)
    half = (V * root) @ V.T                      # Cs^{1/2}
    inv_half = (V / root) @ V.T                  # Cs^{-1/2}
    m, W = _sym_eigh(half @ Ct @ half)
    middle = (W * np.sqrt(np.clip(m, 0.0, None))) @ W.T
    A = inv_half @ middle @ inv_half
    return (A + A.T) / 2.0


class LinearOTMapping(AlignmentTransformerMixin, OneToOneFeatureMixin, PerSourceDomainMixin, BaseAdapter):
    r"""Linear optimal transport mapping: move the source rows with the
    Monge map between the Gaussian fits of the source and target rows
    (Knott & Smith 1984; Flamary, Lounici & Ferrari 2019).

    With :math:`\mu_s, \mu_t` the source and target means and
    :math:`\Sigma_s, \Sigma_t` their regularised covariances,

    .. math::

        \Sigma_s = \frac{1}{n_s} \sum_{i \in S} (x_i - \mu_s)^\top (x_i - \mu_s)
        + \lambda I, \qquad
        \Sigma_t = \frac{1}{n_t} \sum_{i \in T} (x_i - \mu_t)^\top (x_i - \mu_t)
        + \lambda I,

    the optimal transport map for the squared Euclidean cost from
    :math:`\mathcal{N}(\mu_s, \Sigma_s)` to :math:`\mathcal{N}(\mu_t,
    \Sigma_t)` is affine:

    .. math::

        T(x) = \mu_t + (x - \mu_s) A, \qquad
        A = \Sigma_s^{-1/2} \left( \Sigma_s^{1/2} \Sigma_t \Sigma_s^{1/2}
        \right)^{1/2} \Sigma_s^{-1/2}.

    :math:`A` is the unique symmetric positive (semi-)definite matrix with
    :math:`A \Sigma_s A = \Sigma_t`: the mapped source rows have exactly the
    target mean, and the covariance :math:`A \hat\Sigma_s A = \Sigma_t -
    \lambda A^2` (:math:`\hat\Sigma_s` the unregularised one), i.e. the
    target covariance up to the regularisation. Among the linear maps that
    match the two covariances (CORAL's :math:`\Sigma_s^{-1/2}
    \Sigma_t^{1/2}` is another) it moves the rows the least,
    :math:`\mathbb{E}\|x - T(x)\|^2` minimal. Target rows are left
    unchanged. The wrapped ``estimator`` is trained on the mapped labelled
    source rows (and on any labelled target rows, as they are) and predicts
    target rows.

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier or regressor trained on the mapped rows. ``None`` makes
        LinearOTMapping a pure transformer.
    reg : float >= 0, default=1e-6
        :math:`\lambda` added to the diagonal of both covariances (POT's
        default). It must be positive when the source covariance is singular
        (more features than source rows, or collinear features).
    bias : bool, default=True
        ``True``: the affine map above. ``False``: the linear map
        :math:`x \mapsto x A` with no mean shift, :math:`\Sigma_s` and
        :math:`\Sigma_t` then being the uncentred second-moment matrices
        :math:`\frac{1}{n} \sum_i x_i^\top x_i + \lambda I` (as
        :class:`ot.da.LinearTransport` with ``bias=False``), so that the
        mapped source rows have the target second moments.

    source_handling : {"pool", "per_domain"}, default="pool"
        With several source domains (positive ``sample_domain`` ids),
        ``"pool"`` treats them as one source (the paper's method) and
        ``"per_domain"`` maps each on its own to the target.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator`` (absent when ``estimator=None``).
    A_ : ndarray of shape (n_features, n_features)
        The symmetric map :math:`A` (see Notes: formed on access when
        ``n_features`` exceeds the number of fit rows).
    B_ : ndarray of shape (n_features,)
        The offset :math:`\mu_t - \mu_s A` (zero with ``bias=False``): a
        source row ``x`` is mapped to ``x @ A_ + B_``.
    source_mean_, target_mean_ : ndarray of shape (n_features,)
        Mean of the source and of the target rows (not used with
        ``bias=False``).
    source_covariance_, target_covariance_ : ndarray of shape (n_features, n_features)
        :math:`\Sigma_s` and :math:`\Sigma_t` (formed on access).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    domain_adapters_ : dict of int to LinearOTMapping
        With ``source_handling="per_domain"``: each source domain's fitted
        adaptation (no estimator); its fitted attributes replace the ones
        above, which are then absent.
    source_domains_ : ndarray of int
        The source domain ids of ``domain_adapters_``.

    Notes
    -----
    **Deviations from the paper.** The paper maps with the plain empirical
    covariances; here both get :math:`\lambda I` added (``reg``;
    :math:`\lambda \to 0` recovers the paper's estimator, which exists only
    for a non-singular source covariance). The covariances are normalised
    by ``n`` (the maximum-likelihood Gaussian fit, as in POT), where
    :class:`~sktransfer.CORAL` uses ``n - 1``. ``bias=False`` is POT's
    option, not the paper's. Labelled target rows (if any) are trained on
    as they are, and several source (or target) domains are pooled into
    one source (or target) domain.

    **Computation.** The matrix square roots come from symmetric
    eigendecompositions (no general ``sqrtm``), and :math:`A` is
    symmetrised. When ``n_features > n_s + n_t`` the ``d x d`` covariances
    are never formed: with :math:`Q` (``d x r``, :math:`r = n_s + n_t`) an
    orthonormal basis of the span of the (centred) source and target rows,
    both covariances equal :math:`\lambda I` on its orthogonal complement,
    where :math:`A` is therefore the identity, so
    :math:`A = I + Q (A_r - I) Q^\top` with :math:`A_r` the map between the
    ``r x r`` covariances :math:`Q^\top \Sigma Q` (exact, not an
    approximation).

    **Cost.** Fitting takes :math:`O(n d^2 + d^3)` for ``n = n_s + n_t``
    rows and ``d <= n`` features, and :math:`O(n^2 d + n^3)` otherwise;
    mapping a row costs :math:`O(d \min(n, d))`.

    References
    ----------
    M. Knott, C. S. Smith. On the optimal mapping of distributions. Journal
    of Optimization Theory and Applications 43(1):39-49, 1984.

    R. Flamary, K. Lounici, A. Ferrari. Concentration bounds for linear
    Monge mapping estimation and optimal transport domain adaptation.
    arXiv:1905.10155, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.alignment._linear_ot import LinearOTMapping
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(100, 3)); ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = 2 * rng.normal(size=(80, 3)) + 1.0
    >>> X = np.vstack([Xs, Xt]); y = np.r_[ys, -np.ones(80, dtype=int)]
    >>> LinearOTMapping(LogisticRegression()).fit(X, y).predict(Xt).shape
    (80,)
    >>> Zs = LinearOTMapping().fit_transform(X, y)[:100]  # the mapped source rows
    >>> bool(np.allclose(Zs.mean(axis=0), Xt.mean(axis=0)))
    True
    """

    _requires_estimator = False

    def __init__(self, estimator=None, *, reg=1e-6, bias=True, source_handling="pool"):
        self.estimator = estimator
        self.reg = reg
        self.bias = bias
        self.source_handling = source_handling

    def _check_adapter(self, data):
        owner = "LinearOTMapping"
        check_number(self.reg, "reg", owner=owner, low=0)
        check_bool(self.bias, "bias", owner=owner)
        n_s = int(data.is_source.sum())
        for name, count in (("source", n_s), ("target", int(data.is_target.sum()))):
            if count < 2:
                raise ValueError(
                    f"{owner} needs at least 2 {name} rows to estimate a covariance, "
                    f"got {count}."
                )
        d = data.X.shape[1]
        rank = n_s - 1 if self.bias else n_s
        if self.reg == 0 and d > rank:
            raise ValueError(
                f"{owner}: with reg=0 the source covariance must be non-singular, "
                f"but {n_s} source rows span at most {rank} of the {d} feature "
                "directions; use reg > 0."
            )

    def _fit_adapter(self, data, fit_params):
        Xs, Xt = data.X[data.is_source], data.X[data.is_target]
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        d = data.X.shape[1]
        self.source_mean_ = Xs.mean(axis=0)
        self.target_mean_ = Xt.mean(axis=0)
        if self.bias:
            Xs, Xt = Xs - self.source_mean_, Xt - self.target_mean_
        reg = self._reg = float(self.reg)
        if d > n_s + n_t:
            # orthonormal basis of the span of both domains' rows
            _, _, Vt = linalg.svd(np.vstack([Xs, Xt]), full_matrices=False,
                                  check_finite=False)
            self._basis = Vt.T
            Xs, Xt = Xs @ self._basis, Xt @ self._basis
        else:
            self._basis = None
        r = Xs.shape[1]
        self._cov_s = Xs.T @ Xs / n_s + reg * np.eye(r)
        self._cov_t = Xt.T @ Xt / n_t + reg * np.eye(r)
        A = _bures_map(self._cov_s, self._cov_t)
        if A is None:
            raise ValueError(
                "LinearOTMapping: the source covariance is singular (collinear "
                f"features, or more features than source rows) and reg={self.reg!r} "
                "does not regularise it enough; use a larger reg."
            )
        self._map = A
        self.B_ = (self.target_mean_ - self._apply(self.source_mean_[None, :])[0]
                   if self.bias else np.zeros(d))
        return self._adapt(data.X, data.sample_domain)

    def _apply(self, X):
        """``X @ A`` for the rows of ``X``."""
        if self._basis is None:
            return X @ self._map
        Q = self._basis
        return X + ((X @ Q) @ (self._map - np.eye(Q.shape[1]))) @ Q.T

    def _adapt(self, X, sample_domain):
        return map_source_rows(X, sample_domain, lambda Xs: self._apply(Xs) + self.B_)

    def _dense(self, small, fill):
        if self._basis is None:
            return small.copy()
        Q = self._basis
        return fill * np.eye(Q.shape[0]) + Q @ (small - fill * np.eye(Q.shape[1])) @ Q.T

    @property
    def A_(self):
        r"""The symmetric ``d x d`` map :math:`A`."""
        return self._dense(self._map, 1.0)

    @property
    def source_covariance_(self):
        r"""Regularised source covariance :math:`\Sigma_s` (``d x d``)."""
        return self._dense(self._cov_s, self._reg)

    @property
    def target_covariance_(self):
        r"""Regularised target covariance :math:`\Sigma_t` (``d x d``)."""
        return self._dense(self._cov_t, self._reg)
