"""Searches run in parallel: on two loky processes, and on a dask cluster
through joblib's dask backend, a search gives exactly the cv_results_ of the
serial run; fitted adapters, scorers and splitters survive a pickle round
trip (what shipping them to a worker does) and hold no open resources."""

import io
import mmap
import pickle
import socket
import threading
import types

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sktransfer import CORAL, KMM, TCA
from sktransfer.model_selection import (
    CircularValidationScorer,
    DeepEmbeddedValidationScorer,
    DomainShuffleSplit,
    DomainStratifiedKFold,
    ImportanceWeightedScorer,
    LeaveOneDomainOut,
    PredictionEntropyScorer,
    SoftNeighborhoodDensityScorer,
    SupervisedTargetScorer,
)

#: step name: (adapter, grid of two values, label-free scorer). Every seed is
#: used: KMM's and TCA's Nystroem maps draw their landmarks with random_state,
#: and the scorers seed their domain classifier, a SAGA logistic regression,
#: which shuffles the rows (the default lbfgs one draws nothing).
_SEEDED_DOMAIN_CLASSIFIER = LogisticRegression(solver="saga", tol=1e-2)
SEARCHES = {
    "kmm": (KMM(LogisticRegression(), approximation="nystroem", n_components=20,
                random_state=0),
            {"B": [1.0, 1000.0]},
            ImportanceWeightedScorer(domain_classifier=_SEEDED_DOMAIN_CLASSIFIER,
                                     random_state=0)),
    "coral": (CORAL(LogisticRegression()), {"reg": [0.1, 10.0]},
              ImportanceWeightedScorer(domain_classifier=_SEEDED_DOMAIN_CLASSIFIER,
                                       loss="log", random_state=0)),
    "tca": (TCA(LogisticRegression(), n_components=2, kernel="rbf",
                approximation="nystroem", n_landmarks=20, random_state=0),
            {"mu": [0.1, 10.0]},
            DeepEmbeddedValidationScorer(domain_classifier=_SEEDED_DOMAIN_CLASSIFIER,
                                         random_state=0)),
}
SCORERS = [ImportanceWeightedScorer(random_state=0),
           ImportanceWeightedScorer(ratio="kmm", random_state=0),
           DeepEmbeddedValidationScorer(random_state=0), CircularValidationScorer(),
           PredictionEntropyScorer(), SoftNeighborhoodDensityScorer(),
           SupervisedTargetScorer()]
COMPARED = ["params", "mean_test_score", "std_test_score", "rank_test_score",
            "split0_test_score", "split1_test_score", "split2_test_score"]


def _name(obj):
    return type(obj).__name__


@pytest.fixture(scope="module", autouse=True)
def _one_blas_thread():
    """The matrices here are tiny: BLAS threads only wait for each other
    (several times slower on a busy 2-core machine). The loky workers of
    ``n_jobs=2`` on 2 cores run one BLAS thread each anyway; the serial and
    parallel results are also equal without this limit."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield




def _search(step, **kwargs):
    adapter, grid, scorer = SEARCHES[step]
    return GridSearchCV(make_pipeline(StandardScaler(), clone(adapter)),
                        {f"{step}__{key}": values for key, values in grid.items()},
                        scoring=scorer, error_score="raise",
                        cv=DomainStratifiedKFold(3, shuffle=True, random_state=0),
                        **kwargs)


def _assert_same_results(got, expected):
    for key in COMPARED:
        if key == "params":
            assert got.cv_results_[key] == expected.cv_results_[key]
        else:  # exactly equal, not close
            np.testing.assert_array_equal(got.cv_results_[key], expected.cv_results_[key],
                                          err_msg=key)
    assert got.best_params_ == expected.best_params_


@pytest.fixture(scope="module")
def serial(shift):
    """The serial search of every adapter, fitted once for the module."""
    return {step: _search(step, n_jobs=1).fit(shift.X, shift.y) for step in SEARCHES}


# ----------------------------------------------------------- n_jobs (loky)
@pytest.mark.parametrize("step", SEARCHES)
def test_two_loky_workers_give_the_serial_results(step, shift, serial):
    with joblib.parallel_config("loky"):
        parallel = _search(step, n_jobs=2).fit(shift.X, shift.y)
    _assert_same_results(parallel, serial[step])
    assert len(set(serial[step].cv_results_["mean_test_score"])) == 2  # a real choice


@pytest.mark.parametrize("backend", ["loky", "dask"])
def test_routed_search_on_workers_gives_the_serial_results(backend, shift, request):
    # the routing setting travels with each task: without it a worker's
    # SupervisedTargetScorer would get no sample_domain and raise
    if backend == "dask":
        request.getfixturevalue("dask_client")

    def fit(n_jobs):
        with sklearn.config_context(enable_metadata_routing=True):
            adapter = CORAL(LogisticRegression()).set_fit_request(
                sample_domain=True).set_score_request(sample_domain=True)
            search = GridSearchCV(
                make_pipeline(StandardScaler(), adapter), {"coral__reg": [0.1, 10.0]},
                scoring=SupervisedTargetScorer(), error_score="raise", n_jobs=n_jobs,
                cv=DomainStratifiedKFold(3, shuffle=True, random_state=0))
            return search.fit(shift.X, shift.y_semi, sample_domain=shift.sd)

    serial_search = fit(n_jobs=1)
    with joblib.parallel_config(backend):
        parallel_search = fit(n_jobs=2)
    _assert_same_results(parallel_search, serial_search)


# ---------------------------------------------------------------- pickling
def _open_resources(obj, path="model", seen=None):
    """Paths of the attributes of ``obj`` (recursively) that hold an open
    resource: a file, socket, memory map, thread, lock or live generator."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    lock_types = (type(threading.Lock()), type(threading.RLock()))
    if isinstance(obj, (io.IOBase, socket.socket, mmap.mmap, np.memmap, threading.Thread,
                        types.GeneratorType) + lock_types):
        return [path]
    if isinstance(obj, np.ndarray):
        return [] if obj.base is None else _open_resources(obj.base, f"{path}.base", seen)
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple, set, frozenset)):
        items = enumerate(obj)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        items = vars(obj).items()
    else:
        return []
    return [found for key, value in items
            for found in _open_resources(value, f"{path}.{key}", seen)]


def test_the_resource_walker_finds_open_resources(tmp_path):
    # the check below can fail: it finds a file and a lock where they hide
    with open(tmp_path / "f", "w") as handle:
        model = CORAL(LogisticRegression())
        model.log_ = [{"file": handle}]
        model.lock_ = threading.Lock()
        assert _open_resources(model) == ["model.log_.0.file", "model.lock_"]


@pytest.mark.parametrize("step", SEARCHES)
def test_fitted_adapters_pickle_and_predict_the_same(step, shift):
    model = make_pipeline(StandardScaler(), clone(SEARCHES[step][0])).fit(
        shift.X, shift.y_semi, **{f"{step}__sample_domain": shift.sd})
    assert _open_resources(model) == []
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(shift.X),
                                  model.predict_proba(shift.X))
    np.testing.assert_array_equal(restored.predict(shift.X), model.predict(shift.X))
    adapter, restored_adapter = model[-1], restored[-1]
    if hasattr(adapter, "transform"):  # source rows as source rows too
        np.testing.assert_array_equal(
            restored_adapter.transform(shift.X, sample_domain=shift.sd),
            adapter.transform(shift.X, sample_domain=shift.sd))
    assert repr(restored) == repr(model)


@pytest.mark.parametrize("scorer", SCORERS, ids=_name)
def test_scorers_pickle_and_score_the_same(scorer, shift):
    model = make_pipeline(StandardScaler(), CORAL(LogisticRegression())).fit(
        shift.X, shift.y_semi, coral__sample_domain=shift.sd)
    assert _open_resources(scorer) == []
    restored = pickle.loads(pickle.dumps(scorer))
    assert type(restored) is type(scorer) and vars(restored).keys() == vars(scorer).keys()
    expected = scorer(model, shift.X, shift.y_semi, sample_domain=shift.sd)
    assert np.isfinite(expected)
    assert restored(model, shift.X, shift.y_semi, sample_domain=shift.sd) == expected


@pytest.mark.parametrize("cv", [DomainStratifiedKFold(3, shuffle=True, random_state=0),
                                DomainShuffleSplit(3, random_state=0),
                                LeaveOneDomainOut()], ids=_name)
def test_splitters_pickle_and_split_the_same(cv, shift):
    odd_source = (np.arange(len(shift.sd)) % 2 == 1) & (shift.sd > 0)
    sd = np.where(odd_source, 2, shift.sd)  # two source domains
    restored = pickle.loads(pickle.dumps(cv))
    for (train, test), (train_r, test_r) in zip(
            cv.split(shift.X, shift.y, sample_domain=sd),
            restored.split(shift.X, shift.y, sample_domain=sd), strict=True):
        np.testing.assert_array_equal(train_r, train)
        np.testing.assert_array_equal(test_r, test)


# -------------------------------------------------------------------- dask
@pytest.fixture(scope="module")
def dask_client():
    """A two-worker in-process dask cluster, closed after the module."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client
    assert client.status == "closed"


@pytest.mark.parametrize("step", SEARCHES)
def test_dask_backend_gives_the_serial_results(step, shift, serial, dask_client):
    from distributed import get_task_stream

    with get_task_stream(dask_client) as tasks, joblib.parallel_config("dask"):
        on_dask = _search(step).fit(shift.X, shift.y)
    assert len(tasks.data) > 0  # the fits ran on the cluster
    _assert_same_results(on_dask, serial[step])


def test_dask_backend_with_scattered_data(shift, serial, dask_client):
    with joblib.parallel_config("dask", scatter=[shift.X, shift.y]):
        on_dask = _search("coral").fit(shift.X, shift.y)
        held = dask_client.who_has()
    # X and y were shipped to the cluster once (dask may not have replicated
    # them to every worker yet when asked: at least one holder each)
    assert len(held) >= 2 and all(len(workers) >= 1 for workers in held.values())
    _assert_same_results(on_dask, serial["coral"])
