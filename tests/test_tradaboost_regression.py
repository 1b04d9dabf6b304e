"""Tests of TrAdaBoostRegressor (TrAdaBoost.R2) and TwoStageTrAdaBoostRegressor
(Pardoe & Stone, ICML 2010)."""

from math import ceil, exp, log, sqrt

import numpy as np
import pytest
from _harness import _SuppliesDomains
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktransfer.datasets import (
    fetch_wine_quality,
    make_conditional_shift,
    make_domain_split,
)
from sktransfer.instance import TrAdaBoostRegressor, TwoStageTrAdaBoostRegressor
from sktransfer.instance._tradaboost import (
    ERROR_CLIP,
    _frozen_source_adaboost_r2,
    _reweight_source,
)


# ----------------------------------------------------------------- helpers
def _slope_shift(seed, n_s=120, n_t=30):
    """Source y = x0, target y = x0 + x1 (plus noise)."""
    rng = np.random.default_rng(seed)
    Xs, Xt = rng.normal(size=(n_s, 3)), rng.normal(size=(n_t, 3))
    y = np.r_[Xs[:, 0], Xt[:, 0] + Xt[:, 1]] + 0.1 * rng.normal(size=n_s + n_t)
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return np.vstack([Xs, Xt]), y, sd


def _tiny_problem():
    """Source y = 0, 1, 2, 5; target y = 1, 3. A DummyRegressor on uniform
    weights predicts the mean, 2: gaps 2, 1, 0, 3 | 1, 1 and D_1 = 3."""
    X = np.arange(6, dtype=float).reshape(-1, 1)
    y = np.array([0.0, 1.0, 2.0, 5.0, 1.0, 3.0])
    sd = np.array([1, 1, 1, 1, -1, -1])
    return X, y, sd


# ------------------------------------------------------- paper's update
@pytest.mark.parametrize("loss, adjust", [
    ("linear", lambda r: r),
    ("square", lambda r: r ** 2),
    ("exponential", lambda r: 1 - exp(-r)),
])
def test_first_round_weights_by_hand(loss, adjust):
    X, y, sd = _tiny_problem()
    reg = TrAdaBoostRegressor(DummyRegressor(), n_estimators=1, loss=loss).fit(
        X, y, sample_domain=sd)
    np.testing.assert_allclose(reg.estimators_[0].predict(X), 2.0)
    e_source = [adjust(r) for r in (2 / 3, 1 / 3, 0.0, 1.0)]
    e_target = [adjust(1 / 3)] * 2
    eps = e_target[0]  # both target rows have the same adjusted error
    assert reg.estimator_errors_[0] == pytest.approx(eps)
    beta_t = eps / (1 - eps)
    assert reg.estimator_weights_[0] == pytest.approx(log(1 / beta_t))
    beta = 1 / (1 + sqrt(2 * log(4) / 1))
    assert reg.source_beta_ == pytest.approx(beta)
    source = np.array([beta ** e for e in e_source])
    target = np.array([beta_t ** -e for e in e_target])
    total = source.sum() + target.sum()
    np.testing.assert_allclose(reg.source_weights_, source / total)
    np.testing.assert_allclose(reg.target_weights_, target / total)


@pytest.mark.parametrize("n_estimators", [1, 2, 5, 8])
def test_prediction_is_weighted_median_of_last_half(n_estimators):
    X, y, sd = _slope_shift(0)
    reg = TrAdaBoostRegressor(n_estimators=n_estimators, random_state=0).fit(
        X, y, sample_domain=sd)
    start = ceil(n_estimators / 2) - 1  # the paper's t = ceil(N/2), 1-based
    preds = np.array([e.predict(X) for e in reg.estimators_[start:]])
    alphas = reg.estimator_weights_[start:]
    expected = []
    for column in preds.T:  # direct: smallest value holding half the weight
        order = np.argsort(column)
        cumulative = np.cumsum(alphas[order])
        expected.append(column[order][np.argmax(cumulative >= cumulative[-1] / 2)])
    np.testing.assert_allclose(reg.predict(X), expected)
    stages = list(reg.staged_predict(X))
    assert len(stages) == n_estimators
    np.testing.assert_allclose(stages[-1], reg.predict(X))


def test_weighted_median_by_hand():
    # three learners predicting 1, 2, 10 with weights 1, 1, 3: the median is 10
    X, y, sd = _slope_shift(1)
    reg = TrAdaBoostRegressor(DummyRegressor(), n_estimators=3).fit(
        X, y, sample_domain=sd)
    for est, value in zip(reg.estimators_, (10.0, 1.0, 2.0)):
        est.constant_ = np.array([[value]])
    reg.estimator_weights_ = np.array([100.0, 1.0, 3.0])  # learner 1 is outside
    np.testing.assert_allclose(reg.predict(X[:2]), [2.0, 2.0])  # 1 (w 1), 2 (w 3)
    reg.estimator_weights_ = np.array([100.0, 3.0, 1.0])
    np.testing.assert_allclose(reg.predict(X[:2]), [1.0, 1.0])


# ------------------------------------------------------------ edge cases
def test_zero_error_caps_weight_and_keeps_weights():
    X, y, sd = _slope_shift(2)
    # a full tree predicts every row exactly: D_t = 0, every error 0
    reg = TrAdaBoostRegressor(DecisionTreeRegressor(), n_estimators=3,
                              random_state=0).fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(reg.estimator_errors_, 0.0)
    np.testing.assert_allclose(reg.estimator_weights_, log((1 - ERROR_CLIP) / ERROR_CLIP))
    np.testing.assert_allclose(reg.source_weights_, 1 / 150)
    np.testing.assert_allclose(reg.target_weights_, 1 / 150)


def test_error_above_half_gives_negligible_weight():
    # 100 source rows y = 0, 2 target rows y = 10: the mean is far from the
    # target rows, whose adjusted errors are 1
    X = np.arange(102, dtype=float).reshape(-1, 1)
    y = np.r_[np.zeros(100), 10.0, 10.0]
    sd = np.r_[np.ones(100, int), -1, -1]
    reg = TrAdaBoostRegressor(DummyRegressor(), n_estimators=2).fit(
        X, y, sample_domain=sd)
    assert reg.estimator_errors_[0] == 1.0
    assert 0 < reg.estimator_weights_[0] < 1e-8
    np.testing.assert_allclose(reg.target_weights_, reg.target_weights_[0])
    # the source rows all have error 0.196/9.8 and lose weight equally
    assert reg.source_weights_.sum() < 100 / 102


# ------------------------------------------------------------- two-stage
def test_reweight_source_reaches_share_with_factor_beta_power_error():
    weights = np.array([0.2, 0.2, 0.2, 0.2, 0.1, 0.1])
    losses = np.array([0.0, 0.5, 1.0, 0.25, 0.3, 0.9])
    is_target = np.array([False] * 4 + [True] * 2)
    new, beta = _reweight_source(weights, losses, is_target, 0.4)
    assert new.sum() == pytest.approx(1.0)
    assert new[is_target].sum() == pytest.approx(0.4)
    np.testing.assert_allclose(new[4] / new[5], 1.0)  # target ratios unchanged
    assert 0 < beta < 1
    expected = weights[:4] * beta ** losses[:4]
    np.testing.assert_allclose(new[:4] / new[:4].sum(), expected / expected.sum(),
                               rtol=1e-9)


def test_reweight_source_falls_back_when_beta_zero_is_not_enough():
    weights = np.full(4, 0.25)
    losses = np.array([0.0, 1.0, 0.5, 0.0])
    is_target = np.array([False, False, False, True])
    new, beta = _reweight_source(weights, losses, is_target, 0.9)
    assert beta == 0.0
    assert new[3] == pytest.approx(0.9)
    np.testing.assert_allclose(new[:3], [0.1, 0.0, 0.0])
    new, beta = _reweight_source(weights, losses, is_target, 1.0)
    np.testing.assert_array_equal(new[:3], 0.0)


def test_frozen_source_adaboost_keeps_source_weights():
    X, y, sd = _tiny_problem()
    is_target = sd < 0
    rng = np.random.RandomState(0)
    # one round by hand: mean 2, e = 2/3, 1/3, 0, 1 | 1/3, 1/3; L = 4/9
    learners, alphas = _frozen_source_adaboost_r2(
        DummyRegressor(), X, y, is_target, np.ones(6), n_estimators=1,
        loss="linear", rng=rng)
    beta = (4 / 9) / (5 / 9)
    assert alphas[0] == pytest.approx(log(1 / beta))
    # round 2 trains on source 1/6 each, target (1/6) beta^(2/3) each
    learners, _ = _frozen_source_adaboost_r2(
        DummyRegressor(), X, y, is_target, np.ones(6), n_estimators=2,
        loss="linear", rng=rng)
    w_t = beta ** (2 / 3)
    mean = (8 + w_t * 4) / (4 + 2 * w_t)
    np.testing.assert_allclose(learners[1].predict(X[:1]), mean)


def test_two_stage_attributes_and_schedule():
    X, y, sd = _slope_shift(3)
    reg = TwoStageTrAdaBoostRegressor(n_steps=4, n_estimators=5, n_folds=3,
                                      random_state=0).fit(X, y, sample_domain=sd)
    m_share = 30 / 150
    np.testing.assert_allclose(reg.target_shares_,
                               m_share + np.arange(4) / 3 * (1 - m_share))
    assert reg.cv_errors_.shape == (4,) and np.all(reg.cv_errors_ >= 0)
    assert reg.best_step_ == int(np.argmin(reg.cv_errors_))
    assert reg.step_betas_.shape == (3,)
    total = reg.source_weights_.sum() + reg.target_weights_.sum()
    assert total == pytest.approx(1.0)
    assert reg.target_weights_.sum() == pytest.approx(reg.target_shares_[reg.best_step_])
    assert len(reg.estimators_) == 5
    np.testing.assert_allclose(list(reg.staged_predict(X))[-1], reg.predict(X))


def test_two_stage_cv_error_of_first_step_by_hand():
    from sklearn.model_selection import KFold
    X, y, sd = _slope_shift(4, n_s=40, n_t=12)
    reg = TwoStageTrAdaBoostRegressor(DummyRegressor(), n_steps=2, n_estimators=1,
                                      n_folds=3, random_state=0)
    reg.fit(X, y, sample_domain=sd)
    # a DummyRegressor's AdaBoost.R2' with one round predicts the weighted
    # mean of its training rows; step 1 has uniform weights
    seed = np.random.RandomState(0).randint(np.iinfo(np.int32).max)
    target = np.arange(40, 52)
    errors = []
    for train, test in KFold(3, shuffle=True, random_state=seed).split(target):
        mean = np.r_[y[:40], y[target[train]]].mean()
        errors.extend((mean - y[target[test]]) ** 2)
    assert reg.cv_errors_[0] == pytest.approx(np.mean(errors))


# ---------------------------------------------------------------- checks
@pytest.mark.parametrize("Est", [TrAdaBoostRegressor, TwoStageTrAdaBoostRegressor])
def test_errors(Est):
    X, y, sd = _slope_shift(5)
    with pytest.raises(ValueError, match="needs sample_domain.*y = NaN"):
        Est().fit(X, y)
    y_masked = np.where(sd < 0, np.nan, y)
    with pytest.raises(ValueError, match="no labelled target row"):
        Est().fit(X, y_masked, sample_domain=sd)
    with pytest.raises(ValueError, match="loss must be one of"):
        Est(loss="huber").fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="must be a regressor"):
        Est(LogisticRegression()).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        Est(KNeighborsRegressor()).fit(X, y, sample_domain=sd)


def test_two_stage_parameter_errors():
    X, y, sd = _slope_shift(6, n_t=4)
    with pytest.raises(ValueError, match="n_folds=5 folds.*only 4"):
        TwoStageTrAdaBoostRegressor().fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 2"):
        TwoStageTrAdaBoostRegressor(n_steps=1, n_folds=2).fit(X, y, sample_domain=sd)


def test_unlabelled_rows_ignored_and_inputs_untouched():
    X, y, sd = _slope_shift(7)
    X2 = np.vstack([X, np.ones((5, 3))])
    y2 = np.r_[y, np.full(5, np.nan)]
    sd2 = np.r_[sd, -np.ones(5, int)]
    copies = X2.copy(), y2.copy(), sd2.copy()
    a = TrAdaBoostRegressor(n_estimators=4, random_state=0).fit(X, y, sample_domain=sd)
    b = TrAdaBoostRegressor(n_estimators=4, random_state=0).fit(X2, y2, sample_domain=sd2)
    np.testing.assert_allclose(a.predict(X), b.predict(X))
    for got, kept in zip((X2, y2, sd2), copies):
        np.testing.assert_array_equal(got, kept)
    y_score = y.copy()
    y_score[::2] = np.nan
    keep = ~np.isnan(y_score)
    pred = a.predict(X[keep])
    r2 = 1 - ((pred - y[keep]) ** 2).sum() / ((y[keep] - y[keep].mean()) ** 2).sum()
    assert a.score(X, y_score) == pytest.approx(r2)


@pytest.mark.parametrize("Est, kwargs", [
    (TrAdaBoostRegressor, {"n_estimators": 4}),
    (TwoStageTrAdaBoostRegressor, {"n_steps": 3, "n_estimators": 3, "n_folds": 3}),
])
def test_random_state_makes_fits_reproducible(Est, kwargs):
    X, y, sd = _slope_shift(8)
    base = DecisionTreeRegressor(max_depth=3, max_features=1)
    fits = [Est(base, random_state=s, **kwargs).fit(X, y, sample_domain=sd)
            for s in (0, 0, 1)]
    np.testing.assert_array_equal(fits[0].predict(X), fits[1].predict(X))
    assert not np.array_equal(fits[0].predict(X), fits[2].predict(X))


class CheckedTrAdaBoostRegressor(_SuppliesDomains, TrAdaBoostRegressor):
    pass


class CheckedTwoStageTrAdaBoostRegressor(_SuppliesDomains, TwoStageTrAdaBoostRegressor):
    pass


@parametrize_with_checks(
    [CheckedTrAdaBoostRegressor(n_estimators=5, random_state=0),
     CheckedTwoStageTrAdaBoostRegressor(n_steps=2, n_estimators=3, n_folds=2,
                                        random_state=0)],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------- transfer
def _compare(split, base, seeds, frac=0.05):
    """Mean RMSE on the unlabelled target rows of R2, two-stage, the base
    learner on the source rows only and on the labelled target rows only."""
    out = []
    n_target = split.target_index.shape[0]
    source = split.sample_domain > 0
    for seed in seeds:
        rng = np.random.default_rng(seed)
        picked = rng.choice(n_target, round(frac * n_target), replace=False)
        test = np.setdiff1d(np.arange(n_target), picked)
        y = split.y.copy()
        y[split.target_index[picked]] = split.y_target_true[picked]
        X_test, y_test = split.X[split.target_index[test]], split.y_target_true[test]
        rows = split.target_index[picked]
        models = [
            TrAdaBoostRegressor(base, n_estimators=20, random_state=seed),
            TwoStageTrAdaBoostRegressor(base, n_steps=4, n_estimators=10, n_folds=3,
                                        random_state=seed),
        ]
        preds = [m.fit(split.X, y, sample_domain=split.sample_domain).predict(X_test)
                 for m in models]
        preds.append(base.fit(split.X[source], y[source]).predict(X_test))
        preds.append(base.fit(split.X[rows], y[rows]).predict(X_test))
        out.append([np.sqrt(np.mean((p - y_test) ** 2)) for p in preds])
    return np.mean(out, axis=0)


def test_conditional_shift_beats_source_only_and_target_only():
    data = make_conditional_shift(n_source=300, n_target=1000, task="regression",
                                  noise=0.3, random_state=0)
    r2, two_stage, source_only, target_only = _compare(
        make_domain_split(data, "source", "target"), DecisionTreeRegressor(max_depth=3),
        range(3))
    # measured RMSE: 0.259, 0.247, 0.668, 0.273 (both beat target-only by a
    # small margin only: with 50 labelled rows the target-only tree is good)
    assert max(r2, two_stage) < source_only - 0.3
    assert r2 < target_only and two_stage < target_only


def test_wine_red_to_white_regression(shared_data):
    split = make_domain_split(
        fetch_wine_quality(data_home=shared_data, target="regression"), "red", "white")
    r2, two_stage, source_only, target_only = _compare(
        split, DecisionTreeRegressor(max_depth=4), range(3))
    # measured RMSE (quality points): 0.821, 0.828, 0.852, 0.886
    assert r2 < source_only and r2 < target_only
    assert two_stage < source_only and two_stage < target_only
