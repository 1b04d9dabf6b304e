"""Sparse heterogeneous mapping: a sparse linear map from the source feature
space into the target feature space (Shen & Guo, ACML 2018)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import sparse
from scipy.linalg import lapack
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._progress import Progress, check_verbose
from .._validation import (
    check_magnitude,
    check_number,
    check_option,
    largest_abs,
    validate_numeric,
)
from ..base import AlignmentTransformerMixin, BaseAdapter
from ..domain import FeatureBlocks, infer_sample_domain
from ._proximal import (
    inner,
    monotone_fista,
    sparse_group_penalty,
    sparse_group_prox_compact,
)

__all__ = ["SparseHeterogeneousMapping"]

_MODES = ("auto", "parallel", "alignment")
_INITS = ("auto", "zeros", "random")
#: Fewest parallel pairs the "parallel" mode accepts.
MIN_PARALLEL_PAIRS = 2
#: Above this fraction of zero entries the map is applied as a sparse matrix.
_SPARSE_APPLY = 0.9
#: Blocks whose largest entry exceeds 2**_RESCALE_ABOVE are solved at unit scale.
_RESCALE_ABOVE = 16


# --------------------------------------------------------------- covariance
class _CovarianceFactor:
    r"""A factor ``F`` of a block's sample covariance, ``C = F' F``.

    Kept as a factor so that the alignment term never forms a ``d x d``
    product it does not need: ``F W`` and ``F' M`` are all it uses.

    * exact, ``d <= n``: ``F = L' P'`` from the pivoted Cholesky
      factorisation ``P' C P = L L'`` (LAPACK ``dpstrf``; ``rank(C)`` rows;
      ``C`` formed from ``X'X`` without centring a sparse ``X``);
    * exact, ``d > n``: the centred rows ``(X - 1 mu') / sqrt(n - 1)``
      themselves, applied implicitly for a sparse ``X``;
    * ``rank`` given: the top ``rank`` singular triplets of the centred rows
      (randomised SVD, Halko et al. 2011), ``F = diag(s / sqrt(n - 1)) V'``.
    """

    def __init__(self, X, rank, random_state):
        n, d = X.shape
        self.mean = np.asarray(X.mean(axis=0)).ravel()
        self.scale = 1.0 / np.sqrt(max(n - 1, 1))
        self.sparse_rows = None
        if rank is not None and rank < min(n, d):
            s, Vt = _top_singular(X, self.mean, rank, random_state)
            self.F = (s * self.scale)[:, None] * Vt
        elif d <= n:
            C = (_dense(X.T @ X) - n * np.outer(self.mean, self.mean)) * self.scale**2
            self.F = _psd_factor(C)
        elif sparse.issparse(X):
            self.sparse_rows = X.tocsr()
            self.F = None
        else:
            self.F = (X - self.mean) * self.scale

    @property
    def n_rows(self):
        return self.F.shape[0] if self.F is not None else self.sparse_rows.shape[0]

    def apply(self, W):
        """``F @ W`` (``W`` dense, or sparse: see :func:`_sparse_if_worth_it`)."""
        if self.F is not None:
            return _product(self.F, W)
        return _centred_product(self.sparse_rows, self.mean, W) * self.scale

    def apply_t(self, M):
        """``F' @ M``."""
        if self.F is not None:
            return self.F.T @ M
        return _centred_product_t(self.sparse_rows, self.mean, M) * self.scale

    def trace(self):
        """``tr(C)``."""
        if self.F is not None:
            return float(np.vdot(self.F, self.F))
        X = self.sparse_rows
        squares = float(X.multiply(X).sum()) - X.shape[0] * float(self.mean @ self.mean)
        return squares * self.scale**2

    def dense(self):
        """``C`` itself (tests and inspection)."""
        d = self.mean.shape[0]
        return self.apply_t(self.apply(np.eye(d)))


def _centred_product(X, mean, W):
    """``(X - 1 mu') @ W`` without forming the centred rows (a sparse ``X``
    stays sparse; ``W`` dense or sparse)."""
    return _product(X, W) - _dense(mean @ W)


def _centred_product_t(X, mean, M):
    """``(X - 1 mu')' @ M`` without forming the centred rows."""
    return _dense(X.T @ M) - np.outer(mean, M.sum(axis=0))


def _psd_factor(C):
    """``F`` with ``F' F = C`` for a symmetric positive semi-definite ``C``,
    ``rank(C)`` rows, by pivoted Cholesky (a tenth of the time of an
    eigendecomposition)."""
    L, piv, rank, info = lapack.dpstrf(C, lower=1)
    if info < 0:  # pragma: no cover - an argument error inside LAPACK
        raise RuntimeError(f"dpstrf failed with info={info}.")
    F = np.zeros((rank, C.shape[0]))
    F[:, piv - 1] = np.tril(L)[:, :rank].T
    return F


def _top_singular(X, mean, rank, random_state, n_oversamples=10, n_power_iter=4):
    """Top ``rank`` singular values and right singular vectors of the centred
    rows ``X - 1 mu'`` (never formed: a sparse ``X`` stays sparse), by the
    randomised range finder with power iterations (Halko, Martinsson &
    Tropp, SIAM Review 2011, algorithms 4.4 and 5.1)."""

    k = min(rank + n_oversamples, min(X.shape))
    probe = random_state.standard_normal((X.shape[1], k))
    Q, _ = np.linalg.qr(_centred_product(X, mean, probe))
    for _ in range(n_power_iter):
        Q, _ = np.linalg.qr(_centred_product_t(X, mean, Q))
        Q, _ = np.linalg.qr(_centred_product(X, mean, Q))
    B = _centred_product_t(X, mean, Q).T
    _, s, Vt = np.linalg.svd(B, full_matrices=False)
    return s[:rank], Vt[:rank]


# ---------------------------------------------------------------- objective
class _SmoothObjective:
    r"""The smooth part of the objective and its gradient,

    .. math::

        f(W) = \frac{\alpha}{2 n_p} \|P_s W - P_t\|_F^2
             + \frac{\beta}{4 d_t} \|W^\top C_s W - C_t\|_F^2 ,

    with ``C_s = F_s' F_s`` and ``C_t = F_t' F_t``. The alignment term is
    computed in whichever of two exact forms is cheaper: with
    ``D = W' C_s W - C_t`` formed (``d_t x d_t``) when ``d_t`` is small, else
    through the Gram matrices of the factors (``Z = F_s W``),
    ``||D||^2 = ||Z Z'||^2 - 2 ||Z F_t'||^2 + ||F_t F_t'||^2`` and
    ``Z D = (Z Z') Z - (Z F_t') F_t``. Gradient:
    ``(alpha / n_p) P_s' (P_s W - P_t) + (beta / d_t) F_s' (Z D)``.

    The parallel term too has a second exact form, used when ``P_s`` is
    dense with at least as many rows (pairs) as columns: with ``G = P_s' P_s`` and
    ``H = P_s' P_t`` computed once, ``||P_s W - P_t||^2 = <W, G W> -
    2 <W, H> + ||P_t||^2`` and the gradient is ``G W - H`` (scaled): a
    ``d_s x d_s`` product instead of one with every pair. (For a sparse
    ``P_s`` the residual form is cheaper: ``G`` fills in.)
    """

    def __init__(self, P_s, P_t, cov_s, cov_t, alpha, beta):
        self.P_s, self.P_t = P_s, P_t
        self.alpha = alpha if P_s is not None and P_s.shape[0] else 0.0
        self.beta = beta
        self.cov_s = cov_s
        self.gram_fit = (bool(self.alpha) and not sparse.issparse(P_s)
                         and P_s.shape[0] >= P_s.shape[1])
        if self.gram_fit:
            c = self.alpha / P_s.shape[0]
            self.fit_G = (P_s.T @ P_s) * c
            self.fit_H = (P_s.T @ P_t) * c
            self.fit_const = 0.5 * c * float(np.vdot(P_t, P_t))
        if beta:
            F_t = cov_t.F if cov_t.F is not None else cov_t.apply(np.eye(cov_t.mean.size))
            self.F_t = np.ascontiguousarray(F_t)
            d_t = self.F_t.shape[1]
            self.gram_form = d_t > cov_s.n_rows + self.F_t.shape[0]
            if self.gram_form:
                G = self.F_t @ self.F_t.T
                self.target_gram_norm2 = float(np.vdot(G, G))
            else:
                self.C_t = self.F_t.T @ self.F_t

    def __call__(self, W, with_grad):
        """``(f(W), grad f(W) or None)``."""
        fit, align, grad = self._terms(W, with_grad)
        return fit + align, grad

    def terms(self, W):
        """The two smooth terms at ``W``: ``{"parallel": ..., "alignment": ...}``."""
        fit, align, _ = self._terms(W, False)
        return {"parallel": fit, "alignment": align}

    def _terms(self, W, with_grad):
        grad = None
        fit = align = 0.0
        W_op = _sparse_if_worth_it(W)
        if self.gram_fit:
            GW = _product(self.fit_G, W_op)
            fit = max(0.5 * inner(W_op, GW) - inner(W_op, self.fit_H)
                      + self.fit_const, 0.0)
            if with_grad:
                grad = _dense(GW) - self.fit_H
        elif self.alpha:
            R = _product(self.P_s, W_op) - self.P_t
            n_p = self.P_s.shape[0]
            fit = 0.5 * self.alpha / n_p * float(np.vdot(R, R))
            if with_grad:
                R *= self.alpha / n_p  # scale the small factor, not the d_s x d_t product
                grad = _dense(self.P_s.T @ R)
        if self.beta:
            Z = self.cov_s.apply(W_op)
            if self.gram_form:
                A = Z @ Z.T
                B = Z @ self.F_t.T
                norm2 = float(np.vdot(A, A)) - 2 * float(np.vdot(B, B)) + self.target_gram_norm2
                ZD = (A @ Z - B @ self.F_t) if with_grad else None
            else:
                D = Z.T @ Z - self.C_t
                norm2 = float(np.vdot(D, D))
                ZD = Z @ D if with_grad else None
            d_t = Z.shape[1]
            align = 0.25 * self.beta / d_t * max(norm2, 0.0)
            if with_grad:
                ZD *= self.beta / d_t
                g = self.cov_s.apply_t(ZD)
                if grad is None:
                    grad = g
                else:
                    grad += g
        if with_grad and grad is None:
            grad = np.zeros(W.shape)
        return fit, align, grad


def _dense(M):
    return M.toarray() if sparse.issparse(M) else np.asarray(M)


def _sparse_if_worth_it(W):
    """``W`` as a CSC matrix when most of its entries are zero (the map is
    sparse by design: products with it then cost ``O(nnz(W))`` per row)."""
    if sparse.issparse(W):
        return W.tocsc()
    if np.count_nonzero(W) < (1.0 - _SPARSE_APPLY) * W.size:
        return sparse.csc_matrix(W)
    return W


def _product(A, W):
    """Dense ``A @ W`` for a dense or sparse ``A`` and ``W``."""
    if sparse.issparse(W) and not sparse.issparse(A):
        return _dense((W.T @ A.T).T)
    return _dense(A @ W)


# ----------------------------------------------------------------- estimator
class SparseHeterogeneousMapping(AlignmentTransformerMixin, BaseAdapter):
    r"""Sparse linear map from the source feature space into the target
    feature space, for source and target described by different features
    (after Shen & Guo, ACML 2018).

    ``X`` uses the block layout of :class:`sktransfer.domain.FeatureBlocks`:
    the columns of the source features (``source_features``) and those of
    the target features (``target_features``) side by side; a source row
    fills the source block and leaves the target block absent (``NaN``), a
    target row the reverse, and a *parallel pair* (the same instance
    described in both spaces) fills both. The map :math:`W`
    (``d_s x d_t``) minimises

    .. math::

        F(W) = \frac{\alpha}{2 n_p} \|P_s W - P_t\|_F^2
             + \frac{\beta}{4 d_t} \|W^\top C_s W - C_t\|_F^2
             + \lambda_1 \|W\|_1
             + \lambda_g \sum_{i=1}^{d_s} \|W_{i\cdot}\|_2 ,

    where :math:`P_s, P_t` are the ``n_p`` parallel pairs (source block,
    target block), :math:`C_s` the sample covariance of the source rows'
    source block and :math:`C_t` that of the target rows' target block.
    The first term makes parallel instances match, the second aligns the
    mapped source covariance :math:`W^\top C_s W` with the target's, the
    :math:`\ell_1` term makes the map sparse (each target feature built
    from a few source features), the optional row-group term drops whole
    source features. The wrapped ``estimator`` is then trained on the
    mapped labelled source rows :math:`X_s W` and on any labelled target
    rows (their target block), and predicts target rows from their target
    block.

    Solver: monotone FISTA (Beck & Teboulle 2009) with backtracking on the
    step size and the exact sparse-group proximal operator; the objective
    is non-convex in :math:`W` (the alignment term is quartic), so the
    result is a stationary point reached from ``init``, and the recorded
    objective never increases.

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier or regressor trained in the target feature space.
        ``None`` makes the mapping a pure transformer.
    source_features, target_features : array-like of int, bool or str, or None
        Columns of the two blocks: indices, a boolean mask, or column names
        when ``X`` is a DataFrame. ``None`` takes every column the other
        block does not; give at least one. The blocks must partition the
        columns.
    parallel_weight : float >= 0, default=1.0
        :math:`\alpha`, weight of the parallel-pair term.
    alignment_weight : float >= 0, default=1.0
        :math:`\beta`, weight of the covariance-alignment term.
    l1 : float >= 0, default=0.01
        :math:`\lambda_1`, weight of the :math:`\ell_1` penalty.
    group_l1 : float >= 0, default=0.0
        :math:`\lambda_g`, weight of the :math:`\ell_{2,1}` penalty over the
        rows of :math:`W` (one group per source feature).
    mode : {"auto", "parallel", "alignment"}, default="auto"
        ``"parallel"`` uses the parallel pairs (at least
        ``MIN_PARALLEL_PAIRS = 2`` are required). ``"alignment"`` ignores
        them and fits the covariance term alone: :math:`W` is then only
        weakly identified (any :math:`W Q` with :math:`Q^\top C_t Q = C_t`
        fits equally well), so a warning is given and the result depends
        on ``init``. ``"auto"``: ``"parallel"`` when there are at least two
        pairs, else ``"alignment"``.
    init : {"auto", "zeros", "random"} or ndarray of shape (d_s, d_t), default="auto"
        Starting map. ``"auto"``: zeros in the parallel mode, ``"random"``
        in the alignment mode (where zero is a stationary point).
        ``"random"``: Gaussian entries scaled so that
        :math:`\operatorname{tr}(W^\top C_s W) = \operatorname{tr}(C_t)`.
    covariance_rank : int or None, default=None
        ``None``: the covariances are exact. An int ``r`` replaces each by
        its top-``r`` principal part (randomised SVD), which bounds the
        cost of the alignment term by :math:`O(r\, d_s d_t)` per step; for
        thousands of features.
    max_iter : int, default=500
    tol : float, default=1e-5
        Stop when the proximal-gradient step is at most ``tol`` times the
        norm of the map (a first-order stationarity test).
    random_state : int, RandomState instance or None, default=None
        For ``init="random"`` and the randomised SVD.
    verbose : int, default=0
        ``1``: about ten progress lines per fit (iteration, objective, step
        length); ``2``: one per iteration.

    Attributes
    ----------
    map_ : ndarray of shape (d_s, d_t)
        The learnt :math:`W`.
    sparsity_ : float
        Fraction of zero entries of ``map_``.
    objective_ : ndarray of shape (n_iter_ + 1,)
        :math:`F` at the initial map and after each iteration
        (non-increasing).
    objective_terms_ : dict
        The final values of the four terms: ``"parallel"``,
        ``"alignment"``, ``"l1"``, ``"group_l1"``.
    n_iter_ : int
    converged_ : bool
    mode_ : str
        ``"parallel"`` or ``"alignment"``.
    n_parallel_ : int
        Number of parallel pairs used (0 in the alignment mode).
    source_features_, target_features_ : ndarray of int
        Column indices of the two blocks.
    estimator_ : estimator
        The fitted clone of ``estimator``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    Where this may differ from the paper (whose text was not at hand when
    this was written; the objective above is the one implemented): the
    terms are averaged -- the parallel term over the pairs, the alignment
    term over the target features, so that both are sums over the target
    features of comparable size (without the :math:`1/d_t`, the alignment
    term's sampling noise, which grows as :math:`d_t^2`, swamps the
    parallel term for wide target spaces) -- and weighted by
    :math:`\alpha, \beta`: a reparametrisation of any weighted sum; the
    map has no intercept (standardise each block first: a
    ``StandardScaler`` before this step does so, on the rows that fill
    each block, since it ignores ``NaN``; when source rows also fill the
    target block, as parallel pairs, that block is then standardised on
    both domains' rows together); the group penalty and the
    low-rank covariances are additions; the solver is monotone FISTA.

    Scale: when an entry of the blocks exceeds :math:`2^{16}`, the problem
    is solved on the blocks divided by a power of two :math:`2^k` (so that
    the quartic term cannot overflow), with :math:`\alpha` times
    :math:`2^{-2k}` and the penalties times :math:`2^{-4k}`: exactly the
    same minimiser. ``objective_`` and ``objective_terms_`` are reported in
    the data's units (``inf`` where that exceeds float64, for entries above
    about :math:`10^{77}`, where the penalties also underflow to zero
    against the smooth part).

    Cost per iteration: :math:`O(\mathrm{nnz}(P_s) d_t + r_s d_s d_t +
    r_s d_t \min(d_t, r_s + r_t))` with :math:`r` the rows of each
    covariance factor (``min(n, d)``, or ``covariance_rank``); sparse ``X``
    is accepted (an absent block then has no stored entry) and never
    densified except for the rows of the map's products.

    References
    ----------
    C. Shen, Y. Guo. Unsupervised Heterogeneous Domain Adaptation with
    Sparse Feature Transformation. ACML 2018, PMLR 95.

    A. Beck, M. Teboulle. Fast gradient-based algorithms for constrained
    total variation image denoising and deblurring problems. IEEE TIP 2009
    (monotone FISTA).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer import SparseHeterogeneousMapping
    >>> rng = np.random.default_rng(0)
    >>> W = np.zeros((6, 3)); W[0, 0] = W[1, 1] = W[2, 2] = 1.0
    >>> Xs = rng.normal(size=(300, 6)); Xt = rng.normal(size=(200, 6)) @ W
    >>> ys = (Xs[:, 0] > 0).astype(int)
    >>> nan_s, nan_t = np.full((300, 3), np.nan), np.full((200, 6), np.nan)
    >>> X = np.vstack([np.hstack([Xs, nan_s]), np.hstack([nan_t, Xt])])
    >>> Xp = rng.normal(size=(50, 6))                 # 50 parallel pairs
    >>> X = np.vstack([X, np.hstack([Xp, Xp @ W])])
    >>> y = np.r_[ys, -np.ones(250, dtype=int)]
    >>> model = SparseHeterogeneousMapping(
    ...     LogisticRegression(), target_features=[6, 7, 8]).fit(X, y)
    >>> model.map_.shape
    (6, 3)
    """

    _requires_estimator = False
    _accept_sparse = True

    def __init__(self, estimator=None, *, source_features=None, target_features=None,
                 parallel_weight=1.0, alignment_weight=1.0, l1=0.01, group_l1=0.0,
                 mode="auto", init="auto", covariance_rank=None, max_iter=500,
                 tol=1e-5, random_state=None, verbose=0):
        self.estimator = estimator
        self.source_features = source_features
        self.target_features = target_features
        self.parallel_weight = parallel_weight
        self.alignment_weight = alignment_weight
        self.l1 = l1
        self.group_l1 = group_l1
        self.mode = mode
        self.init = init
        self.covariance_rank = covariance_rank
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------ layout
    def _check_X(self, X, *, reset=False, **kwargs):
        # NaN marks an absent block; infinity is still an error.
        X = validate_numeric(self, X, accept_sparse="csr", dtype=np.float64,
                          ensure_all_finite="allow-nan", reset=reset, **kwargs)
        check_magnitude(X, owner=type(self).__name__)
        return X

    def _resolve_blocks(self):
        return FeatureBlocks.resolve(
            self.source_features, self.target_features, n_features=self.n_features_in_,
            feature_names=getattr(self, "feature_names_in_", None),
            owner=type(self).__name__,
        )

    def _blocks(self):
        return FeatureBlocks(self.source_features_, self.target_features_)

    def _domain_data(self, X, y, sample_domain, **kwargs):
        blocks = self._resolve_blocks()
        data = super()._domain_data(X, y, sample_domain, blocks=blocks)
        self.source_features_, self.target_features_ = blocks.source, blocks.target
        return data

    def _infer_domains(self, X, y, sample_domain, purpose):
        source_absent = None
        if sample_domain is None and y is not None:  # the layout can matter
            source_absent = ~self._blocks().presence(X)[0]
        return infer_sample_domain(y, sample_domain, n_samples=X.shape[0],
                                   purpose=purpose, task=self._task(),
                                   source_absent=source_absent)

    # -------------------------------------------------------------- checks
    def _check_adapter(self, data):
        name = type(self).__name__
        for param in ("parallel_weight", "alignment_weight", "l1", "group_l1"):
            check_number(getattr(self, param), param, owner=name, low=0)
        check_option(self.mode, "mode", _MODES, owner=name)
        if not isinstance(self.init, np.ndarray):
            check_option(self.init, "init", _INITS, owner=name)
        check_number(self.covariance_rank, "covariance_rank", owner=name, integer=True,
                     low=1, allow_none=True)
        check_number(self.max_iter, "max_iter", owner=name, integer=True, low=1)
        check_number(self.tol, "tol", owner=name, low=0)
        check_verbose(self.verbose, owner=name)
        d_s, d_t = self.source_features_.size, self.target_features_.size
        if isinstance(self.init, np.ndarray) and self.init.shape != (d_s, d_t):
            raise ValueError(
                f"{name}: init has shape {self.init.shape}, but the map is "
                f"(n_source_features, n_target_features) = ({d_s}, {d_t})."
            )
        if self.alignment_weight > 0:
            for side, mask in (("source", data.is_source), ("target", data.is_target)):
                if np.count_nonzero(mask) < 2:
                    raise ValueError(
                        f"{name}: the alignment term needs the covariance of at least 2 "
                        f"{side} rows, got {np.count_nonzero(mask)}; add rows or set "
                        "alignment_weight=0."
                    )

    def _resolve_mode(self, n_parallel):
        name = type(self).__name__
        mode = self.mode
        if mode == "auto":
            mode = "parallel" if n_parallel >= MIN_PARALLEL_PAIRS else "alignment"
        if mode == "parallel":
            if n_parallel < MIN_PARALLEL_PAIRS:
                raise ValueError(
                    f"{name}: mode='parallel' needs at least {MIN_PARALLEL_PAIRS} "
                    f"parallel pairs (rows filling both blocks), got {n_parallel}. Add "
                    "parallel pairs or use mode='alignment'."
                )
            if self.parallel_weight == 0:
                raise ValueError(
                    f"{name}: mode='parallel' with parallel_weight=0 ignores the pairs; "
                    "set parallel_weight > 0 or use mode='alignment'."
                )
        else:
            if self.alignment_weight == 0:
                raise ValueError(
                    f"{name}: the alignment mode (no parallel pairs used) needs "
                    "alignment_weight > 0, got 0: nothing would determine the map."
                )
            advice = (
                "the result is a local refinement of the init array given"
                if isinstance(self.init, np.ndarray) else
                "give parallel pairs, or an init array built from known feature "
                "correspondences"
            )
            warnings.warn(
                f"{name} fits the covariance-alignment term alone (parallel pairs "
                f"available: {n_parallel}, used: none): the map is only weakly "
                "identified (any W Q with Q' C_t Q = C_t fits as well) and depends "
                f"on init; {advice}.",
                UserWarning, stacklevel=5,
            )
        return mode

    # ----------------------------------------------------------------- fit
    def _fit_adapter(self, data, fit_params):
        blocks = self._blocks()
        parallel = data.has_source & data.has_target
        mode = self._resolve_mode(int(np.count_nonzero(parallel)))
        rng = check_random_state(self.random_state)
        X_src = data.X[:, blocks.source]
        X_tgt = data.X[:, blocks.target]
        # Solve at unit scale: with X = 2**k X', F(W; X) = 2**(4k) F'(W; X') where
        # F' has the parallel weight times 2**(-2k) and the penalties times
        # 2**(-4k); the same minimiser, exactly (powers of two), without the
        # quartic term overflowing float64 for large values.
        k = _scale_exponent(X_src, X_tgt)
        X_src, X_tgt = _ldexp(X_src, -k), _ldexp(X_tgt, -k)
        beta = float(self.alignment_weight)
        rank = self.covariance_rank
        cov_s = _CovarianceFactor(X_src[data.is_source], rank, rng) if beta else None
        cov_t = _CovarianceFactor(X_tgt[data.is_target], rank, rng) if beta else None
        if mode == "parallel":
            P_s, P_t = X_src[parallel], _dense(X_tgt[parallel])
            alpha = np.ldexp(float(self.parallel_weight), -2 * k)
        else:
            P_s = P_t = None
            alpha = 0.0
        smooth = _SmoothObjective(P_s, P_t, cov_s, cov_t, alpha, beta)
        W0 = self._initial_map(mode, cov_s, cov_t, rng, blocks)
        l1, gl1 = np.ldexp(float(self.l1), -4 * k), np.ldexp(float(self.group_l1), -4 * k)
        progress = Progress(self.verbose, type(self).__name__, total=self.max_iter)
        result = monotone_fista(
            smooth,
            lambda W: sparse_group_penalty(W, l1, gl1),
            lambda V, step: sparse_group_prox_compact(V, step * l1, step * gl1),
            W0, lipschitz=_lipschitz_estimate(smooth, W0), max_iter=self.max_iter,
            tol=self.tol,
            callback=lambda it, F, step: progress.step(
                it, f"objective {_unscale(F, k):.6g}, step {step:.3g}"),
        )
        progress.say(f"{'converged' if result.converged else 'stopped'} after "
                     f"{result.n_iter} iterations, objective "
                     f"{_unscale(result.objective[-1], k):.6g}")
        if result.stalled:
            warnings.warn(
                f"{type(self).__name__}: the solver stopped after {result.n_iter} "
                "iterations: no step decreases the objective any more (it is not "
                "finite near the current map, or the step length underflows). The map "
                "is the last good iterate; standardise the blocks (StandardScaler) "
                "and lower alignment_weight.", ConvergenceWarning, stacklevel=4)
        elif not result.converged:
            warnings.warn(
                f"{type(self).__name__} did not converge in max_iter={self.max_iter} "
                f"iterations (tol={self.tol}); increase max_iter, or standardise the "
                "blocks.", ConvergenceWarning, stacklevel=4,
            )
        W = _dense(result.x)
        if not W.any():
            _, g0 = smooth(np.zeros_like(W), True)
            g_max = _unscale(np.abs(g0).max(), k)
            g_row = _unscale(np.sqrt((g0 * g0).sum(axis=1)).max(), k)
            warnings.warn(
                f"{type(self).__name__}: the learnt map is all zero, so the mapped "
                "source rows carry no information. The penalty is too strong: W = 0 "
                "is a stationary point once l1 >= max |gradient at W = 0| = "
                f"{g_max:.3g}, or group_l1 >= its largest row norm = "
                f"{g_row:.3g} (here l1={self.l1}, "
                f"group_l1={self.group_l1}); lower them.", UserWarning, stacklevel=4,
            )
        self.map_ = W
        self.sparsity_ = float(np.mean(W == 0))
        self.objective_ = _unscale(np.asarray(result.objective), k)
        terms = {**smooth.terms(W), "l1": sparse_group_penalty(W, l1, 0.0),
                 "group_l1": sparse_group_penalty(W, 0.0, gl1)}
        self.objective_terms_ = {name: float(_unscale(v, k)) for name, v in terms.items()}
        self.n_iter_ = result.n_iter
        self.converged_ = result.converged
        self.mode_ = mode
        self.n_parallel_ = int(np.count_nonzero(parallel)) if mode == "parallel" else 0
        self._map_operator = (sparse.csr_matrix(W) if self.sparsity_ > _SPARSE_APPLY
                              else W)
        return self._adapt(data.X, data.sample_domain,
                           presence=(data.has_source, data.has_target))

    def _initial_map(self, mode, cov_s, cov_t, rng, blocks):
        shape = (blocks.source.size, blocks.target.size)
        init = self.init
        if isinstance(init, np.ndarray):
            W0 = np.array(init, dtype=np.float64, copy=True)
            if not np.isfinite(W0).all():
                raise ValueError(f"{type(self).__name__}: init holds NaN or infinity.")
            return W0
        if init == "auto":
            init = "zeros" if mode == "parallel" else "random"
        if init == "zeros":
            return np.zeros(shape)
        W0 = rng.standard_normal(shape)
        if cov_s is not None:
            Z = cov_s.apply(W0)
            mapped = float(np.vdot(Z, Z))
            if mapped > 0:
                W0 *= np.sqrt(cov_t.trace() / mapped)
        return W0

    # ------------------------------------------------------------- predict
    def _adapt(self, X, sample_domain, presence=None):
        """Rows in the target feature space: the target block of target rows
        that fill it, the mapped source block of every other row.
        ``presence``: ``blocks.presence(X)`` when already known."""
        blocks = self._blocks()
        has_source, has_target = presence if presence is not None else blocks.presence(X)
        source_rows = sample_domain > 0
        missing = source_rows & ~has_source
        if missing.any():
            blocks.check_domains(np.where(missing, 1, -1), has_source,
                                 np.ones_like(has_target))
        mapped = source_rows | ~has_target
        out = np.empty((X.shape[0], blocks.target.size))
        keep = ~mapped
        if keep.any():
            out[keep] = _dense(X[keep][:, blocks.target])
        if mapped.any():
            out[mapped] = _dense(X[mapped][:, blocks.source] @ self._map_operator)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the target-block columns (the output space)."""
        check_is_fitted(self)
        names = getattr(self, "feature_names_in_", None)
        if input_features is not None:
            names = np.asarray(input_features, dtype=object)
        if names is None:
            return np.asarray([f"x{i}" for i in self.target_features_], dtype=object)
        return np.asarray(names, dtype=object)[self.target_features_]


def _scale_exponent(*blocks):
    """``k >= 0`` such that the blocks divided by ``2**k`` have entries of
    absolute value at most ``2**_RESCALE_ABOVE`` (0 when they already do)."""
    largest = max(largest_abs(B) for B in blocks)
    return max(0, int(np.frexp(largest)[1]) - _RESCALE_ABOVE)


def _ldexp(B, k):
    """``B * 2**k`` (exact), dense or sparse: a new array, or ``B`` itself
    when ``k = 0``."""
    if not k:
        return B
    if sparse.issparse(B):
        B = B.copy()
        B.data = np.ldexp(B.data, k)
        return B
    return np.ldexp(B, k)


def _unscale(value, k):
    """An objective value of the unit-scale problem in the data's units
    (times ``2**(4k)``; ``inf`` where that exceeds float64)."""
    with np.errstate(over="ignore"):
        return np.ldexp(value, 4 * k)


def _lipschitz_estimate(smooth, W0):
    """Secant estimate of the local Lipschitz constant of ``grad f`` at ``W0``
    (the backtracking corrects it)."""
    _, g0 = smooth(W0, True)
    norm = np.linalg.norm(g0)
    if norm == 0 or not np.isfinite(norm):
        return 1.0
    h = 1e-3 * max(np.linalg.norm(W0), 1.0) / norm
    _, g1 = smooth(W0 - h * g0, True)
    estimate = np.linalg.norm(g1 - g0) / (h * norm)
    return max(estimate, 1e-8) if np.isfinite(estimate) else 1.0
