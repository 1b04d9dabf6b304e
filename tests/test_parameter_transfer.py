"""Parameter transfer (sktransfer.parameter): regularised transfer of linear
models, feature augmentation and weighted pooling, against hand-built
computations and their limits."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import check_grad
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sktransfer.model_selection import DomainStratifiedKFold
from sktransfer.parameter import (
    FeatureAugmenter,
    RegularTransferClassifier,
    RegularTransferRegressor,
    WeightedPooling,
)
from sktransfer.parameter._regular import _logistic_loss_grad


def regression_problem(seed=0, n_s=150, n_t=40, d=4):
    rng = np.random.RandomState(seed)
    w = rng.randn(d)
    Xs, Xt = rng.randn(n_s, d), rng.randn(n_t, d) + 0.5
    ys = Xs @ w + 1.0 + 0.1 * rng.randn(n_s)
    yt = Xt @ (w + 0.5) - 0.5 + 0.1 * rng.randn(n_t)
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return np.r_[Xs, Xt], np.r_[ys, yt], sd


def classification_problem(seed=0, n_s=200, n_t=60, d=3, n_classes=3):
    rng = np.random.RandomState(seed)
    W = rng.randn(n_classes, d) * 2
    X = rng.randn(n_s + n_t, d)
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    shift = np.where(sd[:, None] < 0, 1.0, 0.0) * rng.randn(n_classes, d)[None, 0]
    logits = X @ W.T + shift @ W.T + rng.gumbel(size=(len(X), n_classes))
    y = logits.argmax(axis=1)
    if n_classes == 2:
        y = np.array(["no", "yes"])[y]
    return X, y, sd


# --------------------------------------------------------- regression
def test_regressor_matches_the_normal_equations():
    X, y, sd = regression_problem()
    s = np.random.RandomState(1).uniform(0.5, 2, len(y))
    alpha = 3.0
    reg = RegularTransferRegressor(alpha=alpha).fit(X, y, sample_domain=sd, sample_weight=s)
    src = Ridge().fit(X[sd > 0], y[sd > 0], sample_weight=s[sd > 0])
    theta_s = np.r_[src.coef_, src.intercept_]
    Z = np.c_[X[sd < 0], np.ones((sd < 0).sum())]
    S = np.diag(s[sd < 0])
    theta = np.linalg.solve(Z.T @ S @ Z + alpha * np.eye(Z.shape[1]),
                            Z.T @ S @ y[sd < 0] + alpha * theta_s)
    np.testing.assert_allclose(reg.coef_, theta[:-1], rtol=1e-8)
    np.testing.assert_allclose(reg.intercept_, theta[-1], rtol=1e-8)
    np.testing.assert_allclose(reg.source_coef_, src.coef_)
    np.testing.assert_allclose(reg.predict(X[:5]), X[:5] @ theta[:-1] + theta[-1])


def test_regressor_limits_source_model_and_target_only():
    X, y, sd = regression_problem()
    huge = RegularTransferRegressor(alpha=1e12).fit(X, y, sample_domain=sd)
    src = Ridge().fit(X[sd > 0], y[sd > 0])
    np.testing.assert_allclose(huge.coef_, src.coef_, atol=1e-8)
    np.testing.assert_allclose(huge.intercept_, src.intercept_, atol=1e-8)
    zero = RegularTransferRegressor(alpha=0.0).fit(X, y, sample_domain=sd)
    ols = LinearRegression().fit(X[sd < 0], y[sd < 0])
    np.testing.assert_allclose(zero.coef_, ols.coef_, rtol=1e-8)
    np.testing.assert_allclose(zero.intercept_, ols.intercept_, rtol=1e-8)


def test_regressor_sparse_equals_dense_and_weights_equal_repeats():
    X, y, sd = regression_problem()
    # one source model for both (Ridge's own sparse solver is iterative)
    src = FrozenEstimator(Ridge().fit(X[sd > 0], y[sd > 0]))
    dense = RegularTransferRegressor(src, alpha=2.0).fit(X, y, sample_domain=sd)
    sparse = RegularTransferRegressor(src, alpha=2.0).fit(sp.csr_matrix(X), y,
                                                          sample_domain=sd)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-8)
    np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X[:4])), dense.predict(X[:4]),
                               rtol=1e-8)
    few = np.r_[np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)[:3]]  # the dual form
    np.testing.assert_allclose(
        RegularTransferRegressor(src, alpha=0.5).fit(sp.csr_matrix(X[few]), y[few],
                                                     sample_domain=sd[few]).coef_,
        RegularTransferRegressor(src, alpha=0.5).fit(X[few], y[few],
                                                     sample_domain=sd[few]).coef_,
        rtol=1e-8)
    w = np.ones(len(y))
    w[-5:] = 2
    weighted = RegularTransferRegressor(alpha=2.0).fit(X, y, sample_domain=sd,
                                                       sample_weight=w)
    rep = np.r_[np.arange(len(y)), np.arange(len(y) - 5, len(y))]
    repeated = RegularTransferRegressor(alpha=2.0).fit(X[rep], y[rep], sample_domain=sd[rep])
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-8)


def test_regressor_auto_alpha_is_the_best_of_the_grid_on_target_folds():
    X, y, sd = regression_problem(n_t=30)
    auto = RegularTransferRegressor(alpha="auto", alphas=[0.01, 1, 100],
                                    random_state=0).fit(X, y, sample_domain=sd)
    assert auto.alpha_ == [0.01, 1, 100][int(np.argmax(auto.cv_scores_))]
    fixed = RegularTransferRegressor(alpha=auto.alpha_).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(auto.coef_, fixed.coef_)


def test_few_target_labels_gain_over_source_and_target_only():
    # the target's function differs a little from the source's: ten labels
    # pulled towards the source beat both the source model and ten labels alone
    gains = []
    for seed in range(5):
        X, y, sd = regression_problem(seed, n_t=400, d=10)
        lab = np.r_[np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)[:10]]
        test = np.flatnonzero(sd < 0)[10:]
        reg = RegularTransferRegressor(alpha="auto", random_state=0).fit(
            X[lab], y[lab], sample_domain=sd[lab])
        mse = lambda pred: np.mean((pred - y[test]) ** 2)  # noqa: E731
        src = Ridge().fit(X[sd > 0], y[sd > 0])
        tgt = Ridge().fit(X[lab][sd[lab] < 0], y[lab][sd[lab] < 0])
        gains.append(min(mse(src.predict(X[test])), mse(tgt.predict(X[test])))
                     - mse(reg.predict(X[test])))
    assert np.mean(gains) > 0


def test_prefit_source_model_needs_no_source_rows():
    X, y, sd = regression_problem()
    src = Ridge(alpha=0.5).fit(X[sd > 0], y[sd > 0])
    t = sd < 0
    a = RegularTransferRegressor(src, alpha=1.0).fit(X[t], y[t], sample_domain=sd[t])
    assert a.source_estimator_ is src
    b = RegularTransferRegressor(FrozenEstimator(src), alpha=1.0).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(a.coef_, b.coef_)
    c = RegularTransferRegressor(Ridge(alpha=0.5), alpha=1.0).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(a.coef_, c.coef_)


# ------------------------------------------------------ classification
@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_gradient_is_exact(n_classes):
    rng = np.random.RandomState(0)
    X = rng.randn(30, 4)
    K = 1 if n_classes == 2 else n_classes
    T = (rng.rand(30) > 0.5).astype(float) if K == 1 else np.eye(K)[rng.randint(K, size=30)]
    s = rng.uniform(0.5, 2, 30)
    theta_s = rng.randn(K * 5)
    f = lambda t: _logistic_loss_grad(t, X, T, s, theta_s, 0.7, K)[0]  # noqa: E731
    g = lambda t: _logistic_loss_grad(t, X, T, s, theta_s, 0.7, K)[1]  # noqa: E731
    assert check_grad(f, g, rng.randn(K * 5)) < 1e-5


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_limits_source_model_and_target_only(n_classes):
    X, y, sd = classification_problem(n_classes=n_classes)
    src = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    huge = RegularTransferClassifier(alpha=1e10).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(huge.coef_, src.coef_, atol=1e-6)
    np.testing.assert_allclose(huge.intercept_, src.intercept_, atol=1e-6)
    np.testing.assert_array_equal(huge.classes_, src.classes_)
    zero = RegularTransferClassifier(alpha=0.0, tol=1e-10).fit(X, y, sample_domain=sd)
    t = sd < 0
    tgt = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10000).fit(X[t], y[t])
    np.testing.assert_allclose(zero.predict_proba(X), tgt.predict_proba(X), atol=1e-4)
    np.testing.assert_array_equal(zero.predict(X), tgt.predict(X))


def test_classifier_alpha_is_sklearns_inverse_C_around_zero_source():
    # a source model with zero coefficients: the pull is plain L2 towards 0,
    # i.e. LogisticRegression(C=1/alpha) with its intercept penalised too,
    # checked here against sklearn on an intercept-free design
    X, y, sd = classification_problem(n_classes=3)
    zero_src = LogisticRegression(fit_intercept=False).fit(X[sd > 0], y[sd > 0])
    zero_src.coef_[:] = 0.0
    t = sd < 0
    rt = RegularTransferClassifier(zero_src, alpha=2.0, tol=1e-10).fit(
        X[t], y[t], sample_domain=sd[t])
    Z = np.c_[X[t], np.ones(t.sum())]
    ref = LogisticRegression(C=0.5, fit_intercept=False, tol=1e-12, max_iter=10000)
    ref.fit(Z, y[t])
    np.testing.assert_allclose(np.c_[rt.coef_, rt.intercept_], ref.coef_, atol=1e-5)


def test_classifier_keeps_classes_the_target_labels_lack():
    X, y, sd = classification_problem(n_classes=3)
    keep = (sd > 0) | (y != 2)
    rt = RegularTransferClassifier(alpha=5.0).fit(X[keep], y[keep], sample_domain=sd[keep])
    assert rt.predict_proba(X).shape == (len(X), 3)
    assert (rt.predict(X) == 2).any()
    np.testing.assert_allclose(rt.predict_proba(X).sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(rt.predict_log_proba(X[:5])), rt.predict_proba(X[:5]))


def test_classifier_string_labels_sparse_and_auto():
    X, y, sd = classification_problem(n_classes=2)
    dense = RegularTransferClassifier(alpha="auto", random_state=0).fit(X, y, sample_domain=sd)
    assert set(dense.predict(X)) <= {"no", "yes"}
    assert dense.alpha_ in dense.alphas
    sparse = RegularTransferClassifier(alpha=dense.alpha_).fit(sp.csr_matrix(X), y,
                                                               sample_domain=sd)
    np.testing.assert_allclose(sparse.decision_function(X), dense.decision_function(X),
                               atol=1e-5)


def test_errors_say_what_to_do():
    X, y, sd = classification_problem(n_classes=3)
    with pytest.raises(ValueError, match="labelled target rows and there are none"):
        RegularTransferClassifier().fit(X, np.where(sd < 0, -1, y), sample_domain=sd)
    with pytest.raises(ValueError, match="not fitted"):
        t = sd < 0
        RegularTransferClassifier(LogisticRegression()).fit(X[t], y[t], sample_domain=sd[t])
    bad = np.where(sd < 0, 7, y)
    with pytest.raises(ValueError, match=r"target labels \[7\] are not classes"):
        RegularTransferClassifier().fit(X, bad, sample_domain=sd)
    with pytest.raises(ValueError, match="has no coef_"):
        from sklearn.tree import DecisionTreeClassifier
        RegularTransferClassifier(DecisionTreeClassifier()).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="alpha must be a float >= 0 or 'auto'"):
        RegularTransferClassifier(alpha=-1).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="alphas must be"):
        RegularTransferClassifier(alpha="auto", alphas=[]).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="source model has 3 coefficients"):
        src = LogisticRegression().fit(X[:, :3], y)
        RegularTransferClassifier(src).fit(np.c_[X, X][sd < 0], y[sd < 0],
                                           sample_domain=sd[sd < 0])
    with pytest.raises(ValueError, match="cv=3 folds need at least 3"):
        few = (sd > 0) | (np.arange(len(sd)) == len(sd) - 1)
        RegularTransferClassifier(alpha="auto").fit(X[few], y[few], sample_domain=sd[few])
    with pytest.raises(ValueError, match="hold one class"):
        y1 = np.where(sd > 0, 0, y)
        RegularTransferClassifier().fit(X, y1, sample_domain=sd)


def test_score_leaves_masked_rows_out():
    X, y, sd = classification_problem(n_classes=3)
    rt = RegularTransferClassifier().fit(X, y, sample_domain=sd)
    masked = np.where(np.arange(len(y)) % 2 == 0, -1, y)
    keep = masked != -1
    assert rt.score(X, masked) == pytest.approx(np.mean(rt.predict(X[keep]) == y[keep]))
    Xr, yr, sdr = regression_problem()
    reg = RegularTransferRegressor().fit(Xr, yr, sample_domain=sdr)
    from sklearn.metrics import r2_score
    yr_masked = np.where(np.arange(len(yr)) < 20, np.nan, yr)
    assert reg.score(Xr, yr_masked) == pytest.approx(r2_score(yr[20:], reg.predict(Xr[20:])))


def test_clone_pickle_grid_search():
    X, y, sd = classification_problem(n_classes=3)
    rt = RegularTransferClassifier(alpha=1.0).fit(X, y, sample_domain=sd)
    again = pickle.loads(pickle.dumps(rt))
    np.testing.assert_array_equal(again.predict(X), rt.predict(X))
    assert clone(rt).get_params() == rt.get_params()
    t = np.flatnonzero(sd < 0)
    # the package's splitter keeps target rows in every training fold
    cv = DomainStratifiedKFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(RegularTransferClassifier(), {"alpha": [0.1, 10]}, cv=cv)
    search.fit(X, y, groups=sd, sample_domain=sd)
    assert search.best_params_["alpha"] in (0.1, 10)
    assert 0 <= search.score(X[t], y[t]) <= 1


# ------------------------------------------------------ augmentation
def test_feature_augmentation_matches_the_hand_built_design():
    X, y, sd = regression_problem()
    aug = FeatureAugmenter().fit(X, y, sample_domain=sd)
    s, t = (sd > 0)[:, None], (sd < 0)[:, None]
    hand = np.hstack([X, X * s, X * t])
    np.testing.assert_array_equal(aug.transform(X, sample_domain=sd), hand)
    np.testing.assert_array_equal(aug.transform(X), np.hstack([X, 0 * X, X]))
    pipe = make_pipeline(FeatureAugmenter(), Ridge(alpha=1.0))
    pipe.fit(X, y, featureaugmenter__sample_domain=sd)
    ref = Ridge(alpha=1.0).fit(hand, y)
    np.testing.assert_allclose(pipe.predict(X), ref.predict(np.hstack([X, 0 * X, X])))
    sparse = aug.transform(sp.csr_matrix(X), sample_domain=sd)
    assert sp.issparse(sparse)
    np.testing.assert_array_equal(sparse.toarray(), hand)


def test_feature_augmentation_several_domains_and_names():
    import pandas as pd

    X = pd.DataFrame(np.arange(8.0).reshape(4, 2), columns=["a", "b"])
    aug = FeatureAugmenter().fit(X, sample_domain=[-1, 2, 1, -1])
    np.testing.assert_array_equal(aug.domains_, [1, 2, -1])
    assert list(aug.get_feature_names_out()) == [
        "a", "b", "source1__a", "source1__b", "source2__a", "source2__b",
        "target1__a", "target1__b"]
    out = aug.transform(X, sample_domain=[2, 2, 1, -1])
    np.testing.assert_array_equal(out[0], [0, 1, 0, 0, 0, 1, 0, 0])
    with pytest.raises(ValueError, match=r"domains \[-3\] were not seen at fit"):
        aug.transform(X, sample_domain=[-3, 1, 1, 1])
    with pytest.raises(ValueError, match="needs the domain of every training row"):
        FeatureAugmenter().fit(X)


# ------------------------------------------------------------ pooling
def test_weighted_pooling_is_a_weighted_fit_and_auto_picks_the_best():
    X, y, sd = classification_problem(n_classes=2)
    wp = WeightedPooling(LogisticRegression(), target_weight=4.0).fit(X, y, sample_domain=sd)
    ref = LogisticRegression().fit(X, y, sample_weight=np.where(sd < 0, 4.0, 1.0))
    np.testing.assert_allclose(wp.estimator_.coef_, ref.coef_)
    assert wp.target_share_ == pytest.approx(4 * 60 / (200 + 4 * 60))
    auto = WeightedPooling(LogisticRegression(), random_state=0).fit(X, y, sample_domain=sd)
    res = auto.cv_results_
    assert res["target_weight"][0] == 1.0  # plain pooling is in the grid
    np.testing.assert_allclose(res["target_share"][1:], [0.1, 0.25, 0.5, 0.75, 0.9])
    assert auto.target_weight_ == res["target_weight"][np.argmax(res["mean_test_score"])]
    with pytest.raises(ValueError, match="target_weight must be a finite float > 0"):
        WeightedPooling(LogisticRegression(), target_weight=0).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="labelled target rows and there are none"):
        X3, y3, sd3 = classification_problem(n_classes=3)
        WeightedPooling(LogisticRegression()).fit(X3, np.where(sd3 < 0, -1, y3),
                                                  sample_domain=sd3)


@pytest.mark.parametrize("module", ["_regular", "_augment"])
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"sktransfer.parameter.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
