"""Methods of the benchmark suite: ours, skada's equivalents, and the two
baselines, each with the hyperparameter grid the suite selects from.

Every method is built around the task's base estimator (the same for every
method of a task, its own regularisation chosen once by cross-validation on
the labelled source rows) and exposes ``fit(X, y, sample_domain)`` and
``predict(X, sample_domain)``, so that the suite treats ours and the peers'
alike.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold

from sktransfer._kernels import median_heuristic_gamma

LOGREG_C = (1e-3, 1e-2, 1e-1, 1.0, 10.0)
RIDGE_ALPHA = (1e-2, 1e-1, 1.0, 10.0, 100.0)
#: skada's TCA is a dense O(n^3) solve, and its components leave lbfgs far from
#: convergence (minutes per fit on Office-Caltech): above this many rows it is skipped
SKADA_TCA_MAX_ROWS = 1000
#: the OT mapping's coupling is dense (n_s x n_t) and solved once per setting
OT_MAX_ROWS = 3000


def choose_base(problem):
    """The task's base estimator, its regularisation chosen by 5-fold
    cross-validation on the labelled source rows only."""
    src = problem.source_index
    return choose_regularised(problem.X[src], problem.y[src], problem.kind)


def choose_regularised(X, y, kind="classification"):
    """Logistic regression (``C`` in ``LOGREG_C``) or ridge (``alpha`` in
    ``RIDGE_ALPHA``) with its regularisation chosen by 5-fold
    cross-validation on ``(X, y)``; returns the unfitted estimator and the
    chosen parameters."""
    if kind == "classification":
        classes, counts = np.unique(y, return_counts=True)
        est = LogisticRegression(solver="liblinear" if classes.size == 2 else "lbfgs",
                                 max_iter=1000)
        # a few target labels: fewer folds when the smallest class has fewer
        # than 5 rows (every training fold must hold every class); none (the
        # default C) when a class has a single row: a fold without it cannot be
        # fitted, and a grid of all-NaN scores would pick its first C blindly
        n_splits = min(5, int(counts.min()))
        if n_splits < 2:
            return est, {}
        grid = {"C": list(LOGREG_C)}
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    else:
        est, grid = Ridge(), {"alpha": list(RIDGE_ALPHA)}
        cv = KFold(5, shuffle=True, random_state=0)
    search = GridSearchCV(est, grid, cv=cv).fit(X, y)
    return clone(est).set_params(**search.best_params_), search.best_params_


@dataclass(frozen=True)
class Method:
    """``build(base, params)`` gives an unfitted estimator; ``grid(problem)``
    the candidate ``params``; ``package`` is "baseline", "sktransfer" or
    "skada"; ``trained_on`` is "source+target" (an adapter: every row, target
    labels masked), "source" or "target-labelled" (the baselines)."""

    name: str
    package: str
    build: Callable
    grid: Callable
    trained_on: str = "source+target"
    max_rows: int | None = None
    requires: str | None = None   # module that must import
    deep: bool = False            # a torch net: run only when asked (--deep)
    # whether predict(X, sample_domain=+1) maps rows as source rows; skada's
    # adapters refuse source rows at predict time ("allow_source" is False),
    # so its held-out source rows are predicted as target rows
    predicts_source_rows: bool = True
    # the base estimator's regularisation searched jointly with the grid
    # (as ``estimator__C`` / ``estimator__alpha``), by the same selection
    # rule: an adapter changes the features, so the C chosen on the raw
    # source rows can be far off on them (TCA's embedding: office W->D fell
    # from 84.8 to 37.3 with the raw C)
    joint_base: bool = False
    # whether the suite scores a source-validation fit (AutoAdapter does
    # its own validation inside fit: fitting it twice would only cost)
    source_validation: bool = True

    def available(self):
        if self.requires is None:
            return True, ""
        try:
            importlib.import_module(self.requires)
        except Exception as exc:  # noqa: BLE001 - any import failure means "absent"
            return False, f"{self.requires} does not import ({type(exc).__name__})"
        return True, ""


def base_param_grid(kind):
    """The base estimator's regularisation grid: ``{"C": LOGREG_C}`` or
    ``{"alpha": RIDGE_ALPHA}``."""
    return {"C": list(LOGREG_C)} if kind == "classification" else {"alpha": list(RIDGE_ALPHA)}


def base_grid(kind):
    """The settings of the base estimator searched with a ``joint_base``
    method, as ``estimator__`` parameters."""
    ((name, values),) = base_param_grid(kind).items()
    return [{f"estimator__{name}": v} for v in values]


def candidates(method, problem):
    """The method's grid, times the base grid for a ``joint_base`` method."""
    grid = method.grid(problem)
    if not method.joint_base:
        return grid
    return [{**g, **b} for g in grid for b in base_grid(problem.kind)]


def fit_model(method, model, X, y, sample_domain):
    if method.trained_on == "source+target":
        return model.fit(X, y, sample_domain=sample_domain)
    return model.fit(X, y)


def predict_model(method, model, X, sample_domain):
    if method.trained_on == "source+target":
        return model.predict(X, sample_domain=sample_domain)
    return model.predict(X)


# ------------------------------------------------------------------ grids
def _no_grid(problem):
    return [{}]


def _kmm_grid(problem):
    # the bandwidth around the median heuristic of the (scaled) rows
    g = median_heuristic_gamma(problem.X, random_state=0)
    return [{"gamma": g * f} for f in (0.1, 1.0, 10.0)]


def _coral_grid(problem):
    return [{"reg": r} for r in ("auto", 0.1, 1.0)]


def _tca_components(problem):
    d = problem.n_features
    return sorted({max(2, min(100, d // 4)), max(2, min(100, d // 2))})


def _tca_grid(problem):
    return [{"n_components": k, "mu": mu}
            for k in _tca_components(problem) for mu in (0.1, 1.0, 10.0)]


# --------------------------------------------------------------- builders
def _ours(cls_name, **fixed):
    def build(base, params):
        cls = getattr(importlib.import_module("sktransfer"), cls_name)
        # a clone: set_params(estimator__C=...) would otherwise change the
        # task's shared base estimator for every later method
        return cls(clone(base), **fixed).set_params(**params)
    return build


def _auto(base, params):
    from sklearn.base import is_classifier

    from sktransfer import AutoAdapter

    kind = "classification" if is_classifier(base) else "regression"
    return AutoAdapter(base, estimator_grid=base_param_grid(kind), random_state=0, **params)


def _sa_grid(problem):
    d = problem.n_features
    return [{"n_components": k} for k in sorted({max(1, min(100, d // 4)),
                                                 max(1, min(100, d // 2))})]


def _ot_grid(problem):
    return [{"reg_cl": 0.0}] + ([{"reg_cl": 1.0}] if problem.kind == "classification"
                                else [])


class SkadaReweighted:
    """skada's KMM weights, then the base estimator fitted on the source rows
    with them (skada's own ``KMMReweight`` pipeline needs metadata routing
    switched on globally to pass the weights on)."""

    def __init__(self, base, gamma):
        self.base, self.gamma = base, gamma

    def fit(self, X, y, sample_domain):
        from skada import KMMReweightAdapter

        adapter = KMMReweightAdapter(gamma=self.gamma, B=1000.0)
        weights = adapter.fit(X, sample_domain=sample_domain).source_weights_
        source = sample_domain > 0
        self.estimator_ = clone(self.base).fit(X[source], y[source],
                                               sample_weight=np.asarray(weights, float))
        return self

    def predict(self, X, sample_domain=None):
        return self.estimator_.predict(X)


def _skada_kmm(base, params):
    return SkadaReweighted(base, params["gamma"])


def _skada_coral(base, params):
    from skada import CORAL
    return CORAL(base, reg=params["reg"])


def _skada_tca(base, params):
    from skada import TransferComponentAnalysis
    # skada solves (I + mu K L K)^-1 K H K: its mu is the paper's 1 / mu
    return TransferComponentAnalysis(base, kernel="linear",
                                     n_components=params["n_components"],
                                     mu=1.0 / params["mu"])


def _baseline(base, params):
    return clone(base)


#: the deep nets' fixed settings in the suite: one architecture for every
#: task (the rows are standardised by the task), seeded, on CUDA when there
#: is one (device="auto")
DEEP_FIXED = dict(module__hidden=(128, 64), max_epochs=40, batch_size=64, lr=1e-3,
                  random_state=0, device="auto")


def _deep(name, **fixed):
    """A net of :mod:`sktransfer.deep`: ``<name>Classifier`` or
    ``<name>Regressor`` by the task's base estimator (the base itself is not
    used: the net is its own model)."""
    def build(base, params):
        from sklearn.base import is_classifier

        deep = importlib.import_module("sktransfer.deep")
        cls = getattr(deep, name + ("Classifier" if is_classifier(base) else "Regressor"))
        return cls(**DEEP_FIXED, **fixed, **params)
    return build


def _weights(*values):
    def grid(problem):
        return [{"adaptation_weight": v} for v in values]
    return grid


METHODS = (
    Method("source_only", "baseline", _baseline, _no_grid, trained_on="source"),
    Method("target_only", "baseline", _baseline, _no_grid, trained_on="target-labelled"),
    Method("kmm", "sktransfer", _ours("KMM", B=1000.0, random_state=0), _kmm_grid,
           joint_base=True),
    Method("coral", "sktransfer", _ours("CORAL"), _coral_grid, joint_base=True),
    Method("tca", "sktransfer", _ours("TCA", kernel="linear", random_state=0), _tca_grid,
           joint_base=True),
    Method("subspace_alignment", "sktransfer", _ours("SubspaceAlignment"), _sa_grid,
           joint_base=True),
    Method("linear_ot", "sktransfer", _ours("LinearOTMapping"), _no_grid, joint_base=True),
    Method("ot_mapping", "sktransfer", _ours("OTMapping"), _ot_grid, joint_base=True,
           requires="ot", max_rows=OT_MAX_ROWS),
    Method("auto", "sktransfer", _auto, _no_grid, source_validation=False),
    Method("skada_kmm", "skada", _skada_kmm, _kmm_grid, requires="skada"),
    Method("skada_coral", "skada", _skada_coral, _coral_grid, requires="skada",
           predicts_source_rows=False),
    Method("skada_tca", "skada", _skada_tca, _tca_grid, requires="skada",
           max_rows=SKADA_TCA_MAX_ROWS, predicts_source_rows=False),
    # deep nets (--deep): the source-only net is their baseline, same module
    Method("deep_source_only", "sktransfer", _deep("SourceOnly"), _no_grid,
           requires="sktransfer.deep", deep=True),
    Method("dann", "sktransfer", _deep("DANN"), _weights(0.1, 1.0),
           requires="sktransfer.deep", deep=True),
    Method("deep_coral", "sktransfer", _deep("DeepCORAL"), _weights(1.0, 10.0, 100.0),
           requires="sktransfer.deep", deep=True),
    Method("dan", "sktransfer", _deep("DAN"), _weights(0.1, 1.0),
           requires="sktransfer.deep", deep=True),
    Method("mcd", "sktransfer", _deep("MCD"), lambda problem: [{"num_k": 2}, {"num_k": 4}],
           requires="sktransfer.deep", deep=True),
)


def select_methods(names=None, *, peers=True, deep=False):
    """The methods to run: those named (every one when ``names`` is None),
    the two baselines always, skada's only with ``peers``, the deep nets
    only with ``deep`` or when named."""
    chosen = [m for m in METHODS if names is None or m.name in names
              or m.trained_on != "source+target"]
    chosen = [m for m in chosen if deep or not m.deep or (names and m.name in names)]
    return [m for m in chosen if peers or m.package != "skada"]
