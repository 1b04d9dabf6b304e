"""Transfer Component Analysis (TCA)."""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg, sparse
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh
from sklearn.base import ClassNamePrefixFeaturesOutMixin
from sklearn.utils import check_random_state

from .._kernels import (
    blas_dot,
    check_kernel_fits,
    map_rows,
    resolve_kernel,
    row_chunks,
    symmetric_matvec,
    validate_approximation,
    validate_kernel_params,
)
from .._validation import check_dict, check_number, check_option
from ..base import AlignmentTransformerMixin, BaseAdapter

__all__ = ["TCA"]

_EIGEN_SOLVERS = ("auto", "dense", "arpack")
_SCALINGS = ("eigen", "unit", "none")
# "auto" uses ARPACK when the problem has more rows than this and
# n_components is at most this fraction of them.
_ARPACK_MIN_ROWS = 500
_ARPACK_MAX_FRACTION = 0.1


# ------------------------------------------------------------ linear algebra
def _component_scales(scaling, eigenvalues, n):
    """Factor of each component for ``scale_components`` (see TCA)."""
    if scaling == "none":
        return np.ones_like(eigenvalues)
    if scaling == "unit":
        return np.full_like(eigenvalues, np.sqrt(n))
    return np.sqrt(n * eigenvalues / eigenvalues[0])


def _mmd_vector(is_source):
    """``e`` with ``L = e e'``: ``1/n_s`` on source rows, ``-1/n_t`` on target
    rows, so that ``e' K e`` is the squared MMD of the kernel mean embeddings."""
    n_s = np.count_nonzero(is_source)
    n_t = is_source.shape[0] - n_s
    return np.where(is_source, 1.0 / n_s, -1.0 / n_t)


def _inv_sqrt_rank_one(v, mu):
    """Closed form of ``(mu I + v v')^{-1/2}``.

    ``mu I + v v'`` has the eigenvalue ``mu + ||v||^2`` along ``v`` and ``mu``
    elsewhere, so ``(mu I + v v')^{-1/2} = mu^{-1/2} (I - c v_hat v_hat')``
    with ``v_hat = v / ||v||`` and ``c = 1 - sqrt(mu / (mu + ||v||^2))``.
    Returns ``(v_hat, c)``; ``c = 0`` (and ``v_hat = 0``) when ``v = 0``.
    """
    norm2 = float(v @ v)
    if norm2 == 0.0:
        return np.zeros_like(v), 0.0
    return v / np.sqrt(norm2), 1.0 - np.sqrt(mu / (mu + norm2))


def _positive_spectrum(eigenvalues, size, scale):
    """Number of leading eigenvalues (sorted descending) above rounding:
    ``lambda > size * eps * max(lambda_max, scale)``, with ``scale`` the
    size of the problem's matrix (``||K||_F^2 / mu``), so that a problem
    whose every eigenvalue is rounding noise keeps none."""
    top = eigenvalues[0] if eigenvalues.size else 0.0
    tol = size * np.finfo(np.float64).eps * max(top, scale)
    return int(np.count_nonzero(eigenvalues > tol))


def _top_eigh_dense(M, m):
    """Top ``m`` eigenpairs of the symmetric ``M`` (overwritten), descending."""
    k = M.shape[0]
    vals, vecs = linalg.eigh(M, subset_by_index=[k - m, k - 1], overwrite_a=True,
                             check_finite=False, driver="evr")
    return vals[::-1], vecs[:, ::-1]


def _mean_and_centred_gram(F):
    """Column mean of ``F`` and its centred Gram matrix ``F' H F`` (``H`` the
    centring matrix), the latter summed over row chunks of the centred rows
    (dense ``F``) so that no centred copy of ``F`` is held."""
    n, r = F.shape
    mean = np.asarray(F.mean(axis=0)).ravel()
    if sparse.issparse(F):
        gram = (F.T @ F).toarray()
        return mean, gram - n * np.outer(mean, mean)
    S = np.zeros((r, r))
    for rows in row_chunks(n, r):
        block = F[rows] - mean
        S += block.T @ block
    return mean, S


def _solve_primal(F, is_source, mu, m):
    """TCA for the kernel ``K = F F'`` of explicit features ``F`` (``n x r``).

    Every solution ``w`` with ``lambda > 0`` lies in the range of ``K``. With
    ``G = F'F = T T'`` (``T = V diag(g)^{1/2}`` from ``G = V diag(g) V'``), the
    range of ``K`` is spanned by ``U = F V diag(g)^{-1/2}`` and ``K U = U
    diag(g)``; writing ``w = U b`` turns ``KHK w = lambda (KLK + mu I) w`` into
    the ``r x r`` problem

        T'ST b = lambda (mu I + s s') b,   S = F'HF,   s = T'(mean_s - mean_t),

    solved through the closed-form ``(mu I + s s')^{-1/2}``. The embedding is
    ``K w = F P`` with ``P = T b``; ``diag(g)^{-1/2}`` never appears, so
    singular or ill-conditioned ``G`` needs no special case (its null
    directions give zero rows of the reduced problem).

    Returns ``(P, eigenvalues)``, all positive eigenvalues among the top
    ``m`` (descending).
    """
    mean, S = _mean_and_centred_gram(F)
    n = F.shape[0]
    G = S + n * np.outer(mean, mean)
    g, V = linalg.eigh(G, check_finite=False)
    T = V * np.sqrt(np.clip(g, 0.0, None))
    delta = np.asarray(F.T @ _mmd_vector(is_source)).ravel()  # mean_s - mean_t
    s = T.T @ delta
    s_hat, c = _inv_sqrt_rank_one(s, mu)
    # Y = T (mu I + s s')^{-1/2}
    Y = (T - c * np.outer(T @ s_hat, s_hat)) / np.sqrt(mu)
    vals, Q = _top_eigh_dense(Y.T @ S @ Y, min(m, Y.shape[1]))
    # ||K||_F^2 = ||F F'||_F^2 = ||G||_F^2 = sum(g^2)
    keep = _positive_spectrum(vals, max(n, Y.shape[0]), np.sum(g**2) / mu)
    vals, Q = vals[:keep], Q[:, :keep]
    return (Y @ Q) / np.sqrt(vals), vals


def _solve_dual(K, is_source, mu, m, solver, tol, max_iter, random_state):
    """TCA on the exact ``n x n`` kernel matrix ``K`` (overwritten by the
    dense solver).

    With ``B = KLK + mu I = mu I + v v'`` (``v = K e``) and the closed form
    ``B^{-1/2} = mu^{-1/2} R``, ``R = I - c v_hat v_hat'``, the generalised
    problem ``KHK w = lambda B w`` is the standard one ``M u = theta u`` with
    ``M = R K H K R = mu B^{-1/2} KHK B^{-1/2}``, ``theta = mu lambda`` and
    ``w = B^{-1/2} u``. ARPACK needs only products ``x -> R K H K R x``: two
    symmetric matrix-vector products (BLAS ``symv``, which reads one triangle
    of ``K``) and ``O(n)`` corrections. The dense solver builds
    ``A = H K R`` in place of ``K`` and factorises ``M = A'A``.

    Returns ``(W, eigenvalues, Z, n_iter)``: ``W`` scaled so that
    ``W'KHKW = I``, ``Z = K W``, ``n_iter`` the number of products with
    ``M`` ARPACK made (1 for the dense solver).
    """
    n = K.shape[0]
    v = K @ _mmd_vector(is_source)
    v_hat, c = _inv_sqrt_rank_one(v, mu)
    frob2 = float(np.einsum("ij,ij->", K, K))
    if solver == "dense":
        theta, U, Z_unscaled = _dual_dense(K, v_hat, c, m)
        n_iter = 1
    else:
        theta, U, n_iter = _dual_arpack(K, v_hat, c, m, tol, max_iter, random_state,
                                        frob2)
        Z_unscaled = None
    keep = _positive_spectrum(theta, n, frob2)  # theta = mu lambda
    theta, U = theta[:keep], U[:, :keep]
    scale = 1.0 / np.sqrt(theta)  # mu^{-1/2} lambda^{-1/2}
    W = (U - c * np.outer(v_hat, v_hat @ U)) * scale
    Z = K @ W if Z_unscaled is None else Z_unscaled[:, :keep] * scale
    return W, theta / mu, Z, n_iter


def _dual_dense(K, v_hat, c, m):
    """Top ``m`` eigenpairs of ``M = A'A``, ``A = H K R`` built in place of
    ``K``; also ``K R U = (A + 1 a') U`` (``a``: the column means removed by
    ``H``), since ``K`` is gone afterwards."""
    n = K.shape[0]
    kv = K @ v_hat
    kv_mean = kv.mean()
    k_mean = K.mean(axis=0)
    col_mean = k_mean - c * kv_mean * v_hat  # column means of K R = K - c kv v_hat'
    for rows in row_chunks(n, n):
        block = K[rows]
        block -= np.outer(c * (kv[rows] - kv_mean), v_hat)
        block -= k_mean
    A = K
    theta, U = _top_eigh_dense(A.T @ A, m)
    return theta, U, A @ U + col_mean @ U


def _dual_arpack(K, v_hat, c, m, tol, max_iter, random_state, frob2):
    """Top ``m`` eigenpairs of ``M = R K H K R`` by ARPACK (descending) and
    the number of products with ``M`` made; none when ``M`` is zero up to
    rounding (``||M v0|| <= n eps ||K||_F^2 ||v0||``), where ARPACK fails."""
    n = K.shape[0]
    n_products = 0
    product = symmetric_matvec(K)

    def matvec(x):
        nonlocal n_products
        n_products += 1
        x = np.ravel(x)
        y = x - (c * blas_dot(v_hat, x)) * v_hat
        z = product(y)
        z -= z.mean()
        z = product(z)
        return z - (c * blas_dot(v_hat, z)) * v_hat

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    v0 = random_state.uniform(-1.0, 1.0, n)
    eps = np.finfo(np.float64).eps
    if np.linalg.norm(matvec(v0)) <= n * eps * frob2 * np.linalg.norm(v0):
        return np.zeros(0), np.zeros((n, 0)), n_products
    try:
        theta, U = eigsh(op, k=m, which="LA", v0=v0, tol=tol, maxiter=max_iter)
    except ArpackNoConvergence as exc:
        raise RuntimeError(
            "TCA: ARPACK did not converge; increase max_iter, loosen tol or use "
            "eigen_solver='dense'."
        ) from exc
    order = np.argsort(theta)[::-1]
    return theta[order], U[:, order], n_products


def _flip_signs(Z, *coefs):
    """Make the largest-magnitude training coordinate of every component
    positive (a deterministic sign, the same for every solver)."""
    signs = np.sign(Z[np.argmax(np.abs(Z), axis=0), np.arange(Z.shape[1])])
    signs[signs == 0] = 1.0
    return (Z * signs,) + tuple(coef * signs for coef in coefs)


# ------------------------------------------------------------------ estimator
class TCA(AlignmentTransformerMixin, ClassNamePrefixFeaturesOutMixin, BaseAdapter):
    r"""Transfer Component Analysis: a kernel embedding in which the source
    and target means match (Pan, Tsang, Kwok & Yang, IEEE TNN 2011).

    Unsupervised TCA. With the ``n = n_s + n_t`` fit rows (source and target,
    in the order given), :math:`K` their ``n x n`` kernel matrix,
    :math:`L = e e^\top` the MMD matrix (:math:`e_i = 1/n_s` on source rows,
    :math:`-1/n_t` on target rows, so :math:`L_{ij} = 1/n_s^2`,
    :math:`1/n_t^2` or :math:`-1/(n_s n_t)`) and :math:`H = I - \mathbf{1}
    \mathbf{1}^\top / n`, TCA solves

    .. math::

        \min_W \operatorname{tr}(W^\top K L K W) + \mu \operatorname{tr}(W^\top W)
        \quad \text{s.t.} \quad W^\top K H K W = I_m,

    i.e. :math:`W` holds the ``m`` leading generalised eigenvectors of

    .. math::

        K H K \, w = \lambda \, (K L K + \mu I) \, w,

    scaled so that the constraint holds. The columns of :math:`Z = K W`
    (the *transfer components*) keep as much of the data's variance as
    possible while the distance between the source and target means in the
    embedding, :math:`\operatorname{tr}(W^\top K L K W)`, stays small;
    :math:`\mu` trades the two off (large :math:`\mu`: closer to kernel
    PCA; small :math:`\mu`: stronger mean matching). A new row is embedded
    as :math:`z(x) = k(x, X_{fit}) W`; the embedding does not depend on the
    row's domain. The wrapped ``estimator`` is trained on the embedded
    labelled rows and predicts embedded target rows.

    Parameters
    ----------
    estimator : estimator object, default=None
        Classifier or regressor trained on the embedding. ``None`` makes TCA
        a pure transformer.
    n_components : int, default=10
        Number ``m`` of transfer components, ``1 <= m <= n``. Fewer are
        returned (with a warning) when the problem has fewer positive
        eigenvalues (e.g. ``m > n_features`` with the linear kernel).
    mu : float > 0, default=1.0
        The trade-off :math:`\mu` of the paper (the weight of
        :math:`\operatorname{tr}(W^\top W)`). The mean matching acts only
        when :math:`\mu` is not large compared with :math:`\|K e\|^2`
        (``e`` as below); for :math:`\mu \gg \|K e\|^2` TCA is kernel PCA.
        Note: skada's ``TransferComponentAnalysis`` solves
        :math:`(I + \mu' KLK)^{-1} KHK`, whose ``mu'`` is ``1 / mu``.
    kernel : {"linear", "rbf", "poly", "sigmoid", "laplacian"} or callable, \
            default="linear"
        The kernel; a callable takes ``(X, Y)`` and returns the kernel matrix.
    gamma : float > 0, default=None
        Kernel coefficient of "rbf", "poly", "sigmoid" and "laplacian".
        ``None``: the median heuristic on the fit rows for "rbf" and
        "laplacian", ``1 / n_features`` otherwise.
    degree : int, default=3
        Degree of the "poly" kernel.
    coef0 : float, default=1.0
        Independent term of the "poly" and "sigmoid" kernels.
    kernel_params : dict, default=None
        Extra keyword arguments of a callable kernel (or of the named kernel).
    scale_components : {"eigen", "unit", "none"}, default="eigen"
        Scale of the components. The paper's constraint
        :math:`W^\top KHK W = I` (``"none"``) gives every component a sum of
        centred squares of 1 over the ``n`` fit rows, i.e. a variance of
        ``1 / n``: for ``n`` in the thousands far below the scale a
        default-regularised estimator expects, whose penalty then dominates.
        ``"unit"``: every component multiplied by :math:`\sqrt{n}`, so each
        has unit variance over the fit rows. ``"eigen"``: component ``j``
        multiplied by :math:`\sqrt{n \lambda_j / \lambda_1}`, i.e. the
        relative scales of the generalised eigenvectors normalised as
        :math:`W^\top (KLK + \mu I) W = I` (what a generalised eigensolver
        such as MATLAB's ``eigs`` returns, and what the published TCA figures
        were computed with), with the leading component at unit variance.
        On Office-Caltech10 SURF with 1-NN, ``"eigen"`` reproduces the
        published TCA figures exactly, while ``"unit"`` (all components
        equally weighted in the distance) is 3-29 points lower, 13 on
        average over the 12 pairs (``docs/real_data_results.md``).
    approximation : {None, "nystroem", "rff"}, default=None
        ``None``: the exact ``n x n`` kernel matrix. ``"nystroem"``: a
        Nystroem feature map :math:`\phi` of rank ``n_landmarks`` fitted on
        the fit rows (source and target), and TCA with the kernel
        :math:`\phi(x)^\top \phi(y)`; ``"rff"``: random Fourier features
        (rbf kernel only). Use a low-rank mode when the kernel matrix would
        not fit in memory or ``n`` is more than a few thousand.
    n_landmarks : int, default=500
        Rank of the low-rank mode: Nystroem landmarks (rows drawn from the fit
        rows) or random Fourier features.
    eigen_solver : {"auto", "dense", "arpack"}, default="auto"
        Solver of the exact kernel mode (the linear and low-rank modes solve
        a small dense problem). ``"dense"``: :func:`scipy.linalg.eigh` on an
        ``n x n`` matrix, :math:`O(n^3)`. ``"arpack"``: Lanczos iterations
        (:func:`scipy.sparse.linalg.eigsh`), :math:`O(n^2)` per iteration.
        ``"auto"``: ARPACK when ``n > 500`` and ``n_components <= n / 10``.
    tol : float >= 0, default=0
        ARPACK's convergence tolerance (0: machine precision).
    max_iter : int, default=None
        ARPACK's maximum number of restart iterations (``None``: ARPACK's
        default).
    random_state : int, RandomState instance or None, default=None
        Draws the Nystroem landmarks (or the random features) and ARPACK's
        start vector.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator`` (absent when ``estimator=None``).
    eigenvalues_ : ndarray of shape (n_components_,)
        The leading generalised eigenvalues :math:`\lambda`, descending.
    n_components_ : int
        Number of components returned.
    dual_coef_ : ndarray of shape (n_samples_fit, n_components_)
        :math:`W` (exact kernel mode only): the embedding of ``x`` is
        ``embedding_scale_ * k(x, X_fit_) @ dual_coef_``, and
        ``dual_coef_.T @ K @ H @ K @ dual_coef_`` is the identity.
    X_fit_ : ndarray or sparse matrix of shape (n_samples_fit, n_features)
        Copy of the fit rows (exact kernel mode only).
    projection_ : ndarray of shape (n_features, n_components_) or \
            (n_landmarks, n_components_)
        :math:`P = X_{fit}^\top W` (linear kernel) or
        :math:`\phi(X_{fit})^\top W` (low-rank mode): the embedding of
        ``x`` is ``embedding_scale_ * x @ projection_`` or
        ``embedding_scale_ * feature_map_.transform(x) @ projection_``.
    feature_map_ : object
        The fitted Nystroem map or :class:`~sklearn.kernel_approximation.RBFSampler`
        (low-rank mode only).
    solver_ : {"primal", "dense", "arpack"}
        How the problem was solved: ``"primal"`` through the
        ``n_features x n_features`` (linear kernel) or
        ``n_landmarks x n_landmarks`` (low-rank mode) problem, else the
        eigen solver of the exact kernel mode.
    n_iter_ : int
        Number of products with :math:`M` (see Notes) that ARPACK made when
        ``solver_="arpack"``; 1 for the direct solvers.
    embedding_scale_ : ndarray of shape (n_components_,)
        The factor of each component (see ``scale_components``).
    gamma_ : float or None
        The kernel coefficient used (``None`` for the linear and callable
        kernels).
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    **Solution.** The MMD matrix is rank one, :math:`L = e e^\top`, so
    :math:`B = KLK + \mu I = \mu I + v v^\top` with :math:`v = K e` and

    .. math::

        B^{-1/2} = \mu^{-1/2} \left(I - c \, \hat v \hat v^\top\right),
        \qquad \hat v = v / \|v\|, \quad
        c = 1 - \sqrt{\mu / (\mu + \|v\|^2)}.

    The generalised problem becomes the standard symmetric one of
    :math:`M = B^{-1/2} KHK B^{-1/2}`, and
    :math:`w = B^{-1/2} u / \sqrt{\lambda}` for each unit eigenvector
    :math:`u` (:math:`w^\top KHK w = \lambda w^\top B w`), so the constraint
    holds exactly. ARPACK only needs products :math:`x \mapsto M x`: two
    symmetric products with :math:`K` (BLAS ``symv``, which reads one
    triangle of :math:`K`) and :math:`O(n)` rank-one and centring
    corrections. The dense solver builds
    :math:`A = H K \mu^{1/2} B^{-1/2}` in place of :math:`K` (an
    :math:`O(n^2)` rank-one update and centring) and factorises
    :math:`M = A^\top A / \mu` with :func:`scipy.linalg.eigh`, computing
    only the ``m`` leading eigenpairs. Neither :math:`B^{-1}` nor
    :math:`KHK` is formed, and no linear system is solved.

    **Linear kernel.** With ``kernel="linear"`` and ``n_features < n``, or
    in the low-rank mode (kernel :math:`\Phi \Phi^\top`), every solution lies
    in the range of :math:`K = X X^\top`; with
    :math:`X^\top X = V \operatorname{diag}(g) V^\top = T T^\top`,
    :math:`T = V \operatorname{diag}(g)^{1/2}`, the problem reduces to the ``n_features x n_features`` one
    :math:`T^\top S T b = \lambda (\mu I + s s^\top) b`,
    :math:`S = X^\top H X`, :math:`s = T^\top (\bar x_s - \bar x_t)`, solved
    the same way, and :math:`Z = X P` with :math:`P = T b`. :math:`W` itself
    (``n x m``) is never formed. No inverse of :math:`X^\top X` appears, so
    collinear features need no fallback. Sparse ``X`` takes this path too
    (:math:`X^\top X` is then formed as a dense ``d x d`` matrix).

    **Cost.** Exact mode: building :math:`K`, :math:`O(n^2 d)`, and
    :math:`O(n^2)` memory (checked before fitting); ARPACK
    :math:`O(n^2)` per iteration, the dense solver :math:`O(n^3)` time and a
    second ``n x n`` matrix; out-of-sample :math:`O(n d + n m)` per row.
    Linear mode: :math:`O(n d^2 + d^3)`. Low-rank mode with rank ``r``:
    :math:`O(n r (d + r) + r^3)` time, :math:`O(n r)` memory, and
    :math:`O(r (d + m))` per new row.

    **Deviations from the paper.** ``scale_components="eigen"`` (default)
    and ``"unit"`` rescale the components (see the parameter); ``"none"``
    is the paper's normalisation.
    The solution is computed through the closed-form :math:`B^{-1/2}`
    instead of an eigendecomposition of :math:`(KLK + \mu I)^{-1} KHK`
    (equal in exact arithmetic). Eigenvalues that are zero up to rounding
    are dropped (their components are undefined under the constraint). The
    sign of each component is fixed: its largest-magnitude training
    coordinate is positive. Several source (or target) domains are pooled
    into one source (or target) domain. The low-rank modes are not in the
    paper.

    References
    ----------
    S. J. Pan, I. W. Tsang, J. T. Kwok, Q. Yang. Domain Adaptation via
    Transfer Component Analysis. IEEE Transactions on Neural Networks
    22(2):199-210, 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.alignment import TCA
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(100, 5)); ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = rng.normal(size=(80, 5)) + [0.0, 0.0, 3.0, 0.0, 0.0]
    >>> X = np.vstack([Xs, Xt]); y = np.r_[ys, -np.ones(80, dtype=int)]
    >>> tca = TCA(LogisticRegression(), n_components=3).fit(X, y)
    >>> tca.predict(Xt).shape
    (80,)
    >>> TCA(kernel="rbf", n_components=2).fit_transform(X, y).shape
    (180, 2)
    """

    _requires_estimator = False
    _accept_sparse = True

    def __init__(
        self,
        estimator=None,
        *,
        n_components=10,
        mu=1.0,
        kernel="linear",
        gamma=None,
        degree=3,
        coef0=1.0,
        kernel_params=None,
        scale_components="eigen",
        approximation=None,
        n_landmarks=500,
        eigen_solver="auto",
        tol=0,
        max_iter=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_components = n_components
        self.mu = mu
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params
        self.scale_components = scale_components
        self.approximation = approximation
        self.n_landmarks = n_landmarks
        self.eigen_solver = eigen_solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    # ----------------------------------------------------------- validation
    def _check_adapter(self, data):
        n, d = data.X.shape
        m = self.n_components
        check_number(m, "n_components", owner="TCA", integer=True, low=1)
        if m > n:
            raise ValueError(
                f"TCA: n_components={m} is larger than the number of fit rows ({n}); "
                f"use n_components <= {n}."
            )
        check_number(self.mu, "mu", owner="TCA", low=0, low_inclusive=False)
        validate_kernel_params(self.kernel, self.gamma, self.degree, self.coef0,
                               owner="TCA")
        check_dict(self.kernel_params, "kernel_params", owner="TCA")
        validate_approximation(self.approximation, self.n_landmarks, self.kernel,
                               owner="TCA", rank_name="n_landmarks")
        check_option(self.scale_components, "scale_components", _SCALINGS, owner="TCA")
        check_option(self.eigen_solver, "eigen_solver", _EIGEN_SOLVERS, owner="TCA")
        check_number(self.tol, "tol", owner="TCA", low=0)
        check_number(self.max_iter, "max_iter", owner="TCA", integer=True, low=1,
                     allow_none=True)
        solver = self._select_solver(n, d)
        if solver == "arpack" and m >= n:
            raise ValueError(
                f"TCA: eigen_solver='arpack' needs n_components < n_samples "
                f"(got {m} >= {n}); use eigen_solver='dense'."
            )
        if solver in ("dense", "arpack"):
            check_kernel_fits(n, n, owner="TCA", rank_name="n_landmarks")

    def _select_solver(self, n, d):
        if self.approximation is not None or (self.kernel == "linear" and d < n):
            return "primal"
        if self.eigen_solver != "auto":
            return self.eigen_solver
        if n > _ARPACK_MIN_ROWS and self.n_components <= _ARPACK_MAX_FRACTION * n:
            return "arpack"
        return "dense"

    # ------------------------------------------------------------------ fit
    def _fit_adapter(self, data, fit_params):
        X = data.X
        n, d = X.shape
        is_source = data.is_source
        rng = check_random_state(self.random_state)
        kernel = resolve_kernel(self, X, owner="TCA")
        self.gamma_ = kernel.bandwidth
        for attr in ("dual_coef_", "X_fit_", "projection_", "feature_map_"):
            if hasattr(self, attr):
                delattr(self, attr)
        self.solver_ = self._select_solver(n, d)
        if self.solver_ == "primal":
            F = X
            if self.approximation is not None:
                self.feature_map_ = kernel.feature_map(
                    self.approximation, self.n_landmarks, rng
                ).fit(X)
                F = map_rows(X, self.feature_map_.transform, self.n_landmarks)
            P, eigenvalues = _solve_primal(F, is_source, self.mu, self.n_components)
            self.n_iter_ = 1
            Z = np.asarray(F @ P)
            Z, P = _flip_signs(Z, P)
            self.projection_ = P
        else:
            W, eigenvalues, Z, self.n_iter_ = _solve_dual(
                kernel(X), is_source, self.mu, self.n_components, self.solver_,
                self.tol, self.max_iter, rng,
            )
            Z, W = _flip_signs(Z, W)
            self.dual_coef_ = W
            self.X_fit_ = X.copy()
        self._kernel = kernel
        self.eigenvalues_ = eigenvalues
        self.n_components_ = eigenvalues.shape[0]
        if self.n_components_ == 0:
            raise ValueError(
                "TCA found no component: the fit rows have no variance in the "
                "kernel's feature space (identical rows, or a kernel that is "
                "constant on them). Check the data, gamma and the kernel."
            )
        if self.n_components_ < self.n_components:
            warnings.warn(
                f"TCA: the problem has only {self.n_components_} positive "
                f"eigenvalue(s); returning {self.n_components_} of the "
                f"n_components={self.n_components} components requested.",
                UserWarning,
            )
        self.embedding_scale_ = _component_scales(self.scale_components, eigenvalues, n)
        Z *= self.embedding_scale_
        return Z

    # ------------------------------------------------------------ transform
    def _adapt(self, X, sample_domain):
        if hasattr(self, "dual_coef_"):
            Z = map_rows(
                X, lambda rows: self._kernel(rows, self.X_fit_) @ self.dual_coef_,
                self.X_fit_.shape[0],
            )
        elif hasattr(self, "feature_map_"):
            Z = map_rows(
                X, lambda rows: self.feature_map_.transform(rows) @ self.projection_,
                self.n_landmarks,
            )
        else:
            Z = np.asarray(X @ self.projection_)
        Z *= self.embedding_scale_
        return Z

    @property
    def _n_features_out(self):
        return self.n_components_
