"""Kernels shared by the kernel methods (KMM, TCA): one place for the kernel
function, its default bandwidth, memory checks, chunked sums and the low-rank
feature maps used for large n."""

from __future__ import annotations

import os

import numpy as np
from scipy import sparse
from scipy.linalg import get_blas_funcs
from scipy.linalg.blas import dgemm as _dgemm
from scipy.spatial.distance import pdist
from sklearn.kernel_approximation import RBFSampler
from sklearn.metrics.pairwise import pairwise_kernels
from sklearn.utils import check_random_state, gen_batches

from ._validation import check_number

KERNELS = ("rbf", "linear", "poly", "sigmoid", "laplacian")
APPROXIMATIONS = ("nystroem", "rff")

# Fraction of the available memory a single kernel matrix may take.
_MEMORY_FRACTION = 0.5
# Entries of a block of a kernel (or feature) matrix held at a time when a
# matrix is built or applied in row chunks: 2**22 float64 = 32 MiB.
CHUNK_ENTRIES = 2**22


def row_chunks(n_rows, n_cols):
    """Slices of ``range(n_rows)`` whose blocks against ``n_cols`` columns
    hold about ``CHUNK_ENTRIES`` entries."""
    return list(gen_batches(n_rows, max(1, CHUNK_ENTRIES // max(n_cols, 1))))


def map_rows(X, func, width):
    """``func(X)`` evaluated on row chunks of about ``CHUNK_ENTRIES`` entries
    of ``width`` columns each (``width``: the widest intermediate of
    ``func``, e.g. the number of columns of a kernel block)."""
    batches = row_chunks(X.shape[0], width)
    if len(batches) == 1:
        return np.asarray(func(X))
    first = np.asarray(func(X[batches[0]]))
    out = np.empty((X.shape[0], first.shape[1]))
    out[batches[0]] = first
    for rows in batches[1:]:
        out[rows] = func(X[rows])
    return out


def symmetric_matvec(K):
    """``b -> K @ b`` for a symmetric ``K`` of which only the lower triangle
    ``K[i, j], j <= i`` is read (BLAS ``symv``): half the memory traffic of a
    general product, which is memory-bound, and the upper triangle may be
    left unfilled (see :meth:`Kernel.gram_lower`).

    A single-precision ``K`` is applied in single precision (``b`` rounded
    to it, the sums accumulated in it; the result is returned in double
    precision): half the memory traffic again, and twice the SIMD width.
    Each entry of the product is then accurate to a few ``1e-6`` relatively
    (measured on rbf Gram matrices: at most 1.7e-6 at n = 2000, 5.8e-6 at
    n = 20000; see :func:`product_rounding`).
    """
    # the transpose of a C-ordered K is Fortran-ordered, and K's lower
    # triangle is its upper triangle (symv's default)
    K_f = np.ascontiguousarray(K).T
    symv = get_blas_funcs("symv", (K_f,))
    if K_f.dtype == np.float64:
        def matvec(b):
            return symv(1.0, K_f, b)
    else:
        def matvec(b):
            return symv(1.0, K_f, np.asarray(b, dtype=K_f.dtype)).astype(np.float64)

    return matvec


def product_rounding(dtype, n):
    """Relative accuracy to assume for each entry of a product of an
    ``n x n`` matrix of ``dtype`` with a non-negative vector (by
    :func:`symmetric_matvec`): ``(64 + sqrt(n))`` units in the last place, a
    bound on the accumulated rounding of ``n`` terms summed in blocks (with
    room: the measured errors of single-precision rbf products are within a
    third of it at n = 2000 and 20000)."""
    return (64.0 + np.sqrt(n)) * np.finfo(dtype).eps


_ddot = get_blas_funcs("dot", (np.zeros(1),))


def blas_dot(a, b):
    """``a @ b`` of two float64 vectors, as a float, through scipy's BLAS.

    Iterative solvers that apply :func:`symmetric_matvec` take their inner
    products here, so that one BLAS library does all their work (why: see
    :func:`_gemm_nt`; numpy's dot products are threaded from n = 10000). KMM
    at n = 20000 on 2 cores: 25.2 s for the solve (4.3 s of it outside the
    products, 112 ms a product) with numpy's ``@``, 13.5 s with this (0.3 s
    outside the products, 67 ms a product).
    """
    return float(_ddot(a, b))


def _process_memory_limit():
    """The process's address-space limit (``ulimit -v``) less what it has
    mapped already, in bytes, or ``None`` when unlimited or unknown."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return None
    if soft == resource.RLIM_INFINITY or soft <= 0:
        return None
    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - no procfs
        mapped = 0
    return max(soft - mapped, 0)


def available_memory_bytes():
    """Bytes of memory a new allocation can use: the physical memory
    currently available, or less when the process has an address-space
    limit (``ulimit -v``); ``None`` if neither is known."""
    try:
        physical = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        physical = None
    limit = _process_memory_limit()
    known = [v for v in (physical, limit) if v is not None]
    return min(known) if known else None


def check_kernel_fits(n_rows, n_cols, *, owner, itemsize=8, rank_name="n_components"):
    """Raise a ``ValueError`` when an ``n_rows x n_cols`` matrix would not fit.

    The message says how big the matrix is and points to the low-rank mode.
    """
    need = float(n_rows) * float(n_cols) * itemsize
    avail = available_memory_bytes()
    if avail is not None and need > _MEMORY_FRACTION * avail:
        raise ValueError(
            f"{owner} would build a {n_rows} x {n_cols} kernel matrix "
            f"({need / 2**30:.1f} GiB) but only {avail / 2**30:.1f} GiB of memory "
            f"is available. Use the low-rank mode instead: "
            f"approximation='nystroem' (or 'rff' for the rbf kernel) with "
            f"{rank_name} of a few hundred."
        )


def validate_kernel_params(kernel, gamma, degree, coef0, *, owner):
    """Check the kernel hyperparameters shared by the kernel methods."""
    if not (callable(kernel) or kernel in KERNELS):
        raise ValueError(
            f"{owner}: kernel must be one of {KERNELS} or a callable "
            f"k(X, Y) -> (n_X, n_Y) array, got {kernel!r}."
        )
    check_number(gamma, "gamma", owner=owner, low=0, low_inclusive=False,
                 allow_none=True)
    check_number(degree, "degree", owner=owner, integer=True, low=1)
    check_number(coef0, "coef0", owner=owner)


def median_heuristic_gamma(X, *, max_rows=1000, random_state=None):
    """Bandwidth of the rbf kernel by the median heuristic.

    ``gamma = 1 / (2 * median_{i<j} ||x_i - x_j||^2)``, i.e. the Gaussian
    kernel ``exp(-||x - x'||^2 / (2 sigma^2))`` with ``sigma`` the median
    pairwise distance (Gretton et al. 2012), computed on at most ``max_rows``
    rows drawn with ``random_state``.
    """
    n = X.shape[0]
    if n > max_rows:
        idx = check_random_state(random_state).choice(n, max_rows, replace=False)
        X = X[np.sort(idx)]
    if sparse.issparse(X):
        X = X.toarray()
    d2 = pdist(np.asarray(X, dtype=np.float64), metric="sqeuclidean")
    d2 = d2[d2 > 1e-12 * max(1.0, d2.max(initial=0.0))]
    if d2.size == 0:
        return 1.0
    return float(1.0 / (2.0 * np.median(d2)))

# rows of the blocks in which Kernel.gram_lower fills the lower triangle and
# Kernel.row_sums sums an rbf kernel
_TRIANGLE_BLOCK = 256
# bound on |K_blocked - K_double| for the rbf blocks (see _rbf_into)
RBF_SINGLE_EXP_ATOL = 2e-7


def _rbf_factors(X, gamma, *, left):
    """Augmented rows whose products give ``-gamma ||x - y||^2`` in one GEMM.

    ``a(x) = [sqrt(2 gamma) x, -gamma ||x||^2, 1]`` (``left``) and
    ``b(y) = [sqrt(2 gamma) y, 1, -gamma ||y||^2]``, so ``a(x)'b(y) =
    -gamma ||x - y||^2``: the same expansion of the squared distance as
    :func:`sklearn.metrics.pairwise.euclidean_distances` in float64, with
    the norms and the scale folded into the product instead of three more
    passes over the matrix.
    """
    X = np.asarray(X, dtype=np.float64)
    out = np.empty((X.shape[0], X.shape[1] + 2))
    np.multiply(X, np.sqrt(2.0 * gamma), out=out[:, :-2])
    norms = -gamma * np.einsum("ij,ij->i", X, X)
    out[:, -2], out[:, -1] = (norms, 1.0) if left else (1.0, norms)
    return out


def _swap_norm_columns(a):
    """The right factor ``b`` matching the left factor ``a`` of the same rows."""
    b = a.copy()
    b[:, -2], b[:, -1] = a[:, -1], a[:, -2]
    return b


def _rbf_factor_pair(X, Y, gamma):
    """Left factors of ``X`` and right factors of ``Y`` (of ``X`` when ``Y``
    is None), the rows first moved so that their pooled mean is 0: the rbf
    kernel is translation invariant, and the expansion
    ``||x||^2 + ||y||^2 - 2 x'y`` loses digits to cancellation when the rows
    lie far from the origin."""
    X = np.asarray(X, dtype=np.float64)
    if Y is None:
        a = _rbf_factors(X - X.mean(axis=0), gamma, left=True)
        return a, _swap_norm_columns(a)
    Y = np.asarray(Y, dtype=np.float64)
    n_x, n_y = X.shape[0], Y.shape[0]
    centre = (X.sum(axis=0) + Y.sum(axis=0)) / max(n_x + n_y, 1)
    return (_rbf_factors(X - centre, gamma, left=True),
            _rbf_factors(Y - centre, gamma, left=False))


def _exp_nonpositive(G):
    """``exp(min(G, 0))`` in place: rounding can make a squared distance
    slightly negative, i.e. ``G`` slightly positive."""
    np.minimum(G, 0.0, out=G)
    return np.exp(G, out=G)


def _gemm_nt(a, b, out):
    """``out = a @ b.T`` (``out`` C-contiguous, of shape ``(len(a),
    len(b))``) through scipy's BLAS, in place.

    The kernel matrices are built with the BLAS library that
    :func:`symmetric_matvec` then uses for ``symv``. numpy and scipy may
    each bundle their own OpenBLAS, each with its own pool of worker threads;
    a worker of one library that keeps spinning after a product (OpenBLAS
    workers busy-wait for a while before sleeping) takes a core from the
    other's workers. On two cores, a kernel matrix built with numpy's product
    made the first ``symv`` calls of the solve that followed stall for up to
    5-8 ms each (n = 1000: 0.08 s of products against 0.008 s on a second
    solve of the same matrix; gone after a 0.3 s pause or with one library).
    """
    # out' = b a' is a Fortran-ordered (len(b), len(a)) array: dgemm writes
    # it in place; the transposed factors are Fortran-ordered, so f2py
    # copies nothing
    result = _dgemm(1.0, b.T, a.T, trans_a=True, beta=0.0, c=out.T, overwrite_c=True)
    if result.ctypes.data != out.ctypes.data:  # f2py had to copy
        out[...] = result.T
    return out


def _rbf_into(a, b, out, work, scratch):
    """rbf kernel block ``exp(min(a @ b.T, 0))`` written into ``out`` (a
    float64 or float32 view, contiguous or not).

    The product goes into ``work`` (a float64 buffer of at least ``out``'s
    size; ``out`` itself may be passed when it is C-contiguous and float64);
    the exponential is taken in single precision, three times faster than in
    double precision: in ``out`` itself when it is float32, else in
    ``scratch`` (a float32 buffer of at least ``out``'s size), then copied
    into ``out``. The product is in double precision; the entries differ
    from the double-precision kernel by less than
    ``RBF_SINGLE_EXP_ATOL = 2e-7`` in absolute value: rounding the argument
    to single precision moves ``e^{-x}`` by at most ``x e^{-x} 2^{-24} <=
    e^{-1} 2^{-24}``, and the single-precision exponential is off by a few
    units in the last place, ``2^{-24}`` each below 1 (measured maximum
    over arguments in ``[-40, 0]``: 1.4e-7).
    """
    shape = out.shape
    product = work.reshape(-1)[:out.size].reshape(shape)
    _gemm_nt(a, b, product)
    direct = out.dtype == np.float32  # a single-precision out takes it directly
    single = out if direct else scratch[:out.size].reshape(shape)
    np.minimum(product, 0.0, out=single)
    np.exp(single, out=single)
    if not direct:
        out[...] = single
    return out


def _block_buffers(block_rows, n_cols, out_dtype):
    """The float64 product buffer of :func:`_rbf_into` and its float32
    exponential buffer (``None`` for a float32 ``out``, which takes the
    exponential directly)."""
    scratch = None if out_dtype == np.float32 else np.empty(block_rows * n_cols,
                                                            dtype=np.float32)
    return np.empty(block_rows * n_cols), scratch


def fused_rbf(kernel, kernel_params, X, Y=None):
    """Whether the kernel ``kernel`` (with ``kernel_params``) of ``X`` and
    ``Y`` takes the fused dense rbf path of :class:`Kernel`, whose entries
    are single-precision exponentials (see :func:`_rbf_into`), so that a
    single-precision Gram matrix holds them exactly."""
    return (isinstance(kernel, str) and kernel == "rbf" and not kernel_params
            and not sparse.issparse(X) and (Y is None or not sparse.issparse(Y)))


class Kernel:
    """A resolved kernel function ``k(X, Y)``.

    Parameters mirror :class:`sklearn.svm.SVC`: a callable takes ``(X, Y)``
    and returns the ``(n_X, n_Y)`` kernel matrix.
    """

    def __init__(self, kernel, gamma, degree, coef0, kernel_params=None):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.kernel_params = kernel_params or {}

    @property
    def bandwidth(self):
        """The coefficient ``gamma`` in use, or ``None`` for kernels without
        one (linear, callables): what an estimator reports as ``gamma_``."""
        if callable(self.kernel) or self.kernel == "linear":
            return None
        return float(self.gamma)

    def _params(self):
        if callable(self.kernel):
            return dict(self.kernel_params)
        params = {}
        if self.kernel in ("rbf", "poly", "sigmoid", "laplacian"):
            params["gamma"] = self.gamma
        if self.kernel in ("poly", "sigmoid"):
            params["coef0"] = self.coef0
        if self.kernel == "poly":
            params["degree"] = self.degree
        params.update(self.kernel_params)
        return params

    def _fast_rbf(self, X, Y):
        """Whether ``k(X, Y)`` takes the fused dense rbf path."""
        return fused_rbf(self.kernel, self.kernel_params, X, Y)

    def __call__(self, X, Y=None):
        if callable(self.kernel):
            K = self.kernel(X, X if Y is None else Y, **self._params())
            return np.asarray(K, dtype=np.float64)
        if self._fast_rbf(X, Y):
            a, b = _rbf_factor_pair(X, Y, self.gamma)
            K = _exp_nonpositive(a @ b.T)
            if Y is None:
                np.fill_diagonal(K, 1.0)  # k(x, x) = 1 exactly, as sklearn's
            return K
        return pairwise_kernels(X, Y, metric=self.kernel, **self._params())

    def gram_lower(self, X, *, single=False):
        """The Gram matrix ``K(X, X)`` with its lower triangle ``K[i, j],
        j <= i`` (diagonal included) computed; an entry above the diagonal
        holds either its kernel value (inside a diagonal block) or zero.

        What :func:`symmetric_matvec` reads, at about half the cost of the
        full matrix: row blocks of the triangle are evaluated one at a time
        (the rbf kernel straight into ``K``, with no temporary), and the
        untouched upper triangle is never written, so much of its memory is
        never committed either. Callable kernels are evaluated whole.

        With ``single=True``, ``K`` is single-precision where that loses
        nothing: on the fused rbf path (:func:`fused_rbf`), whose entries are
        single-precision exponentials. Every other kernel is double
        precision regardless.
        """
        if callable(self.kernel):
            return self(X)
        n = X.shape[0]
        fast = self._fast_rbf(X, None)
        K = np.zeros((n, n), dtype=np.float32 if single and fast else np.float64)
        if fast:
            a, b = _rbf_factor_pair(X, None, self.gamma)
            work, scratch = _block_buffers(_TRIANGLE_BLOCK, n, K.dtype)
        for rows in gen_batches(n, _TRIANGLE_BLOCK):
            if fast:
                _rbf_into(a[rows], b[:rows.stop], K[rows, :rows.stop], work, scratch)
            else:
                K[rows, :rows.stop] = self(X[rows], X[:rows.stop])
        if fast:
            np.fill_diagonal(K, 1.0)
        return K

    def row_sums(self, X, Y):
        """``K(X, Y) @ 1`` computed in row blocks of at most
        ``CHUNK_ENTRIES`` kernel entries, never holding ``K`` whole (the rbf
        kernel in one reused block buffer)."""
        out = np.empty(X.shape[0], dtype=np.float64)
        fast = self._fast_rbf(X, Y)
        if fast:
            a, b = _rbf_factor_pair(X, Y, self.gamma)
            block_rows = max(1, min(_TRIANGLE_BLOCK, CHUNK_ENTRIES // Y.shape[0]))
            buffer = np.empty((block_rows, Y.shape[0]))
            scratch = np.empty(buffer.size, dtype=np.float32)
            for rows in gen_batches(X.shape[0], block_rows):
                block = buffer[:rows.stop - rows.start]
                block = _rbf_into(a[rows], b, block, block, scratch)
                out[rows] = block.sum(axis=1)
            return out
        for rows in row_chunks(X.shape[0], Y.shape[0]):
            out[rows] = self(X[rows], Y).sum(axis=1)
        return out

    def feature_map(self, approximation, n_components, random_state):
        """An unfitted low-rank feature map ``phi`` with ``phi(x)'phi(y) ~ k(x, y)``."""
        if approximation == "rff":  # validate_approximation checked the kernel
            return RBFSampler(gamma=self.gamma, n_components=n_components,
                              random_state=random_state)
        return NystroemMap(self, n_components=n_components, random_state=random_state)


class NystroemMap:
    """Nystroem feature map of a :class:`Kernel` (Williams & Seeger, 2001).

    ``phi(x) = k(x, L) U diag(s)^{-1/2}`` where ``L`` are ``n_components``
    landmark rows drawn without replacement and ``K(L, L) = U diag(s) U'``,
    so that ``phi(x)'phi(y) = k(x, L) K(L, L)^+ k(L, y)``. Written here rather
    than taken from :class:`sklearn.kernel_approximation.Nystroem` because the
    latter calls a callable kernel once per pair of rows, while sktransfer's
    kernels (as in :class:`sklearn.svm.SVC`) take whole matrices.
    """

    def __init__(self, kernel, n_components, random_state=None):
        self.kernel = kernel
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, X):
        n = X.shape[0]
        m = min(self.n_components, n)
        idx = np.sort(check_random_state(self.random_state).choice(n, m, replace=False))
        self.landmarks_ = X[idx]
        s, U = np.linalg.eigh(self.kernel(self.landmarks_))
        keep = s > max(s.max(initial=0.0), 0.0) * 1e-10
        self.normalization_ = U[:, keep] / np.sqrt(s[keep])
        return self

    def transform(self, X):
        return self.kernel(X, self.landmarks_) @ self.normalization_

    def fit_transform(self, X):
        return self.fit(X).transform(X)


def resolve_kernel(estimator, X_ref, *, owner):
    """Build the :class:`Kernel` of an estimator with ``kernel``, ``gamma``,
    ``degree``, ``coef0`` and ``kernel_params`` attributes; ``gamma=None``
    becomes the median heuristic on ``X_ref`` for the rbf kernel and
    ``1 / n_features`` for the other kernels that take a gamma."""
    validate_kernel_params(estimator.kernel, estimator.gamma, estimator.degree,
                           estimator.coef0, owner=owner)
    gamma = default_gamma(estimator.kernel, estimator.gamma, X_ref, random_state=0)
    return Kernel(estimator.kernel, gamma, estimator.degree, estimator.coef0,
                  estimator.kernel_params)


def default_gamma(kernel, gamma, X_ref, *, random_state=0):
    """``gamma`` when given; else the median heuristic on ``X_ref`` for the
    rbf and laplacian kernels and ``1 / n_features`` for the other kernels
    (the rule of every kernel method of the package)."""
    if gamma is not None:
        return gamma
    if kernel in ("rbf", "laplacian"):
        return median_heuristic_gamma(X_ref, random_state=random_state)
    return 1.0 / X_ref.shape[1]


def validate_approximation(approximation, n_components, kernel, *, owner,
                           rank_name="n_components"):
    if approximation is not None and approximation not in APPROXIMATIONS:
        raise ValueError(
            f"{owner}: approximation must be None (exact), 'nystroem' or 'rff', "
            f"got {approximation!r}."
        )
    if approximation is not None:
        check_number(n_components, rank_name, owner=owner, integer=True, low=1)
    if approximation == "rff" and kernel != "rbf":
        raise ValueError(
            f"{owner}: approximation='rff' (random Fourier features) needs the rbf "
            f"kernel, got kernel={kernel!r}; use approximation='nystroem'."
        )
