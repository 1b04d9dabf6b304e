"""CORrelation ALignment (CORAL)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import OneToOneFeatureMixin
from sklearn.covariance import ledoit_wolf_shrinkage

from .._per_domain import PerSourceDomainMixin
from .._validation import check_bool
from ..base import AlignmentTransformerMixin, BaseAdapter, map_source_rows

__all__ = ["CORAL"]


class _RegularisedCovariance:
    """A regularised covariance ``C = V diag(evals) V' + floor (I - V V')``.

    Stored in this spectral form so that ``C^p x`` costs ``O(d r)`` per row,
    with ``r = min(n, d)``: when ``d > n`` the ``d x d`` matrix is never formed
    (``V`` comes from a thin SVD of the centred data).
    """

    def __init__(self, X, reg):
        n, d = X.shape
        Xc = X - X.mean(axis=0)
        if reg == "auto":
            # Ledoit-Wolf: (1 - delta) S + delta * tr(S)/d * I, S = Xc'Xc / n
            delta = ledoit_wolf_shrinkage(Xc, assume_centered=True)
            denom, scale = n, 1.0 - delta
            trace = np.einsum("ij,ij->", Xc, Xc) / n
            floor = delta * trace / d
        else:
            denom, scale, floor = max(n - 1, 1), 1.0, float(reg)
            delta = None
        if d <= n:
            s, V = np.linalg.eigh(Xc.T @ Xc / denom)
            s = np.clip(s, 0.0, None)
        else:
            _, sv, Vt = np.linalg.svd(Xc, full_matrices=False)
            s, V = sv**2 / denom, Vt.T
        self.V = V
        self.evals = scale * s + floor
        self.floor = floor
        self.shrinkage = delta
        self.n_features = d
        if self.evals.min(initial=np.inf) <= 1e-12 * max(self.evals.max(initial=0), 1) or (
            floor <= 0 and V.shape[1] < d
        ):
            self.singular = True
        else:
            self.singular = False

    def power(self, X, p):
        """``X @ C^p`` for the rows of ``X``."""
        coef = self.evals**p
        if self.V.shape[1] == self.n_features:  # complete eigenbasis
            return ((X @ self.V) * coef) @ self.V.T
        fp = self.floor**p
        return fp * X + ((X @ self.V) * (coef - fp)) @ self.V.T

    def dense(self):
        """The ``d x d`` matrix (for inspection and tests)."""
        return self.power(np.eye(self.n_features), 1.0)


class CORAL(AlignmentTransformerMixin, OneToOneFeatureMixin, PerSourceDomainMixin, BaseAdapter):
    r"""CORrelation ALignment: re-colour the source rows with the target
    covariance (Sun, Feng & Saenko, AAAI 2016).

    With :math:`C_s` and :math:`C_t` the regularised covariances of the
    source and target rows,

    .. math::

        C_s = \operatorname{cov}(X_s) + \lambda I, \qquad
        C_t = \operatorname{cov}(X_t) + \lambda I, \qquad
        X_s \mapsto X_s \, C_s^{-1/2} \, C_t^{1/2},

    so that :math:`A = C_s^{-1/2} C_t^{1/2}` satisfies
    :math:`A^\top C_s A = C_t` exactly: the re-coloured source has the target
    covariance (both regularised). Target rows are left unchanged. The
    wrapped ``estimator`` is trained on the re-coloured labelled source rows
    (and on any labelled target rows, as they are) and predicts target rows.

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier or regressor trained on the aligned rows. ``None`` makes
        CORAL a pure transformer.
    reg : float >= 0 or "auto", default=1.0
        :math:`\lambda` added to both covariances; the paper's value is 1.
        ``"auto"`` uses Ledoit-Wolf shrinkage of each covariance towards a
        scaled identity instead, with the shrinkage computed from the data
        (``shrinkage_`` gives the two values).
    center : bool, default=False
        The paper multiplies the raw rows by :math:`A`. With ``center=True``
        the source rows are centred first and shifted to the target mean
        afterwards, :math:`(X_s - \mu_s) A + \mu_t`, which also aligns the
        means (an extension, not in the paper).

    source_handling : {"pool", "per_domain"}, default="pool"
        With several source domains (positive ``sample_domain`` ids),
        ``"pool"`` treats them as one source (the paper's method) and
        ``"per_domain"`` re-colours each on its own to the target.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator`` (absent when ``estimator=None``).
    source_mean_, target_mean_ : ndarray of shape (n_features,)
    shrinkage_ : tuple of float or None
        Ledoit-Wolf shrinkage of the source and target covariance with
        ``reg="auto"``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    domain_adapters_ : dict of int to CORAL
        With ``source_handling="per_domain"``: each source domain's fitted
        adaptation (no estimator); its fitted attributes replace the ones
        above, which are then absent.
    source_domains_ : ndarray of int
        The source domain ids of ``domain_adapters_``.

    Notes
    -----
    Cost: :math:`O(n d \min(n, d))` to fit, :math:`O(d \min(n,d))` per
    transformed row. When ``d > n`` the covariances are handled through a
    thin SVD and never formed as ``d x d`` matrices. Deviations from the
    paper: the matrix powers come from a symmetric eigendecomposition (the
    paper's MATLAB code uses ``C^(-1/2)`` through ``sqrtm``, equal in exact
    arithmetic); ``reg="auto"`` and ``center=True`` are options the paper
    does not have.

    References
    ----------
    B. Sun, J. Feng, K. Saenko. Return of Frustratingly Easy Domain
    Adaptation. AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer import CORAL
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(100, 3)); ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = 2 * rng.normal(size=(80, 3))
    >>> X = np.vstack([Xs, Xt]); y = np.r_[ys, -np.ones(80, dtype=int)]
    >>> CORAL(LogisticRegression()).fit(X, y).predict(Xt).shape
    (80,)
    """

    _requires_estimator = False

    def __init__(self, estimator=None, *, reg=1.0, center=False, source_handling="pool"):
        self.estimator = estimator
        self.reg = reg
        self.center = center
        self.source_handling = source_handling

    def _check_adapter(self, data):
        reg = self.reg
        if not (reg == "auto" if isinstance(reg, str) else (
            isinstance(reg, Real) and not isinstance(reg, bool) and reg >= 0
        )):
            raise ValueError(f"reg must be a float >= 0 or 'auto', got {reg!r}.")
        check_bool(self.center, "center", owner="CORAL")
        for name, mask in (("source", data.is_source), ("target", data.is_target)):
            if mask.sum() < 2:
                raise ValueError(
                    f"CORAL needs at least 2 {name} rows to estimate a covariance, "
                    f"got {mask.sum()}."
                )

    def _fit_adapter(self, data, fit_params):
        Xs, Xt = data.X[data.is_source], data.X[data.is_target]
        self._cov_s = _RegularisedCovariance(Xs, self.reg)
        self._cov_t = _RegularisedCovariance(Xt, self.reg)
        for name, cov in (("source", self._cov_s), ("target", self._cov_t)):
            if cov.singular:
                raise ValueError(
                    f"The {name} covariance is singular and reg=0 does not "
                    "regularise it (more features than rows, or collinear "
                    "features): use reg > 0 or reg='auto'."
                )
        self.source_mean_ = Xs.mean(axis=0)
        self.target_mean_ = Xt.mean(axis=0)
        self.shrinkage_ = (
            (self._cov_s.shrinkage, self._cov_t.shrinkage) if self.reg == "auto" else None
        )
        return self._adapt(data.X, data.sample_domain)

    def _align(self, Xs):
        if self.center:
            Xs = Xs - self.source_mean_
        out = self._cov_t.power(self._cov_s.power(Xs, -0.5), 0.5)
        if self.center:
            out += self.target_mean_
        return out

    def _adapt(self, X, sample_domain):
        return map_source_rows(X, sample_domain, self._align)

    @property
    def source_covariance_(self):
        """Regularised source covariance :math:`C_s` (``d x d``)."""
        return self._cov_s.dense()

    @property
    def target_covariance_(self):
        """Regularised target covariance :math:`C_t` (``d x d``)."""
        return self._cov_t.dense()

    @property
    def transformation_(self):
        r"""The ``d x d`` matrix :math:`A = C_s^{-1/2} C_t^{1/2}`."""
        return self._cov_t.power(self._cov_s.power(np.eye(self.n_features_in_), -0.5), 0.5)
