"""Property-based fuzz tests (issue 19): every public estimator, scorer,
splitter and metric on generated inputs (shapes, dtypes, magnitudes, NaN and
inf, masked labels, domain labels, a different feature count at predict,
plausible and absurd hyperparameters) either returns finite, right-sized
output or raises a ``ValueError`` / ``TypeError`` whose message names the
problem. Marked slow; ``SKTRANSFER_FUZZ_PROFILE`` picks the number of
cases (conftest.py)."""

import importlib.util
import signal
import warnings

import numpy as np
import pytest
from _targets import PLAUSIBLE, deep, estimators, metrics, online, scorers, splitters
from hypothesis import event, given
from hypothesis import strategies as st

pytestmark = pytest.mark.slow

#: wordings of a library's internals, not of an error that names the problem
INTERNAL = ("could not broadcast", "index out of bounds", "is not callable",
            "unsupported operand", "has no attribute", "object is not subscriptable",
            "singular matrix", "math domain error", "division by zero")
WALL_S = 20


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def bounded(call):
    """``call()`` with a hard wall-clock bound (a hang is a defect)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(WALL_S)
    try:
        return call()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def acceptable(exc):
    """A ValueError / TypeError with a message of its own."""
    event(f"raised {type(exc).__name__}")
    if not isinstance(exc, (ValueError, TypeError)):
        return False
    message = str(exc).lower()
    return bool(message.strip()) and not any(p in message for p in INTERNAL)


@st.composite
def domain_data(draw, task, clean=False):
    """``X, y, sample_domain, X_new`` under the contract; unless ``clean``,
    often malformed (tiny, one class, extreme magnitudes, NaN / inf, bad
    ``sample_domain``, another feature count at predict)."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    n = draw(st.integers(12, 30) if clean else st.integers(1, 24))
    d = draw(st.integers(1, 5))
    exponents = [0] if clean else [-300, -5, 0, 0, 0, 3, 50, 120]
    X = rng.normal(size=(n, d)) * 10.0 ** draw(st.sampled_from(exponents))
    dtype = draw(st.sampled_from(["float64", "float32"] if clean
                                 else ["float64", "float64", "float32", "int", "bool"]))
    if dtype != "float64":
        with np.errstate(all="ignore"):
            X = X.astype({"int": np.int64, "bool": bool}.get(dtype, dtype))
    if not clean and draw(st.integers(0, 3)) == 0:
        X = X.astype(np.float64)
        X[draw(st.integers(0, n - 1)), draw(st.integers(0, d - 1))] = draw(
            st.sampled_from([np.nan, np.inf, -np.inf]))
    n_target = draw(st.integers(4, n - 8) if clean else st.integers(0, n))
    is_target = np.zeros(n, bool)
    is_target[rng.permutation(n)[:n_target]] = True
    some_target_labels = draw(st.booleans())
    if task == "classification":
        n_classes = draw(st.integers(2, 3) if clean else st.integers(1, 3))
        y = np.arange(n) % n_classes            # every class among the source rows
        y = y[rng.permutation(n)] if not clean else y
        if clean:                               # keep each class on the source rows
            is_target = np.zeros(n, bool)
            is_target[n - n_target:] = True
        y[is_target] = -1
        if some_target_labels:
            labelled = np.flatnonzero(is_target)[: 2 * n_classes]
            y[labelled] = np.arange(labelled.size) % n_classes
    else:
        y = rng.normal(size=n)
        if clean:
            is_target = np.zeros(n, bool)
            is_target[n - n_target:] = True
        y[is_target] = np.nan
        if some_target_labels:
            y[np.flatnonzero(is_target)[:4]] = 0.5
    modes = (["none", "given", "several"] if clean
             else ["none", "none", "given", "several", "zeros", "short"])
    mode = draw(st.sampled_from(modes))
    sd = None
    if mode == "given":
        sd = np.where(is_target, -1, 1)
    elif mode == "several":
        sd = np.where(is_target, -1, 1 + np.arange(n) % 2)
    elif mode == "zeros":
        sd = np.zeros(n, int)
    elif mode == "short":
        sd = np.where(is_target, -1, 1)[: max(n - 1, 1)]
    d_predict = d if clean else draw(st.sampled_from([d, d, d, d + 1]))
    X_new = rng.normal(size=(draw(st.integers(1, 6)), d_predict))
    return X, y, sd, X_new


def _params(draw, space, clean=False):
    """Some hyperparameters; in a clean case only plausible values."""
    params = {}
    for name, strategy in space.items():
        if clean and id(strategy) not in PLAUSIBLE:
            continue                            # an option strategy with a bogus value
        if draw(st.booleans()):
            params[name] = draw(PLAUSIBLE[id(strategy)] if clean else strategy)
    return params


ESTIMATORS = estimators()


#: defects the fuzzing found and that are not fixed yet (each skipped case
#: would fail): the issue's notes say so too
KNOWN_DEFECTS = {
    # none open; e.g. SparseHeterogeneousMapping's solve once stalled on values
    # near 1e50 (fixed: unit-scale solve, bounded backtracking)
}


def _attempt(name, params, call):
    """Run ``call()`` (whose steps are ``bounded``) recording warnings:
    ``(True, result, warnings)``, or ``(False, None, warnings)`` when it raised
    an acceptable error; the test fails on a timeout or any other error."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except _Timeout:
            pytest.fail(f"{name} did not return within {WALL_S} s on {params}")
        except Exception as exc:                     # noqa: BLE001
            assert acceptable(exc), f"{name} {params}: {type(exc).__name__}: {exc}"
            return False, None, caught
    return True, result, caught


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.skip(reason=KNOWN_DEFECTS[n])) if n in KNOWN_DEFECTS
    else n for n in sorted(ESTIMATORS)])
@given(data=st.data())
def test_estimator(name, data):
    make, space, tasks, _ = ESTIMATORS[name]
    task = data.draw(st.sampled_from(tasks))
    clean = data.draw(st.booleans())
    X, y, sd, X_new = data.draw(domain_data(task, clean))
    params = _params(data.draw, space, clean)
    kwargs = {} if sd is None else {"sample_domain": sd}

    def fit_and_apply():
        est = make(params, task)
        bounded(lambda: est.fit(X, y, **kwargs))
        return est, bounded(lambda: (est.transform(X_new) if not hasattr(est, "predict")
                                     else est.predict(X_new)))

    ok, result, caught = _attempt(name, params, fit_and_apply)
    if not ok:
        return
    est, out = result
    event("returned an output")
    out = np.asarray(out, dtype=np.float64)
    assert out.shape[0] == X_new.shape[0]
    if not np.all(np.isfinite(out)):
        assert caught, f"{name} {params} returned non-finite output without a warning"
    if hasattr(est, "predict_proba") and task == "classification":
        try:
            P = est.predict_proba(X_new)
        except (ValueError, TypeError, AttributeError):
            return
        assert P.shape[0] == X_new.shape[0]
        if np.all(np.isfinite(P)):
            np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-6)


SCORERS = scorers()


@pytest.mark.parametrize("name", sorted(SCORERS))
@given(data=st.data())
def test_scorer(name, data):
    make, space = SCORERS[name]
    X, y, sd, _ = data.draw(domain_data("classification"))
    params = _params(data.draw, space)
    ok, value, caught = _attempt(name, params, lambda: _score(make, params, X, y, sd))
    if not ok:
        return
    assert np.isfinite(value) or caught, f"{name} gave {value} without a warning"


def _score(make, params, X, y, sd):
    from sklearn.linear_model import LogisticRegression

    from sktransfer import CORAL

    scorer = make(params)
    est = bounded(lambda: CORAL(LogisticRegression(max_iter=100)).fit(X, y))
    kwargs = {} if sd is None else {"sample_domain": sd}
    return bounded(lambda: scorer(est, X, y, **kwargs))


METRICS = metrics()


@pytest.mark.parametrize("name", sorted(METRICS))
@given(data=st.data())
def test_metric(name, data):
    func, space = METRICS[name]
    Xs, _, _, _ = data.draw(domain_data("classification"))
    Xt, _, _, _ = data.draw(domain_data("classification"))
    params = _params(data.draw, space)
    ok, value, _ = _attempt(name, params, lambda: bounded(lambda: func(Xs, Xt, **params)))
    if not ok:
        return
    assert np.isfinite(value), f"{name} {params} gave {value}"


def _run(name, make_and_fit, X_new, params):
    """Fit, predict, check the output as test_estimator does."""
    def fit_and_predict():
        est = bounded(make_and_fit)
        return bounded(lambda: est.predict(X_new))

    ok, out, caught = _attempt(name, params, fit_and_predict)
    if not ok:
        return
    event("returned an output")
    out = np.asarray(out, dtype=np.float64)
    assert out.shape[0] == X_new.shape[0]
    assert np.all(np.isfinite(out)) or caught, f"{name} {params}: non-finite, no warning"


ONLINE = online()


@pytest.mark.parametrize("name", sorted(ONLINE))
@given(data=st.data())
def test_online(name, data):
    from sklearn.linear_model import LogisticRegression

    make, space = ONLINE[name]
    clean = data.draw(st.booleans())
    X, y, _, X_new = data.draw(domain_data("classification", clean))
    params = _params(data.draw, space, clean)
    labelled = y >= 0
    d = X.shape[1] - (1 if name.startswith("Heterogeneous") and X.shape[1] > 1 else 0)

    def make_and_fit():
        source = LogisticRegression(max_iter=100).fit(
            np.asarray(X[labelled][:, :d], dtype=np.float64), y[labelled])
        return make(source, params).fit(X[labelled], y[labelled])

    _run(name, make_and_fit, X_new, params)


DEEP = deep() if importlib.util.find_spec("torch") else {}


@pytest.mark.parametrize("name", sorted(DEEP))
@given(data=st.data())
def test_deep(name, data):
    make, space, tasks = DEEP[name]
    task = tasks[0]
    clean = data.draw(st.booleans())
    X, y, sd, X_new = data.draw(domain_data(task, clean))
    params = _params(data.draw, space, clean)
    kwargs = {} if sd is None else {"sample_domain": sd}
    _run(name, lambda: make(params, task).fit(X, y, **kwargs), X_new, params)


SPLITTERS = splitters()


@pytest.mark.parametrize("name", sorted(SPLITTERS))
@given(data=st.data())
def test_splitter(name, data):
    make, space = SPLITTERS[name]
    clean = data.draw(st.booleans())
    X, y, sd, _ = data.draw(domain_data("classification", clean))
    params = _params(data.draw, space, clean)
    kwargs = {} if sd is None else {"sample_domain": sd}
    ok, folds, _ = _attempt(name, params, lambda: bounded(
        lambda: list(make(params).split(X, y, **kwargs))))
    if not ok:
        return
    event("returned an output")
    for train, test in folds:
        assert np.intersect1d(train, test).size == 0
        assert np.all((0 <= np.r_[train, test]) & (np.r_[train, test] < len(X)))
