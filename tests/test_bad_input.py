"""Bad input gets a clear error before any heavy work (issue 19's defects):
sample_weight of the wrong length or sign, values near the float range,
scorers given lists, unchecked flags, and a process memory limit."""

import subprocess
import sys
import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, Ridge

from sktransfer import (
    CORAL,
    KMM,
    TCA,
    LinearOTMapping,
    SparseHeterogeneousMapping,
    SubspaceAlignment,
    TrAdaBoostClassifier,
    WeightedPooling,
)
from sktransfer.metrics import coral_distance, mmd
from sktransfer.model_selection import CircularValidationScorer, PredictionEntropyScorer

ADAPTERS = {
    "coral": lambda: CORAL(LogisticRegression()),
    "tca": lambda: TCA(LogisticRegression(), n_components=2),
    "kmm": lambda: KMM(LogisticRegression()),
    "subspace": lambda: SubspaceAlignment(LogisticRegression(), n_components=2),
    "linear_ot": lambda: LinearOTMapping(LogisticRegression()),
    "weighted_pooling": lambda: WeightedPooling(LogisticRegression(), target_weight=2.0),
}


def data(n=40, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = np.r_[(X[: n // 2, 0] > 0).astype(int), -np.ones(n - n // 2, dtype=int)]
    return X * scale, y


@pytest.mark.parametrize("name", ADAPTERS)
@pytest.mark.parametrize("sw, match", [
    (np.ones(5), r"sample_weight has shape \(5,\) but X has 40 rows"),
    (-np.ones(40), "negative values"),
    (np.zeros(40), "every sample_weight is 0"),
    (np.full(40, np.nan), "NaN or infinite"),
])
def test_sample_weight_is_checked_before_the_adaptation(name, sw, match, monkeypatch):
    X, y = data()
    est = ADAPTERS[name]()
    # the adaptation hook never runs on a bad weight
    monkeypatch.setattr(type(est), "_fit_adapter",
                        lambda *a, **k: pytest.fail("adapted before the check"))
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, sample_weight=sw)


@pytest.mark.parametrize("name", ADAPTERS)
@pytest.mark.parametrize("scale", [1e150, 1e300])
def test_values_near_the_float_range_are_refused_at_once(name, scale):
    X, y = data(scale=scale)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="Rescale the features"):
        ADAPTERS[name]().fit(X, y)
    assert time.perf_counter() - start < 5     # before any solver runs
    Xf, yf = data()
    sd = np.r_[np.ones(20, int), -np.ones(20, int)]
    yf[20:24] = (Xf[20:24, 0] > 0).astype(int)     # a few labelled target rows
    fitted = ADAPTERS[name]().fit(Xf, yf, sample_domain=sd)
    with pytest.raises(ValueError, match="above 1e\\+100"):
        fitted.predict(X)


# LogisticRegression's lbfgs on features of size 1e50 stops at max_iter (and
# says so); what is tested is that such values are accepted and stay finite
@pytest.mark.filterwarnings("ignore:lbfgs failed to converge")
def test_large_values_elsewhere():
    X, y = data(scale=1e200)
    sd = np.r_[np.ones(20, int), -np.ones(20, int)]
    y_lab = y.copy()
    y_lab[20:24] = [0, 1, 0, 1]
    with pytest.raises(ValueError, match="Rescale the features"):
        TrAdaBoostClassifier(LogisticRegression()).fit(X, y_lab, sample_domain=sd)
    with pytest.raises(ValueError, match="Rescale the features"):
        SparseHeterogeneousMapping(Ridge(), source_features=[0]).fit(X, y.astype(float))
    for metric in (mmd, coral_distance):
        with pytest.raises(ValueError, match="X_source has an entry"):
            metric(X, data()[0])
    fitted = CORAL(LogisticRegression()).fit(*data())
    with pytest.raises(ValueError, match="Rescale"):
        CircularValidationScorer()(fitted, X, y)
    # values that are merely large stay accepted
    big = CORAL(LogisticRegression()).fit(data(scale=1e50)[0], y)
    assert np.all(np.isfinite(big.predict_proba(data(scale=1e50)[0])))


def test_scorers_take_lists_of_rows():
    X, y = data()
    fitted = CORAL(LogisticRegression()).fit(X, y)
    assert PredictionEntropyScorer()(fitted, X.tolist(), y.tolist()) == pytest.approx(
        PredictionEntropyScorer()(fitted, X, y))
    with pytest.raises(ValueError, match="X must be 2-d"):
        PredictionEntropyScorer()(fitted, X[:, 0].tolist(), y.tolist())


def test_coral_center_must_be_a_bool():
    with pytest.raises(ValueError, match="center must be True or False, got 'yes'"):
        CORAL(center="yes").fit(*data())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ulimit -v, procfs")
def test_kernel_memory_check_honours_a_process_limit():
    # 3 GB of address space: a 20000 x 20000 float64 kernel (3.2 GB) cannot
    # fit though the machine's physical memory could hold it
    code = (
        "import numpy as np\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "from sktransfer import KMM\n"
        "X = np.random.default_rng(0).normal(size=(40000, 2))\n"
        "y = np.r_[np.zeros(10000, int), np.ones(10000, int), -np.ones(20000, int)]\n"
        "try:\n"
        "    KMM(LogisticRegression(), tol=1e-9).fit(X, y)\n"
        "except ValueError as e:\n"
        "    print('REFUSED', e)\n")
    out = subprocess.run(["bash", "-c", f"ulimit -v 3000000; {sys.executable} -c \"$0\"",
                          code], capture_output=True, text=True, timeout=120)
    assert "REFUSED" in out.stdout and "low-rank mode" in out.stdout, out.stdout + out.stderr


# ------------------------------------------------------ non-numeric columns

def _with_a_city_column(n=20, seed=0):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "city": ["paris", "rome"] * (n // 2),
                      "b": rng.normal(size=n)})
    y = np.r_[np.tile([0, 1], n // 4), -np.ones(n - n // 2, dtype=int)]
    return X, y


NON_NUMERIC = {
    **ADAPTERS,
    "heterogeneous": lambda: SparseHeterogeneousMapping(LogisticRegression()),
    "tradaboost": lambda: TrAdaBoostClassifier(LogisticRegression(), n_estimators=2),
}


@pytest.mark.parametrize("name", NON_NUMERIC)
@pytest.mark.parametrize("as_list", [False, True])
def test_a_non_numeric_column_is_named(name, as_list):
    X, y = _with_a_city_column()
    sd = np.where(y >= 0, 1, -1)
    sd[10:12] = -1
    y = y.copy()
    y[10:12] = [0, 1]              # two labelled target rows for TrAdaBoost
    where = r"column 1 of X" if as_list else r"column 'city' \(index 1\) of X"
    X = X.values.tolist() if as_list else X
    with pytest.raises(ValueError, match=where + r" holds a non-numeric value, 'paris'.*"
                                   r"OneHotEncoder"):
        NON_NUMERIC[name]().fit(X, y, sample_domain=sd)


def test_a_non_numeric_column_is_named_at_predict_and_by_the_metrics():
    X, y = _with_a_city_column()
    numeric = X.drop(columns="city")
    est = CORAL(LogisticRegression()).fit(numeric, y)
    bad = numeric.assign(b=["x"] * len(numeric))
    with pytest.raises(ValueError, match=r"column 'b' \(index 1\) of X .* 'x'"):
        est.predict(bad)
    with pytest.raises(ValueError, match=r"mmd: column 'city' \(index 1\) of X_target"):
        mmd(numeric.to_numpy(), X)


def test_numbers_written_as_strings_still_convert():
    X, y = _with_a_city_column()
    X = X.drop(columns="city").astype(str)           # "0.125" converts
    assert CORAL(LogisticRegression()).fit(X, y).predict(X).shape == (len(X),)
