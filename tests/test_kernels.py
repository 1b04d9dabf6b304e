"""The shared kernels: the fused rbf path, the lower-triangle Gram matrix and
the blocked row sums agree with scikit-learn's kernels."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.metrics.pairwise import pairwise_kernels

import sktransfer._kernels as kernels_module
from sktransfer._kernels import (
    RBF_SINGLE_EXP_ATOL,
    Kernel,
    _gemm_nt,
    blas_dot,
    product_rounding,
    symmetric_matvec,
)

KERNEL_CASES = [
    ("rbf", {"gamma": 0.3}),
    ("laplacian", {"gamma": 0.2}),
    ("poly", {"gamma": 0.1, "degree": 2, "coef0": 1.0}),
    ("linear", {}),
]


def _kernel(metric, params):
    return Kernel(metric, params.get("gamma"), params.get("degree", 3),
                  params.get("coef0", 1.0))


def _blocked_tol(metric, n_summed=1):
    """Tolerance of the blocked paths: the rbf blocks take the exponential in
    single precision (documented bound per entry), the others are exact."""
    if metric == "rbf":
        return {"rtol": 0.0, "atol": n_summed * RBF_SINGLE_EXP_ATOL}
    return {"rtol": 1e-12, "atol": 1e-13}


def _data(n=300, d=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(loc=0.5, size=(n // 2 + 7, d))


@pytest.mark.parametrize("metric, params", KERNEL_CASES)
def test_kernel_matrix_matches_sklearn(metric, params):
    X, Y = _data()
    k = _kernel(metric, params)
    np.testing.assert_allclose(k(X, Y), pairwise_kernels(X, Y, metric=metric, **params),
                               rtol=1e-12, atol=1e-13)
    K = k(X)
    np.testing.assert_allclose(K, pairwise_kernels(X, metric=metric, **params),
                               rtol=1e-12, atol=1e-13)
    if metric == "rbf":
        assert np.all(np.diag(K) == 1.0)
        assert np.all((K > 0) & (K <= 1.0))


def test_rbf_of_identical_far_rows_is_one_not_overflowing():
    # the fused expansion cancels large norms; rounding must never give
    # k(x, x') > 1 for x == x'
    X = np.full((4, 3), 1e4)
    K = Kernel("rbf", 1.0, 3, 1.0)(X, X.copy())
    assert np.all(K <= 1.0) and np.allclose(K, 1.0)


@pytest.mark.parametrize("metric, params", KERNEL_CASES)
def test_gram_lower_holds_the_lower_triangle_and_zeros(metric, params, monkeypatch):
    monkeypatch.setattr(kernels_module, "_TRIANGLE_BLOCK", 64)  # several blocks
    X, _ = _data(n=301)
    full = pairwise_kernels(X, metric=metric, **params)
    L = _kernel(metric, params).gram_lower(X)
    tol = _blocked_tol(metric)
    np.testing.assert_allclose(np.tril(L), np.tril(full), **tol)
    upper = np.triu(np.ones_like(L, dtype=bool), 1)
    assert np.all((L[upper] == 0.0) | np.isclose(L[upper], full[upper], **tol))
    assert np.count_nonzero(L[upper] == 0.0) > 0.75 * upper.sum()  # mostly unfilled
    b = np.random.default_rng(1).random(301)
    np.testing.assert_allclose(symmetric_matvec(L)(b), full @ b,
                               **_blocked_tol(metric, n_summed=301))


@pytest.mark.parametrize("columns", [slice(None), slice(0, 3)])
def test_gemm_nt_writes_the_product_in_place(columns):
    # contiguous factors (the kernel paths) and strided ones (which f2py
    # copies); the product lands in the caller's buffer either way
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(7, 5))[:, columns], rng.normal(size=(11, 5))[:, columns]
    buffer = np.full(100, np.nan)
    out = buffer[:77].reshape(7, 11)
    assert _gemm_nt(a, b, out) is out
    np.testing.assert_allclose(out, a @ b.T, rtol=1e-13, atol=1e-13)
    assert np.isnan(buffer[77:]).all()  # nothing written past the block


@pytest.mark.parametrize("n", [300, 3000])
def test_single_precision_products_within_their_rounding_bound(n):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 4))
    k = Kernel("rbf", 0.1, 3, 1.0)
    K32 = k.gram_lower(X, single=True)
    K64 = k.gram_lower(X)
    assert K32.dtype == np.float32 and K64.dtype == np.float64
    # lossless: the entries are single-precision exponentials either way
    np.testing.assert_array_equal(np.tril(K32), np.tril(K64))
    b = rng.uniform(0.0, 5.0, n)
    exact = symmetric_matvec(K64)(b)
    approx = symmetric_matvec(K32)(b)
    assert approx.dtype == np.float64
    error = np.max(np.abs(approx - exact) / exact)
    assert 0.0 < error <= product_rounding(np.float32, n)
    # a non-rbf kernel is never rounded to single precision
    assert Kernel("laplacian", 0.1, 3, 1.0).gram_lower(X, single=True).dtype == np.float64


def test_blas_dot_is_the_inner_product():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=20001), rng.normal(size=20001)
    value = blas_dot(a, b)
    assert isinstance(value, float)
    np.testing.assert_allclose(value, float(np.dot(a, b)), rtol=1e-12)


def test_symmetric_matvec_of_a_fortran_ordered_matrix():
    X, _ = _data(n=50)
    K = pairwise_kernels(X, metric="rbf", gamma=0.3)
    b = np.arange(50.0)
    np.testing.assert_allclose(symmetric_matvec(np.asfortranarray(K))(b), K @ b,
                               rtol=1e-12)


@pytest.mark.parametrize("metric, params", KERNEL_CASES)
def test_row_sums_in_blocks(metric, params, monkeypatch):
    monkeypatch.setattr(kernels_module, "CHUNK_ENTRIES", 1000)  # many blocks
    X, Y = _data()
    expected = pairwise_kernels(X, Y, metric=metric, **params).sum(axis=1)
    np.testing.assert_allclose(_kernel(metric, params).row_sums(X, Y), expected,
                               **_blocked_tol(metric, n_summed=Y.shape[0]))


def test_sparse_rows_take_the_generic_path_with_the_same_values():
    X, Y = _data()
    k = Kernel("rbf", 0.3, 3, 1.0)
    Xsp, Ysp = sparse.csr_matrix(X), sparse.csr_matrix(Y)
    np.testing.assert_allclose(k(Xsp, Ysp), k(X, Y), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(k.row_sums(Xsp, Ysp), k.row_sums(X, Y),
                               **_blocked_tol("rbf", n_summed=Y.shape[0]))
    np.testing.assert_allclose(k.gram_lower(Xsp), k.gram_lower(X), **_blocked_tol("rbf"))


def test_single_precision_exponential_stays_within_its_documented_bound():
    # arguments across the whole range that matters, including near 0 where
    # the kernel is largest and single-precision rounding is coarsest
    X = np.linspace(0.0, 6.0, 2000)[:, None]
    k = Kernel("rbf", 1.0, 3, 1.0)
    L = k.gram_lower(X)
    exact = np.exp(-((X - X.T) ** 2))
    err = np.abs(np.tril(L) - np.tril(exact)).max()
    assert 0.0 < err < RBF_SINGLE_EXP_ATOL


def test_fused_rbf_is_translation_invariant_far_from_the_origin():
    # the fused path centres the rows on their pooled mean: rows shifted by
    # 1e6 give the kernel of the unshifted rows (without centring, the
    # norm expansion would lose every digit there)
    X, Y = _data(n=120)
    k = Kernel("rbf", 0.3, 3, 1.0)
    far_X, far_Y = X + 1e6, Y + 1e6
    tol = _blocked_tol("rbf")
    np.testing.assert_allclose(k(far_X, far_Y), k(X, Y), rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.tril(k.gram_lower(far_X)), np.tril(k.gram_lower(X)),
                               **tol)
    np.testing.assert_allclose(k.row_sums(far_X, far_Y), k.row_sums(X, Y),
                               **_blocked_tol("rbf", n_summed=Y.shape[0]))
