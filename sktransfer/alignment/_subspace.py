"""Subspace Alignment (SA)."""

from __future__ import annotations

import numpy as np
from scipy import linalg
from sklearn.base import ClassNamePrefixFeaturesOutMixin
from sklearn.utils.extmath import svd_flip

from .._per_domain import PerSourceDomainMixin
from .._validation import check_bool, check_number
from ..base import AlignmentTransformerMixin, BaseAdapter

__all__ = ["SubspaceAlignment"]


def _principal_subspace(X, k):
    """Mean, top ``k`` principal axes (rows, ``k x d``) and their variances
    of the rows of ``X``, as :class:`sklearn.decomposition.PCA` gives them.

    ``d <= n``: the top ``k`` eigenpairs of the ``d x d`` scatter matrix
    (symmetric eigensolver, only those ``k`` computed). ``d > n``: a thin
    SVD of the ``n x d`` centred rows, so no ``d x d`` matrix is formed.
    The sign of each axis is fixed as PCA fixes it (``svd_flip`` on the
    axes: the largest-magnitude entry of each axis is positive).
    """
    n, d = X.shape
    mean = X.mean(axis=0)
    Xc = X - mean
    if d <= n:
        vals, vecs = linalg.eigh(Xc.T @ Xc, subset_by_index=[d - k, d - 1],
                                 check_finite=False)
        axes = np.ascontiguousarray(vecs[:, ::-1].T)
        variances = np.clip(vals[::-1], 0.0, None) / (n - 1)
    else:
        _, sv, Vt = linalg.svd(Xc, full_matrices=False, check_finite=False)
        axes = np.ascontiguousarray(Vt[:k])
        variances = sv[:k] ** 2 / (n - 1)
    _, axes = svd_flip(None, axes, u_based_decision=False)
    return mean, axes, variances


class SubspaceAlignment(AlignmentTransformerMixin, ClassNamePrefixFeaturesOutMixin,
                        PerSourceDomainMixin, BaseAdapter):
    r"""Subspace Alignment: align the source principal subspace with the
    target one (Fernando, Habrard, Sebban & Tuytelaars, ICCV 2013).

    With :math:`X_S, X_T \in \mathbb{R}^{d \times k}` the top ``k``
    principal axes of the source and of the target rows (each domain's own
    PCA: the leading eigenvectors of its covariance, orthonormal columns),
    the alignment

    .. math::

        M^* = \operatorname*{arg\,min}_M \| X_S M - X_T \|_F^2
            = X_S^\top X_T \in \mathbb{R}^{k \times k}

    (closed form since :math:`X_S^\top X_S = I_k`) maps the source basis
    onto the target basis, :math:`X_a = X_S M^* = X_S X_S^\top X_T`. Rows
    are embedded in the ``k``-dimensional coordinates of the target
    subspace:

    .. math::

        x_s \mapsto (x_s - \mu_s) \, X_S M^* = (x_s - \mu_s) X_a, \qquad
        x_t \mapsto (x_t - \mu_t) \, X_T,

    so that source and target rows are compared through the similarity
    :math:`(x_s - \mu_s) X_S M^* X_T^\top (x_t - \mu_t)^\top` of the paper
    (``center=True``; see below). The wrapped ``estimator`` is trained on
    the embedded labelled source rows (and on any labelled target rows,
    embedded as target rows) and predicts embedded target rows.

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier or regressor trained on the embedding. ``None`` makes
        SubspaceAlignment a pure transformer.
    n_components : int, default=10
        Dimension ``k`` of the two subspaces (the paper's ``d``), with
        ``1 <= k <= min(n_features, n_source_rows - 1, n_target_rows - 1)``:
        the centred rows of a domain span at most ``n_rows - 1`` directions,
        so more principal axes than that would be arbitrary.
    center : bool, default=True
        Centre each domain's rows by its own mean before projecting (the
        source rows by the source mean, the target rows by the target mean);
        the principal axes are always those of the centred rows. ``False``
        projects the rows as they are, as the paper's Algorithm 1 writes it
        for data that its experiments have already normalised.

    source_handling : {"pool", "per_domain"}, default="pool"
        With several source domains (positive ``sample_domain`` ids),
        ``"pool"`` treats them as one source (the paper's method) and
        ``"per_domain"`` aligns each on its own to the target.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator`` (absent when ``estimator=None``).
    source_components_, target_components_ : ndarray of shape (n_components, n_features)
        The principal axes, one per row as in
        :class:`~sklearn.decomposition.PCA`, by decreasing variance:
        :math:`X_S` = ``source_components_.T``, :math:`X_T` =
        ``target_components_.T``.
    alignment_ : ndarray of shape (n_components, n_components)
        :math:`M^* = X_S^\top X_T`.
    source_explained_variance_, target_explained_variance_ : ndarray of shape (n_components,)
        Variance of each domain along its principal axes (eigenvalues of its
        covariance, normalised by ``n - 1`` as in PCA).
    source_mean_, target_mean_ : ndarray of shape (n_features,)
        Mean of the source and of the target rows.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    domain_adapters_ : dict of int to SubspaceAlignment
        With ``source_handling="per_domain"``: each source domain's fitted
        adaptation (no estimator); its fitted attributes replace the ones
        above, which are then absent.
    source_domains_ : ndarray of int
        The source domain ids of ``domain_adapters_``.

    Notes
    -----
    **Deviations from the paper.**

    * Centring: the paper's experiments z-normalise the data before
      Algorithm 1, which multiplies the rows by :math:`X_a` and :math:`X_T`
      directly; here (``center=True``, the default) each domain is centred
      by its own mean before the projection, as most implementations do.
      No per-domain scaling to unit variance is applied: standardise the
      features beforehand if wanted (a
      :class:`~sklearn.preprocessing.StandardScaler` in a pipeline uses the
      pooled statistics of both domains, not each domain's own).
      ``center=False`` gives Algorithm 1 on the rows as passed.
    * Choice of ``k``: the paper limits the subspace dimension with a
      stability bound on the estimated alignment (from concentration
      inequalities for the empirical principal subspaces, with a tolerance
      and a confidence level); that rule is not implemented, and
      ``n_components`` is a plain hyperparameter (tune it with the scorers
      of :mod:`sktransfer.model_selection`).
    * The principal axes come from a symmetric eigensolver on the
      ``d x d`` scatter (``d <= n``) or a thin SVD of the centred rows
      (``d > n``) rather than MATLAB's ``princomp``; they are equal up to
      the sign of each axis, which is fixed here (the largest-magnitude
      entry of each axis is positive, as in PCA) so that the embedding is
      deterministic. The sign of a target axis flips the same coordinate of
      both domains' embedding; the source signs cancel in
      :math:`X_S X_S^\top`.
    * The paper classifies the target rows with a nearest-neighbour
      classifier or an SVM on the similarity above; here any ``estimator``
      is trained on the embedded rows. Labelled target rows (if any) are
      trained on too, embedded as target rows. Several source (or target)
      domains are pooled into one source (or target) domain.

    **Cost.** Fitting takes :math:`O(n d \min(n, d))` per domain (the
    scatter matrix and its top ``k`` eigenpairs when ``d <= n``, a thin SVD
    otherwise; no ``d x d`` matrix when ``d > n``) and :math:`O(d k^2)` for
    the alignment; transforming costs :math:`O(d k)` per row.

    References
    ----------
    B. Fernando, A. Habrard, M. Sebban, T. Tuytelaars. Unsupervised Visual
    Domain Adaptation Using Subspace Alignment. ICCV 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.alignment._subspace import SubspaceAlignment
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(100, 5)); ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = rng.normal(size=(80, 5)) + 2.0
    >>> X = np.vstack([Xs, Xt]); y = np.r_[ys, -np.ones(80, dtype=int)]
    >>> SubspaceAlignment(LogisticRegression(), n_components=3).fit(X, y).predict(Xt).shape
    (80,)
    >>> sa = SubspaceAlignment(n_components=2)
    >>> sa.fit_transform(X, y).shape
    (180, 2)
    >>> sa.alignment_.shape
    (2, 2)
    """

    _requires_estimator = False

    def __init__(self, estimator=None, *, n_components=10, center=True, source_handling="pool"):
        self.estimator = estimator
        self.n_components = n_components
        self.center = center
        self.source_handling = source_handling

    def _check_adapter(self, data):
        owner = "SubspaceAlignment"
        k = self.n_components
        check_number(k, "n_components", owner=owner, integer=True, low=1)
        check_bool(self.center, "center", owner=owner)
        n_s, n_t = int(data.is_source.sum()), int(data.is_target.sum())
        for name, count in (("source", n_s), ("target", n_t)):
            if count < 2:
                raise ValueError(
                    f"{owner} needs at least 2 {name} rows to compute a principal "
                    f"subspace, got {count}."
                )
        d = data.X.shape[1]
        limit = min(d, n_s - 1, n_t - 1)
        if k > limit:
            raise ValueError(
                f"{owner}: n_components={k} is larger than min(n_features, "
                f"n_source_rows - 1, n_target_rows - 1) = {limit} (n_features={d}, "
                f"{n_s} source rows, {n_t} target rows); the centred rows of a "
                "domain span at most n_rows - 1 directions. Use n_components <= "
                f"{limit}."
            )

    def _fit_adapter(self, data, fit_params):
        k = self.n_components
        Xs, Xt = data.X[data.is_source], data.X[data.is_target]
        self.source_mean_, self.source_components_, self.source_explained_variance_ = (
            _principal_subspace(Xs, k))
        self.target_mean_, self.target_components_, self.target_explained_variance_ = (
            _principal_subspace(Xt, k))
        self.alignment_ = self.source_components_ @ self.target_components_.T
        return self._adapt(data.X, data.sample_domain)

    def _adapt(self, X, sample_domain):
        source = sample_domain > 0
        out = np.empty((X.shape[0], self.alignment_.shape[1]), dtype=np.float64)
        for rows, mean, basis in (
            (source, self.source_mean_, self.source_components_.T @ self.alignment_),
            (~source, self.target_mean_, self.target_components_.T),
        ):
            if rows.any():
                Xr = X[rows] - mean if self.center else X[rows]
                out[rows] = Xr @ basis
        return out

    @property
    def _n_features_out(self):
        fitted = (next(iter(self.domain_adapters_.values()))
                  if hasattr(self, "domain_adapters_") else self)
        return fitted.alignment_.shape[1]
