"""Every adapter follows the domain data contract, in plain scikit-learn.

Run for each adapter: bad input errors, masked labels and sample_domain,
Pipeline, GridSearchCV and cross_validate with and without metadata routing,
pickling, feature names, and never writing into the user's arrays.
"""

import pickle
import subprocess
import sys

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sktransfer import CORAL, KMM, TCA

ADAPTERS = {
    "coral": lambda est: CORAL(est),
    "kmm": lambda est: KMM(est, gamma=0.5),
    "tca": lambda est: TCA(est, n_components=3, kernel="rbf"),
}
# one grid per adapter, over a real adaptation hyperparameter
GRIDS = {
    "coral": {"coral__reg": [0.1, 1.0]},
    "kmm": {"kmm__B": [2.0, 1000.0]},
    "tca": {"tca__mu": [0.1, 1.0]},
}
TRANSFORMERS = ("coral", "tca")


def shifted_problem(seed=0, n_s=120, n_t=100, d=4):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d))
    ys = (Xs[:, 0] + 0.5 * Xs[:, 1] > 0).astype(int)
    Xt = rng.normal(loc=0.7, scale=1.5, size=(n_t, d))
    yt = (Xt[:, 0] + 0.5 * Xt[:, 1] > 0).astype(int)
    return Xs, ys, Xt, yt


@pytest.fixture
def data():
    Xs, ys, Xt, yt = shifted_problem()
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(len(Xt), dtype=int)]
    sd = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
    return X, y, sd, Xt, yt


@pytest.mark.parametrize("name", ADAPTERS)
def test_fit_predict_with_masked_labels_or_sample_domain(name, data):
    X, y, sd, Xt, _ = data
    m1 = ADAPTERS[name](LogisticRegression()).fit(X, y)
    m2 = ADAPTERS[name](LogisticRegression()).fit(X, y, sample_domain=sd)
    assert m1.predict(Xt).shape == (len(Xt),)
    np.testing.assert_array_equal(m1.predict(Xt), m2.predict(Xt))
    np.testing.assert_array_equal(m1.classes_, [0, 1])
    assert m1.n_features_in_ == X.shape[1]
    # nothing is dropped from an output
    assert m1.predict(X).shape == (len(X),)
    assert m1.predict_proba(X).shape == (len(X), 2)


@pytest.mark.parametrize("name", ADAPTERS)
def test_regression_with_nan_masked_targets(name, data):
    X, _, sd, Xt, _ = data
    y = X[:, 0] * 2.0 + 1.0
    y_masked = np.where(sd > 0, y, np.nan)
    model = ADAPTERS[name](Ridge()).fit(X, y_masked)
    assert model.predict(Xt).shape == (len(Xt),)
    # -1 is a valid regression value, not a mask
    y_minus = np.where(np.arange(len(y)) % 3 == 0, -1.0, y_masked)
    ADAPTERS[name](Ridge()).fit(X, y_minus)


@pytest.mark.parametrize("name", ADAPTERS)
def test_labelled_target_rows_are_trained_on(name, data):
    X, y, sd, Xt, yt = data
    y_some = y.copy()
    y_some[-5:] = yt[-5:]
    model = ADAPTERS[name](LogisticRegression()).fit(X, y_some, sample_domain=sd)
    # the target rows still count as target rows for the adaptation
    ref = ADAPTERS[name](LogisticRegression()).fit(X, y, sample_domain=sd)
    assert model.n_features_in_ == ref.n_features_in_
    assert not np.array_equal(model.estimator_.coef_, ref.estimator_.coef_)


@pytest.mark.parametrize("name", ADAPTERS)
def test_bad_input_errors(name, data):
    X, y, sd, Xt, _ = data
    make = ADAPTERS[name]
    with pytest.raises(ValueError, match="No target rows"):
        make(LogisticRegression()).fit(X, np.where(y < 0, 0, y))
    with pytest.raises(ValueError, match="No source rows"):
        make(LogisticRegression()).fit(X, y, sample_domain=-np.ones(len(X), int))
    with pytest.raises(ValueError, match="1 class"):
        make(LogisticRegression()).fit(X, np.where(y >= 0, 1, -1))
    X_nan = X.copy()
    X_nan[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make(LogisticRegression()).fit(X_nan, y)
    X_inf = X.copy()
    X_inf[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        make(LogisticRegression()).fit(X_inf, y)
    with pytest.raises(ValueError, match="sample_domain has 3 entries"):
        make(LogisticRegression()).fit(X, y, sample_domain=[1, -1, 1])
    with pytest.raises(ValueError, match="contains 0"):
        make(LogisticRegression()).fit(X, y, sample_domain=np.zeros(len(X), int))
    with pytest.raises(ValueError, match="requires y"):
        make(LogisticRegression()).fit(X)
    model = make(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(Xt[:, :2])
    with pytest.raises(ValueError, match="sample_domain has 2 entries"):
        model.predict(Xt, sample_domain=[1, -1])


@pytest.mark.parametrize("name", ADAPTERS)
def test_user_arrays_are_never_written(name, data):
    X, y, sd, Xt, _ = data
    X.setflags(write=False)
    y.setflags(write=False)
    sd.setflags(write=False)
    Xt_copy = Xt.copy()
    model = ADAPTERS[name](LogisticRegression()).fit(X, y, sample_domain=sd)
    model.predict(Xt)
    if name in TRANSFORMERS:
        model.transform(X, sample_domain=sd)
        model.fit_transform(X, y, sample_domain=sd)
    np.testing.assert_array_equal(Xt, Xt_copy)


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_transform_with_fit_domains_equals_fit_transform(name, data):
    X, y, sd, Xt, _ = data
    model = ADAPTERS[name](LogisticRegression())
    Z = model.fit_transform(X, y, sample_domain=sd)
    np.testing.assert_allclose(model.transform(X, sample_domain=sd), Z, atol=1e-8)
    # target rows transform the same with or without sample_domain
    n_s = int((sd > 0).sum())
    np.testing.assert_allclose(model.transform(Xt), Z[n_s:], atol=1e-8)
    # and as a pure transformer, without an estimator
    bare = ADAPTERS[name](None)
    Zb = bare.fit_transform(X, y, sample_domain=sd)
    np.testing.assert_allclose(Zb, Z, atol=1e-8)
    assert not hasattr(bare, "predict")


@pytest.mark.parametrize("name", ADAPTERS)
def test_pipeline_and_grid_search_on_masked_labels(name, data):
    X, y, sd, Xt, yt = data
    pipe = make_pipeline(StandardScaler(), ADAPTERS[name](LogisticRegression()))
    search = GridSearchCV(pipe, GRIDS[name], cv=3).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and np.all((scores > 0.5) & (scores <= 1))
    assert search.predict(Xt).shape == (len(Xt),)
    # sample_domain as a step fit parameter, sliced per fold by the search
    step = pipe.steps[-1][0]
    search_sd = GridSearchCV(pipe, GRIDS[name], cv=3).fit(
        X, y, **{f"{step}__sample_domain": sd}
    )
    np.testing.assert_allclose(search_sd.cv_results_["mean_test_score"], scores)
    res = cross_validate(pipe, X, y, cv=3, params={f"{step}__sample_domain": sd})
    assert np.all(np.isfinite(res["test_score"]))


@pytest.mark.parametrize("name", ADAPTERS)
def test_metadata_routing(name, data):
    X, y, sd, Xt, _ = data
    with sklearn.config_context(enable_metadata_routing=True):
        adapter = (
            ADAPTERS[name](LogisticRegression())
            .set_fit_request(sample_domain=True)
            .set_score_request(sample_domain=True)
        )
        pipe = make_pipeline(StandardScaler(), adapter)
        search = GridSearchCV(pipe, GRIDS[name], cv=3).fit(X, y, sample_domain=sd)
        assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
        res = cross_validate(pipe, X, y, cv=3, params={"sample_domain": sd})
        assert np.all(np.isfinite(res["test_score"]))
        # metadata for the wrapped estimator is routed to it
        sw = np.ones(len(X))
        inner = LogisticRegression().set_fit_request(sample_weight=True)
        ADAPTERS[name](inner).set_fit_request(sample_domain=True).fit(
            X, y, sample_domain=sd, sample_weight=sw
        )


def test_score_on_a_fold_validates_on_held_out_source_rows(data):
    X, y, sd, Xt, yt = data
    model = CORAL(LogisticRegression()).fit(X, y)
    n_s = int((sd > 0).sum())
    # a fold of the training data (masked labels): the labelled rows are
    # scored as the source rows they are (re-coloured), masked ones ignored
    fold = np.r_[0:40, n_s:n_s + 30]
    expected = np.mean(
        model.predict(X[:40], sample_domain=np.ones(40, int)) == y[:40]
    )
    assert model.score(X[fold], y[fold]) == pytest.approx(expected)
    # an evaluation set with true labels: every row a target row
    assert model.score(Xt, yt) == pytest.approx(np.mean(model.predict(Xt) == yt))
    with pytest.raises(ValueError, match="every label in y is masked"):
        model.score(Xt, -np.ones(len(Xt), int))


@pytest.mark.parametrize("name", ADAPTERS)
def test_clone_pickle_and_feature_names(name, data):
    pd = pytest.importorskip("pandas")
    X, y, sd, Xt, _ = data
    cols = [f"f{i}" for i in range(X.shape[1])]
    model = ADAPTERS[name](LogisticRegression()).fit(pd.DataFrame(X, columns=cols), y)
    np.testing.assert_array_equal(model.feature_names_in_, cols)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(
        restored.predict(pd.DataFrame(Xt, columns=cols)),
        model.predict(pd.DataFrame(Xt, columns=cols)),
    )
    params = clone(model).get_params(deep=False)
    assert set(params) == set(model.get_params(deep=False))
    with pytest.warns(UserWarning, match="feature names"):
        model.predict(Xt)


def test_estimator_without_sample_weight_is_rejected_by_kmm(data):
    X, y, *_ = data
    with pytest.raises(ValueError, match="sample_weight"):
        KMM(KNeighborsClassifier()).fit(X, y)


def test_readme_quickstart_runs():
    Xs, ys, Xt, _ = shifted_problem(n_s=90, n_t=60, d=6)
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(len(Xt), int)]
    model = make_pipeline(StandardScaler(), KMM(LogisticRegression(), gamma=0.1))
    model.fit(X, y)
    assert model.predict(Xt).shape == (len(Xt),)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), TCA(SVC(), n_components=5)),
        {"tca__mu": [0.1, 1, 10], "tca__n_components": [2, 5]},
        cv=3,
    )
    search.fit(X, y)
    assert np.isfinite(search.best_score_)


def test_import_changes_no_global_state_and_does_not_import_torch():
    code = (
        "import sys, sklearn, numpy as np\n"
        "cfg = dict(sklearn.get_config()); state = np.random.get_state()[1].copy()\n"
        "import sktransfer\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert 'skorch' not in sys.modules, 'skorch imported'\n"
        "assert dict(sklearn.get_config()) == cfg, 'sklearn config changed'\n"
        "assert (np.random.get_state()[1] == state).all(), 'global RNG touched'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_refit_without_estimator_forgets_the_old_one(data):
    X, y, sd, Xt, _ = data
    model = CORAL(LogisticRegression()).fit(X, y)
    model.set_params(estimator=None).fit(X, y)
    assert not hasattr(model, "estimator_") and not hasattr(model, "predict")
    with pytest.raises(ValueError, match="would be ignored"):
        CORAL().fit(X, y, sample_weight=np.ones(len(X)))
