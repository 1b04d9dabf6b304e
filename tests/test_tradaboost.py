"""Tests of TrAdaBoostClassifier (Dai, Yang, Xue & Yu, ICML 2007)."""

from math import ceil, log, sqrt

import numpy as np
import pytest
from _harness import _SuppliesDomains
from sklearn.base import clone
from sklearn.ensemble._base import _set_random_states
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktransfer.datasets import (
    fetch_heart_disease,
    fetch_wine_quality,
    make_domain_split,
)
from sktransfer.instance._tradaboost import ERROR_CLIP, TrAdaBoostClassifier
from sktransfer.model_selection import DomainStratifiedKFold


# ----------------------------------------------------------------- helpers
def _concept_shift(seed, n_s=150, n_t=30, n_classes=2):
    """Source label from feature 0, target label from features 0 and 1."""
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, 3))
    Xt = rng.normal(size=(n_t, 3))
    edges = np.linspace(-1, 1, n_classes + 1)[1:-1]
    ys = np.digitize(Xs[:, 0], edges)
    yt = np.digitize(Xt[:, 0] + Xt[:, 1], edges)
    sd = np.r_[np.ones(n_s, int), -np.ones(n_t, int)]
    return np.vstack([Xs, Xt]), np.r_[ys, yt], sd


def _tiny_problem():
    """1-d rows: source 0,1,2,3 (labels 0,0,1,0), target 0.2,0.5,2.5,3.5
    (labels 1,0,1,1). The best stump splits at 1.5 (2 errors: source x=3,
    target x=0.2)."""
    X = np.array([[0.0], [1.0], [2.0], [3.0], [0.2], [0.5], [2.5], [3.5]])
    y = np.array([0, 0, 1, 0, 1, 0, 1, 1])
    sd = np.array([1, 1, 1, 1, -1, -1, -1, -1])
    return X, y, sd


# ------------------------------------------------------- paper's update
def test_first_round_weights_by_hand():
    X, y, sd = _tiny_problem()
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=1,
                               random_state=0).fit(X, y, sample_domain=sd)
    h = clf.estimators_[0].predict(X)
    np.testing.assert_array_equal(h, (X[:, 0] > 1.5).astype(int))
    # eps_1: 1 of 4 equally weighted target rows wrong; beta_1 = 1/3
    assert clf.estimator_errors_[0] == pytest.approx(0.25)
    assert clf.estimator_weights_[0] == pytest.approx(log(3.0))
    beta = 1.0 / (1.0 + sqrt(2.0 * log(4) / 1))
    assert clf.source_beta_ == pytest.approx(beta)
    # every weight starts at 1/8; source x=3 times beta, target x=0.2 times 3
    total = 9.0 + beta
    np.testing.assert_allclose(clf.source_weights_, np.array([1, 1, 1, beta]) / total)
    np.testing.assert_allclose(clf.target_weights_, np.array([3, 1, 1, 1]) / total)
    np.testing.assert_array_equal(clf.source_index_, [0, 1, 2, 3])
    np.testing.assert_array_equal(clf.target_index_, [4, 5, 6, 7])


def test_sample_weight_sets_initial_weights():
    X, y, sd = _tiny_problem()
    w = np.array([1, 1, 1, 1, 2, 2, 2, 2], dtype=float)
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=1,
                               random_state=0).fit(X, y, sample_domain=sd,
                                                   sample_weight=w)
    assert clf.estimator_errors_[0] == pytest.approx(0.25)
    beta = clf.source_beta_
    total = 4 - 1 + beta + 2 * (3 + 3)
    np.testing.assert_allclose(clf.source_weights_, np.array([1, 1, 1, beta]) / total)
    np.testing.assert_allclose(clf.target_weights_, np.array([6, 2, 2, 2]) / total)


@pytest.mark.parametrize("n_estimators", [1, 2, 7, 8])
def test_final_vote_matches_paper_formula(n_estimators):
    X, y, sd = _concept_shift(0)
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=2),
                               n_estimators=n_estimators, random_state=0)
    clf.fit(X, y, sample_domain=sd)
    assert len(clf.estimators_) == n_estimators
    betas = np.exp(-clf.estimator_weights_)
    lhs = np.ones(X.shape[0])
    rhs = 1.0
    for t in range(ceil(n_estimators / 2), n_estimators + 1):  # 1-based, as the paper
        h = clf.estimators_[t - 1].predict(X)
        lhs *= betas[t - 1] ** (-h)
        rhs *= betas[t - 1] ** -0.5
    np.testing.assert_array_equal(clf.predict(X), (lhs >= rhs).astype(int))
    np.testing.assert_allclose(clf.decision_function(X), np.log(lhs) - np.log(rhs),
                               atol=1e-9)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), (proba[:, 1] >= 0.5).astype(int))


def test_staged_predict_uses_last_half_of_each_stage():
    X, y, sd = _concept_shift(1)
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=2), n_estimators=6,
                               random_state=0).fit(X, y, sample_domain=sd)
    stages = list(clf.staged_predict(X))
    assert len(stages) == 6
    preds = np.array([e.predict(X) for e in clf.estimators_])
    alpha = clf.estimator_weights_
    for t, stage in enumerate(stages, start=1):
        window = slice(ceil(t / 2) - 1, t)
        score = alpha[window] @ (preds[window] - 0.5)
        np.testing.assert_array_equal(stage, (score >= 0).astype(int))
    np.testing.assert_array_equal(stages[-1], clf.predict(X))
    np.testing.assert_allclose(list(clf.staged_decision_function(X))[-1],
                               clf.decision_function(X))
    np.testing.assert_allclose(list(clf.staged_predict_proba(X))[-1],
                               clf.predict_proba(X))


def test_multiclass_weighted_majority_of_last_half():
    X, y, sd = _concept_shift(2, n_t=45, n_classes=3)
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=3), n_estimators=5,
                               random_state=0).fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    votes = np.zeros((X.shape[0], 3))
    for t in range(2, 5):  # ceil(5/2) = 3 (1-based) .. 5
        votes[np.arange(X.shape[0]), clf.estimators_[t].predict(X)] += \
            clf.estimator_weights_[t]
    np.testing.assert_allclose(clf.decision_function(X), votes)
    np.testing.assert_array_equal(clf.predict(X), votes.argmax(axis=1))
    np.testing.assert_allclose(clf.predict_proba(X),
                               votes / clf.estimator_weights_[2:].sum())
    # multiclass loss is 1[h != y]: the target error is the weighted error rate
    first = clf.estimators_[0].predict(X[sd < 0]) != y[sd < 0]
    assert clf.estimator_errors_[0] == pytest.approx(first.mean())


def test_string_labels():
    X, y, sd = _concept_shift(3)
    labels = np.array(["no", "yes"])[y].astype(object)
    clf = TrAdaBoostClassifier(n_estimators=4, random_state=0)
    clf.fit(X, labels, sample_domain=sd)
    np.testing.assert_array_equal(clf.classes_, ["no", "yes"])
    assert set(clf.predict(X)) <= {"no", "yes"}


# ------------------------------------------------------------ edge cases
def test_zero_target_error_caps_the_vote_weight_and_keeps_boosting():
    X, y, sd = _concept_shift(4)
    # a full tree fits every training row, target rows included: eps_t = 0
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(), n_estimators=4,
                               random_state=0).fit(X, y, sample_domain=sd)
    assert len(clf.estimators_) == 4
    np.testing.assert_array_equal(clf.estimator_errors_, 0.0)
    cap = log((1 - ERROR_CLIP) / ERROR_CLIP)
    np.testing.assert_allclose(clf.estimator_weights_, cap)
    # no target row was misclassified: the target weights stay equal
    np.testing.assert_allclose(clf.target_weights_, clf.target_weights_[0])
    assert np.all(np.isfinite(clf.source_weights_))


def test_error_above_half_gives_a_negligible_vote_and_keeps_target_weights():
    # target labels are the opposite of the source labels: a stump trained
    # on 200 source rows and 10 target rows misclassifies every target row
    rng = np.random.default_rng(5)
    Xs = rng.normal(size=(200, 1))
    Xt = np.array([[-2.0], [-1.5], [-1.0], [-0.8], [-0.6], [0.6], [0.8], [1.0],
                   [1.5], [2.0]])
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] > 0).astype(int), (Xt[:, 0] <= 0).astype(int)]
    sd = np.r_[np.ones(200, int), -np.ones(10, int)]
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=1,
                               random_state=0).fit(X, y, sample_domain=sd)
    assert clf.estimator_errors_[0] == 1.0
    alpha = clf.estimator_weights_[0]
    assert 0 < alpha < 1e-8  # ln((1/2 + d) / (1/2 - d)) ~ 4 d
    np.testing.assert_allclose(clf.target_weights_, clf.target_weights_[0])
    # the stump fits every source row: no source row loses weight either,
    # so (documented limitation) the distribution never moves and every
    # round repeats the first
    np.testing.assert_allclose(clf.source_weights_, clf.source_weights_[0])
    clf.set_params(n_estimators=4).fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(clf.estimator_errors_, 1.0)


# ------------------------------------------------------------------ data
def test_unlabelled_rows_are_ignored():
    X, y, sd = _concept_shift(6)
    rng = np.random.default_rng(0)
    X_extra = rng.normal(size=(40, 3))
    X2 = np.vstack([X, X_extra])
    y2 = np.r_[y, np.full(40, -1)]
    sd2 = np.r_[sd, np.where(np.arange(40) % 2, 1, -1)]
    a = TrAdaBoostClassifier(n_estimators=5, random_state=0).fit(X, y, sample_domain=sd)
    b = TrAdaBoostClassifier(n_estimators=5, random_state=0).fit(X2, y2,
                                                                 sample_domain=sd2)
    np.testing.assert_allclose(a.source_weights_, b.source_weights_)
    np.testing.assert_allclose(a.target_weights_, b.target_weights_)
    np.testing.assert_array_equal(a.predict(X_extra), b.predict(X_extra))


def test_random_state_makes_fits_reproducible():
    X, y, sd = _concept_shift(7)
    base = DecisionTreeClassifier(max_depth=3, max_features=1)
    fits = [TrAdaBoostClassifier(base, n_estimators=5, random_state=s).fit(
        X, y, sample_domain=sd) for s in (0, 0, 1)]
    np.testing.assert_array_equal(fits[0].estimator_errors_, fits[1].estimator_errors_)
    np.testing.assert_array_equal(fits[0].decision_function(X),
                                  fits[1].decision_function(X))
    seeds = [e.random_state for e in fits[0].estimators_]
    assert len(set(seeds)) == 5
    assert seeds != [e.random_state for e in fits[2].estimators_]


def test_does_not_modify_inputs():
    X, y, sd = _concept_shift(8)
    copies = X.copy(), y.copy(), sd.copy()
    TrAdaBoostClassifier(n_estimators=3).fit(X, y, sample_domain=sd)
    for a, b in zip((X, y, sd), copies):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_estimators": 0}, "n_estimators must be a positive integer"),
        ({"estimator": KNeighborsClassifier()}, "does not accept sample_weight"),
        ({"estimator": Ridge()}, "must be a classifier"),
    ],
)
def test_bad_parameters_raise(kwargs, match):
    X, y, sd = _concept_shift(9)
    with pytest.raises(ValueError, match=match):
        TrAdaBoostClassifier(**kwargs).fit(X, y, sample_domain=sd)


def test_missing_sample_domain_says_how_to_mark_target_rows():
    X, y, _ = _concept_shift(9)
    with pytest.raises(ValueError, match="needs sample_domain.*negative integers on "
                                         "target rows"):
        TrAdaBoostClassifier().fit(X, y)


def test_no_labelled_target_row_raises():
    X, y, sd = _concept_shift(9)
    y = y.copy()
    y[sd < 0] = -1
    with pytest.raises(ValueError, match="no labelled target row.*sample_domain"):
        TrAdaBoostClassifier().fit(X, y, sample_domain=sd)


def test_zero_target_weight_raises():
    X, y, sd = _concept_shift(9)
    with pytest.raises(ValueError, match="total weight of 0"):
        TrAdaBoostClassifier().fit(X, y, sample_domain=sd,
                                   sample_weight=(sd > 0).astype(float))


def test_score_ignores_masked_rows():
    X, y, sd = _concept_shift(10)
    clf = TrAdaBoostClassifier(n_estimators=3, random_state=0).fit(
        X, y, sample_domain=sd)
    y_masked = y.copy()
    y_masked[::3] = -1
    keep = y_masked != -1
    assert clf.score(X, y_masked) == pytest.approx(
        (clf.predict(X[keep]) == y[keep]).mean())


# ------------------------------------------------------------- real data
def _with_target_labels(split, n_labelled, seed):
    """Un-mask ``n_labelled`` random target rows; return y and the positions
    (in ``split.target_index``) of the labelled and the test target rows."""
    rng = np.random.default_rng(seed)
    n_target = split.target_index.shape[0]
    picked = rng.choice(n_target, n_labelled, replace=False)
    y = split.y.copy()
    y[split.target_index[picked]] = split.y_target_true[picked]
    return y, picked, np.setdiff1d(np.arange(n_target), picked)


def _compare_with_baselines(split, n_labelled, base, n_estimators, seeds, **params):
    """Mean target accuracy (on the unlabelled target rows) of TrAdaBoost
    (with ``params``, e.g. ``correction``), the base learner on the source
    rows only and on the labelled target rows only."""
    X, source = split.X, split.sample_domain > 0
    scores = []
    for seed in seeds:
        y, picked, test = _with_target_labels(split, n_labelled, seed)
        X_test, y_test = X[split.target_index[test]], split.y_target_true[test]
        learner = clone(base).set_params(random_state=seed)
        rows = split.target_index[picked]
        clf = TrAdaBoostClassifier(base, n_estimators=n_estimators, random_state=seed,
                                   **params)
        scores.append([
            clf.fit(X, y, sample_domain=split.sample_domain).score(X_test, y_test),
            learner.fit(X[source], y[source]).score(X_test, y_test),
            clone(learner).fit(X[rows], y[rows]).score(X_test, y_test),
        ])
    return np.mean(scores, axis=0)


def test_wine_red_to_white_beats_source_only_and_target_only(shared_data):
    split = make_domain_split(fetch_wine_quality(data_home=shared_data), "red", "white")
    n_labelled = round(0.05 * split.target_index.shape[0])  # 245 white wines
    tradaboost, source_only, target_only = _compare_with_baselines(
        split, n_labelled, DecisionTreeClassifier(max_depth=5), 20, range(5))
    # measured: 0.700, 0.656, 0.682
    assert tradaboost > source_only + 0.02
    assert tradaboost > target_only + 0.01


def test_heart_cleveland_to_hungary(shared_data):
    data = fetch_heart_disease(data_home=shared_data, domains=["cleveland", "hungary"])
    split = make_domain_split(data, "cleveland", "hungary")
    tradaboost, source_only, target_only = _compare_with_baselines(
        split, 20, DecisionTreeClassifier(max_depth=5), 20, range(5))
    # measured: 0.792, 0.802, 0.714 -- TrAdaBoost beats target-only training
    # clearly but NOT source-only on this task (Cleveland already transfers
    # well to Hungary); the test guards the measured gap.
    assert tradaboost > target_only + 0.05
    assert tradaboost > source_only - 0.03


# --------------------------------------------------------- model selection
def test_grid_search_through_pipeline_with_sample_domain(shift):
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("tradaboost", TrAdaBoostClassifier(DecisionTreeClassifier(), random_state=0)),
    ])
    grid = {"tradaboost__n_estimators": [2, 5],
            "tradaboost__estimator__max_depth": [1, 3]}
    search = GridSearchCV(pipe, grid, cv=DomainStratifiedKFold(3, shuffle=True,
                                                               random_state=0),
                          error_score="raise")
    # without sample_domain every fit would raise: the search succeeding shows
    # it reached the TrAdaBoost step in every fold
    search.fit(shift.X, shift.y_semi, groups=shift.sd, tradaboost__sample_domain=shift.sd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    by_hand = clone(pipe).set_params(**search.best_params_).fit(
        shift.X, shift.y_semi, tradaboost__sample_domain=shift.sd)
    np.testing.assert_array_equal(search.predict(shift.X), by_hand.predict(shift.X))
    with pytest.raises(ValueError, match="needs sample_domain"):
        clone(pipe).fit(shift.X, shift.y_semi)


# ----------------------------------------------------- estimator checks
class CheckedTrAdaBoost(_SuppliesDomains, TrAdaBoostClassifier):
    pass


@parametrize_with_checks(
    [CheckedTrAdaBoost(n_estimators=5, random_state=0)],
    expected_failed_checks=lambda est: {
        "check_classifiers_classes": (
            "uses the labels {-1, 1}; -1 marks an unlabelled row under the "
            "contract, so those rows are not trained on"),
    },
    xfail_strict=True,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ------------------------------------- dynamic correction (Al-Stouhi & Reddy)
def test_dynamic_correction_first_round_by_hand():
    X, y, sd = _tiny_problem()
    clf = TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=1), n_estimators=1,
                               correction="dynamic", random_state=0)
    clf.fit(X, y, sample_domain=sd)
    # the same stump as the paper's rules: eps_1 = 1/4, beta_1 = 1/3, so
    # C_1 = 2 (1 - 1/4) = 3/2 multiplies every source weight
    assert clf.estimator_errors_[0] == pytest.approx(0.25)
    np.testing.assert_allclose(clf.correction_factors_, [1.5])
    beta = 1.0 / (1.0 + sqrt(2.0 * log(4) / 1))
    # from 1/8 each: source 1.5 * (1, 1, 1, beta), target (3, 1, 1, 1)
    total = 1.5 * (3.0 + beta) + 6.0
    np.testing.assert_allclose(clf.source_weights_,
                               1.5 * np.array([1, 1, 1, beta]) / total)
    np.testing.assert_allclose(clf.target_weights_, np.array([3, 1, 1, 1]) / total)


def test_dynamic_correction_stops_the_drift_of_correct_source_rows():
    # errors of every round strictly inside (0, 1/2), so nothing is clipped
    X, y, sd = _concept_shift(11)
    fits = {c: TrAdaBoostClassifier(DecisionTreeClassifier(max_depth=2), n_estimators=8,
                                    correction=c, random_state=0).fit(
        X, y, sample_domain=sd) for c in (None, "dynamic")}
    n_target = int((sd < 0).sum())
    for correction, clf in fits.items():
        eps = clf.estimator_errors_
        assert np.all((eps > 0) & (eps < 0.5))
        mistakes = sum(e.predict(X[sd > 0]) != y[sd > 0] for e in clf.estimators_)
        assert 0 < mistakes.max() and mistakes.min() == 0
        # weight of a source row over the total target weight: starts at
        # 1 / m, loses beta per mistake, and -- in the paper's rules only --
        # 2 (1 - eps_t) at every round, the growth of the target total
        drift = 1.0 if correction else np.prod(2.0 * (1.0 - eps))
        np.testing.assert_allclose(
            clf.source_weights_ / clf.target_weights_.sum(),
            clf.source_beta_ ** mistakes / (n_target * drift), rtol=1e-10)
    np.testing.assert_allclose(fits["dynamic"].correction_factors_,
                               2.0 * (1.0 - fits["dynamic"].estimator_errors_))
    np.testing.assert_array_equal(fits[None].correction_factors_, 1.0)


def _paper_rounds_by_hand(X, y, sd, base, n_estimators, random_state):
    """The paper's loop written out (every row labelled, uniform initial
    weights): target errors and the final source and target weights."""
    order = np.r_[np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)]
    X, y, is_target = X[order], y[order], sd[order] < 0
    weights = np.ones(y.shape[0]) / y.shape[0]
    beta = 1.0 / (1.0 + sqrt(2.0 * log(int((~is_target).sum())) / n_estimators))
    rng = check_random_state(random_state)
    errors = []
    for _ in range(n_estimators):
        learner = clone(base)
        _set_random_states(learner, rng)
        learner.fit(X, y, sample_weight=weights * y.shape[0])
        miss = (learner.predict(X) != y).astype(float)
        eps = (weights * miss)[is_target].sum() / weights[is_target].sum()
        clipped = min(max(eps, ERROR_CLIP), 0.5 - ERROR_CLIP)
        beta_t = clipped / (1.0 - clipped)
        weights = weights * np.where(is_target, 1.0 / beta_t, beta) ** miss
        weights = weights / weights.sum()
        errors.append(eps)
    return np.array(errors), weights[~is_target], weights[is_target]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_correction_none_is_the_papers_update_bit_for_bit(n_classes):
    X, y, sd = _concept_shift(12, n_t=45, n_classes=n_classes)
    base = DecisionTreeClassifier(max_depth=2, max_features=2)
    errors, source, target = _paper_rounds_by_hand(X, y, sd, base, 9, 3)
    default = TrAdaBoostClassifier(base, n_estimators=9, random_state=3).fit(
        X, y, sample_domain=sd)
    explicit = TrAdaBoostClassifier(base, n_estimators=9, correction=None,
                                    random_state=3).fit(X, y, sample_domain=sd)
    for clf in (default, explicit):
        np.testing.assert_array_equal(clf.estimator_errors_, errors)
        np.testing.assert_array_equal(clf.source_weights_, source)
        np.testing.assert_array_equal(clf.target_weights_, target)
        np.testing.assert_array_equal(clf.correction_factors_, 1.0)
    np.testing.assert_array_equal(default.decision_function(X),
                                  explicit.decision_function(X))
    dynamic = clone(default).set_params(correction="dynamic").fit(X, y, sample_domain=sd)
    assert not np.allclose(dynamic.source_weights_, source)


@pytest.mark.parametrize("bad", ["Dynamic", "none", "", True, 1, ["dynamic"]])
def test_bad_correction_raises(bad):
    X, y, sd = _concept_shift(9)
    with pytest.raises(ValueError, match=r"correction must be one of \(None, 'dynamic'\)"):
        TrAdaBoostClassifier(correction=bad, n_estimators=1).fit(X, y, sample_domain=sd)


def test_heart_dynamic_correction_beats_the_papers_rules_not_source_only(shared_data):
    data = fetch_heart_disease(data_home=shared_data, domains=["cleveland", "hungary"])
    split = make_domain_split(data, "cleveland", "hungary")
    base, seeds = DecisionTreeClassifier(max_depth=2), range(5)
    plain = _compare_with_baselines(split, 20, base, 20, seeds)[0]
    dynamic, source_only, target_only = _compare_with_baselines(
        split, 20, base, 20, seeds, correction="dynamic")
    # measured: dynamic 0.792, paper's rules 0.720, source only 0.796, target
    # only 0.706 (seeds 0-19: 0.781, 0.738, 0.796, 0.727). The correction
    # helps TrAdaBoost here, but it does NOT beat source-only training: no
    # tree depth 1-5 / N in {10, 20, 50, 100} does over 20 seeds, except
    # stumps, whose source-only baseline is degenerate (see docs/methods.md).
    assert dynamic > plain + 0.03
    assert dynamic > target_only + 0.05
    assert dynamic > source_only - 0.03
