"""Tests of Kernel Mean Matching and of its quadratic program solver."""

import pickle
import zlib

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import brentq, minimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics.pairwise import euclidean_distances, pairwise_kernels
from sklearn.neighbors import KNeighborsClassifier

import sktransfer._kernels as kernels_module
from sktransfer.domain import make_sample_domain
from sktransfer.instance import KMM
import sktransfer.instance._kmm as kmm_module
import sktransfer.instance._qp as qp_module
from sktransfer.instance._qp import project_box_slab, solve_box_slab_qp


# ----------------------------------------------------------------- helpers
def _shifted_problem(seed, n_s=60, n_t=50, d=3, shift=0.7):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(loc=shift, scale=0.7, size=(n_t, d))
    return Xs, Xt


def _regression_data(Xs, Xt):
    X = np.vstack([Xs, Xt])
    y = np.r_[np.sin(Xs[:, 0]) + Xs[:, 0], np.full(Xt.shape[0], np.nan)]
    return X, y


def _qp_terms(Xs, Xt, metric, **params):
    """K and kappa of the KMM quadratic program, built independently."""
    K = pairwise_kernels(Xs, metric=metric, **params)
    kappa = Xs.shape[0] / Xt.shape[0] * pairwise_kernels(
        Xs, Xt, metric=metric, **params).sum(axis=1)
    return K, kappa


def _objective(b, K, kappa):
    return 0.5 * b @ K @ b - kappa @ b


def _kernel_rounding(b, metric):
    """How far the objective KMM reports may be from the double-precision one:
    the rbf kernel is built with a single-precision exponential, each entry
    within RBF_SINGLE_EXP_ATOL, so ``|b' dK b| / 2 + |d kappa' b|`` is at most
    that times ``(sum b)^2 / 2 + n_s sum b`` (``kappa`` sums ``n_t`` entries
    scaled by ``n_s / n_t``)."""
    if metric != "rbf":
        return 1e-9
    total = np.abs(b).sum()
    return kernels_module.RBF_SINGLE_EXP_ATOL * (0.5 * total**2 + len(b) * total)


def _reference_qp(K, kappa, B, lo, hi):
    """The QP solved by scipy's SLSQP with tight tolerances."""
    n = K.shape[0]
    x0 = np.full(n, np.clip((lo + hi) / 2 / n, 0, B))
    res = minimize(
        _objective, x0, args=(K, kappa), jac=lambda b, K, kappa: K @ b - kappa,
        method="SLSQP", bounds=[(0.0, B)] * n,
        constraints=[
            {"type": "ineq", "fun": lambda b: b.sum() - lo, "jac": lambda b: np.ones(n)},
            {"type": "ineq", "fun": lambda b: hi - b.sum(), "jac": lambda b: -np.ones(n)},
        ],
        options={"ftol": 1e-15, "maxiter": 5000},
    )
    b = np.clip(res.x, 0, B)
    return b, _objective(b, K, kappa)


def _paper_slab(n_s, eps=None):
    eps = (np.sqrt(n_s) - 1) / np.sqrt(n_s) if eps is None else eps
    return n_s * max(1 - eps, 0), n_s * (1 + eps)


def _assert_feasible(b, B, lo, hi, atol=1e-9):
    n = b.shape[0]
    assert np.all(b >= 0.0)
    assert np.all(b <= B)
    assert lo - atol * n <= b.sum() <= hi + atol * n


def _projection_reference(v, upper, lo, hi, rho):
    """Projection by nested root finding: the optimal sum s minimises
    0.5 ||x(s) - v||^2 + rho/2 (s - sum v)^2 with x(s) the Euclidean
    projection on {box, sum = s}, i.e. clip(v - tau(s), 0, upper); the
    derivative -tau(s) + rho (s - sum v) is increasing in s."""

    def tau_of(s):
        return brentq(lambda m: np.clip(v - m, 0, upper).sum() - s,
                      v.min() - upper - 1.0, v.max() + 1.0, xtol=1e-15, rtol=1e-15)

    def slope(s):
        return -tau_of(s) + rho * (s - v.sum())

    if slope(lo) >= 0:
        s = lo
    elif slope(hi) <= 0:
        s = hi
    else:
        s = brentq(slope, lo, hi, xtol=1e-15, rtol=1e-15)
    return np.clip(v - tau_of(s), 0, upper)


# -------------------------------------------------------------- projection
@pytest.mark.parametrize("newton_steps", [0, qp_module._NEWTON_STEPS])
@pytest.mark.parametrize("rho", [0.0, 0.7])
def test_projection_matches_bisection_reference(rho, newton_steps, monkeypatch):
    # newton_steps=0: the sorted-breakpoint search alone
    monkeypatch.setattr(qp_module, "_NEWTON_STEPS", newton_steps)
    rng = np.random.default_rng(0)
    for trial in range(60):
        n = int(rng.integers(1, 15))
        upper = rng.uniform(0.2, 3.0)
        v = rng.normal(size=n) * rng.uniform(0.1, 5.0)
        if trial % 4 == 0:
            v = np.round(v)  # ties between breakpoints
        lo, hi = np.sort(rng.uniform(0, n * upper, size=2))
        if trial % 5 == 0:
            hi = lo  # equality constraint
        x = project_box_slab(v, upper, lo, hi, rank_one=rho)
        _assert_feasible(x, upper, lo, hi, atol=1e-12)
        reference = _projection_reference(v, upper, lo, hi, rho)
        np.testing.assert_allclose(x, reference, atol=1e-10)
        # the warm-started form the solver uses, from anywhere
        warm, _ = qp_module._project(v, upper, lo, hi, rho, start=rng.normal() * 5)
        np.testing.assert_allclose(warm, reference, atol=1e-10)


def test_projection_roots_come_from_newton_steps_in_the_solver(monkeypatch):
    # the projections of a solve settle by Newton steps, without sorting
    def no_sorting(*args):
        raise AssertionError("fell back to sorting the breakpoints")
    monkeypatch.setattr(qp_module, "_root_by_sorting", no_sorting)
    Xs, Xt = _shifted_problem(0, n_s=120)
    X, y = _regression_data(Xs, Xt)
    kmm = KMM(Ridge(), gamma=0.3, tol=1e-9).fit(X, y)
    _assert_feasible(kmm.weights_, 1000.0, *_paper_slab(120))


def test_projection_keeps_feasible_points_and_hits_the_violated_bound():
    v = np.array([0.2, 0.5, 0.9])
    np.testing.assert_array_equal(project_box_slab(v, 1.0, 1.0, 2.0), v)
    # sum too large: lands on hi, as a shift of v clipped to the box
    x = project_box_slab(np.array([3.0, 0.5, 0.9]), 1.0, 0.0, 1.5)
    assert x.sum() == pytest.approx(1.5, abs=1e-12)
    np.testing.assert_allclose(x, [1.0, 0.05, 0.45], atol=1e-12)  # tau = 0.45


# ------------------------------------------------------------------ solver
@pytest.mark.parametrize(
    "metric, params, seed",
    [
        ("rbf", {"gamma": 0.3}, 0),
        ("rbf", {"gamma": 2.0}, 1),
        ("linear", {}, 2),
        ("poly", {"gamma": 0.5, "degree": 2, "coef0": 1.0}, 3),
    ],
)
def test_kmm_objective_matches_scipy_reference(metric, params, seed):
    Xs, Xt = _shifted_problem(seed, n_s=int(40 + 10 * seed))
    X, y = _regression_data(Xs, Xt)
    kmm = KMM(Ridge(), kernel=metric, tol=1e-9, **params).fit(X, y)
    K, kappa = _qp_terms(Xs, Xt, metric, **params)
    lo, hi = _paper_slab(Xs.shape[0])
    _, f_ref = _reference_qp(K, kappa, 1000.0, lo, hi)
    f_ours = _objective(kmm.weights_, K, kappa)
    assert kmm.objective_ == pytest.approx(
        f_ours, rel=1e-10, abs=_kernel_rounding(kmm.weights_, metric))
    assert f_ours == pytest.approx(f_ref, rel=1e-6, abs=1e-8)
    _assert_feasible(kmm.weights_, 1000.0, lo, hi)


def test_callable_kernel_matches_scipy_reference():
    def laplace(X, Y, scale):
        return np.exp(-scale * np.abs(X[:, None, :] - Y[None, :, :]).sum(-1))

    Xs, Xt = _shifted_problem(4, n_s=50)
    X, y = _regression_data(Xs, Xt)
    kmm = KMM(Ridge(), kernel=laplace, kernel_params={"scale": 0.4}, tol=1e-9)
    kmm.fit(X, y)
    K = laplace(Xs, Xs, 0.4)
    kappa = 50 / 50 * laplace(Xs, Xt, 0.4).sum(axis=1)
    _, f_ref = _reference_qp(K, kappa, 1000.0, *_paper_slab(50))
    assert kmm.gamma_ is None
    assert kmm.objective_ == pytest.approx(f_ref, rel=1e-6)


def test_default_tolerance_is_close_to_reference():
    # an ill-conditioned case (d=3, smooth kernel): slow convergence, which a
    # stopping rule based on the last step alone would stop far too early on
    Xs, Xt = _shifted_problem(5, n_s=80, n_t=60)
    X, y = _regression_data(Xs, Xt)
    kmm = KMM(Ridge()).fit(X, y)
    K, kappa = _qp_terms(Xs, Xt, "rbf", gamma=kmm.gamma_)
    _, f_ref = _reference_qp(K, kappa, 1000.0, *_paper_slab(80))
    assert kmm.objective_ == pytest.approx(f_ref, rel=1e-5)


def _spy_kernel_dtypes(monkeypatch):
    """Record the dtype of every kernel matrix KMM's exact mode applies."""
    seen = []
    real = kmm_module.symmetric_matvec

    def spy(K):
        seen.append(K.dtype)
        return real(K)

    monkeypatch.setattr(kmm_module, "symmetric_matvec", spy)
    return seen


def test_default_tol_applies_the_rbf_kernel_in_single_precision(monkeypatch):
    seen = _spy_kernel_dtypes(monkeypatch)
    Xs, Xt = _shifted_problem(6, n_s=600, n_t=500, d=5)
    X, y = _regression_data(Xs, Xt)
    single = KMM(Ridge(), gamma=0.2).fit(X, y)
    double = KMM(Ridge(), gamma=0.2, tol=1e-9).fit(X, y)
    KMM(Ridge(), kernel="laplacian", gamma=0.2).fit(X, y)
    KMM(Ridge(), gamma=0.2).fit(sparse.csr_matrix(X), y)
    # single precision only where it is exact (the fused rbf path) and the
    # tolerance leaves room for its rounding
    assert seen == [np.float32, np.float64, np.float64, np.float64]
    # the same kernel values (the fused path's) in a double-precision matrix
    kernel = kernels_module.Kernel("rbf", 0.2, 3, 1.0)
    lower = np.tril(kernel.gram_lower(Xs))
    K = lower + np.tril(lower, -1).T
    kappa = 600 / 500 * kernel.row_sums(Xs, Xt)
    # the objective reported from single-precision products is the objective
    # of the weights to well within tol, and as low as the tight solve's
    f_single = _objective(single.weights_, K, kappa)
    assert single.objective_ == pytest.approx(f_single, rel=1e-7)
    assert double.objective_ == pytest.approx(_objective(double.weights_, K, kappa),
                                              rel=1e-12)
    assert f_single == pytest.approx(double.objective_, rel=2e-5)
    _assert_feasible(single.weights_, 1000.0, *_paper_slab(600))


def test_single_precision_kernel_takes_half_the_memory(monkeypatch):
    X, y = _regression_data(*_shifted_problem(0, n_s=600))
    # a 600 x 600 kernel: 2.9 MB in double, 1.4 MB in single precision
    monkeypatch.setattr(kernels_module, "available_memory_bytes", lambda: 4_000_000)
    KMM(Ridge(), gamma=0.2).fit(X, y)
    with pytest.raises(ValueError, match="approximation"):
        KMM(Ridge(), gamma=0.2, tol=1e-9).fit(X, y)


def test_solver_on_random_psd_problems_against_reference():
    rng = np.random.default_rng(7)
    for _ in range(4):
        n = 30
        A = rng.normal(size=(n, 5))
        K = A @ A.T + 0.01 * np.eye(n) + 2.0  # dominant 1 1' part, like a kernel
        kappa = K @ rng.uniform(0, 3, size=n) + rng.normal(size=n)
        lo, hi = 10.0, 40.0
        res = solve_box_slab_qp(lambda b: K @ b, kappa, 2.0, lo, hi, tol=1e-12)
        _, f_ref = _reference_qp(K, kappa, 2.0, lo, hi)
        assert res.converged
        assert res.objective == pytest.approx(f_ref, rel=1e-7, abs=1e-7)
        _assert_feasible(res.x, 2.0, lo, hi)


def test_solver_converges_fast_on_a_kernel_problem():
    # a typical KMM problem: rbf kernel, median-heuristic bandwidth, d=20,
    # one dominant eigenvalue. The rank-one metric makes it converge in a few
    # tens of iterations (Euclidean steps need about four times as many).
    n = 300
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(n, 20))
    Xt = rng.normal(0.3, 0.8, size=(n, 20))
    gamma = kernels_module.median_heuristic_gamma(np.vstack([Xs, Xt]), random_state=0)
    K, kappa = _qp_terms(Xs, Xt, "rbf", gamma=gamma)
    lo, hi = _paper_slab(n)
    res = solve_box_slab_qp(lambda b: K @ b, kappa, 1000.0, lo, hi)
    ref = solve_box_slab_qp(lambda b: K @ b, kappa, 1000.0, lo, hi, tol=1e-13,
                            max_iter=5000)
    assert res.converged and res.n_iter <= 100
    assert res.n_matvec <= 1.5 * res.n_iter
    assert res.objective == pytest.approx(ref.objective, rel=1e-6)


def test_solver_stops_where_exact_products_do_despite_rounded_products():
    # products with a relative error of 3e-6 per entry (what single-precision
    # products of a large kernel matrix carry): the objective's direct
    # evaluation amplifies that to about tol, which would stop the solver
    # early; its decisions use the objective's changes instead
    Xs, Xt = _shifted_problem(7, n_s=400, n_t=300, d=3)
    K, kappa = _qp_terms(Xs, Xt, "rbf", gamma=0.05)
    lo, hi = _paper_slab(400)
    rel = 3e-6

    def rounded(b):
        exact = K @ b
        # deterministic in b (crc32, unlike hash(), is not salted per process)
        noise = np.random.default_rng(zlib.crc32(b.tobytes())).uniform(-1, 1, 400)
        return exact * (1.0 + rel * noise)

    exact = solve_box_slab_qp(lambda b: K @ b, kappa, 1000.0, lo, hi)
    noisy = solve_box_slab_qp(rounded, kappa, 1000.0, lo, hi, product_rtol=4 * rel)
    reference = solve_box_slab_qp(lambda b: K @ b, kappa, 1000.0, lo, hi, tol=1e-8,
                                  max_iter=5000)
    f_noisy = _objective(noisy.x, K, kappa)
    gap_exact = exact.objective - reference.objective
    assert noisy.converged
    assert f_noisy - reference.objective <= 2 * gap_exact + 1e-7 * abs(reference.objective)
    _assert_feasible(noisy.x, 1000.0, lo, hi)


def test_solver_warns_when_max_iter_is_reached():
    Xs, Xt = _shifted_problem(0)
    X, y = _regression_data(Xs, Xt)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        kmm = KMM(Ridge(), max_iter=2).fit(X, y)
    assert kmm.n_iter_ == 2


# ------------------------------------------------------------- constraints
def test_upper_bound_active_and_honoured():
    rng = np.random.default_rng(0)
    # few source rows where the target lies: they want large weights
    Xs = np.r_[rng.normal(size=(55, 2)), rng.normal(loc=3.0, scale=0.3, size=(5, 2))]
    Xt = rng.normal(loc=3.0, scale=0.3, size=(40, 2))
    X, y = _regression_data(Xs, Xt)
    kmm = KMM(Ridge(), B=3.0, gamma=0.5).fit(X, y)
    _assert_feasible(kmm.weights_, 3.0, *_paper_slab(60))
    assert kmm.weights_.max() == 3.0  # active
    unbounded = KMM(Ridge(), gamma=0.5).fit(X, y)
    assert unbounded.weights_.max() > 3.0


@pytest.mark.parametrize("eps", [0.0, 0.05])
def test_slab_active_and_honoured(eps):
    Xs, Xt = _shifted_problem(1, shift=2.0)  # far target: weights want a small sum
    X, y = _regression_data(Xs, Xt)
    kmm = KMM(Ridge(), eps=eps, gamma=0.5).fit(X, y)
    lo, hi = _paper_slab(60, eps)
    _assert_feasible(kmm.weights_, 1000.0, lo, hi)
    assert kmm.weights_.sum() == pytest.approx(lo, abs=1e-9 * 60)  # active
    free = KMM(Ridge(), gamma=0.5).fit(X, y)
    assert free.weights_.sum() < lo - 1.0


# --------------------------------------------------------------- behaviour
def test_weights_lower_target_error_under_covariate_shift():
    """The toy problem of Huang et al. (2006, after Shimodaira 2000): a linear
    model of a cubic truth, source and target inputs from different
    Gaussians. Reweighting lowers the target error of the misspecified
    model."""
    mse_plain, mse_kmm = [], []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        xs = rng.normal(0.5, 0.5, size=(100, 1))
        xt = rng.normal(0.0, 0.3, size=(100, 1))

        def truth(x):
            return (-x + x**3)[:, 0]

        ys = truth(xs) + rng.normal(0, 0.3, size=100)
        X = np.vstack([xs, xt])
        y = np.r_[ys, np.full(100, np.nan)]
        kmm = KMM(LinearRegression()).fit(X, y)
        plain = LinearRegression().fit(xs, ys)
        mse_kmm.append(np.mean((kmm.predict(xt) - truth(xt)) ** 2))
        mse_plain.append(np.mean((plain.predict(xt) - truth(xt)) ** 2))
    assert np.mean(mse_kmm) < 0.5 * np.mean(mse_plain)


def test_labelled_target_rows_are_trained_with_weight_one():
    Xs, Xt = _shifted_problem(2)
    X = np.vstack([Xs, Xt])
    y = np.r_[Xs[:, 0] + 1.0, Xt[:, 0] - 1.0]  # target rows labelled too
    y[60 + 10:] = np.nan  # ... the first 10 of them
    sd = make_sample_domain(60, 50)
    kmm = KMM(Ridge()).fit(X, y, sample_domain=sd)
    rows = np.r_[np.arange(60), 60 + np.arange(10)]
    expected = Ridge().fit(X[rows], y[rows], sample_weight=np.r_[kmm.weights_, np.ones(10)])
    np.testing.assert_allclose(kmm.estimator_.coef_, expected.coef_)
    np.testing.assert_array_equal(kmm.source_index_, np.arange(60))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("approximation, n_components", [("nystroem", 150), ("rff", 2000)])
def test_low_rank_modes_close_to_exact(approximation, n_components):
    Xs, Xt = _shifted_problem(3, n_s=200, n_t=150, d=2)
    X, y = _regression_data(Xs, Xt)
    exact = KMM(Ridge(), gamma=0.5, tol=1e-10, max_iter=2000).fit(X, y)  # reference
    approx = KMM(Ridge(), gamma=0.5, approximation=approximation,
                 n_components=n_components, random_state=0).fit(X, y)
    K, kappa = _qp_terms(Xs, Xt, "rbf", gamma=0.5)
    lo, hi = _paper_slab(200)
    _assert_feasible(approx.weights_, 1000.0, lo, hi)
    f_star = exact.objective_
    f_start = _objective(np.ones(200), K, kappa)
    # the exact objective at the low-rank weights closes most of the gap
    gap = (_objective(approx.weights_, K, kappa) - f_star) / (f_start - f_star)
    assert -1e-6 <= gap < 0.05


def test_sparse_input_gives_the_dense_weights():
    Xs, Xt = _shifted_problem(0)
    Xs[np.abs(Xs) < 0.5] = 0.0
    X, y = _regression_data(Xs, Xt)
    dense = KMM(Ridge(), tol=1e-9, random_state=0).fit(X, y)
    sp = KMM(Ridge(), tol=1e-9, random_state=0).fit(sparse.csr_matrix(X), y)
    # same problem (the weights themselves are not well determined: the
    # objective is flat along some directions, and rounding differs)
    assert sp.gamma_ == dense.gamma_
    # (the sparse rows take the double-precision kernel path)
    assert sp.objective_ == pytest.approx(
        dense.objective_, rel=1e-9, abs=_kernel_rounding(dense.weights_, "rbf"))
    _assert_feasible(sp.weights_, 1000.0, *_paper_slab(60))
    assert sp.compute_weights(sparse.csr_matrix(Xt)).shape == (50,)


def test_compute_weights():
    Xs, Xt = _shifted_problem(0)
    X, y = _regression_data(Xs, Xt)
    kmm = KMM(Ridge(), random_state=0).fit(X, y)
    w_new = kmm.compute_weights(Xt)
    assert w_new.shape == (50,)
    assert np.all(w_new > 0)
    assert np.all(w_new >= kmm.weights_.min() - 1e-12)
    assert np.all(w_new <= kmm.weights_.max() + 1e-12)
    # training source rows: the smoother conserves the density-weighted mass
    w_train = kmm.compute_weights(Xs)
    G = np.exp(-kmm.smoothing_gamma_ * euclidean_distances(Xs, squared=True))
    density = G.sum(axis=1)
    assert density @ w_train == pytest.approx(density @ kmm.weights_, rel=1e-10)
    # and follows weights_ better than their mean does
    assert np.mean((w_train - kmm.weights_) ** 2) < kmm.weights_.var()
    with pytest.raises(ValueError, match="features"):
        kmm.compute_weights(Xt[:, :2])


def test_compute_weights_bandwidth_is_cross_validated():
    # in 2-d the weights vary smoothly enough for a narrow smoother to follow
    # them; the kernel's median-heuristic bandwidth would flatten them
    rng = np.random.default_rng(2)
    Xs = rng.normal(size=(100, 2))
    Xt = rng.normal(0.5, 0.6, size=(100, 2))
    X = np.vstack([Xs, Xt])
    y = np.r_[Xs[:, 0], np.full(100, np.nan)]
    kmm = KMM(Ridge(), random_state=0).fit(X, y)
    w_train = kmm.compute_weights(Xs)
    assert np.mean((w_train - kmm.weights_) ** 2) < 0.25 * kmm.weights_.var()
    assert kmm.smoothing_gamma_ > 4 * kmm.gamma_


def test_inputs_not_modified_and_pickle_round_trip():
    Xs, Xt = _shifted_problem(1)
    X, y = _regression_data(Xs, Xt)
    X_copy, y_copy = X.copy(), y.copy()
    kmm = KMM(Ridge(), random_state=0).fit(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    clone = pickle.loads(pickle.dumps(kmm))
    np.testing.assert_array_equal(clone.predict(Xt), kmm.predict(Xt))
    np.testing.assert_array_equal(clone.compute_weights(Xt), kmm.compute_weights(Xt))


def test_classifier_and_gamma_attribute():
    Xs, Xt = _shifted_problem(2)
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(50, dtype=int)]
    kmm = KMM(LogisticRegression(), random_state=0).fit(X, y)
    assert kmm.predict(Xt).shape == (50,)
    assert kmm.gamma_ == pytest.approx(kernels_module.median_heuristic_gamma(X, random_state=0))
    assert KMM(LogisticRegression(), kernel="linear").fit(X, y).gamma_ is None


# ------------------------------------------------------------------ errors
def test_estimator_without_sample_weight_is_refused():
    Xs, Xt = _shifted_problem(0)
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] > 0).astype(int), -np.ones(50, dtype=int)]
    with pytest.raises(ValueError, match="sample_weight"):
        KMM(KNeighborsClassifier()).fit(X, y)
    with pytest.raises(ValueError, match="needs an estimator"):
        KMM().fit(X, y)


def test_kernel_too_big_is_refused_before_any_kernel(monkeypatch):
    calls = []

    def spy(X, Y):
        calls.append(1)
        return X @ Y.T

    monkeypatch.setattr(kernels_module, "available_memory_bytes", lambda: 1000)
    X, y = _regression_data(*_shifted_problem(0))
    with pytest.raises(ValueError, match="approximation"):
        KMM(Ridge(), kernel=spy).fit(X, y)
    assert not calls
    # the low-rank mode is not refused
    KMM(Ridge(), approximation="nystroem", n_components=20, random_state=0).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"B": 0.0}, "B must be"),
        ({"B": -1.0}, "B must be"),
        ({"B": "1"}, "B must be"),
        ({"B": np.inf}, "B must be"),
        ({"eps": -0.1}, "eps must be"),
        ({"tol": -1.0}, "tol must be"),
        ({"max_iter": 0}, "max_iter"),
        ({"max_iter": 2.5}, "max_iter"),
        ({"kernel": "cosine"}, "kernel must be"),
        ({"gamma": -1.0}, "gamma"),
        ({"degree": 0}, "degree"),
        ({"kernel_params": [1]}, "kernel_params"),
        ({"approximation": "svd"}, "approximation"),
        ({"approximation": "nystroem", "n_components": 0}, "components"),
        ({"approximation": "rff", "kernel": "linear"}, "rbf"),
        ({"B": 0.5, "eps": 0.1}, "no weights satisfy"),
    ],
)
def test_bad_hyperparameters(params, match):
    X, y = _regression_data(*_shifted_problem(0))
    with pytest.raises(ValueError, match=match):
        KMM(Ridge(), **params).fit(X, y)


def test_bad_data():
    Xs, Xt = _shifted_problem(0)
    X, y = _regression_data(Xs, Xt)
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KMM(Ridge()).fit(X_nan, y)
    y_all = np.r_[y[:60], np.ones(50)]
    with pytest.raises(ValueError, match="No target rows"):
        KMM(Ridge()).fit(X, y_all)


def test_non_symmetric_callable_kernel_is_refused():
    X, y = _regression_data(*_shifted_problem(0))

    def skew(X, Y):
        return X @ Y.T + np.arange(Y.shape[0])[None, :]

    with pytest.raises(ValueError, match="symmetric"):
        KMM(Ridge(), kernel=skew, random_state=0).fit(X, y)
