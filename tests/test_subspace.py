"""SubspaceAlignment (Fernando et al., ICCV 2013): the embedding by hand,
its invariants, its errors and scikit-learn's estimator checks."""

import doctest
import pickle

import numpy as np
import pytest
from scipy.linalg import subspace_angles
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression, Ridge

from sktransfer import make_sample_domain
from sktransfer.alignment import _subspace
from sktransfer.alignment._subspace import SubspaceAlignment


def two_domains(n_s=80, n_t=60, d=6, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d)) @ rng.normal(size=(d, d))
    Xt = rng.normal(size=(n_t, d)) @ rng.normal(size=(d, d)) + 2.0
    return Xs, Xt, np.vstack([Xs, Xt]), make_sample_domain(n_s, n_t)


def pca_axes_by_hand(X, k):
    """Top-k eigenvectors of np.cov (columns, d x k), the largest-magnitude
    entry of each made positive."""
    vals, vecs = np.linalg.eigh(np.cov(X, rowvar=False))
    V = vecs[:, np.argsort(vals)[::-1][:k]]
    signs = np.sign(V[np.argmax(np.abs(V), axis=0), np.arange(k)])
    return V * signs, np.sort(vals)[::-1][:k]


@pytest.mark.parametrize("center", [True, False])
def test_embedding_by_hand(center):
    Xs, Xt, X, sd = two_domains()
    k = 3
    model = SubspaceAlignment(n_components=k, center=center).fit(X, sample_domain=sd)
    XS, var_s = pca_axes_by_hand(Xs, k)
    XT, var_t = pca_axes_by_hand(Xt, k)
    M = XS.T @ XT
    np.testing.assert_allclose(model.source_components_, XS.T, atol=1e-10)
    np.testing.assert_allclose(model.target_components_, XT.T, atol=1e-10)
    np.testing.assert_allclose(model.alignment_, M, atol=1e-10)
    np.testing.assert_allclose(model.source_explained_variance_, var_s, rtol=1e-10)
    np.testing.assert_allclose(model.target_explained_variance_, var_t, rtol=1e-10)
    np.testing.assert_allclose(model.source_mean_, Xs.mean(axis=0))
    np.testing.assert_allclose(model.target_mean_, Xt.mean(axis=0))
    mu_s = Xs.mean(axis=0) if center else 0.0
    mu_t = Xt.mean(axis=0) if center else 0.0
    Z = model.fit_transform(X, sample_domain=sd)
    # S_a = S X_S X_S' X_T and T_T = T X_T (Algorithm 1)
    np.testing.assert_allclose(Z[sd > 0], (Xs - mu_s) @ XS @ XS.T @ XT, atol=1e-9)
    np.testing.assert_allclose(Z[sd < 0], (Xt - mu_t) @ XT, atol=1e-9)
    # transform: every row is a target row unless sample_domain says otherwise
    np.testing.assert_allclose(model.transform(Xs), (Xs - mu_t) @ XT, atol=1e-9)
    np.testing.assert_allclose(model.transform(X, sample_domain=sd), Z, atol=1e-12)


def test_alignment_is_the_least_squares_solution():
    # M* = argmin ||X_S M - X_T||_F; its singular values are the cosines of
    # the principal angles between the two subspaces
    Xs, Xt, X, sd = two_domains(d=8)
    model = SubspaceAlignment(n_components=4).fit(X, sample_domain=sd)
    XS, XT = model.source_components_.T, model.target_components_.T
    M_lstsq = np.linalg.lstsq(XS, XT, rcond=None)[0]
    np.testing.assert_allclose(model.alignment_, M_lstsq, atol=1e-10)
    np.testing.assert_allclose(
        np.sort(np.linalg.svd(model.alignment_, compute_uv=False)),
        np.sort(np.cos(subspace_angles(XS, XT))), atol=1e-10)


@pytest.mark.parametrize("shape", [(50, 6), (12, 30)])  # d < n and d > n
def test_identical_domains_give_identity_alignment_and_pca(shape):
    n, d = shape
    X1 = np.random.default_rng(3).normal(size=(n, d)) * np.linspace(3, 0.5, d)
    k = 4
    model = SubspaceAlignment(n_components=k).fit(
        np.vstack([X1, X1]), sample_domain=make_sample_domain(n, n))
    np.testing.assert_allclose(model.alignment_, np.eye(k), atol=1e-12)
    pca = PCA(n_components=k, svd_solver="full").fit(X1)
    np.testing.assert_allclose(model.target_components_, pca.components_, atol=1e-10)
    np.testing.assert_allclose(model.source_components_, pca.components_, atol=1e-10)
    expected = pca.transform(X1)
    np.testing.assert_allclose(model.transform(X1), expected, atol=1e-10)
    np.testing.assert_allclose(
        model.transform(X1, sample_domain=np.ones(n, int)), expected, atol=1e-10)


def test_high_dimensional_path_matches_pca():
    # d > n: thin SVD, no d x d matrix; the same axes as PCA on each domain
    Xs, Xt, X, sd = two_domains(n_s=15, n_t=12, d=50)
    model = SubspaceAlignment(n_components=5).fit(X, sample_domain=sd)
    for comps, rows in ((model.source_components_, Xs), (model.target_components_, Xt)):
        np.testing.assert_allclose(
            comps, PCA(5, svd_solver="full").fit(rows).components_, atol=1e-10)


def test_deterministic():
    Xs, Xt, X, sd = two_domains()
    a = SubspaceAlignment(n_components=3).fit_transform(X, sample_domain=sd)
    b = SubspaceAlignment(n_components=3).fit_transform(X.copy(), sample_domain=sd)
    np.testing.assert_array_equal(a, b)


def test_subspace_alignment_helps_under_a_shift():
    # Labels live in two high-variance coordinates shared by both domains;
    # the target is translated along the class boundary's normal and has
    # extra nuisance noise in the 18 low-variance coordinates. The source
    # model fails on the translation; centring each domain fixes that, and
    # SA's projection onto the 2-d principal subspaces also drops the
    # nuisance coordinates the 40-row source model put weight on.
    accs = []
    for seed in range(4):
        rng = np.random.default_rng(seed)
        d, n_s, n_t = 20, 40, 300
        scale = np.r_[3.0, 2.0, np.full(d - 2, 0.3)]
        Xs = rng.normal(size=(n_s, d)) * scale
        Zt = rng.normal(size=(n_t, d)) * scale
        ys, yt = (Xs[:, 0] > Xs[:, 1]).astype(int), (Zt[:, 0] > Zt[:, 1]).astype(int)
        Xt = Zt + np.r_[3.0, -3.0, np.zeros(d - 2)]
        Xt[:, 2:] += 1.2 * rng.normal(size=(n_t, d - 2))
        X, y = np.vstack([Xs, Xt]), np.r_[ys, -np.ones(n_t, int)]
        src = LogisticRegression().fit(Xs, ys).score(Xt, yt)
        centred = LogisticRegression().fit(Xs - Xs.mean(0), ys).score(Xt - Xt.mean(0), yt)
        sa = SubspaceAlignment(LogisticRegression(), n_components=2).fit(X, y)
        accs.append((src, centred, sa.score(Xt, yt)))
    src, centred, sa = np.mean(accs, axis=0)
    assert sa > src + 0.2, accs
    assert sa > centred + 0.01, accs


def test_regressor_and_feature_names():
    Xs, Xt, X, sd = two_domains()
    y = np.r_[Xs[:, 0], np.full(Xt.shape[0], np.nan)]
    model = SubspaceAlignment(Ridge(), n_components=2).fit(X, y)
    assert model.predict(Xt).shape == (Xt.shape[0],)
    np.testing.assert_array_equal(
        model.get_feature_names_out(), ["subspacealignment0", "subspacealignment1"])


def test_input_is_not_modified_and_pickle_clone():
    Xs, Xt, X, sd = two_domains()
    X.setflags(write=False)
    before = X.copy()
    model = SubspaceAlignment(n_components=3).fit(X, sample_domain=sd)
    Z = model.transform(X, sample_domain=sd)
    np.testing.assert_array_equal(X, before)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.transform(X, sample_domain=sd), Z)
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(clone(model), "alignment_")


def test_errors():
    Xs, Xt, X, sd = two_domains(n_s=8, n_t=5, d=6)
    with pytest.raises(ValueError, match=r"n_components=5 is larger than .* = 4 "
                                         r"\(n_features=6, 8 source rows, 5 target"):
        SubspaceAlignment(n_components=5).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="= 4"):  # default n_components=10
        SubspaceAlignment().fit(X, sample_domain=sd)
    for bad in (0, 1.5, True, None):
        with pytest.raises(ValueError, match="n_components must be a positive integer"):
            SubspaceAlignment(n_components=bad).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="center must be True or False"):
        SubspaceAlignment(n_components=2, center="yes").fit(X, sample_domain=sd)
    one_target = np.ones_like(sd)
    one_target[-1] = -1
    with pytest.raises(ValueError, match="at least 2 target rows .* got 1"):
        SubspaceAlignment(n_components=1).fit(X, sample_domain=one_target)
    with pytest.raises(ValueError, match="at least 2 source rows .* got 1"):
        SubspaceAlignment(n_components=1).fit(X, sample_domain=-one_target)
    model = SubspaceAlignment(n_components=2).fit(X, sample_domain=sd)
    with pytest.raises(ValueError, match="6 features"):
        model.transform(X[:, :5])


def test_docstring_example():
    result = doctest.testmod(_subspace, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# -------------------------------------------------- scikit-learn's checks
