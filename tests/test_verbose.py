"""Progress reports of long fits (``verbose``, issue 19): KMM's solver, the
boosting rounds (the heterogeneous mapping's are in test_heterogeneous.py,
the benchmark suite's in test_benchmark_suite.py)."""

import re

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from sktransfer import KMM, TrAdaBoostClassifier, TrAdaBoostRegressor
from sktransfer._progress import Progress
from sktransfer.instance import TwoStageTrAdaBoostRegressor


def shifted(task="classification", n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(0, 1, (n, 2)), rng.normal(0.5, 1, (n, 2))])
    sd = np.r_[np.ones(n, int), -np.ones(n, int)]
    y = X[:, 0] + 0.1 * rng.normal(size=2 * n)
    if task == "classification":
        y = (y > 0.2).astype(int)
    return X, y, sd


def labelled_target(y, sd, n_labelled=20):
    """Mask all but the first ``n_labelled`` target labels."""
    y = y.astype(float)
    target = np.flatnonzero(sd < 0)
    y[target[n_labelled:]] = np.nan
    return y


def lines_of(capsys, owner):
    out = capsys.readouterr().out.splitlines()
    assert all(line.startswith(f"[{owner}] ") for line in out), out
    return out


def test_progress_schedule():
    assert [i for i in range(1, 101) if Progress(1, "x", 100).wants(i)] == \
        [1] + list(range(10, 101, 10))
    assert all(Progress(2, "x", 7).wants(i) for i in range(1, 8))
    assert not any(Progress(0, "x", 7).wants(i) for i in range(1, 8))
    # unknown total: every step
    assert Progress(1, "x").wants(3)


def test_kmm_reports_its_solver(capsys):
    X, y, sd = shifted()
    quiet = KMM(LogisticRegression(), tol=1e-4).fit(X, y, sample_domain=sd)
    assert capsys.readouterr().out == ""
    model = KMM(LogisticRegression(), tol=1e-4, verbose=2).fit(X, y, sample_domain=sd)
    out = lines_of(capsys, "KMM")
    assert out[0] == "[KMM] 60 source rows, 60 target rows: solving the quadratic program"
    iterations = [line for line in out if re.match(r"\[KMM\] \d+/1000: objective ", line)]
    assert len(iterations) == model.n_iter_
    assert re.search(rf"(converged|stopped) after {model.n_iter_} iterations", out[-1])
    # the last reported objective is the solver's
    np.testing.assert_allclose(float(iterations[-1].rsplit(" ", 1)[1]),
                               model.objective_, rtol=1e-6)
    np.testing.assert_array_equal(model.weights_, quiet.weights_)
    KMM(LogisticRegression(), tol=1e-4, verbose=1).fit(X, y, sample_domain=sd)
    assert 3 <= len(lines_of(capsys, "KMM")) <= 14


@pytest.mark.parametrize("make, task", [
    (lambda v: TrAdaBoostClassifier(LogisticRegression(), n_estimators=5, verbose=v),
     "classification"),
    (lambda v: TrAdaBoostRegressor(LinearRegression(), n_estimators=5, verbose=v),
     "regression"),
])
def test_boosting_reports_each_round(make, task, capsys):
    X, y, sd = shifted(task)
    y = labelled_target(y, sd)
    quiet = make(0).fit(X, y, sample_domain=sd)
    assert capsys.readouterr().out == ""
    model = make(2).fit(X, y, sample_domain=sd)
    owner = type(model).__name__
    out = lines_of(capsys, owner)
    assert [line.split(":")[0] for line in out] == [f"[{owner}] {t}/5" for t in range(1, 6)]
    for line, error in zip(out, model.estimator_errors_):
        assert f"target error {error:.4f}" in line
    np.testing.assert_array_equal(model.estimator_errors_, quiet.estimator_errors_)


def test_two_stage_reports_each_step(capsys):
    X, y, sd = shifted("regression")
    y = labelled_target(y, sd)
    model = TwoStageTrAdaBoostRegressor(LinearRegression(), n_steps=4, n_estimators=3,
                                        n_folds=2, random_state=0, verbose=1)
    model.fit(X, y, sample_domain=sd)
    out = lines_of(capsys, "TwoStageTrAdaBoostRegressor")
    assert len(out) == 4
    for line, error in zip(out, model.cv_errors_):
        assert f"cross-validated target error {error:.4g}" in line


@pytest.mark.parametrize("make", [
    lambda v: KMM(LogisticRegression(), verbose=v),
    lambda v: TrAdaBoostClassifier(verbose=v),
])
@pytest.mark.parametrize("bad", [-1, 1.5, "yes", None])
def test_bad_verbose_is_refused_before_fitting(make, bad):
    X, y, sd = shifted()
    if isinstance(make(0), TrAdaBoostClassifier):
        y = labelled_target(y, sd)
    with pytest.raises(ValueError, match="verbose must be an integer >= 0"):
        make(bad).fit(X, y, sample_domain=sd)


def test_verbose_true_counts_as_one(capsys):
    X, y, sd = shifted()
    KMM(LogisticRegression(), tol=1e-4, verbose=True).fit(X, y, sample_domain=sd)
    assert lines_of(capsys, "KMM")
