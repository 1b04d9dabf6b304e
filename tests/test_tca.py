"""Transfer Component Analysis: the paper's equations, solver agreement,
out-of-sample consistency, scaling, and error messages."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.linalg
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import rbf_kernel

import sktransfer._kernels
from sktransfer.alignment import TCA

GAMMA = 0.2
MU = 0.7


def linear_kernel(X, Y):
    """The linear kernel as a callable, which forces the exact kernel path."""
    return np.asarray(X @ Y.T.toarray() if sparse.issparse(Y) else X @ Y.T)


def make_data(n_s=60, n_t=50, d=5, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d))
    Xt = rng.normal(size=(n_t, d)) * 1.3 + np.r_[1.0, 0.0, 0.0, 2.0, np.zeros(d - 4)]
    X = np.vstack([Xs, Xt]) + offset
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return X, sd


def paper_matrices(K, sd, mu):
    """KHK and KLK + mu I built entry by entry as in the paper."""
    n_s, n_t, n = (sd > 0).sum(), (sd < 0).sum(), sd.shape[0]
    src = sd > 0
    L = np.where(np.equal.outer(src, src),
                 np.where(src[:, None], 1.0 / n_s**2, 1.0 / n_t**2),
                 -1.0 / (n_s * n_t))
    H = np.eye(n) - np.ones((n, n)) / n
    return K @ H @ K, K @ L @ K + mu * np.eye(n)


def kernel_matrix(X, kernel):
    return rbf_kernel(X, gamma=GAMMA) if kernel == "rbf" else X @ X.T


def fit_kernel_path(X, sd, kernel, solver, m=4, **kw):
    params = dict(kernel="rbf", gamma=GAMMA) if kernel == "rbf" else dict(kernel=linear_kernel)
    tca = TCA(n_components=m, mu=MU, eigen_solver=solver, random_state=0,
              scale_components="none", **params, **kw)
    return tca, tca.fit_transform(X, sample_domain=sd)


def align_signs(A, B):
    """B with each column's sign chosen to match A."""
    return B * np.sign(np.sum(A * B, axis=0))


# ------------------------------------------------------------ the paper's equations
@pytest.mark.parametrize("kernel", ["rbf", "linear"])
@pytest.mark.parametrize("solver", ["dense", "arpack"])
def test_generalised_eigen_equations_and_constraint(kernel, solver):
    X, sd = make_data()
    tca, Z = fit_kernel_path(X, sd, kernel, solver)
    assert tca.solver_ == solver
    K = kernel_matrix(X, kernel)
    KHK, B = paper_matrices(K, sd, MU)
    W, lam = tca.dual_coef_, tca.eigenvalues_
    scale = np.abs(KHK @ W).max()
    np.testing.assert_allclose(KHK @ W, B @ W * lam, atol=1e-10 * scale)
    np.testing.assert_allclose(W.T @ KHK @ W, np.eye(4), atol=1e-9)
    np.testing.assert_allclose(Z, K @ W, atol=1e-9 * np.abs(Z).max())
    ref = scipy.linalg.eigh(KHK, B, eigvals_only=True)[::-1][:4]
    np.testing.assert_allclose(lam, ref, rtol=1e-9)
    assert np.all(np.diff(lam) <= 0)


def test_dense_and_arpack_agree():
    X, sd = make_data(n_s=150, n_t=120, seed=3)
    dense, Zd = fit_kernel_path(X, sd, "rbf", "dense", m=6)
    arpack, Za = fit_kernel_path(X, sd, "rbf", "arpack", m=6)
    np.testing.assert_allclose(arpack.eigenvalues_, dense.eigenvalues_, rtol=1e-10)
    assert dense.n_iter_ == 1 and arpack.n_iter_ > 6
    # the sign convention is solver-independent
    np.testing.assert_allclose(Za, Zd, atol=1e-8)
    Xn = make_data(n_s=7, n_t=5, seed=9)[0]
    np.testing.assert_allclose(arpack.transform(Xn), dense.transform(Xn), atol=1e-8)


def test_auto_solver_choice():
    X, sd = make_data(n_s=400, n_t=300)
    assert TCA(kernel="rbf", n_components=5).fit(X, sample_domain=sd).solver_ == "arpack"
    assert TCA(kernel="rbf", n_components=71).fit(X, sample_domain=sd).solver_ == "dense"
    assert TCA(n_components=3).fit(X, sample_domain=sd).solver_ == "primal"
    Xs, sds = make_data(n_s=40, n_t=30)
    assert TCA(kernel="rbf", n_components=3).fit(Xs, sample_domain=sds).solver_ == "dense"


def test_row_order_is_kept():
    """Interleaving source and target rows permutes the embedding's rows."""
    X, sd = make_data()
    perm = np.random.default_rng(1).permutation(X.shape[0])
    for kw in (dict(kernel="rbf", gamma=GAMMA), dict()):
        Z = TCA(n_components=3, **kw).fit_transform(X, sample_domain=sd)
        Zp = TCA(n_components=3, **kw).fit_transform(X[perm], sample_domain=sd[perm])
        np.testing.assert_allclose(align_signs(Z[perm], Zp), Z[perm], atol=1e-9)


# ----------------------------------------------------------- linear fast path
@pytest.mark.parametrize("collinear", [False, True])
def test_linear_fast_path_equals_kernel_path(collinear):
    X, sd = make_data(offset=4.0)
    if collinear:  # singular X'X: no inverse of it may be needed
        X = np.c_[X, X[:, 0] - 2 * X[:, 2]]
    fast = TCA(n_components=4, mu=MU, scale_components="none")
    Zf = fast.fit_transform(X, sample_domain=sd)
    slow, Zs = fit_kernel_path(X, sd, "linear", "dense")
    assert fast.solver_ == "primal" and not hasattr(fast, "dual_coef_")
    assert fast.projection_.shape == (X.shape[1], 4)
    np.testing.assert_allclose(fast.eigenvalues_, slow.eigenvalues_, rtol=1e-9)
    signs = np.sign(np.sum(Zs * Zf, axis=0))
    np.testing.assert_allclose(Zf * signs, Zs, atol=1e-8)
    Xn = X[:9] * 0.5 - 1.0
    np.testing.assert_allclose(fast.transform(Xn) * signs, slow.transform(Xn), atol=1e-8)
    # P = X_fit' W
    np.testing.assert_allclose(fast.projection_ * signs, X.T @ slow.dual_coef_, atol=1e-8)


def test_linear_fast_path_sparse_input():
    X, sd = make_data(offset=1.0)
    dense = TCA(n_components=3).fit(X, sample_domain=sd)
    sp = TCA(n_components=3).fit(sparse.csr_matrix(X), sample_domain=sd)
    np.testing.assert_allclose(sp.transform(sparse.csr_matrix(X)), dense.transform(X),
                               atol=1e-9)


def test_fewer_components_than_requested_warns():
    X, sd = make_data(d=4)
    with pytest.warns(UserWarning, match="only 4 positive eigenvalue"):
        tca = TCA(n_components=6).fit(X, sample_domain=sd)
    assert tca.n_components_ == 4 and tca.eigenvalues_.shape == (4,)
    assert tca.transform(X).shape == (X.shape[0], 4)
    assert tca.get_feature_names_out().tolist() == ["tca0", "tca1", "tca2", "tca3"]


# --------------------------------------------------------- out-of-sample rows
@pytest.mark.parametrize("params", [
    dict(kernel="rbf", gamma=GAMMA, eigen_solver="dense"),
    dict(kernel="rbf", eigen_solver="arpack"),
    dict(kernel="poly", degree=2, eigen_solver="dense"),
    dict(kernel="linear"),
    dict(kernel="rbf", approximation="nystroem", n_landmarks=40),
    dict(kernel="rbf", approximation="rff", n_landmarks=40),
], ids=["rbf-dense", "rbf-arpack", "poly", "linear", "nystroem", "rff"])
def test_transform_training_rows_gives_training_embedding(params):
    X, sd = make_data()
    tca = TCA(n_components=4, random_state=0, **params)
    Z = tca.fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(tca.transform(X), Z, atol=1e-8)
    # the embedding does not depend on the rows' domains
    np.testing.assert_allclose(tca.transform(X, sample_domain=sd), Z, atol=1e-8)


def test_nystroem_with_all_rows_as_landmarks_is_exact():
    X, sd = make_data()
    exact, Ze = fit_kernel_path(X, sd, "rbf", "dense")
    approx = TCA(n_components=4, mu=MU, kernel="rbf", gamma=GAMMA, scale_components="none",
                 approximation="nystroem", n_landmarks=X.shape[0], random_state=0)
    Za = approx.fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(approx.eigenvalues_, exact.eigenvalues_, rtol=1e-6)
    np.testing.assert_allclose(align_signs(Ze, Za), Ze, atol=1e-5)


def test_random_state_makes_low_rank_mode_deterministic():
    X, sd = make_data()
    a = TCA(kernel="rbf", approximation="nystroem", n_landmarks=30, random_state=4)
    b = TCA(kernel="rbf", approximation="nystroem", n_landmarks=30, random_state=4)
    np.testing.assert_array_equal(a.fit_transform(X, sample_domain=sd),
                                  b.fit_transform(X, sample_domain=sd))


# -------------------------------------------------------------------- scaling
@pytest.mark.parametrize("params", [dict(kernel="rbf"), dict(kernel="linear"),
                                    dict(kernel="rbf", approximation="nystroem",
                                         n_landmarks=40)])
def test_scaling(params):
    X, sd = make_data()
    n = X.shape[0]
    scaled = TCA(n_components=3, random_state=0, scale_components="unit", **params)
    Z = scaled.fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(scaled.embedding_scale_, np.sqrt(n))
    np.testing.assert_allclose(Z.var(axis=0), 1.0, rtol=1e-9)
    # components uncorrelated over the training rows
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.eye(3), atol=1e-9)
    raw = TCA(n_components=3, random_state=0, scale_components="none", **params)
    Zr = raw.fit_transform(X, sample_domain=sd)
    np.testing.assert_array_equal(raw.embedding_scale_, 1.0)
    # the paper's constraint W'KHKW = Z'HZ = I: variance 1/n
    np.testing.assert_allclose(Zr.var(axis=0), 1.0 / n, rtol=1e-9)
    np.testing.assert_allclose(Zr * np.sqrt(n), Z, atol=1e-9)
    np.testing.assert_allclose(raw.transform(X[:5]) * np.sqrt(n), scaled.transform(X[:5]),
                               atol=1e-9)
    # "eigen" (default): component j scaled by sqrt(n lambda_j / lambda_1), i.e.
    # the eigenvectors normalised as W'(KLK + mu I)W = I, leading one at unit
    # variance
    eig = TCA(n_components=3, random_state=0, **params)
    Ze = eig.fit_transform(X, sample_domain=sd)
    lam = eig.eigenvalues_
    np.testing.assert_allclose(Ze.var(axis=0), lam / lam[0], rtol=1e-9)
    np.testing.assert_allclose(Ze, Zr * np.sqrt(n * lam / lam[0]), atol=1e-9)


# ---------------------------------------------------------------- usefulness
def mean_shift_problem(seed, n=200, d=4):
    """Classes along x0 (means +-2); the target is moved by (2, 3): a
    source-only linear model misplaces its threshold, while the direction of
    the (x0, x1) plane orthogonal to the shift still separates the classes."""
    rng = np.random.default_rng(seed)

    def draw(shift):
        y = rng.integers(0, 2, n)
        X = rng.normal(size=(n, d))
        X[:, 0] += 2.0 * (2 * y - 1)
        X[:, :2] += shift
        return X, y

    (Xs, ys), (Xt, yt) = draw(0.0), draw(np.array([2.0, 3.0]))
    return np.vstack([Xs, Xt]), np.r_[ys, -np.ones(n, int)], Xs, ys, Xt, yt


@pytest.mark.parametrize("kernel", ["linear", "rbf"])
def test_tca_beats_source_only_on_a_mean_shift(kernel):
    source_only, tca = [], []
    for seed in range(5):
        X, y, Xs, ys, Xt, yt = mean_shift_problem(seed)
        source_only.append(LogisticRegression().fit(Xs, ys).score(Xt, yt))
        model = TCA(LogisticRegression(), n_components=3, kernel=kernel, random_state=0)
        tca.append(model.fit(X, y).score(Xt, yt))
    assert np.mean(source_only) < 0.8
    assert np.mean(tca) > np.mean(source_only) + 0.1


def test_estimator_is_trained_on_embedded_labelled_rows():
    X, y, Xs, ys, Xt, yt = mean_shift_problem(0, n=80)
    model = TCA(LogisticRegression(), n_components=2).fit(X, y)
    Z = model.transform(X)
    ref = LogisticRegression().fit(Z[y != -1], y[y != -1])
    np.testing.assert_allclose(model.estimator_.coef_, ref.coef_, rtol=1e-6)
    np.testing.assert_array_equal(model.predict(Xt), ref.predict(model.transform(Xt)))


# --------------------------------------------------------------------- errors
@pytest.mark.parametrize("params, match", [
    (dict(n_components=111), r"n_components=111 is larger than the number of fit rows \(110\)"),
    (dict(n_components=0), "n_components must be a positive integer"),
    (dict(n_components=2.5), "n_components must be a positive integer"),
    (dict(mu=0.0), "mu must be a finite float > 0"),
    (dict(mu=-1.0), "mu must be a finite float > 0"),
    (dict(mu=np.inf), "mu must be a finite float > 0"),
    (dict(kernel="cosine"), "kernel must be one of"),
    (dict(kernel="rbf", gamma=-1.0), "gamma must be a finite float > 0 or None"),
    (dict(approximation="svd"), "approximation must be None"),
    (dict(approximation="nystroem", n_landmarks=0), "n_landmarks must be a positive integer"),
    (dict(approximation="rff", kernel="poly"), "needs the rbf kernel"),
    (dict(eigen_solver="lobpcg"), "eigen_solver must be one of"),
    (dict(kernel="rbf", eigen_solver="arpack", n_components=110),
     "needs n_components < n_samples"),
    (dict(tol=-1.0), "tol must be a finite float >= 0"),
    (dict(max_iter=0), "max_iter must be a positive integer or None"),
    (dict(scale_components="yes"), "scale_components must be one of"),
    (dict(kernel_params=[1]), "kernel_params must be a dict"),
])
def test_bad_hyperparameters(params, match):
    X, sd = make_data()
    with pytest.raises(ValueError, match=match):
        TCA(**params).fit(X, sample_domain=sd)


def test_memory_check_before_building_the_kernel(monkeypatch):
    X, sd = make_data()
    monkeypatch.setattr(sktransfer._kernels, "available_memory_bytes", lambda: 10_000)

    def never_called(A, B):
        raise AssertionError("the kernel matrix was built before the memory check")

    with pytest.raises(ValueError, match=r"TCA would build a 110 x 110 kernel matrix"):
        TCA(kernel=never_called).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="approximation='nystroem'"):
        TCA(kernel="rbf").fit(X, sample_domain=sd)
    # the linear fast path and the low-rank mode build no n x n matrix
    TCA(n_components=2).fit(X, sample_domain=sd)
    TCA(kernel="rbf", approximation="nystroem", n_landmarks=10).fit(X, sample_domain=sd)


def test_nan_and_missing_domains():
    X, sd = make_data()
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        TCA().fit(Xn, sample_domain=sd)
    with pytest.raises(ValueError, match="No target rows"):
        TCA().fit(X, sample_domain=np.ones(X.shape[0], int))
    with pytest.raises(ValueError, match="No source rows"):
        TCA().fit(X, sample_domain=-np.ones(X.shape[0], int))
    fitted = TCA(kernel="rbf").fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="NaN"):
        fitted.transform(Xn)
    with pytest.raises(ValueError, match="features"):
        fitted.transform(X[:, :3])


@pytest.mark.parametrize("params", [
    dict(), dict(kernel="rbf", eigen_solver="dense"), dict(kernel="rbf", eigen_solver="arpack"),
    dict(kernel="rbf", approximation="nystroem", n_landmarks=10),
])
def test_rows_without_variance(params):
    X = np.tile([1.0, 2.0, 3.0], (40, 1))
    sd = np.r_[np.ones(20, int), -np.ones(20, int)]
    with pytest.raises(ValueError, match="TCA found no component"):
        TCA(n_components=2, **params).fit(X, sample_domain=sd)


# ------------------------------------------------------------- housekeeping
@pytest.mark.parametrize("params", [dict(kernel="rbf"), dict(kernel="linear"),
                                    dict(kernel="rbf", approximation="nystroem",
                                         n_landmarks=30)])
def test_inputs_not_modified_and_pickle_round_trip(params):
    X, sd = make_data()
    y = np.r_[np.arange(60) % 2, -np.ones(50, int)]
    X0, y0, sd0 = X.copy(), y.copy(), sd.copy()
    model = TCA(LogisticRegression(), n_components=3, random_state=0, **params)
    model.fit(X, y, sample_domain=sd)
    Xn = X[:20] + 0.1
    Xn0 = Xn.copy()
    Z = model.transform(Xn)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(sd, sd0)
    np.testing.assert_array_equal(Xn, Xn0)
    clone = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(clone.transform(Xn), Z)
    np.testing.assert_array_equal(clone.predict(Xn), model.predict(Xn))


def test_fit_rows_are_copied_in_kernel_mode():
    X, sd = make_data()
    tca = TCA(kernel="rbf", n_components=2)
    Z = tca.fit_transform(X, sample_domain=sd)
    X[:] = 0.0  # the caller reuses its buffer
    np.testing.assert_allclose(tca.transform(make_data()[0]), Z, atol=1e-8)


def test_refit_clears_attributes_of_the_other_mode():
    X, sd = make_data()
    tca = TCA(kernel="rbf", n_components=2).fit(X, sample_domain=sd)
    assert hasattr(tca, "dual_coef_")
    tca.set_params(kernel="linear").fit(X, sample_domain=sd)
    assert not hasattr(tca, "dual_coef_") and not hasattr(tca, "X_fit_")
    assert tca.gamma_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(tca.transform(X), tca.fit_transform(X, sample_domain=sd))
