"""Running one method on one problem: hyperparameters chosen twice, without
target labels (source validation) and with them (oracle).

For every candidate of the method's grid:

* the *full fit*: every training row (source labelled, all target rows
  masked), scored on the evaluation half of the target rows;
* the *source-validation fit*: the same with a quarter of the labelled
  source rows held out (stratified, seeded), scored on those rows, which
  are passed as source rows (``sample_domain = +1``) so that an adapter
  treats them as the source rows it was trained on (skada's adapters refuse
  source rows at predict time: theirs are passed as target rows).

The label-free choice is the best source-validation score, the oracle the
best target score; both report the target score of their candidate's full
fit. The oracle uses the very labels it is scored on: it is a ceiling on
what selection can do, never a result. Ties go to the earlier candidate.
"""

from __future__ import annotations

import time
import tracemalloc
import traceback
import warnings

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from suite_methods import candidates as method_candidates
from suite_methods import fit_model, predict_model

SOURCE_VALIDATION_SHARE = 0.25


def score(kind, y_true, y_pred):
    """Accuracy in % (classification) or R^2 (regression): higher is better."""
    if kind == "classification":
        return 100.0 * accuracy_score(y_true, y_pred)
    return float(r2_score(y_true, y_pred))


def metric_name(kind):
    return "accuracy %" if kind == "classification" else "R^2"


def _source_validation_split(problem, seed):
    src = problem.source_index
    cls = StratifiedShuffleSplit if problem.kind == "classification" else ShuffleSplit
    split = cls(1, test_size=SOURCE_VALIDATION_SHARE, random_state=seed)
    fit_rows, val_rows = next(split.split(np.zeros(len(src)), problem.y[src]))
    return src[fit_rows], src[val_rows]


def _timed_fit(method, model, X, y, sd):
    t0 = time.perf_counter()
    fit_model(method, model, X, y, sd)
    return time.perf_counter() - t0


def _peak_mib(method, base, params, X, y, sd):
    """Peak of the memory traced by ``tracemalloc`` (Python objects and numpy
    arrays; not BLAS's own buffers) during one more fit."""
    tracemalloc.start()
    try:
        fit_model(method, method.build(base, params), X, y, sd)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _training_rows(method, problem, exclude=()):
    """``(X, y, sample_domain)`` the method is trained on, without the rows
    ``exclude`` (indices of ``problem.X``)."""
    if method.trained_on == "source":
        rows, sd = problem.source_index, None
    elif method.trained_on == "target-labelled":
        return problem.X[problem.lab_index], problem.y_lab, None
    else:
        rows, sd = np.arange(len(problem.y)), problem.sample_domain
    rows = np.setdiff1d(rows, exclude)
    return problem.X[rows], problem.y[rows], None if sd is None else sd[rows]


def selection_scorers(kind, seed):
    """The package's label-free scorers compared in the selection study
    (fresh instances: a scorer keeps no state, this makes sure of it)."""
    from sktransfer.model_selection import (
        CircularValidationScorer,
        DeepEmbeddedValidationScorer,
        ImportanceWeightedScorer,
        PredictionEntropyScorer,
        SoftNeighborhoodDensityScorer,
    )

    scorers = {
        "iwcv": ImportanceWeightedScorer(random_state=seed),
        "iwcv_kmm": ImportanceWeightedScorer(ratio="kmm", random_state=seed),
        "dev": DeepEmbeddedValidationScorer(random_state=seed),
        "circular": CircularValidationScorer(),
    }
    if kind == "classification":
        scorers["entropy"] = PredictionEntropyScorer()
        scorers["snd"] = SoftNeighborhoodDensityScorer()
    return scorers


def _scorer_values(method, model, problem, val_src, seed):
    """Each study scorer on the source-validation model, scored on the fold
    it would see in a search: the held-out source rows (labelled) and every
    target row (masked). A scorer that fails gives ``None`` (reported)."""
    target = np.flatnonzero(problem.sample_domain < 0)
    rows = np.r_[val_src, target]
    sd = np.r_[np.ones(len(val_src), int), -np.ones(len(target), int)]
    values = {}
    for name, scorer in selection_scorers(problem.kind, seed).items():
        try:
            values[name] = scorer(model, problem.X[rows], problem.y[rows], sample_domain=sd)
        except Exception as exc:  # noqa: BLE001 - one scorer must not end the study
            values[name] = None
            warnings.warn(f"{name} failed on {method.name}: {exc!r}")
    return values


def evaluate(method, problem, base, seed, *, study=True):
    """Rows (dicts) for ``method`` on ``problem``: one per selection rule
    ("label-free", "oracle", and with ``study`` one per scorer of the
    selection study, "scorer:<name>", for our methods), or one ("fixed") for
    a method with no grid."""
    X, y, sd = _training_rows(method, problem)
    X_eval = problem.X[problem.eval_index]
    sd_eval = -np.ones(len(X_eval), dtype=int)
    candidates = method_candidates(method, problem)
    # the target-only ceiling never sees source labels: no source validation
    validate = method.trained_on != "target-labelled" and method.source_validation
    _, val_src = _source_validation_split(problem, seed)
    trials = []
    for params in candidates:
        model = method.build(base, params)
        fit_s = _timed_fit(method, model, X, y, sd)
        target = score(problem.kind, problem.y_eval,
                       predict_model(method, model, X_eval, sd_eval))
        source_val = None
        if validate:
            sv_model = method.build(base, params)
            fit_model(method, sv_model, *_training_rows(method, problem, exclude=val_src))
            as_source = 1 if method.predicts_source_rows else -1
            pred = predict_model(method, sv_model, problem.X[val_src],
                                 np.full(len(val_src), as_source))
            source_val = score(problem.kind, problem.y[val_src], pred)
        scorer_values = {}
        if study and validate and method.package == "sktransfer" and len(candidates) > 1:
            scorer_values = _scorer_values(method, sv_model, problem, val_src, seed)
        trials.append(dict(params=params, fit_s=fit_s, target=target,
                           source_val=source_val, scorers=scorer_values))
    if len(trials) == 1:
        picks = {"fixed": trials[0]}
    else:
        picks = {
            "label-free": max(trials, key=lambda t: t["source_val"]),
            "oracle": max(trials, key=lambda t: t["target"]),
        }
        for name in trials[0]["scorers"]:
            if all(t["scorers"][name] is not None for t in trials):
                picks[f"scorer:{name}"] = max(trials, key=lambda t: t["scorers"][name])
    peaks = {}
    rows = []
    for rule, trial in picks.items():
        key = repr(sorted(trial["params"].items()))
        measured = not rule.startswith("scorer:")  # the study reports scores only
        if measured and key not in peaks:
            peaks[key] = _peak_mib(method, base, trial["params"], X, y, sd)
        rows.append(dict(
            method=method.name, package=method.package, selection=rule,
            score=trial["target"], source_val=trial["source_val"],
            params=_format_params(trial["params"]),
            fit_s=trial["fit_s"] if measured else None,
            peak_mib=peaks[key] if measured else None,
            n_candidates=len(trials), status="ok",
        ))
    return rows


def _format_params(params):
    def fmt(v):
        return f"{v:.3g}" if isinstance(v, float) else str(v)
    return ", ".join(f"{k}={fmt(v)}" for k, v in params.items())


def evaluate_safely(method, problem, base, seed):
    """:func:`evaluate`, with a failure reported as a row instead of ending
    the run (a skipped or failed method shows in the table, never vanishes)."""
    ok, why = method.available()
    if not ok:
        return [_status_row(method, f"skipped: {why}")]
    if method.max_rows is not None and len(problem.y) > method.max_rows:
        return [_status_row(method, f"skipped: {len(problem.y)} rows > {method.max_rows} "
                                    "(dense O(n^3) solve)")]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            rows = evaluate(method, problem, base, seed)
    except Exception as exc:  # noqa: BLE001 - keep the rest of the run
        traceback.print_exc()
        return [_status_row(method, f"error: {type(exc).__name__}: {exc}")]
    kinds = sorted({w.category.__name__ for w in caught})
    if kinds:  # reported with the row, not lost in the log
        for row in rows:
            row["status"] = f"ok ({len(caught)} warnings: {', '.join(kinds)})"
    return rows


def _status_row(method, status):
    return dict(method=method.name, package=method.package, selection="-", score=None,
                source_val=None, params="", fit_s=None, peak_mib=None,
                n_candidates=0, status=status)
