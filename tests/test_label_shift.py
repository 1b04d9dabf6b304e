"""LabelShiftClassifier: EM and BBSE against hand computations, priors
recovered on a known mixture, the corrected posteriors, errors."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC

from sktransfer import LabelShiftClassifier, make_sample_domain


def mixture(n_s=3000, n_t=3000, q=0.9, seed=0):
    """Two unit Gaussians at 0 and 2 in one dimension: source 50/50,
    target ``q`` positive (a pure label shift)."""
    rng = np.random.default_rng(seed)
    ys = rng.integers(0, 2, n_s)
    yt = (rng.random(n_t) < q).astype(int)
    Xs = rng.normal(2.0 * ys, 1.0)[:, None]
    Xt = rng.normal(2.0 * yt, 1.0)[:, None]
    X = np.vstack([Xs, Xt])
    return X, np.r_[ys, -np.ones(n_t, int)], make_sample_domain(n_s, n_t), Xt, yt


@pytest.mark.parametrize("method", ["em", "bbse"])
def test_recovers_the_target_priors(method):
    X, y, sd, Xt, yt = mixture()
    model = LabelShiftClassifier(LogisticRegression(), method=method, random_state=0)
    model.fit(X, y)
    np.testing.assert_allclose(model.source_priors_.sum(), 1.0)
    # the true target prior is 0.9 (empirically yt.mean()); 3000 rows
    assert abs(model.target_priors_[1] - yt.mean()) < 0.03
    np.testing.assert_allclose(model.weights_, model.target_priors_ / model.source_priors_)


def test_correction_improves_target_accuracy():
    X, y, sd, Xt, yt = mixture(q=0.95)
    plain = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    model = LabelShiftClassifier(LogisticRegression()).fit(X, y)
    acc_plain = np.mean(plain.predict(Xt) == yt)
    acc = np.mean(model.predict(Xt) == yt)
    assert acc > acc_plain + 0.03
    # source rows keep the uncorrected posteriors
    np.testing.assert_allclose(model.predict_proba(Xt, sample_domain=np.ones(len(Xt), int)),
                               plain.predict_proba(Xt), rtol=1e-10)


def test_one_em_step_by_hand():
    X, y, sd, Xt, yt = mixture(n_s=500, n_t=400)
    model = LabelShiftClassifier(LogisticRegression(), max_iter=1).fit(X, y)
    clf = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    P = clf.predict_proba(Xt)
    p_s = np.bincount(y[sd > 0]) / np.sum(sd > 0)
    R = P * (p_s / p_s)  # first E step: q = p_s
    R /= R.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.target_priors_, R.mean(axis=0))
    assert model.n_iter_ == 1
    # the corrected posteriors by hand
    w = model.target_priors_ / p_s
    Q = P * w
    Q /= Q.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(Xt), Q)


def test_em_fixed_point_without_shift():
    # target = the source rows themselves: EM's first step returns the mean
    # source posterior, which a well-specified logistic model makes equal to
    # the source priors (its intercept's score equation)
    rng = np.random.default_rng(1)
    ys = rng.integers(0, 2, 600)
    Xs = rng.normal(2.0 * ys, 1.0)[:, None]
    X = np.vstack([Xs, Xs])
    y = np.r_[ys, -np.ones(600, int)]
    model = LabelShiftClassifier(LogisticRegression(C=1e6)).fit(X, y)
    np.testing.assert_allclose(model.target_priors_, model.source_priors_, atol=1e-4)
    np.testing.assert_allclose(model.weights_, 1.0, atol=1e-3)


def test_bbse_weights_by_hand():
    X, y, sd, Xt, yt = mixture(n_s=800, n_t=600, q=0.8)
    model = LabelShiftClassifier(LogisticRegression(), method="bbse", cv=4,
                                 random_state=3).fit(X, y)
    Xs, ys = X[sd > 0], y[sd > 0]
    pred = cross_val_predict(LogisticRegression(), Xs, ys,
                             cv=StratifiedKFold(4, shuffle=True, random_state=3))
    C = np.array([[np.mean((pred == i) & (ys == j)) for j in (0, 1)] for i in (0, 1)])
    np.testing.assert_allclose(model.confusion_matrix_, C)
    mu = np.bincount(LogisticRegression().fit(Xs, ys).predict(Xt), minlength=2) / len(Xt)
    w = np.clip(np.linalg.solve(C, mu), 0, None)
    q = w * np.bincount(ys) / len(ys)
    np.testing.assert_allclose(model.target_priors_, q / q.sum())


def test_multiclass():
    rng = np.random.default_rng(2)
    ys = rng.integers(0, 3, 1500)
    yt = rng.choice(3, 1500, p=[0.6, 0.3, 0.1])
    centres = np.array([[0, 0], [3, 0], [0, 3]])
    Xs = centres[ys] + rng.normal(size=(1500, 2))
    Xt = centres[yt] + rng.normal(size=(1500, 2))
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(1500, int)]
    for method in ("em", "bbse"):
        model = LabelShiftClassifier(LogisticRegression(), method=method,
                                     random_state=0).fit(X, y)
        np.testing.assert_allclose(model.target_priors_, np.bincount(yt) / 1500, atol=0.04)
        assert model.predict_proba(Xt).shape == (1500, 3)


def test_heart_cleveland_to_switzerland(shared_data):
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sktransfer.datasets import fetch_heart_disease, make_domain_split

    split = make_domain_split(fetch_heart_disease(data_home=shared_data),
                              "cleveland", "switzerland")
    X = make_pipeline(SimpleImputer(), StandardScaler()).fit_transform(split.X)
    sd = np.asarray(split.sample_domain)
    y = np.asarray(split.y)
    yt = np.asarray(split.y_target_true)
    plain = LogisticRegression(C=0.1).fit(X[sd > 0], y[sd > 0])
    model = LabelShiftClassifier(LogisticRegression(C=0.1)).fit(X, y, sample_domain=sd)
    pos = list(model.classes_).index(1)
    # Switzerland's rows are 93.5% positive, Cleveland's 46%. Measured: EM's
    # estimate runs to the boundary (q+ = 1.00; the posteriors are not
    # calibrated on the target, whose features shift too), BBSE's is 0.95;
    # both raise the accuracy from 74.0 to 93.5
    assert model.source_priors_[pos] < 0.5
    assert model.target_priors_[pos] > 0.7
    assert yt.mean() > 0.9
    acc_plain = np.mean(plain.predict(X[sd < 0]) == yt)
    acc = np.mean(model.predict(X[sd < 0]) == yt)
    assert acc > acc_plain + 0.1


def test_errors():
    X, y, sd, Xt, yt = mixture(n_s=60, n_t=40)
    with pytest.raises(ValueError, match="no predict_proba"):
        LabelShiftClassifier(LinearSVC()).fit(X, y)
    from sklearn.linear_model import Ridge
    with pytest.raises(ValueError, match="not a classifier"):
        LabelShiftClassifier(Ridge()).fit(X, np.where(sd > 0, X[:, 0], np.nan))
    with pytest.raises(ValueError, match="method must be one of"):
        LabelShiftClassifier(LogisticRegression(), method="mle").fit(X, y)
    with pytest.raises(ValueError, match="cv must be"):
        LabelShiftClassifier(LogisticRegression(), cv=1).fit(X, y)
    with pytest.raises(ValueError, match="No target rows"):
        LabelShiftClassifier(LogisticRegression()).fit(X[:60], y[:60])
    with pytest.raises(ValueError, match="needs an estimator"):
        LabelShiftClassifier().fit(X, y)
    # a classifier that always predicts one class: BBSE's C is singular
    from sklearn.dummy import DummyClassifier
    with pytest.raises(ValueError, match="singular"):
        LabelShiftClassifier(DummyClassifier(), method="bbse").fit(X, y)


def test_no_decision_function_pickle_clone():
    X, y, sd, Xt, yt = mixture(n_s=200, n_t=100)
    model = LabelShiftClassifier(LogisticRegression()).fit(X, y)
    assert not hasattr(model, "decision_function")  # it would be uncorrected
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(Xt), model.predict(Xt))
    assert repr(clone(model)) == repr(model) and not hasattr(clone(model), 'weights_')
    np.testing.assert_allclose(np.exp(model.predict_log_proba(Xt)), model.predict_proba(Xt))


def test_bbse_class_ratio_by_hand_and_unidentified():
    from sktransfer.instance._label_shift import bbse_class_ratio
    # C = [[0.4, 0.1], [0.1, 0.4]] (rows: predicted, columns: true class)
    y = np.array([0] * 5 + [1] * 5)
    pred = np.array([0, 0, 0, 0, 1, 0, 1, 1, 1, 1])
    pred_t = np.array([0] * 3 + [1] * 7)  # mu = [0.3, 0.7]
    # solve [[0.4, 0.1], [0.1, 0.4]] w = [0.3, 0.7]: w = [1/3, 5/3]
    np.testing.assert_allclose(bbse_class_ratio(pred, y, pred_t, [0, 1]), [1 / 3, 5 / 3])
    # a class never predicted: C singular, the ratio is not identified
    assert bbse_class_ratio(np.zeros(10, int), y, pred_t, [0, 1]) is None


def test_bbse_upper_bounds_test_the_label_shift_assumption():
    from sktransfer.instance._label_shift import bbse_upper_bounds
    # C = [[0.4, 0.1], [0.1, 0.4]] on 1000 source rows, p_s = (1/2, 1/2)
    y = np.repeat([0, 1], 500)
    pred = np.r_[np.repeat([0, 1], [400, 100]), np.repeat([0, 1], [100, 400])]
    # mu = [0.3, 0.7]: w = [1/3, 5/3], q = [1/6, 5/6], a distribution
    upper = bbse_upper_bounds(pred, y, np.repeat([0, 1], [300, 700]), [0, 1],
                              random_state=0)
    assert upper.shape == (2,) and np.all(upper > [1 / 6, 5 / 6])
    # mu = [0.9, 0.1]: w = C^-1 mu = [7/3, -1/3], q = [7/6, -1/6]: no
    # proportions of the source's classes predict 90% class 0
    upper = bbse_upper_bounds(pred, y, np.repeat([0, 1], [900, 100]), [0, 1],
                              random_state=0)
    assert upper[1] < 0 < upper[0]
    assert -1 / 6 < upper[1] < -0.1  # the bound is above the estimate, near it
    # reproducible; a class never predicted: not identified
    np.testing.assert_array_equal(
        upper, bbse_upper_bounds(pred, y, np.repeat([0, 1], [900, 100]), [0, 1],
                                 random_state=0))
    assert bbse_upper_bounds(np.zeros(1000, int), y, pred, [0, 1]) is None


def test_bbse_warns_when_the_shift_is_not_a_label_shift():
    from sktransfer.datasets import make_covariate_shift
    # a covariate shift on which the linear source model gets ~20% of the
    # target right: BBSE reads its predictions as a change of the classes
    data = make_covariate_shift(n_source=300, n_target=300, shift=1.5, random_state=0)
    y = np.where(data.sample_domain == 2, -1, data.y)
    model = LabelShiftClassifier(LogisticRegression(), method="bbse", random_state=0)
    with pytest.warns(UserWarning, match="contradict the label-shift assumption"):
        model.fit(data.X, y)
    assert np.min(model.proportion_upper_bounds_) < 0
    # a genuine label shift: no warning, every bound above 0
    X, y, sd, Xt, yt = mixture(n_s=600, n_t=600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LabelShiftClassifier(LogisticRegression(), method="bbse",
                                     random_state=0).fit(X, y)
    assert np.all(model.proportion_upper_bounds_ > 0)
    em = LabelShiftClassifier(LogisticRegression(), random_state=0).fit(X, y)
    assert em.proportion_upper_bounds_ is None
