"""Online transfer learning (sktransfer.online): the published updates by
hand, the mistake bounds, drift, batching and pickling invariance, the
budget, multiclass, heterogeneous OTL, errors, and scikit-learn's checks."""

import functools
import math
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import validate_data

from sktransfer.online import (
    HeterogeneousOnlineTransferClassifier,
    KernelPassiveAggressiveClassifier,
    OnlineTransferClassifier,
)
from sktransfer.online._kernel_pa import KernelExpansion


class LinearScore(ClassifierMixin, BaseEstimator):
    """A fixed linear source model, ``decision_function(x) = x @ coef``
    (the paper's source ``v'x``); ``fit`` only records classes and width."""

    def __init__(self, coef=(1.0, 0.0)):
        self.coef = coef

    def fit(self, X, y):
        X, y = validate_data(self, X, y)
        self.classes_ = np.unique(y)
        self.coef_ = np.asarray(self.coef, dtype=float)
        return self

    def decision_function(self, X):
        X = validate_data(self, X, reset=False)
        return X @ self.coef_


def fitted_linear_score(coef):
    coef = np.asarray(coef, dtype=float)
    X = np.vstack([coef, -coef])
    return LinearScore(coef=tuple(coef)).fit(X, [1, -1])


def pi(z):
    return min(1.0, max(0.0, (z + 1.0) / 2.0))


# three rows, a source h(x) = x[0], a linear-kernel learner
X3 = np.array([[0.5, 1.0], [-1.0, 1.0], [2.0, 0.0]])
Y3 = np.array([1, 1, -1])


# ----------------------------------------------------------------------------
# (1) the updates on a three-row stream, by hand
# ----------------------------------------------------------------------------
def test_homotl_exponential_updates_match_hand_computation():
    eta, C = 0.5, 1.0
    otl = OnlineTransferClassifier(fitted_linear_score([1.0, 0.0]), eta=eta, C=C,
                                   kernel="linear").fit(X3, Y3)
    w = 0.5  # weight of the source; the learner has 1 - w
    # row 1: h = 0.5, f = 0 (no support vector yet)
    score1 = w * pi(0.5) + (1 - w) * pi(0.0) - 0.5            # 0.125 > 0: +1, right
    a, b = w * math.exp(-eta * (pi(0.5) - 1) ** 2), (1 - w) * math.exp(-eta * (pi(0.0) - 1) ** 2)
    w1 = a / (a + b)
    tau1 = min(C, (1 - 0.0) / (0.5 ** 2 + 1.0))               # 0.8
    # row 2: h = -1, f = tau1 <x1, x2> = 0.8 * 0.5 = 0.4
    f2 = tau1 * (0.5 * -1.0 + 1.0 * 1.0)
    score2 = w1 * pi(-1.0) + (1 - w1) * pi(f2) - 0.5          # < 0: -1, a mistake
    a, b = w1 * math.exp(-eta * (pi(-1.0) - 1) ** 2), (1 - w1) * math.exp(-eta * (pi(f2) - 1) ** 2)
    w2 = a / (a + b)
    tau2 = min(C, (1 - f2) / 2.0)                             # 0.3
    # row 3 (y = -1): h = 2, f = tau1 <x1, x3> + tau2 <x2, x3> = 0.8 - 0.6
    f3 = tau1 * 1.0 + tau2 * -2.0
    score3 = w2 * pi(2.0) + (1 - w2) * pi(f3) - 0.5           # > 0: +1, a mistake
    a, b = w2 * math.exp(-eta * pi(2.0) ** 2), (1 - w2) * math.exp(-eta * pi(f3) ** 2)
    w3 = a / (a + b)
    tau3 = min(C, (1 + f3) / 4.0)                             # 0.3

    assert score1 > 0 and score2 < 0 and score3 > 0
    np.testing.assert_allclose([w1, w2, w3], [0.5234203, 0.4106570, 0.3359824], atol=1e-7)
    np.testing.assert_allclose(otl.weight_history_[:, 0, 0], [w1, w2, w3], rtol=1e-12)
    np.testing.assert_allclose(otl.weight_history_.sum(axis=2), 1.0)
    np.testing.assert_allclose(otl.weights_, [[w3, 1 - w3]], rtol=1e-12)
    np.testing.assert_allclose(otl.dual_coef_, [[tau1, tau2, -tau3]], rtol=1e-12)
    np.testing.assert_array_equal(otl.support_vectors_, X3)
    np.testing.assert_array_equal(otl.mistakes_, [False, True, True])
    np.testing.assert_array_equal(otl.source_mistakes_, [False, True, True])
    np.testing.assert_array_equal(otl.learner_mistakes_, [True, False, True])
    np.testing.assert_allclose(otl.cumulative_mistake_rate_, [0, 1 / 2, 2 / 3])
    assert otl.n_mistakes_ == 2 and otl.n_seen_ == 3
    # the fitted model scores new rows with the final weights and learner
    x = np.array([[1.0, 2.0]])
    f = tau1 * 2.5 + tau2 * 1.0 - tau3 * 2.0
    np.testing.assert_allclose(otl.decision_function(x),
                               [w3 * pi(1.0) + (1 - w3) * pi(f) - 0.5])


def test_homotl_mistake_driven_updates_match_hand_computation():
    beta = 0.5
    otl = OnlineTransferClassifier(fitted_linear_score([1.0, 0.0]), combination="mistake",
                                   beta=beta, kernel="linear").fit(X3, Y3)
    # row 1: votes sign(0.5) = +1 (right, z=0) and sign(0) = 0 (z=1: y f <= 0)
    t1 = np.array([0.5, 0.5 * beta]) / (0.5 + 0.5 * beta)      # (2/3, 1/3)
    # row 2: h = -1 (z=1), f = 0.4 (z=0); vote -2/3 + 1/3 < 0: a mistake
    t2 = np.array([t1[0] * beta, t1[1]]) / (t1[0] * beta + t1[1])
    # row 3 (y=-1): h = 2, f = 0.2, both wrong; vote > 0: a mistake
    t3 = t2 * beta / (t2 * beta).sum()
    np.testing.assert_allclose(otl.weight_history_[:, 0, :], [t1, t2, t3], rtol=1e-12)
    np.testing.assert_array_equal(otl.mistakes_, [False, True, True])
    # the learner's update does not depend on the combination
    np.testing.assert_allclose(otl.dual_coef_, [[0.8, 0.3, -0.3]], rtol=1e-12)


def test_hetotl_updates_match_hand_computation():
    g1, g2, C = 2.0, 0.5, 10.0
    het = HeterogeneousOnlineTransferClassifier(
        fitted_linear_score([1.0]), [0], C=C, reg_shared=g1, reg_new=g2,
        kernel="linear",
    ).fit(X3, Y3)
    # f1(x) = h(x1) + sum a1 <s1, x1>, f2(x) = sum a2 <s2, x2>; h(x1) = x1
    a1, a2, mistakes = [], [], []
    for (x1, x2), y in zip(X3, Y3):
        s1 = [row[0] for row in X3[:len(a1)]]
        s2 = [row[1] for row in X3[:len(a2)]]
        f1 = x1 + sum(a * s * x1 for a, s in zip(a1, s1))
        f2 = sum(a * s * x2 for a, s in zip(a2, s2))
        score = (f1 + f2) / 2
        mistakes.append((1 if score > 0 else -1) != y)
        loss = max(0.0, 1 - y * score)
        tau = min(C, 4 * g1 * g2 * loss / (x1 * x1 * g2 + x2 * x2 * g1))
        a1.append(tau * y / (2 * g1))
        a2.append(tau * y / (2 * g2))
    # row 1: loss 0.75, tau = 3 / 2.125; row 2: right with a margin below 1
    np.testing.assert_allclose(a1[0], 3 / 2.125 / 4)
    np.testing.assert_allclose(het.dual_coef_, [[a1], [a2]], rtol=1e-12)
    np.testing.assert_array_equal(het.mistakes_, mistakes)
    np.testing.assert_array_equal(het.support_vectors_, X3)
    assert het.shared_features_.tolist() == [0] and het.new_features_.tolist() == [1]


def test_source_classes_in_any_order():
    """Task label +1 is classes_[1], whose score decision_function gives,
    even when a source lists its classes unsorted."""
    plain = fitted_linear_score([1.0, 0.0])
    flipped = fitted_linear_score([-1.0, 0.0])
    flipped.classes_ = np.array([1, -1])
    a = OnlineTransferClassifier(plain, kernel="linear").fit(X3, Y3)
    b = OnlineTransferClassifier(flipped, kernel="linear").fit(X3, Y3)
    np.testing.assert_array_equal(a.mistakes_, b.mistakes_)
    np.testing.assert_allclose(b.dual_coef_, -a.dual_coef_)
    np.testing.assert_array_equal(a.predict(X3), b.predict(X3))


# ----------------------------------------------------------------------------
# (2) drift: the source is right, then wrong
# ----------------------------------------------------------------------------
def drifting_stream(seed=0, d=10, n=400):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=d)
    Xs = rng.normal(size=(300, d))
    source = LogisticRegression().fit(Xs, (Xs @ w > 0).astype(int))
    X = rng.normal(size=(n, d))
    y = (X @ w > 0).astype(int)
    y[n // 2:] = 1 - y[n // 2:]  # the concept flips half way
    return source, X, y


def test_drift_moves_weight_off_the_source_and_beats_both_components():
    source, X, y = drifting_stream()
    otl = OnlineTransferClassifier(source).fit(X, y)
    half = X.shape[0] // 2
    assert otl.weight_history_[half - 1, 0, 0] > 0.9   # trusted while right
    assert otl.weights_[0, 0] < 0.01                    # dropped once wrong
    pa = KernelPassiveAggressiveClassifier().fit(X, y)
    np.testing.assert_array_equal(otl.learner_mistakes_, pa.mistakes_)
    source_rate = np.mean(source.predict(X) != y)
    np.testing.assert_allclose(otl.source_mistakes_.mean(), source_rate)
    final = otl.cumulative_mistake_rate_[-1]
    assert final < pa.cumulative_mistake_rate_[-1] - 0.02
    assert final < source_rate - 0.2


# ----------------------------------------------------------------------------
# (3) the mistake bounds
# ----------------------------------------------------------------------------
def primal_linear_pa_scores(X, y_signed, C):
    """The scores f_t(x_t) of a primal linear PA-I, written out independently."""
    w, scores = np.zeros(X.shape[1]), []
    for x, y in zip(X, y_signed):
        f = w @ x
        scores.append(f)
        w = w + min(C, max(0.0, 1 - y * f) / (x @ x)) * y * x
    return np.array(scores)


def test_source_always_right_with_margin_bounds_the_mistakes():
    rng = np.random.default_rng(1)
    w = rng.normal(size=10)
    X = rng.normal(size=(800, 10))
    X = X[np.abs(X @ w) >= 0.5][:300]
    y = np.where(X @ w > 0, 1, -1)
    source = fitted_linear_score(2 * w)  # |h(x)| >= 1 on the stream: Sigma_h = 0
    assert np.all(y * source.decision_function(X) >= 1)
    for eta in (0.5, 0.25):
        otl = OnlineTransferClassifier(source, eta=eta, kernel="rbf").fit(X, y)
        # Theorem 1: M <= 4 min(Sigma_h, Sigma_f) + 4 ln(2) / eta, Sigma_h = 0
        assert otl.n_mistakes_ <= 4 * math.log(2) / eta
        assert otl.learner_mistakes_.sum() > 4 * math.log(2) / eta  # not trivial


@pytest.mark.parametrize("seed", [0, 1])
def test_mistake_bounds_hold_on_noisy_streams(seed):
    """Theorem 1 (HomOTL-I) and the weighted-majority bound (HomOTL-II)
    against the losses of the source and of an independent primal PA."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=4)
    X = rng.normal(size=(300, 4))
    y = np.where(X @ w + rng.normal(scale=0.5, size=300) > 0, 1, -1)
    source = fitted_linear_score(w + rng.normal(scale=0.7, size=4))
    h = source.decision_function(X)
    f = primal_linear_pa_scores(X, y, C=1.0)
    target = (y + 1) / 2
    sigma = [np.sum((np.clip((s + 1) / 2, 0, 1) - target) ** 2) for s in (h, f)]

    otl = OnlineTransferClassifier(source, kernel="linear").fit(X, y)
    assert otl.n_mistakes_ <= 4 * min(sigma) + 8 * math.log(2)
    np.testing.assert_array_equal(otl.learner_mistakes_, np.where(f > 0, 1, -1) != y)

    beta = 0.8
    otl2 = OnlineTransferClassifier(source, combination="mistake", beta=beta,
                                    kernel="linear").fit(X, y)
    m_best = min(np.sum(y * h <= 0), np.sum(y * f <= 0))
    bound = (math.log(2) + math.log(1 / beta) * m_best) / math.log(2 / (1 + beta))
    assert otl2.n_mistakes_ <= bound


# ----------------------------------------------------------------------------
# (4) batching, (5) pickling mid-stream
# ----------------------------------------------------------------------------
def stream_fits(make, X, y, batch):
    est = make()
    for start in range(0, X.shape[0], batch):
        est.partial_fit(X[start:start + batch], y[start:start + batch])
    return est


def assert_same_model(a, b, X):
    np.testing.assert_array_equal(a.dual_coef_, b.dual_coef_)
    np.testing.assert_array_equal(a.support_vectors_, b.support_vectors_)
    np.testing.assert_array_equal(a.mistakes_, b.mistakes_)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    if hasattr(a, "weights_"):
        np.testing.assert_array_equal(a.weights_, b.weights_)
        np.testing.assert_array_equal(a.weight_history_, b.weight_history_)


MAKERS = {
    "homotl": lambda source: OnlineTransferClassifier(source, budget=40),
    "homotl-mistake": lambda source: OnlineTransferClassifier(
        source, combination="mistake", kernel="poly", degree=2),
    "hetotl": lambda source: HeterogeneousOnlineTransferClassifier(
        FrozenEstimator(LogisticRegression().fit(np.eye(10)[:, :4], np.arange(10) % 2)),
        [0, 1, 2, 3], budget=40),
}


@pytest.mark.parametrize("name", MAKERS)
def test_batches_of_1_and_100_and_fit_give_the_same_model(name):
    source, X, y = drifting_stream(n=200)
    make = functools.partial(MAKERS[name], source)
    one, hundred = stream_fits(make, X, y, 1), stream_fits(make, X, y, 100)
    assert_same_model(one, hundred, X)
    assert_same_model(one, make().fit(X, y), X)
    assert one.n_seen_ == X.shape[0]


@pytest.mark.parametrize("name", MAKERS)
def test_pickle_mid_stream_then_resume_equals_uninterrupted(name):
    source, X, y = drifting_stream(n=200)
    whole = MAKERS[name](source).fit(X, y)
    first = MAKERS[name](source).partial_fit(X[:130], y[:130])
    resumed = pickle.loads(pickle.dumps(first)).partial_fit(X[130:], y[130:])
    assert_same_model(whole, resumed, X)
    assert first.n_seen_ == 130  # the pickled copy, not the original, went on


def test_fit_starts_afresh_and_never_touches_the_source():
    source, X, y = drifting_stream(n=200)
    before = joblib.hash(source)
    otl = OnlineTransferClassifier(source).partial_fit(X[:50], y[:50])
    otl.fit(X, y)
    assert otl.n_seen_ == 200
    assert_same_model(otl, OnlineTransferClassifier(source).fit(X, y), X)
    assert joblib.hash(source) == before
    assert otl.source_estimator is source


class FailsOnLargeRows(LinearScore):
    def decision_function(self, X):
        if np.abs(X).max() > 100:
            raise RuntimeError("the source failed")
        return super().decision_function(X)


def test_an_interrupted_batch_keeps_the_records_of_the_rows_learnt():
    source = FailsOnLargeRows(coef=(1.0, 0.0)).fit(X3, Y3)
    X = np.vstack([X3, [[1e3, 0.0]], X3])
    otl = OnlineTransferClassifier(source, kernel="linear")
    with pytest.raises(RuntimeError, match="the source failed"):
        otl.fit(X, [1, 1, -1, 1, 1, 1, -1])
    assert otl.n_seen_ == 3 and otl.mistakes_.shape == (3,)
    assert otl.weight_history_.shape == (3, 1, 2)
    assert_same_model(otl, OnlineTransferClassifier(source, kernel="linear").fit(X3, Y3),
                      X3)


# ----------------------------------------------------------------------------
# (6) the budget
# ----------------------------------------------------------------------------
def test_budget_keeps_the_newest_support_vectors():
    expansion = KernelExpansion("linear", None, 3, 1.0, n_features=1, n_outputs=1,
                                budget=3)
    for value in range(1, 8):
        expansion.add(np.array([float(value)]), [10.0 * value])
    np.testing.assert_array_equal(expansion.support_vectors.ravel(), [5, 6, 7])
    np.testing.assert_array_equal(expansion.dual_coef, [[50, 60, 70]])
    np.testing.assert_allclose(expansion.scores(expansion.kernel_row(np.array([1.0]))),
                               [50 * 5 + 60 * 6 + 70 * 7])


def test_budget_bounds_the_support_set():
    source, X, y = drifting_stream(n=200)
    for budget in (1, 25):
        for est in (OnlineTransferClassifier(source, budget=budget),
                    KernelPassiveAggressiveClassifier(budget=budget)):
            est.fit(X, y)
            assert est.support_vectors_.shape[0] == budget  # far more rows updated
            rows = [np.flatnonzero((X == sv).all(axis=1))[0]
                    for sv in est.support_vectors_]
            assert rows == sorted(rows)                       # oldest first
    big = OnlineTransferClassifier(source, budget=10_000).fit(X, y)
    assert_same_model(big, OnlineTransferClassifier(source).fit(X, y), X)


# ----------------------------------------------------------------------------
# (7) multiclass
# ----------------------------------------------------------------------------
def blobs(rng, n, shift=0.0):
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]]) + shift
    y = rng.integers(0, 3, n)
    return centres[y] + rng.normal(size=(n, 2)), np.array(["a", "b", "c"])[y]


@pytest.mark.parametrize("combination", ["exponential", "mistake"])
def test_multiclass_one_vs_rest_beats_chance(combination):
    rng = np.random.default_rng(0)
    Xs, ys = blobs(rng, 300)
    source = LogisticRegression().fit(Xs, ys)
    X, y = blobs(rng, 300, shift=1.0)
    otl = OnlineTransferClassifier(source, combination=combination).fit(X, y)
    assert otl.classes_.tolist() == ["a", "b", "c"]
    assert otl.weights_.shape == (3, 2) and otl.weight_history_.shape == (300, 3, 2)
    assert otl.dual_coef_.shape == (3, otl.support_vectors_.shape[0])
    decision = otl.decision_function(X[:50])
    assert decision.shape == (50, 3)
    np.testing.assert_array_equal(otl.predict(X[:50]), otl.classes_[decision.argmax(axis=1)])
    assert otl.cumulative_mistake_rate_[-1] < 0.15   # chance: 2/3
    X_test, y_test = blobs(rng, 200, shift=1.0)
    assert otl.score(X_test, y_test) > 0.85

    het = HeterogeneousOnlineTransferClassifier(
        LogisticRegression().fit(Xs[:, :1], ys), [0]).fit(X, y)
    assert het.dual_coef_.shape[:2] == (2, 3)
    assert het.score(X_test, y_test) > 0.75


# ----------------------------------------------------------------------------
# (8) heterogeneous OTL beats each view alone
# ----------------------------------------------------------------------------
def test_hetotl_beats_each_single_view():
    rng = np.random.default_rng(0)
    w = rng.normal(size=6)
    Xs = rng.normal(size=(300, 6))
    source = LogisticRegression().fit(Xs[:, :3], (Xs @ w > 0).astype(int))
    X = rng.normal(size=(400, 6))       # columns 0-2 old, 3-5 new
    y = (X @ w > 0).astype(int)         # both views carry signal
    het = HeterogeneousOnlineTransferClassifier(source, [0, 1, 2],
                                                kernel="linear").fit(X, y)
    rate = het.cumulative_mistake_rate_[-1]
    singles = {
        "source": np.mean(source.predict(X[:, :3]) != y),
        "shared view": KernelPassiveAggressiveClassifier(kernel="linear")
        .fit(X[:, :3], y).cumulative_mistake_rate_[-1],
        "new view": KernelPassiveAggressiveClassifier(kernel="linear")
        .fit(X[:, 3:], y).cumulative_mistake_rate_[-1],
    }
    for name, single in singles.items():
        assert rate < single - 0.1, name


def test_hetotl_with_dataframe_names_and_reordered_shared_block():
    rng = np.random.default_rng(0)
    Xs = pd.DataFrame(rng.normal(size=(200, 2)), columns=["b", "a"])
    source = LogisticRegression().fit(Xs, (Xs["a"] > 0).astype(int))
    X = pd.DataFrame(rng.normal(size=(100, 3)), columns=["a", "new", "b"])
    y = (X["a"] + X["new"] > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no feature-name warning from the source
        het = HeterogeneousOnlineTransferClassifier(source, ["b", "a"]).fit(X, y)
        het.predict(X)
    assert het.shared_features_.tolist() == [2, 0] and het.new_features_.tolist() == [1]
    with pytest.raises(ValueError, match="fitted on"):
        HeterogeneousOnlineTransferClassifier(source, ["a", "b"]).fit(X, y)


# ----------------------------------------------------------------------------
# (9) errors
# ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    return LogisticRegression().fit(X, y), X, y


@pytest.mark.parametrize("params, match", [
    ({"combination": "hedge"}, "combination must be one of"),
    ({"eta": 0}, "eta must be a finite float > 0"),
    ({"beta": 1.0}, r"beta must be in \(0, 1\)"),
    ({"beta": 0}, "beta must be a finite float > 0"),
    ({"C": -1.0}, "C must be a finite float > 0"),
    ({"budget": 0}, "budget must be a positive integer"),
    ({"kernel": "sigmoid"}, "kernel must be one of"),
    ({"gamma": -1.0}, "gamma must be a finite float > 0"),
    ({"degree": 0}, "degree must be a positive integer"),
    ({"response_method": "predict"}, "response_method must be one of"),
])
def test_bad_hyperparameters_raise_at_fit(small, params, match):
    source, X, y = small
    est = OnlineTransferClassifier(source, **params)  # __init__ never validates
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


def test_source_errors(small):
    source, X, y = small
    with pytest.raises(NotFittedError, match="not fitted.*FrozenEstimator"):
        OnlineTransferClassifier(LogisticRegression()).fit(X, y)
    with pytest.raises(NotFittedError, match="FrozenEstimator"):
        clone(OnlineTransferClassifier(source)).fit(X, y)
    frozen = clone(OnlineTransferClassifier(FrozenEstimator(source))).fit(X, y)
    assert frozen.response_method_ == "decision_function"
    with pytest.raises(ValueError, match="X has 4 feature.*fitted on 3"):
        OnlineTransferClassifier(source).fit(np.hstack([X, X[:, :1]]), y)
    with pytest.raises(ValueError, match="got None"):
        OnlineTransferClassifier(None).fit(X, y)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="has no decision_function"):
        OnlineTransferClassifier(forest, response_method="decision_function").fit(X, y)
    assert OnlineTransferClassifier(forest).fit(X, y).response_method_ == "predict_proba"
    ovo = SVC(decision_function_shape="ovo").fit(X, np.arange(40) % 4)
    with pytest.raises(ValueError, match=r"one score per class, shape \(1, 4\)"):
        OnlineTransferClassifier(ovo).fit(X, np.arange(40) % 4)


def test_data_and_label_errors(small):
    source, X, y = small
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        OnlineTransferClassifier(source).fit(X_nan, y)
    with pytest.raises(ValueError, match=r"labels \[7\] that are not among the source"):
        OnlineTransferClassifier(source).fit(X, np.where(y == 1, 7, 0))
    with pytest.raises(ValueError, match="classes the source_estimator does not know"):
        OnlineTransferClassifier(source).partial_fit(X, y, classes=[0, 1, 2])
    otl = OnlineTransferClassifier(source).partial_fit(X[:10], y[:10])
    with pytest.raises(ValueError, match="X has 2 features"):
        otl.partial_fit(X[10:, :2], y[10:])
    with pytest.raises(ValueError, match="classes the source_estimator does not know"):
        otl.partial_fit(X[10:], y[10:], classes=[0, 2])
    with pytest.raises(ValueError, match=r"labels \[5\] that are not among"):
        otl.partial_fit(X[10:], np.where(y[10:] == 1, 5, 0))
    assert otl.n_seen_ == 10  # nothing consumed by the failed calls
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        KernelPassiveAggressiveClassifier().partial_fit(X, y)
    pa = KernelPassiveAggressiveClassifier().partial_fit(X[:10], y[:10], classes=[0, 1])
    with pytest.raises(ValueError, match="differs from the classes of the stream"):
        pa.partial_fit(X[10:], y[10:], classes=[0, 1, 2])
    with pytest.raises(ValueError, match="needs at least 2 classes"):
        KernelPassiveAggressiveClassifier().fit(X, np.zeros(40))


@pytest.mark.parametrize("shared, match", [
    ([5], r"indices \[5\] outside \[0, 3\)"),
    ([-4], r"indices \[-4\] outside"),
    ([0, 0], r"lists columns \[0\] more than once"),
    ([], "selects no column"),
    ([0, 1, 2], "new-feature block is empty"),
    (["a"], "X has no column names"),
    ([True, False], "mask shared_features has 2 entries"),
    ([0.5], "must hold column indices"),
])
def test_hetotl_block_errors(small, shared, match):
    _, X, y = small
    source = LogisticRegression().fit(X[:, :1], y)
    with pytest.raises(ValueError, match=match):
        HeterogeneousOnlineTransferClassifier(source, shared).fit(X, y)


def test_hetotl_source_width_and_regularisation_errors(small):
    _, X, y = small
    source = LogisticRegression().fit(X[:, :1], y)
    with pytest.raises(ValueError, match=r"selects 2 feature\(s\), but .* fitted on 1"):
        HeterogeneousOnlineTransferClassifier(source, [0, 1]).fit(X, y)
    with pytest.raises(ValueError, match="reg_new must be a finite float > 0"):
        HeterogeneousOnlineTransferClassifier(source, [0], reg_new=0.0).fit(X, y)


# ----------------------------------------------------------------------------
# (10) scikit-learn's estimator checks
# ----------------------------------------------------------------------------
class QuickLinearSource(ClassifierMixin, BaseEstimator):
    """A logistic regression whose scores skip scikit-learn's input checks:
    OTL queries its source once per row, and the checks below fit hundreds
    of streams, so the source's per-call overhead would dominate their time.
    (The real LogisticRegression source is used by the tests above.)"""

    def fit(self, X, y):
        model = LogisticRegression().fit(X, y)
        self.classes_, self.n_features_in_ = model.classes_, model.n_features_in_
        self.coef_, self.intercept_ = model.coef_, model.intercept_
        return self

    def decision_function(self, X):
        scores = np.asarray(X) @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores


class _SourceFittedOnTheStream:
    """For scikit-learn's checks only, which pick the width and the labels of
    their data: the source is a clone of ``source_estimator`` fitted on the
    first batch's source columns (``_resolve_source`` is the one hook; every
    other line -- validation, the stream, the updates, prediction, pickling,
    cloning, tags -- is the estimator's own code). Real use passes a source
    fitted on source-domain data."""

    def _resolve_source(self, X_source, y):
        return clone(self.source_estimator).fit(X_source, y)


class CheckedOTL(_SourceFittedOnTheStream, OnlineTransferClassifier):
    pass


class CheckedHetOTL(_SourceFittedOnTheStream, HeterogeneousOnlineTransferClassifier):
    pass


@parametrize_with_checks([
    KernelPassiveAggressiveClassifier(),
    CheckedOTL(QuickLinearSource()),
    CheckedHetOTL(QuickLinearSource(), [0]),
])
def test_sklearn_estimator_checks(estimator, check):
    # No expected failures: every check applies and passes.
    check(estimator)


@pytest.mark.parametrize("kernel", ["rbf", "linear", "poly"])
def test_kernel_row_is_the_package_kernel(kernel):
    """The per-row kernel of the online learners equals the batch kernel
    (sktransfer._kernels.Kernel) that their decision_function uses."""
    from sktransfer._kernels import Kernel
    from sktransfer.online._kernel_pa import KernelExpansion

    rng = np.random.default_rng(0)
    support, x = rng.normal(size=(7, 4)), rng.normal(size=4)
    gamma = None if kernel == "linear" else 0.3
    expansion = KernelExpansion(kernel, gamma, 3, 1.0, n_features=4, n_outputs=1)
    for s in support:
        expansion.add(s, np.ones(1))
    expected = Kernel(kernel, gamma, 3, 1.0)(x[None, :], support)[0]
    np.testing.assert_allclose(expansion.kernel_row(x), expected, rtol=1e-12)
    assert expansion.self_kernel(x) == pytest.approx(Kernel(kernel, gamma, 3, 1.0)(
        x[None, :])[0, 0], rel=1e-12)
