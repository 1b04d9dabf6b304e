"""Kernel Mean Matching (KMM)."""

from __future__ import annotations

import numpy as np
from scipy.linalg import get_blas_funcs
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._kernels import (
    check_kernel_fits,
    fused_rbf,
    map_rows,
    median_heuristic_gamma,
    product_rounding,
    resolve_kernel,
    row_chunks,
    symmetric_matvec,
    validate_approximation,
    validate_kernel_params,
)
from .._per_domain import PerSourceDomainMixin
from .._progress import Progress, check_verbose
from .._validation import check_dict, check_number
from ..base import BaseAdapter
from ._qp import solve_box_slab_qp

__all__ = ["KMM"]

# Rows used to choose the bandwidth of the out-of-sample smoother, and the
# number of doublings of the bandwidth parameter tried.
_SMOOTHING_ROWS = 500
_SMOOTHING_DOUBLINGS = 10
# Smallest tol for which the exact rbf problem is solved with single-precision
# products (each entry accurate to a few 1e-6; see Precision in KMM's notes).
_SINGLE_PRECISION_TOL = 1e-6


def _low_rank_matvec(Phi):
    """``b -> Phi (Phi' b)`` for the ``n x m`` feature matrix ``Phi``, by
    scipy's BLAS ``gemv`` (the library of the solver's inner products, see
    :func:`sktransfer._kernels.blas_dot`)."""
    Phi_t = np.ascontiguousarray(Phi).T  # Fortran-ordered: no copies by f2py
    gemv = get_blas_funcs("gemv", (Phi_t,))

    def matvec(b):
        return gemv(1.0, Phi_t, gemv(1.0, Phi_t, b), trans=1)

    return matvec


def _check_callable_kernel_matrix(K, rng, n_pairs=1000):
    """Raise if a callable kernel returned a non-finite or visibly
    non-symmetric matrix (symmetry is checked on a random sample of entries:
    the solver reads one triangle only)."""
    n = K.shape[0]
    if K.shape != (n, n) or not np.isfinite(K).all():
        raise ValueError(
            f"KMM: the kernel returned a matrix of shape {K.shape} for "
            f"{n} source rows, or with non-finite values; a callable kernel "
            "must return the (n_X, n_Y) kernel matrix."
        )
    i = rng.randint(n, size=n_pairs)
    j = rng.randint(n, size=n_pairs)
    a, b = K[i, j], K[j, i]
    scale = max(np.abs(a).max(), np.abs(np.diag(K)).max(), 1e-300)
    if np.abs(a - b).max() > 1e-8 * scale:
        raise ValueError(
            "KMM: the kernel returned a non-symmetric matrix k(Xs, Xs); KMM "
            "needs a symmetric positive semi-definite kernel."
        )


def _stable_gaussian(D2, gamma):
    """``exp(-gamma (D2 - min_j D2_ij))`` row by row, in place: the
    Gaussian weights of a Nadaraya-Watson smoother scaled so that each row's
    largest weight is 1 (no underflow to an all-zero row)."""
    D2 -= D2.min(axis=1, keepdims=True)
    D2 *= -gamma
    return np.exp(D2, out=D2)


def _smoothing_gamma(Xs, weights, rng):
    r"""Bandwidth of the Nadaraya-Watson smoother of ``weights`` by
    leave-one-out cross-validation.

    On at most ``_SMOOTHING_ROWS`` source rows drawn with ``rng``: the
    candidates are ``gamma_0 2^k``, ``k = 0..10``, with ``gamma_0`` the
    median heuristic of those rows, scored by the leave-one-out squared error
    of predicting ``weights_i`` from the other rows (the doublings are
    squarings of one Gaussian matrix). Ties go to the smoothest candidate.
    """
    n = Xs.shape[0]
    idx = np.arange(n)
    if n > _SMOOTHING_ROWS:
        idx = np.sort(rng.choice(n, _SMOOTHING_ROWS, replace=False))
    base = median_heuristic_gamma(Xs[idx], max_rows=idx.shape[0])
    D2 = euclidean_distances(Xs[idx], squared=True)
    np.fill_diagonal(D2, np.inf)  # leave each row out of its own prediction
    if n < 3:
        return base
    w = weights[idx]
    E = _stable_gaussian(D2, base)
    best_err, best_k = np.inf, 0
    for k in range(_SMOOTHING_DOUBLINGS + 1):
        err = float(np.mean(((E @ w) / E.sum(axis=1) - w) ** 2))
        if err < best_err * (1.0 - 1e-12):
            best_err, best_k = err, k
        np.multiply(E, E, out=E)  # gamma doubles; each row keeps its 1
    return base * 2.0**best_k


class KMM(PerSourceDomainMixin, BaseAdapter):
    r"""Kernel Mean Matching: reweight the source rows so that their kernel
    mean matches the target's (Huang, Smola, Gretton, Borgwardt & Schoelkopf,
    NIPS 2006).

    With :math:`n_s` source rows :math:`x_i`, :math:`n_t` target rows
    :math:`x'_j` and a kernel :math:`k`, the weights :math:`\beta` solve the
    quadratic program

    .. math::

        \min_{\beta}\; \tfrac12 \beta^\top K \beta - \kappa^\top \beta
        \quad\text{s.t.}\quad 0 \le \beta_i \le B,\quad
        \Big|\sum_{i=1}^{n_s} \beta_i - n_s\Big| \le n_s \epsilon,

    .. math::

        K_{ii'} = k(x_i, x_{i'}), \qquad
        \kappa_i = \frac{n_s}{n_t} \sum_{j=1}^{n_t} k(x_i, x'_j),

    which is, up to a constant and the factor :math:`n_s^2 / 2`, the squared
    maximum mean discrepancy between the :math:`\beta`-weighted source rows
    and the target rows. The wrapped ``estimator`` is then trained on the
    labelled source rows with ``sample_weight`` :math:`\beta` (and on any
    labelled target rows with weight 1).

    Parameters
    ----------
    estimator : estimator object
        Classifier or regressor whose ``fit`` accepts ``sample_weight``
        (required; a clear error is raised otherwise -- the weights are never
        emulated by resampling).
    kernel : {"rbf", "linear", "poly", "sigmoid", "laplacian"} or callable, \
            default="rbf"
        Kernel :math:`k`; a callable takes ``(X, Y)`` and returns the
        ``(n_X, n_Y)`` kernel matrix, which must be symmetric positive
        semi-definite for the quadratic program to be convex ("sigmoid" is
        not: the solver then returns a feasible point of non-increasing
        objective, not a certified minimum).
    gamma : float, default=None
        Kernel coefficient of "rbf", "laplacian", "poly" and "sigmoid".
        ``None``: the median heuristic on the source and target rows
        (``1 / (2 median ||x - x'||^2)``) for "rbf" and "laplacian",
        ``1 / n_features`` otherwise.
    degree : int, default=3
        Degree of the "poly" kernel.
    coef0 : float, default=1.0
        Independent term of the "poly" and "sigmoid" kernels.
    kernel_params : dict, default=None
        Extra keyword arguments of the kernel (of a callable kernel).
    B : float, default=1000.0
        Upper bound of every weight (the paper's value).
    eps : float, default=None
        Half-width of the allowed range of :math:`\sum_i \beta_i / n_s`
        around 1; ``None`` takes the paper's
        :math:`(\sqrt{n_s} - 1) / \sqrt{n_s}`.
    tol : float, default=1e-6
        Relative tolerance of the solver: it stops when the objective
        decreased by at most ``tol * |objective|`` over the last
        ``max(10, n_iter / 8)`` iterations (a window that grows with the run,
        so that slow convergence is not mistaken for convergence). The
        default typically gives an objective within 1e-6 to 2e-5 (relative)
        of the optimum; ``tol=1e-9`` within about 1e-9. With the fused rbf
        kernel and ``tol >= 1e-6``, :math:`K` is held and applied in single
        precision (see Precision); a smaller ``tol`` keeps it in double
        precision, which takes twice the memory and about 2.6 times longer
        per product.
    max_iter : int, default=1000
        Maximum number of solver iterations; a ``ConvergenceWarning`` is
        issued when it is reached first.
    approximation : {None, "nystroem", "rff"}, default=None
        ``None`` solves the exact problem, holding the
        :math:`n_s \times n_s` matrix :math:`K` in memory. ``"nystroem"``
        (any kernel) or ``"rff"`` (random Fourier features, rbf kernel
        only) replace :math:`k` by a low-rank feature map :math:`\phi`
        fitted on the source and target rows: :math:`K \approx \Phi_s
        \Phi_s^\top`, :math:`\kappa = \frac{n_s}{n_t} \Phi_s \Phi_t^\top 1`
        (an extension, for large :math:`n_s`; the constraints are unchanged).
    n_components : int, default=500
        Dimension of the low-rank feature map.
    random_state : int, RandomState instance or None, default=None
        Seeds the low-rank feature map and the subsample on which the
        bandwidth of :meth:`compute_weights` is chosen.

    source_handling : {"pool", "per_domain"}, default="pool"
        With several source domains (positive ``sample_domain`` ids),
        ``"pool"`` treats them as one source (the paper's method) and
        ``"per_domain"`` reweights each on its own to the target.
    verbose : int, default=0
        ``1``: about ten progress lines per solve (iteration and objective);
        ``2``: one per iteration.

    Attributes
    ----------
    weights_ : ndarray of shape (n_source_rows,)
        The weights :math:`\beta` of the source rows of the fit data, in row
        order. They satisfy every constraint to rounding error.
    source_index_ : ndarray of int of shape (n_source_rows,)
        Row indices of the source rows in the ``X`` passed to ``fit``.
    objective_ : float
        Value of :math:`\tfrac12 \beta^\top K \beta - \kappa^\top \beta`
        at ``weights_`` (with the low-rank :math:`K` and :math:`\kappa` in
        the low-rank mode).
    n_iter_ : int
        Number of solver iterations.
    gamma_ : float or None
        The kernel coefficient used (the median heuristic when
        ``gamma=None``); ``None`` for kernels without one ("linear",
        callables).
    X_source_ : ndarray or sparse matrix of shape (n_source_rows, n_features)
        The source rows, kept for :meth:`compute_weights`.
    smoothing_gamma_ : float
        Bandwidth parameter of the Gaussian smoother of
        :meth:`compute_weights`.
    estimator_ : estimator
        The fitted clone of ``estimator``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
    domain_adapters_ : dict of int to KMM
        With ``source_handling="per_domain"``: each source domain's fitted
        adaptation (no estimator). ``weights_`` and ``source_index_`` then
        gather every domain's weights; the other fitted attributes above
        are those of ``domain_adapters_`` only.
    source_domains_ : ndarray of int
        The source domain ids of ``domain_adapters_``.

    Notes
    -----
    **Solver.** The quadratic program is solved by our own accelerated
    projected gradient method (FISTA with adaptive restart and adaptive step
    size; see :mod:`sktransfer.instance._qp`), not by a generic QP solver as
    in the paper: every iterate is projected exactly on the feasible set (a
    box intersected with a slab; the projection's threshold is the root of a
    monotone piecewise-linear function, found by a few :math:`O(n_s)` Newton
    steps on its pieces, or from its ``2 n_s`` sorted breakpoints,
    :math:`O(n_s \log n_s)`, should those not settle), so the weights honour
    every constraint to rounding error. The steps are taken in the metric :math:`L I + b\, 1
    1^\top` with :math:`b` the mean kernel value: a kernel matrix has one
    eigenvalue (:math:`\approx n_s b`, eigenvector :math:`\approx 1`) far
    above the others, and a plain :math:`1/\lambda_{\max}` step would crawl
    along every other direction. The step size adapts to the local
    curvature by backtracking, and each iteration costs one product with
    :math:`K` (the momentum point's product is a combination of earlier
    ones). The objective matches a generic QP solver's (scipy's SLSQP) to
    the accuracy ``tol`` gives (see ``tol``).

    **Cost.** Exact mode: :math:`O(n_s (n_s + n_t) d)` to build :math:`K`
    and :math:`\kappa` (the target block is summed in chunks, never held
    whole; only the lower triangle of :math:`K` is computed, in row blocks,
    since the symmetric product reads no other entry), :math:`4 n_s^2`
    bytes reserved for :math:`K` in single precision, :math:`8 n_s^2` in
    double (checked against the available memory before anything is
    computed; the unfilled upper triangle is largely never committed), and
    :math:`O(n_s^2)` per iteration (half a pass over :math:`K`: symmetric
    BLAS product).

    **Precision.** With the default dense "rbf" kernel, the squared
    distances are computed in double precision and the exponential in single
    precision (three times faster, and the exponential is most of the cost
    of building :math:`K`); every kernel entry is within ``2e-7`` of its
    double-precision value, and ``objective_`` is the objective of the
    problem so built. Since its entries are single-precision numbers,
    :math:`K` is then stored in single precision at no loss (when ``tol >=
    1e-6``, the default), and the solver's products with it are computed in
    single precision (``symv``: half the memory traffic of double precision,
    and twice the SIMD width; 2.6 times faster at n_s = 2000 and 20000).
    Their sums are accumulated in single precision, so each entry of
    :math:`K b` is accurate to a few ``1e-6`` (relative). The solver allows
    for that: its backtracking test has a matching slack, and it compares
    objective values through their changes, computed from the step
    (:math:`f(z) - f(x) = (z - x)^\top ((Kz + Kx)/2 - \kappa)`), whose
    rounding is relative to the step rather than to :math:`|f|`; it stops
    where the double-precision solver does (n_s = 20000: 166 against 164
    iterations, both within 1e-6 of the optimum). ``objective_``, evaluated
    from the final single-precision product, is accurate to about ``1e-6``
    (relative; measured 4e-7 at n_s = 20000). A ``tol`` below ``1e-6``
    keeps :math:`K` in double precision. Other kernels,
    sparse input and ``kernel_params`` take scikit-learn's double-precision
    kernels, held and applied in double precision.
    Low-rank mode: :math:`O((n_s + n_t) m d)` for the features (``m =
    n_components``; Nystroem adds :math:`O((n_s + n_t) m^2)` for its
    normalisation), :math:`8 n_s m` bytes for :math:`\Phi_s` (the target
    features are summed block by block), and :math:`O(n_s m)` per
    iteration. Below about 500 source rows the solver runs with one BLAS
    thread (products that short cost more in synchronisation than threads
    gain); above, its products use the BLAS threads as configured (limit
    them with ``threadpoolctl.threadpool_limits``).

    **Deviations from the paper.** The quadratic program, ``B = 1000`` and
    the default ``eps`` are the paper's. (1) The solver, above, and the
    single-precision exponential of the rbf kernel and products with it
    (see Precision). (2)
    ``gamma=None`` uses the median heuristic (the paper sets the Gaussian
    width by hand). (3) The low-rank mode is an extension. (4) All source domains are pooled into one source and all
    target domains into one target. (5) Labelled target rows, if any, are
    trained on with weight 1. (6) :meth:`compute_weights` extends the
    weights to new rows; the paper defines them on the training source rows
    only.

    **Weights of new rows** (an extension). :meth:`compute_weights` returns
    the Nadaraya-Watson smoothing of ``weights_`` with a Gaussian kernel on
    the source rows,

    .. math::

        \hat\beta(x) = \frac{\sum_i e^{-\gamma_w \|x - x_i\|^2} \beta_i}
                             {\sum_i e^{-\gamma_w \|x - x_i\|^2}},

    a local average of the weights, hence always in
    :math:`[\min_i \beta_i, \max_i \beta_i] \subset [0, B]` (the Gaussian is
    used whatever ``kernel`` is, since a linear or polynomial kernel can be
    negative). :math:`\gamma_w` (``smoothing_gamma_``) is chosen by
    leave-one-out cross-validation of this smoother on ``weights_`` among
    :math:`2^k` times the median heuristic, :math:`k = 0..10`, on at most
    500 source rows drawn with ``random_state`` (a narrow smoother when the
    weights vary on a short scale; the method's own bandwidth would flatten
    them in more than a few dimensions). On the
    training source rows :math:`\hat\beta(x_i)` is the smoothed
    :math:`\beta_i`, not :math:`\beta_i` itself; what holds exactly is the
    conservation :math:`\sum_i d_i \hat\beta(x_i) = \sum_i d_i \beta_i`
    with :math:`d_i = \sum_{i'} e^{-\gamma_w \|x_i - x_{i'}\|^2}`, and
    :math:`\hat\beta(x_i) \to \beta_i` as :math:`\gamma_w \to \infty`;
    the cross-validated :math:`\gamma_w` makes :math:`\hat\beta` the best
    leave-one-out predictor of ``weights_`` among the candidates. Cost:
    :math:`O(n\, n_s d)` for ``n`` rows, computed in blocks.

    References
    ----------
    J. Huang, A. Smola, A. Gretton, K. Borgwardt, B. Schoelkopf. Correcting
    Sample Selection Bias by Unlabeled Data. NIPS 2006.

    A. Beck, M. Teboulle. A Fast Iterative Shrinkage-Thresholding Algorithm
    for Linear Inverse Problems. SIAM J. Imaging Sciences, 2009.

    B. O'Donoghue, E. Candes. Adaptive Restart for Accelerated Gradient
    Schemes. Foundations of Computational Mathematics, 2015.

    K. Scheinberg, D. Goldfarb, X. Bai. Fast First-Order Methods for
    Composite Convex Optimization with Backtracking. Foundations of
    Computational Mathematics, 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sktransfer.instance import KMM
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 1))
    >>> Xt = rng.normal(loc=1.0, scale=0.5, size=(100, 1))
    >>> X = np.vstack([Xs, Xt])
    >>> y = np.r_[np.sinc(Xs[:, 0]), np.full(100, np.nan)]
    >>> kmm = KMM(LinearRegression()).fit(X, y)
    >>> kmm.weights_.shape
    (200,)
    >>> bool(np.all((kmm.weights_ >= 0) & (kmm.weights_ <= kmm.B)))
    True
    >>> kmm.predict(Xt).shape
    (100,)
    """

    _requires_estimator = True
    _accept_sparse = True
    _adapts_rows = False  # source_handling='per_domain': weights only

    def __init__(
        self,
        estimator=None,
        *,
        kernel="rbf",
        gamma=None,
        degree=3,
        coef0=1.0,
        kernel_params=None,
        B=1000.0,
        eps=None,
        tol=1e-6,
        max_iter=1000,
        approximation=None,
        n_components=500,
        random_state=None,
        source_handling="pool",
        verbose=0,
    ):
        self.estimator = estimator
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.B = B
        self.eps = eps
        self.tol = tol
        self.max_iter = max_iter
        self.approximation = approximation
        self.n_components = n_components
        self.random_state = random_state
        self.source_handling = source_handling
        self.verbose = verbose

    # ------------------------------------------------------------ checks
    def _eps(self, n_source):
        if self.eps is None:
            return (np.sqrt(n_source) - 1.0) / np.sqrt(n_source)
        return float(self.eps)

    def _single_precision(self, X):
        """Whether the exact problem holds ``K`` in single precision."""
        return (fused_rbf(self.kernel, self.kernel_params, X)
                and self.tol >= _SINGLE_PRECISION_TOL)

    def _check_adapter(self, data):
        validate_kernel_params(self.kernel, self.gamma, self.degree, self.coef0,
                               owner="KMM")
        check_dict(self.kernel_params, "kernel_params", owner="KMM")
        check_number(self.B, "B", owner="KMM", low=0, low_inclusive=False)
        check_number(self.eps, "eps", owner="KMM", low=0, allow_none=True)
        check_number(self.tol, "tol", owner="KMM", low=0)
        check_number(self.max_iter, "max_iter", owner="KMM", integer=True, low=1)
        check_verbose(self.verbose, owner="KMM")
        validate_approximation(self.approximation, self.n_components, self.kernel,
                               owner="KMM")
        n_source = int(np.count_nonzero(data.is_source))
        eps = self._eps(n_source)
        if self.B < 1.0 - eps:
            raise ValueError(
                f"KMM: no weights satisfy the constraints: with eps={eps:.6g} the "
                f"{n_source} weights must sum to at least {n_source * (1 - eps):.6g}, "
                f"which needs B >= 1 - eps = {1 - eps:.6g}, but B={self.B!r}. "
                "Increase B or eps."
            )
        self._require_sample_weight()
        if self.approximation is None:
            single = self._single_precision(data.X)
            check_kernel_fits(n_source, n_source, owner="KMM", itemsize=4 if single else 8)

    # --------------------------------------------------------------- fit
    def _fit_adapter(self, data, fit_params):
        rng = check_random_state(self.random_state)
        X = data.X
        self.source_index_ = np.flatnonzero(data.is_source)
        Xs = X[self.source_index_]
        Xt = X[np.flatnonzero(data.is_target)]
        n_s, n_t = Xs.shape[0], Xt.shape[0]
        # every row of data.X is a source or a target row
        kernel = resolve_kernel(self, X, owner="KMM")
        self.gamma_ = kernel.bandwidth
        if self.approximation is None:
            matvec, kappa, product_rtol = self._exact_problem(kernel, Xs, Xt, rng)
        else:
            matvec, kappa, product_rtol = self._low_rank_problem(kernel, X, Xs, Xt, rng)
        kappa *= n_s / n_t
        eps = self._eps(n_s)
        lo = n_s * max(1.0 - eps, 0.0)
        hi = min(n_s * (1.0 + eps), n_s * float(self.B))
        progress = Progress(self.verbose, "KMM", total=self.max_iter)
        progress.say(f"{n_s} source rows, {n_t} target rows: solving the quadratic "
                     "program")
        result = solve_box_slab_qp(
            matvec, kappa, float(self.B), lo, hi, tol=self.tol, max_iter=self.max_iter,
            product_rtol=product_rtol, owner="KMM",
            callback=lambda it, f: progress.step(it, f"objective {f:.8g}"))
        progress.say(f"{'converged' if result.converged else 'stopped'} after "
                     f"{result.n_iter} iterations ({result.n_matvec} kernel products), "
                     f"objective {result.objective:.8g}")
        self.weights_ = result.x
        self.objective_ = result.objective
        self.n_iter_ = result.n_iter
        self.X_source_ = Xs
        self.smoothing_gamma_ = _smoothing_gamma(Xs, self.weights_, rng)
        return X

    def _exact_problem(self, kernel, Xs, Xt, rng):
        """``K @ b``, ``K(Xs, Xt) @ 1`` and the relative accuracy of the
        products (``K`` is single-precision where that is exact, see
        Precision)."""
        K = kernel.gram_lower(Xs, single=self._single_precision(Xs))
        if callable(self.kernel):  # evaluated whole: checked whole
            _check_callable_kernel_matrix(K, rng)
        return (symmetric_matvec(K), kernel.row_sums(Xs, Xt),
                product_rounding(K.dtype, K.shape[0]))

    def _low_rank_problem(self, kernel, X, Xs, Xt, rng):
        """``Phi_s (Phi_s' b)`` and ``Phi_s (Phi_t' 1)`` of the low-rank
        problem (double-precision products: ``None`` accuracy, the solver's
        default); the features are computed in row blocks."""
        phi = kernel.feature_map(self.approximation, self.n_components, rng).fit(X)
        Phi_s = map_rows(Xs, phi.transform, self.n_components)
        phi_t_sum = np.zeros(Phi_s.shape[1])
        for rows in row_chunks(Xt.shape[0], self.n_components):
            phi_t_sum += phi.transform(Xt[rows]).sum(axis=0)
        return _low_rank_matvec(Phi_s), Phi_s @ phi_t_sum, None

    def _check_per_domain_estimator(self):
        self._require_sample_weight()

    def _merge_domain_fits(self, parts):
        # source_handling="per_domain": every source row's weight, from its
        # own domain's fit, in the row order of the fit data
        index = np.concatenate([rows[sub.source_index_] for rows, sub in parts])
        weights = np.concatenate([sub.weights_ for _, sub in parts])
        order = np.argsort(index, kind="stable")
        self.source_index_, self.weights_ = index[order], weights[order]
        for name in ("objective_", "gamma_", "X_source_", "smoothing_gamma_"):
            self.__dict__.pop(name, None)

    def _training_weights(self, data):
        weights = np.ones(data.X.shape[0])
        weights[self.source_index_] = self.weights_
        return weights

    # ----------------------------------------------------------- weights
    def compute_weights(self, X):
        r"""Weights of new rows: the Gaussian (Nadaraya-Watson) smoothing of
        ``weights_`` over the source rows (see Notes of :class:`KMM`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        weights : ndarray of shape (n_samples,)
            Values in ``[min(weights_), max(weights_)]``.
        """
        check_is_fitted(self)
        if hasattr(self, "domain_adapters_"):
            raise ValueError(
                "KMM.compute_weights smooths the weights of one source; this KMM "
                "was fitted with source_handling='per_domain': use "
                "domain_adapters_[k].compute_weights(X) for source domain k."
            )
        X = self._check_X(X)
        out = np.empty(X.shape[0])
        for rows in row_chunks(X.shape[0], self.X_source_.shape[0]):
            E = _stable_gaussian(
                euclidean_distances(X[rows], self.X_source_, squared=True),
                self.smoothing_gamma_,
            )
            out[rows] = (E @ self.weights_) / E.sum(axis=1)
        return out
