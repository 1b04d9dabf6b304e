"""Kernels shared by the kernel methods (KMM, TCA): one place for the kernel
function, its default bandwidth, memory checks, chunked sums and the low-rank
feature maps used for large n."""

from __future__ import annotations

import os
import numpy as np
from scipy import sparse
from scipy.linalg import get_blas_funcs
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
    """``b -> K @ b`` reading one triangle of the symmetric ``K`` (BLAS
    ``symv``): half the memory traffic of a general product, which is
    memory-bound."""
    # a Fortran-ordered array (K is symmetric, so K' serves): no copy for a
    # C-ordered K, one copy otherwise
    K_f = K.T if K.flags.c_contiguous else np.asfortranarray(K)
    symv = get_blas_funcs("symv", (K_f,))

    def matvec(b):
        return symv(1.0, K_f, b)

    return matvec


def available_memory_bytes():
    """Bytes of physical memory currently available, or ``None`` if unknown."""
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return None


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

    def __call__(self, X, Y=None):
        if callable(self.kernel):
            K = self.kernel(X, X if Y is None else Y, **self._params())
            return np.asarray(K, dtype=np.float64)
        return pairwise_kernels(X, Y, metric=self.kernel, **self._params())

    def row_sums(self, X, Y, *, chunk_rows=2048):
        """``K(X, Y) @ 1`` without holding more than ``chunk_rows`` columns of
        ``K`` at a time."""
        out = np.zeros(X.shape[0], dtype=np.float64)
        for start in range(0, Y.shape[0], chunk_rows):
            out += self(X, Y[start:start + chunk_rows]).sum(axis=1)
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
    gamma = estimator.gamma
    if gamma is None:
        if estimator.kernel in ("rbf", "laplacian"):
            gamma = median_heuristic_gamma(X_ref, random_state=0)
        else:
            gamma = 1.0 / X_ref.shape[1]
    return Kernel(estimator.kernel, gamma, estimator.degree, estimator.coef0,
                  estimator.kernel_params)


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
