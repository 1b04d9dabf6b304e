"""Searches over the domain adapters, metadata routing off and on.

The matrix: every search type (``GridSearchCV``, ``RandomizedSearchCV``,
``HalvingGridSearchCV``, ``cross_validate``) and every adapter (KMM, CORAL,
TCA, each after a ``StandardScaler`` in a ``Pipeline``) in each of three
routing modes, and every scorer of :mod:`sktransfer.model_selection` in
each mode:

* ``"masked"`` -- routing off, the domains only in the masked labels;
* ``"step_param"`` -- routing off, ``sample_domain`` passed as the adapter
  step's fit parameter (``search.fit(X, y, <step>__sample_domain=sd)``);
* ``"routed"`` -- routing on, the adapter requests ``sample_domain`` for
  ``fit`` and ``score``, ``search.fit(X, y, sample_domain=sd)``.

The data of the last two modes has labelled target rows, so that whether the
domains reached a component can be seen: from the labels alone, a labelled
row is a source row. Recording subclasses of the splitter and the scorers
show which domains each received; the refitted model is compared with a
model fitted by hand with the domains of the mode.
"""

import copy

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    ParameterGrid,
    RandomizedSearchCV,
    cross_validate,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sktransfer import CORAL, KMM, TCA
from sktransfer.domain import labelled_mask
from sktransfer.model_selection import (
    CircularValidationScorer,
    DeepEmbeddedValidationScorer,
    DomainStratifiedKFold,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    SoftNeighborhoodDensityScorer,
    SupervisedTargetScorer,
)

#: adapter and a grid of two values, keyed by the adapter's pipeline step name.
#: KMM: the weights lie in [0, B] and sum to at least (1 - eps) n_s, so with
#: B=1 and eps <= 0.3 at least 70% of the source rows keep a weight, rows of
#: both classes among them. Its defaults (B=1000, eps near 1 on a few rows)
#: let it give every weight to a handful of rows near the target, of one
#: class in the small folds of the halving search, which KMM rejects.
ADAPTERS = {
    "kmm": (KMM(LogisticRegression(), B=1.0, random_state=0), {"eps": [0.1, 0.3]}),
    "coral": (CORAL(LogisticRegression()), {"reg": [0.1, 10.0]}),
    "tca": (TCA(LogisticRegression(), n_components=2), {"mu": [0.1, 10.0]}),
}
LABEL_FREE = [
    ImportanceWeightedScorer(random_state=0),
    DeepEmbeddedValidationScorer(random_state=0),
    CircularValidationScorer(),
    PredictionEntropyScorer(),
    SoftNeighborhoodDensityScorer(),
]
MODES = ["masked", "step_param", "routed"]
SEARCHES = ["grid", "randomized", "halving", "cross_validate"]


def _name(obj):
    return type(obj).__name__


@pytest.fixture(scope="module", autouse=True)
def _one_blas_thread():
    """The matrices here are tiny: BLAS threads only wait for each other
    (several times slower on a busy 2-core machine)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# ------------------------------------------------------------------ data


def _labels(shift, mode):
    return shift.y if mode == "masked" else shift.y_semi


def _fit_params(shift, mode, step):
    if mode == "masked":
        return {}
    if mode == "step_param":
        return {f"{step}__sample_domain": shift.sd}
    return {"sample_domain": shift.sd}


def _routing(mode):
    return sklearn.config_context(enable_metadata_routing=mode == "routed")


# ------------------------------------------------------ recording helpers
class RecordingKFold(DomainStratifiedKFold):
    """``DomainStratifiedKFold(3, shuffle=True, random_state=0)`` that
    records the ``sample_domain`` of every ``split`` call."""

    def __init__(self, n_splits=3, *, shuffle=True, random_state=0):
        super().__init__(n_splits, shuffle=shuffle, random_state=random_state)
        self.received = []

    def split(self, X, y=None, groups=None, sample_domain=None):
        self.received.append(sample_domain)
        return super().split(X, y, groups, sample_domain)


def _recording(scorer):
    """A copy of ``scorer`` that records the ``(y, sd)`` of every fold it
    scores, ``sd`` being the domains the scorer works with."""
    received = []

    class Recording(type(scorer)):
        def _score(self, estimator, X, y, sd, *args):
            received.append((np.copy(y), sd.copy()))
            return super()._score(estimator, X, y, sd, *args)

    spy = copy.copy(scorer)
    spy.__class__ = Recording
    return spy, received


def _pipeline(step, routed):
    adapter = clone(ADAPTERS[step][0])
    if routed:
        adapter.set_fit_request(sample_domain=True).set_score_request(sample_domain=True)
    return make_pipeline(StandardScaler(), adapter)


def _grid(step):
    return {f"{step}__{key}": values for key, values in ADAPTERS[step][1].items()}


def _make_search(kind, pipe, grid, **kwargs):
    if kind == "grid":
        return GridSearchCV(pipe, grid, **kwargs)
    if kind == "randomized":
        return RandomizedSearchCV(pipe, grid, n_iter=2, random_state=0, **kwargs)
    # factor=2 with two candidates: two rounds, the first on half the rows
    return HalvingGridSearchCV(pipe, grid, factor=2, random_state=0,
                               return_train_score=False, **kwargs)


def _run(kind, step, mode, scorer, shift):
    """Fit a search (or run ``cross_validate``) in ``mode``; return the
    search (or the ``cross_validate`` dict), the splitter and the scorer's
    record."""
    cv = RecordingKFold()
    spy, received = _recording(scorer)
    y, params = _labels(shift, mode), _fit_params(shift, mode, step)
    with _routing(mode):
        pipe = _pipeline(step, routed=mode == "routed")
        if kind == "cross_validate":
            result = cross_validate(pipe, shift.X, y, cv=cv, scoring=spy,
                                    params=params, error_score="raise")
        else:
            result = _make_search(kind, pipe, _grid(step), scoring=spy, cv=cv,
                                  error_score="raise").fit(shift.X, y, **params)
    return result, cv, received


# ------------------------------------------------------------ assertions
def _assert_domains_received(cv, received, mode, shift):
    """The splitter and the scorer got ``sample_domain`` exactly when routed."""
    assert cv.received and received
    for got in cv.received:
        if mode == "routed":
            np.testing.assert_array_equal(got, shift.sd)
        else:
            assert got is None
    for y, sd in received:
        labelled_target = (sd < 0) & labelled_mask(y)
        if mode == "routed":
            # only the routed domains can make a labelled row a target row
            assert labelled_target.any()
        else:
            np.testing.assert_array_equal(sd, np.where(labelled_mask(y), 1, -1))


def _assert_search_result(search, kind, step, mode, shift):
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert search.best_params_ in list(ParameterGrid(_grid(step)))
    if kind == "halving":  # two rounds: 2 candidates, then the best one
        assert search.n_candidates_ == [2, 1]
        assert search.n_resources_[0] < search.n_resources_[1] == shift.X.shape[0]
    else:
        assert len(scores) == 2
    # the refit got the domains of the mode: it equals a fit by hand
    with _routing(mode):
        by_hand = _pipeline(step, routed=mode == "routed").set_params(
            **search.best_params_).fit(shift.X, _labels(shift, mode),
                                       **_fit_params(shift, mode, step))
        np.testing.assert_array_equal(search.best_estimator_.predict_proba(shift.X),
                                      by_hand.predict_proba(shift.X))


# ----------------------------------------------------------------- tests
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("step", ADAPTERS)
@pytest.mark.parametrize("kind", SEARCHES)
def test_every_search_type_and_adapter_in_each_routing_mode(kind, step, mode, shift):
    result, cv, received = _run(kind, step, mode, ImportanceWeightedScorer(random_state=0),
                                shift)
    _assert_domains_received(cv, received, mode, shift)
    if kind == "cross_validate":
        assert result["test_score"].shape == (3,)
        assert np.isfinite(result["test_score"]).all()
    else:
        _assert_search_result(result, kind, step, mode, shift)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("scorer", LABEL_FREE, ids=_name)
def test_every_label_free_scorer_in_each_routing_mode(scorer, mode, shift):
    search, cv, received = _run("grid", "coral", mode, scorer, shift)
    _assert_domains_received(cv, received, mode, shift)
    _assert_search_result(search, "grid", "coral", mode, shift)
    assert len(received) == 2 * 3  # candidates x folds; the refit is not scored


@pytest.mark.parametrize("step", ADAPTERS)
def test_routed_supervised_target_score_is_the_accuracy_on_labelled_target_rows(
        step, shift):
    search, cv, received = _run("grid", step, "routed", SupervisedTargetScorer(), shift)
    _assert_domains_received(cv, received, "routed", shift)
    _assert_search_result(search, "grid", step, "routed", shift)
    # every score by hand: folds from the domains, fit with them, accuracy
    # on the fold's labelled target rows
    X, y, sd = shift.X, shift.y_semi, shift.sd
    folds = list(DomainStratifiedKFold(3, shuffle=True, random_state=0).split(
        X, y, sample_domain=sd))
    with sklearn.config_context(enable_metadata_routing=True):
        for c, params in enumerate(search.cv_results_["params"]):
            for k, (train, test) in enumerate(folds):
                model = _pipeline(step, routed=True).set_params(**params).fit(
                    X[train], y[train], sample_domain=sd[train])
                rows = test[(sd[test] < 0) & labelled_mask(y[test])]
                expected = np.mean(model.predict(X[rows]) == y[rows])
                assert search.cv_results_[f"split{k}_test_score"][c] == expected


@pytest.mark.parametrize("mode", ["masked", "step_param"])
def test_supervised_target_scorer_without_routing_is_a_clear_error(mode, shift):
    # routing off: the scorer sees only the labels, in which every labelled
    # row is a source row, even with sample_domain given to the adapter
    pipe = _pipeline("coral", routed=False)
    params = {"coral__sample_domain": shift.sd} if mode == "step_param" else {}
    search = GridSearchCV(pipe, _grid("coral"), scoring=SupervisedTargetScorer(),
                          cv=RecordingKFold(), error_score="raise")
    with pytest.raises(ValueError, match="SupervisedTargetScorer needs labelled target "
                                         "rows.*pass sample_domain"):
        search.fit(shift.X, shift.y_semi, **params)
    # with the default error_score the search warns, with the same message,
    # and every score is NaN
    search.set_params(error_score=np.nan)
    with pytest.warns(UserWarning) as caught:
        search.fit(shift.X, shift.y_semi, **params)
    messages = " ".join(str(w.message) for w in caught)
    assert "SupervisedTargetScorer needs labelled target rows" in messages
    assert "test scores are non-finite" in messages
    assert np.isnan(search.cv_results_["mean_test_score"]).all()


@pytest.mark.parametrize("step", ADAPTERS)
def test_the_domains_change_the_fit(step, shift):
    # what makes the comparisons with a fit by hand above able to fail: with
    # labelled target rows, a fit with the domains is not a fit without them
    with_domains = _pipeline(step, routed=False).fit(
        shift.X, shift.y_semi, **{f"{step}__sample_domain": shift.sd})
    from_labels = _pipeline(step, routed=False).fit(shift.X, shift.y_semi)
    assert not np.allclose(with_domains.predict_proba(shift.X),
                           from_labels.predict_proba(shift.X))
