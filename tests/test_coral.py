"""CORAL: the re-coloured source has the target covariance, by hand."""

import numpy as np
import pytest
from scipy.linalg import sqrtm
from sklearn.covariance import ledoit_wolf
from sklearn.linear_model import LogisticRegression

from sktransfer import CORAL, make_sample_domain


def two_domains(n_s=80, n_t=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d)) @ rng.normal(size=(d, d))
    Xt = rng.normal(size=(n_t, d)) @ rng.normal(size=(d, d)) + 2.0
    return Xs, Xt, np.vstack([Xs, Xt]), make_sample_domain(n_s, n_t)


@pytest.mark.parametrize("shape", [(80, 60, 5), (30, 25, 40)])  # d < n and d > n
@pytest.mark.parametrize("reg", [1.0, 0.3])
def test_recoloured_source_has_target_covariance(shape, reg):
    Xs, Xt, X, sd = two_domains(*shape)
    d = Xs.shape[1]
    Z = CORAL(reg=reg).fit_transform(X, sample_domain=sd)
    Zs = Z[sd > 0]
    # by hand: A = (C_s + reg I)^{-1/2} (C_t + reg I)^{1/2}
    Cs = np.cov(Xs, rowvar=False) + reg * np.eye(d)
    Ct = np.cov(Xt, rowvar=False) + reg * np.eye(d)
    A = np.linalg.inv(sqrtm(Cs).real) @ sqrtm(Ct).real
    np.testing.assert_allclose(Zs, Xs @ A, atol=1e-8)
    # the paper's identity: A' (cov(Xs) + reg I) A = cov(Xt) + reg I
    np.testing.assert_allclose(
        np.cov(Zs, rowvar=False) + reg * A.T @ A, Ct, atol=1e-8
    )
    # target rows are left as they are
    np.testing.assert_array_equal(Z[sd < 0], Xt)


def test_auto_uses_ledoit_wolf_covariances():
    Xs, Xt, X, sd = two_domains(n_s=40, n_t=35, d=12)
    model = CORAL(reg="auto").fit(X, sample_domain=sd)
    Cs, shrink_s = ledoit_wolf(Xs)
    Ct, shrink_t = ledoit_wolf(Xt)
    np.testing.assert_allclose(model.source_covariance_, Cs, atol=1e-10)
    np.testing.assert_allclose(model.target_covariance_, Ct, atol=1e-10)
    np.testing.assert_allclose(model.shrinkage_, (shrink_s, shrink_t))
    A = model.transformation_
    np.testing.assert_allclose(A.T @ Cs @ A, Ct, atol=1e-8)


def test_center_aligns_means_and_covariances():
    Xs, Xt, X, sd = two_domains()
    model = CORAL(reg=1e-6, center=True)
    Zs = model.fit_transform(X, sample_domain=sd)[sd > 0]
    A = model.transformation_
    np.testing.assert_allclose(Zs.mean(axis=0), Xt.mean(axis=0), atol=1e-8)
    np.testing.assert_allclose(
        np.cov(Zs, rowvar=False) + 1e-6 * A.T @ A,
        np.cov(Xt, rowvar=False) + 1e-6 * np.eye(X.shape[1]), atol=1e-8)


def test_high_dimensional_path_matches_dense_formula():
    # d > n: thin-SVD path, never forming d x d matrices, equals the dense one
    Xs, Xt, X, sd = two_domains(n_s=20, n_t=15, d=60)
    model = CORAL(reg=0.5).fit(X, sample_domain=sd)
    Cs = np.cov(Xs, rowvar=False) + 0.5 * np.eye(60)
    np.testing.assert_allclose(model.source_covariance_, Cs, atol=1e-10)
    rows = np.random.default_rng(1).normal(size=(7, 60))
    A = np.linalg.inv(sqrtm(Cs).real) @ sqrtm(np.cov(Xt, rowvar=False) + 0.5 * np.eye(60)).real
    np.testing.assert_allclose(
        model.transform(rows, sample_domain=np.ones(7, int)), rows @ A, atol=1e-8
    )


def test_coral_recovers_a_linear_distortion():
    # target = a linear distortion of the source distribution; the label
    # depends on the undistorted coordinates. CORAL (centred) undoes it.
    rng = np.random.default_rng(0)
    accs = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        Zs, Zt = rng.normal(size=(400, 4)), rng.normal(size=(400, 4))
        w = np.array([1.0, -1.0, 0.5, 0.0])
        ys, yt = (Zs @ w > 0).astype(int), (Zt @ w > 0).astype(int)
        M = np.diag([3.0, 0.3, 1.0, 1.0]) @ np.linalg.qr(rng.normal(size=(4, 4)))[0]
        Xs, Xt = Zs, Zt @ M + 1.0
        X = np.vstack([Xs, Xt])
        y = np.r_[ys, -np.ones(400, int)]
        src = LogisticRegression().fit(Xs, ys).score(Xt, yt)
        ada = CORAL(LogisticRegression(), reg=1e-3, center=True).fit(X, y).score(Xt, yt)
        accs.append((src, ada))
    src, ada = np.mean(accs, axis=0)
    assert ada > src + 0.05, accs


def test_errors():
    Xs, Xt, X, sd = two_domains(n_s=10, n_t=8, d=30)
    with pytest.raises(ValueError, match="singular"):
        CORAL(reg=0).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="reg must be"):
        CORAL(reg=-1).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="reg must be"):
        CORAL(reg="ledoit").fit(X, sample_domain=sd)
    sd1 = sd.copy()
    sd1[:] = 1
    sd1[-1] = -1
    with pytest.raises(ValueError, match="at least 2 target rows"):
        CORAL().fit(X, sample_domain=sd1)
