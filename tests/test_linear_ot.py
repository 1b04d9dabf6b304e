"""LinearOTMapping: the Monge map between Gaussians by hand, its
invariants, POT's estimator, errors and scikit-learn's estimator checks."""

import doctest
import pickle

import numpy as np
import pytest
from scipy.linalg import sqrtm
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge

from sktransfer import CORAL, make_sample_domain
from sktransfer.alignment import _linear_ot
from sktransfer.alignment._linear_ot import LinearOTMapping


def two_domains(n_s=80, n_t=60, d=5, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d)) @ rng.normal(size=(d, d))
    Xt = rng.normal(size=(n_t, d)) @ rng.normal(size=(d, d)) + 2.0
    return Xs, Xt, np.vstack([Xs, Xt]), make_sample_domain(n_s, n_t)


def monge_by_hand(Xs, Xt, reg, bias=True):
    """A and b with scipy.linalg.sqrtm, covariances normalised by n."""
    d = Xs.shape[1]
    mu_s = Xs.mean(axis=0) if bias else np.zeros(d)
    mu_t = Xt.mean(axis=0) if bias else np.zeros(d)
    Cs = (Xs - mu_s).T @ (Xs - mu_s) / Xs.shape[0] + reg * np.eye(d)
    Ct = (Xt - mu_t).T @ (Xt - mu_t) / Xt.shape[0] + reg * np.eye(d)
    Cs_half = sqrtm(Cs).real
    Cs_ihalf = np.linalg.inv(Cs_half)
    A = Cs_ihalf @ sqrtm(Cs_half @ Ct @ Cs_half).real @ Cs_ihalf
    return A, mu_t - mu_s @ A, Cs, Ct


# d < n, and d > n_s + n_t (the low-rank path, no d x d covariance)
@pytest.mark.parametrize("shape", [(80, 60, 5), (15, 12, 40)])
@pytest.mark.parametrize("bias", [True, False])
def test_map_by_hand(shape, bias):
    Xs, Xt, X, sd = two_domains(*shape)
    reg = 0.5
    model = LinearOTMapping(reg=reg, bias=bias).fit(X, sample_domain=sd)
    A, b, Cs, Ct = monge_by_hand(Xs, Xt, reg, bias)
    np.testing.assert_allclose(model.source_covariance_, Cs, atol=1e-10)
    np.testing.assert_allclose(model.target_covariance_, Ct, atol=1e-10)
    np.testing.assert_allclose(model.A_, A, atol=1e-8)
    np.testing.assert_allclose(model.B_, b, atol=1e-8)
    Z = model.fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(Z[sd > 0], Xs @ A + b, atol=1e-8)
    np.testing.assert_array_equal(Z[sd < 0], Xt)  # target rows unchanged
    # transform: every row is a target row unless sample_domain says otherwise
    np.testing.assert_array_equal(model.transform(Xs), Xs)
    np.testing.assert_allclose(model.transform(X, sample_domain=sd), Z, atol=1e-12)
    if not bias:
        np.testing.assert_array_equal(model.B_, 0.0)


@pytest.mark.parametrize("shape", [(80, 60, 5), (15, 12, 40)])
def test_mapped_source_has_target_mean_and_covariance(shape):
    Xs, Xt, X, sd = two_domains(*shape)
    reg = 0.1
    model = LinearOTMapping(reg=reg).fit(X, sample_domain=sd)
    A, Cs, Ct = model.A_, model.source_covariance_, model.target_covariance_
    # A symmetric positive definite with A Cs A = Ct (Knott & Smith)
    np.testing.assert_allclose(A, A.T, atol=1e-12)
    assert np.linalg.eigvalsh(A).min() > 0
    np.testing.assert_allclose(A @ Cs @ A, Ct, atol=1e-8 * np.abs(Ct).max())
    Zs = model.fit_transform(X, sample_domain=sd)[sd > 0]
    np.testing.assert_allclose(Zs.mean(axis=0), Xt.mean(axis=0), atol=1e-9)
    # the empirical covariance (1/n) of the mapped source is Ct - reg A^2
    np.testing.assert_allclose(np.cov(Zs, rowvar=False, bias=True) + reg * A @ A, Ct,
                               atol=1e-8 * np.abs(Ct).max())


def test_no_bias_matches_second_moments():
    Xs, Xt, X, sd = two_domains()
    reg = 1e-3
    model = LinearOTMapping(reg=reg, bias=False).fit(X, sample_domain=sd)
    Zs = model.transform(Xs, sample_domain=np.ones(len(Xs), int))
    A = model.A_
    np.testing.assert_allclose(Zs, Xs @ A, atol=1e-12)
    np.testing.assert_allclose(
        Zs.T @ Zs / len(Zs) + reg * A @ A, Xt.T @ Xt / len(Xt) + reg * np.eye(5),
        atol=1e-8)


def test_recovers_a_symmetric_positive_definite_map_exactly():
    # target rows = a symmetric positive definite linear image of the source
    # rows plus an offset: that affine map is the Monge map (the gradient of
    # a convex function), so with reg=0 the estimator returns it exactly
    rng = np.random.default_rng(1)
    Xs = rng.normal(size=(50, 4)) * [2.0, 1.0, 0.5, 1.5]
    Q = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    M = Q @ np.diag([3.0, 1.0, 0.3, 0.8]) @ Q.T
    b = np.array([1.0, -2.0, 0.5, 4.0])
    Xt = Xs @ M + b
    model = LinearOTMapping(reg=0).fit(np.vstack([Xs, Xt]),
                                       sample_domain=make_sample_domain(50, 50))
    np.testing.assert_allclose(model.A_, M, atol=1e-9)
    np.testing.assert_allclose(model.B_, b, atol=1e-9)


def test_monge_map_moves_the_rows_least():
    # CORAL's A = Cs^{-1/2} Ct^{1/2} also satisfies A' Cs A = Ct, but the
    # Monge map has the smallest mean squared displacement (same covariances)
    Xs, Xt, X, sd = two_domains()
    model = LinearOTMapping(reg=1e-3).fit(X, sample_domain=sd)
    Cs, Ct = model.source_covariance_, model.target_covariance_
    A_coral = np.linalg.inv(sqrtm(Cs).real) @ sqrtm(Ct).real
    np.testing.assert_allclose(A_coral.T @ Cs @ A_coral, Ct, atol=1e-8)
    centred = Xs - Xs.mean(axis=0)
    monge = np.mean(np.sum((centred - centred @ model.A_) ** 2, axis=1))
    coral = np.mean(np.sum((centred - centred @ A_coral) ** 2, axis=1))
    assert monge < coral


@pytest.mark.parametrize("bias", [True, False])
def test_matches_pot(bias):
    ot = pytest.importorskip("ot")
    Xs, Xt, X, sd = two_domains()
    reg = 1e-3
    model = LinearOTMapping(reg=reg, bias=bias).fit(X, sample_domain=sd)
    pot = ot.da.LinearTransport(reg=reg, bias=bias).fit(Xs=Xs, Xt=Xt)
    np.testing.assert_allclose(model.A_, pot.A_, atol=1e-9)
    np.testing.assert_allclose(model.B_, np.ravel(pot.B_), atol=1e-9)
    np.testing.assert_allclose(
        model.transform(Xs, sample_domain=np.ones(len(Xs), int)), pot.transform(Xs=Xs),
        atol=1e-9)
    A, b = ot.gaussian.bures_wasserstein_mapping(
        model.source_mean_ if bias else np.zeros(5),
        model.target_mean_ if bias else np.zeros(5),
        model.source_covariance_, model.target_covariance_)
    np.testing.assert_allclose(model.A_, A, atol=1e-9)
    np.testing.assert_allclose(model.B_, np.ravel(b), atol=1e-9)


def test_linear_ot_helps_under_an_affine_shift():
    # target = a symmetric positive definite distortion of the source
    # distribution plus an offset, labels from the undistorted coordinates.
    # The Monge map undoes the distortion (near the target-trained oracle);
    # CORAL's non-symmetric map matches the covariance but not the
    # correspondence, and the source-only model ignores the shift.
    accs = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        d, n = 4, 400
        D = np.array([3.0, 1.0, 0.5, 1.0])
        w = np.array([1.0, -2.0, 1.0, 0.0])
        Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
        M = Q @ np.diag([2.5, 1.0, 0.4, 1.0]) @ Q.T
        Zs, Zt = rng.normal(size=(n, d)) * D, rng.normal(size=(n, d)) * D
        ys, yt = (Zs @ w > 0).astype(int), (Zt @ w > 0).astype(int)
        Xs, Xt = Zs, Zt @ M + 2.0
        X, y = np.vstack([Xs, Xt]), np.r_[ys, -np.ones(n, int)]
        src = LogisticRegression().fit(Xs, ys).score(Xt, yt)
        oracle = LogisticRegression().fit(Xt, yt).score(Xt, yt)
        coral = CORAL(LogisticRegression(), reg=1e-6, center=True).fit(X, y).score(Xt, yt)
        lot = LinearOTMapping(LogisticRegression()).fit(X, y).score(Xt, yt)
        accs.append((src, coral, lot, oracle))
    src, coral, lot, oracle = np.mean(accs, axis=0)
    assert lot > src + 0.1, accs
    assert lot > coral + 0.02, accs
    assert lot > oracle - 0.02, accs


def test_regressor():
    Xs, Xt, X, sd = two_domains()
    y = np.r_[Xs[:, 0], np.full(Xt.shape[0], np.nan)]
    model = LinearOTMapping(Ridge()).fit(X, y)
    assert model.predict(Xt).shape == (Xt.shape[0],)
    np.testing.assert_array_equal(model.get_feature_names_out(),
                                  [f"x{i}" for i in range(5)])


def test_input_is_not_modified_and_pickle_clone():
    Xs, Xt, X, sd = two_domains()
    X.setflags(write=False)
    before = X.copy()
    model = LinearOTMapping(reg=0.1).fit(X, sample_domain=sd)
    Z = model.fit_transform(X, sample_domain=sd)
    np.testing.assert_array_equal(X, before)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.transform(X, sample_domain=sd), Z)
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(clone(model), "A_")


def test_errors():
    Xs, Xt, X, sd = two_domains(n_s=10, n_t=8, d=12)
    with pytest.raises(ValueError, match="reg=0 the source covariance must be "
                                         "non-singular, but 10 source rows span at "
                                         "most 9 of the 12"):
        LinearOTMapping(reg=0).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="at most 10 of the 12"):
        LinearOTMapping(reg=0, bias=False).fit(X, sample_domain=sd)
    for bad in (-1, np.inf, "auto", None):
        with pytest.raises(ValueError, match="reg must be a finite float >= 0"):
            LinearOTMapping(reg=bad).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="bias must be True or False"):
        LinearOTMapping(bias=1).fit(X, sample_domain=sd)
    one_target = np.ones_like(sd)
    one_target[-1] = -1
    with pytest.raises(ValueError, match="at least 2 target rows .* got 1"):
        LinearOTMapping().fit(X, sample_domain=one_target)
    with pytest.raises(ValueError, match="at least 2 source rows .* got 1"):
        LinearOTMapping().fit(X, sample_domain=-one_target)
    # collinear source features: singular covariance, found after the fit
    Xs, Xt, X, sd = two_domains()
    X = np.hstack([X, X[:, :1]])
    with pytest.raises(ValueError, match="source covariance is singular"):
        LinearOTMapping(reg=0).fit(X, sample_domain=sd)
    LinearOTMapping(reg=1e-6).fit(X, sample_domain=sd)  # regularised: fine


def test_docstring_example():
    result = doctest.testmod(_linear_ot, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -------------------------------------------------- scikit-learn's checks
