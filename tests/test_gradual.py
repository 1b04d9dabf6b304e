"""GradualSelfTraining: self-training through intermediate domains, and the
rotating-moons generator of the planted-intermediate track."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sktransfer.datasets import make_rotating_moons
from sktransfer.multisource import GradualSelfTraining


def base(n_components=40):
    return make_pipeline(Nystroem(gamma=2.0, n_components=n_components, random_state=0),
                         LogisticRegression(max_iter=2000))


def test_rotating_moons_domains_and_rotation():
    d = make_rotating_moons(n_per_domain=50, angles=(0, 30, 60, 90), noise=0.0,
                            random_state=0)
    np.testing.assert_array_equal(np.unique(d.sample_domain), [-3, -2, -1, 1])
    # source first, intermediates -2, -3 in order, target last
    assert d.sample_domain[:50].tolist() == [1] * 50
    assert d.sample_domain[50:100].tolist() == [-2] * 50
    assert d.sample_domain[-50:].tolist() == [-1] * 50
    assert np.all(d.y[d.sample_domain < 0] == -1)
    np.testing.assert_array_equal(d.y[:50], d.y_true[:50])
    # noiseless moons: every point is at distance 1 from its moon's centre,
    # which the rotation about (0.5, 0.25) moves by the domain's angle
    c = np.array([0.5, 0.25])
    for k, angle in enumerate((0, 30, 60, 90)):
        X, moon = d.X[50 * k:50 * (k + 1)], d.y_true[50 * k:50 * (k + 1)]
        theta = np.deg2rad(angle)
        R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        centres = np.where(moon[:, None] == 0, [0.0, 0.0], [1.0, 0.5])
        rotated_centres = c + (centres - c) @ R.T
        np.testing.assert_allclose(np.linalg.norm(X - rotated_centres, axis=1), 1.0)
    with pytest.raises(ValueError, match="at least two finite"):
        make_rotating_moons(angles=(0,))


def test_gradual_self_training_follows_the_path():
    d = make_rotating_moons(n_per_domain=200, angles=(0, 15, 30, 45, 60, 75, 90),
                            random_state=0)
    sd, t = d.sample_domain, d.sample_domain == -1
    model = GradualSelfTraining(base(100)).fit(d.X, d.y, sample_domain=sd)
    assert model.path_ == [-2, -3, -4, -5, -6, -1]
    assert len(model.estimators_) == 6 and model.estimator_ is model.estimators_[-1]
    assert model.n_kept_ == [180] * 6          # 90% of each domain's 200 rows
    gradual = (model.predict(d.X[t]) == d.y_true[t]).mean()
    pair = (sd > 0) | t
    direct = GradualSelfTraining(base(100), path=[-1]).fit(d.X[pair], d.y[pair],
                                                        sample_domain=sd[pair])
    source = (model.source_estimator_.predict(d.X[t]) == d.y_true[t]).mean()
    # a 90-degree turn: the source model and one self-training step are
    # mostly wrong, the gradual path is right
    assert source < 0.4 and (direct.predict(d.X[t]) == d.y_true[t]).mean() < 0.4
    assert gradual > 0.85
    # each step is fitted on the previous model's most confident labels
    rows = np.flatnonzero(sd == -2)
    P = model.source_estimator_.predict_proba(d.X[rows])
    keep = np.argsort(-P.max(axis=1), kind="stable")[:180]
    again = clone(base(100)).fit(d.X[rows[keep]], P.argmax(axis=1)[keep])
    np.testing.assert_allclose(again.predict_proba(d.X[t]),
                               model.estimators_[0].predict_proba(d.X[t]))


def test_explicit_path_and_labelled_rows_keep_their_labels():
    d = make_rotating_moons(n_per_domain=100, angles=(0, 20, 40), random_state=1)
    y = d.y.copy()
    sd = d.sample_domain
    y[sd == -2] = d.y_true[sd == -2]            # the intermediate domain labelled
    model = GradualSelfTraining(base(), path=[-2, -1], keep_fraction=0.5).fit(
        d.X, y, sample_domain=sd)
    assert model.n_kept_ == [50, 50]
    # labelled rows count as the most confident: the first step trains on
    # 50 of the true labels of domain -2
    assert model.estimators_[0].score(d.X[sd == -2], d.y_true[sd == -2]) > 0.9


@pytest.mark.parametrize("params, match", [
    ({"path": [-5]}, "not"),
    ({"path": [1]}, "not"),
    ({"path": []}, "non-empty list"),
    ({"path": [-1, -1]}, "distinct"),
    ({"keep_fraction": 0.0}, "keep_fraction"),
    ({"keep_fraction": 1.5}, "keep_fraction must be <= 1"),
])
def test_bad_parameters(params, match):
    d = make_rotating_moons(n_per_domain=40, angles=(0, 20, 40), random_state=0)
    with pytest.raises(ValueError, match=match):
        GradualSelfTraining(LogisticRegression(), **params).fit(
            d.X, d.y, sample_domain=d.sample_domain)


def test_estimator_and_target_errors():
    d = make_rotating_moons(n_per_domain=40, angles=(0, 20, 40), random_state=0)
    with pytest.raises(ValueError, match="classifier with predict_proba"):
        GradualSelfTraining(LinearSVC()).fit(d.X, d.y, sample_domain=d.sample_domain)
    with pytest.raises(ValueError, match="classifier with predict_proba"):
        GradualSelfTraining(Ridge()).fit(d.X, d.y.astype(float),
                                         sample_domain=d.sample_domain)
    y = np.where(d.sample_domain > 0, 0, d.y)
    y[0] = -1
    with pytest.raises(ValueError, match="labelled source rows hold one class"):
        GradualSelfTraining(LogisticRegression()).fit(
            np.r_[d.X, d.X[:1]], np.r_[y, 1], sample_domain=np.r_[d.sample_domain, -1])
    sd = np.where(d.sample_domain == -1, -7, d.sample_domain)
    with pytest.raises(ValueError, match="the target is domain -1"):
        GradualSelfTraining(LogisticRegression()).fit(d.X, d.y, sample_domain=sd)


def test_collapse_to_one_class_is_an_error_not_a_result():
    d = make_rotating_moons(n_per_domain=100, angles=(0, 180), random_state=0)
    X = d.X.copy()
    X[d.sample_domain == -1] += 50.0         # far away: one class everywhere
    with pytest.raises(ValueError, match="needs two classes"):
        GradualSelfTraining(LogisticRegression()).fit(X, d.y, sample_domain=d.sample_domain)


def test_pickle_and_clone():
    d = make_rotating_moons(n_per_domain=60, angles=(0, 20, 40), random_state=0)
    model = GradualSelfTraining(base()).fit(d.X, d.y, sample_domain=d.sample_domain)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(d.X), model.predict(d.X))
    assert not hasattr(clone(model), "estimator_")
    assert model.predict_proba(d.X).shape == (len(d.X), 2)


def test_pipeline_and_grid_search_with_a_domain_splitter():
    from sklearn.model_selection import GridSearchCV
    from sklearn.preprocessing import StandardScaler

    from sktransfer.model_selection import DomainShuffleSplit

    d = make_rotating_moons(n_per_domain=80, angles=(0, 20, 40), random_state=0)
    # keep_fraction=0.5 of a 60-row fold domain: fewer rows than 40 components
    pipe = make_pipeline(StandardScaler(), GradualSelfTraining(base(n_components=20)))
    search = GridSearchCV(
        pipe, {"gradualselftraining__keep_fraction": [0.5, 0.9]},
        cv=DomainShuffleSplit(n_splits=2, test_size=0.25, random_state=0),
    ).fit(d.X, d.y, groups=d.sample_domain,
          gradualselftraining__sample_domain=d.sample_domain)
    # every fold keeps every domain, so every fit follows the same path
    assert search.best_estimator_[-1].path_ == [-2, -1]
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
