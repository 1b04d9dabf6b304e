"""Online track of the benchmark suite: online transfer learning on real
shifts streamed row by row (``sktransfer.online``, issue 8).

A source classifier is fitted on the source domain; then every target row
arrives once, in a fixed random order, is predicted, and has its label
revealed. Each method's cumulative mistake rate along the stream is
recorded and plotted; the online learners' throughput and memory are
measured with and without a support-vector budget. Run it on its own::

    OMP_NUM_THREADS=1 python benchmarks/suite_online.py            # the recorded run
    OMP_NUM_THREADS=1 python benchmarks/suite_online.py --quick    # smoke run, < 20 s
    python benchmarks/suite_online.py --seeds 3 --amazon-seeds 1 --tasks heart

or from another script through :func:`run_online_track`. Writes
``suite_online.csv``, ``suite_online.md`` and ``img/online_<task>.png``
into ``--out-dir`` (``docs/``; ``build/benchmark-quick/`` with ``--quick``).
A ``## Reading`` section written by hand at the end of the page is kept on
rewrite.

Protocol
--------
**Tasks** (the data folder's real shifts; a family whose files are absent
is skipped): wine red -> white (``fetch_wine_quality``, ``target="binary"``:
quality >= 6), heart disease Cleveland -> Hungary, -> Switzerland, -> VA
(``fetch_heart_disease``: disease ``num > 0``), Amazon reviews K->D, D->B,
B->E, E->K (``fetch_amazon_reviews``, 400 word frequencies; B books, D dvd,
E elec, K kitchen). ``make_domain_split`` gives the source rows (labelled)
and the target rows (the stream).

**Preprocessing, fitted on the source rows only**: a median
``SimpleImputer`` (it matters for heart only; wine and Amazon have no
missing value) then a ``StandardScaler``. The stream rows are transformed
by this same source-fitted pipeline: an online learner cannot look at the
stream in advance, so no statistic of the target (not even its medians or
its scale) is used. Heart's missing target values thus get Cleveland's
medians (Switzerland's ``chol`` is never recorded: it becomes one constant).

**Source model**: ``LogisticRegression(solver="liblinear")`` on the
preprocessed source rows, ``C`` in {1e-3, 1e-2, 0.1, 1, 10}
(``suite_methods.LOGREG_C``) chosen by stratified 5-fold cross-validation
on the source rows, then refitted on all of them; fitted once per task
(it does not depend on the seed) and never updated. OTL scores it with its
``decision_function``.

**Stream**: every target row, in the order
``np.random.RandomState(seed).permutation(n_target)``; seeds 0 .. 4 (the
seed changes only the order). Each row is predicted by the current model,
then its label is revealed and the online models update on it.

**Methods** (kernel ``rbf``, ``gamma = 1 / n_features``: the package's
online default, paper-like; PA-I aggressiveness ``C`` = 1 and 0.1; support
set unbounded (``budget=none``) and bounded to 200 support vectors,
first in first out):

* ``source``: the source model alone (fixed; its final rate does not
  depend on the order, so its standard deviation over seeds is 0);
* ``majority``: reference, predicts the most frequent label revealed so far
  (class 0 on the first row and on ties);
* ``pa``: ``KernelPassiveAggressiveClassifier``, the online learner alone;
* ``homotl1``: ``OnlineTransferClassifier(combination="exponential")``,
  HomOTL-I (``eta = 1/2``);
* ``homotl2``: ``OnlineTransferClassifier(combination="mistake")``,
  HomOTL-II (``beta = 0.9``, the package default: the paper's
  ``T / (T + ln 2)`` needs the stream length in advance);
* heart only, heterogeneous: ``source_shared``, a source model (same
  recipe) fitted on the *shared view* only, and ``hetotl``,
  ``HeterogeneousOnlineTransferClassifier`` (``reg_shared = reg_new = 1``)
  starting from it, the stream carrying all 13 features. Cleveland records
  all 13 features, so the split is made by design, fixed in advance from
  what the features are (not computed from any data, so nothing of the
  stream is looked at): the shared view is the patient history and the
  resting examination (age, sex, cp, trestbps, chol, fbs, restecg), the
  new view the exercise test and the imaging (thalach, exang, oldpeak,
  slope, ca, thal). The story: a model built from an intake examination
  is transferred to hospitals that add the stress test and the imaging.
  Those are also the features the other sites record least (VA misses
  thalach, exang and oldpeak in 26-28% of its rows, every site misses
  ``ca`` in >= 96%): the new view is partly imputed constants.

**Measures**: final cumulative mistake rate (mistakes / rows streamed),
one curve point per streamed row; ``rows_per_s``: rows divided by the wall
time of one ``partial_fit`` over the whole stream (one call, rows consumed
one by one inside; one thread, ``OMP_NUM_THREADS=1`` in the recorded run);
``n_support`` after the pass; ``sv_mib = n_support * n_features * 8`` bytes
(the support set's float64 rows); ``peak_mib``: the ``tracemalloc`` peak
of a second, identical pass, run for the first seed of each task only
(tracemalloc slows small-row passes by up to 3x, so the timed pass runs
without it; the peak includes the support set's growth by doubling, the
per-row records and the source's per-row temporaries).

**Checks** made during the run (reported on the page): each OTL's
``source_mistakes_`` equals the source model's batch mistakes and its
``learner_mistakes_`` equals ``pa``'s mistakes with the same ``C`` and
budget (the package documents both); the traced pass repeats the timed
pass's mistakes exactly.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import importlib.metadata
import os
import platform
import shlex
import sys
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from suite_methods import choose_regularised  # noqa: E402
from suite_tasks import AMAZON, HEART_SITES, has_real_data  # noqa: E402

from sktransfer.datasets import (  # noqa: E402
    fetch_amazon_reviews,
    fetch_heart_disease,
    fetch_wine_quality,
    make_domain_split,
)
from sktransfer.online import (  # noqa: E402
    HeterogeneousOnlineTransferClassifier,
    KernelPassiveAggressiveClassifier,
    OnlineTransferClassifier,
)

ROOT = HERE.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
AMAZON_PAIRS = ("K->D", "D->B", "B->E", "E->K")
#: heart's shared view for HetOTL: history and resting examination
HEART_SHARED_VIEW = ("age", "sex", "cp", "trestbps", "chol", "fbs", "restecg")
SOURCE_METHODS = ("source", "majority", "source_shared")
ONLINE_METHODS = ("pa", "homotl1", "homotl2", "hetotl")
FIELDS = ("task", "method", "seed", "C", "budget", "mistake_rate", "n_mistakes",
          "n_rows", "rows_per_s", "pass_s", "n_support", "sv_mib", "peak_mib",
          "source_weight", "source_C")


# -------------------------------------------------------------------- tasks
@dataclass(frozen=True)
class OnlineTask:
    """A source -> target pair of one data family."""

    name: str
    family: str
    source: str
    target: str

    @property
    def slug(self):
        return self.name.replace("->", "_").replace(" ", "_").lower()

    @property
    def heterogeneous(self):
        """Whether the task also runs the heterogeneous variant (heart)."""
        return self.family == "heart"


TASKS = (
    (OnlineTask("wine red->white", "wine", "red", "white"),)
    + tuple(OnlineTask(f"heart cleveland->{site}", "heart", "cleveland", site)
            for site in HEART_SITES)
    + tuple(OnlineTask(f"amazon {pair}", "amazon", AMAZON[pair[0]], AMAZON[pair[-1]])
            for pair in AMAZON_PAIRS)
)
TASK_NAMES = tuple(t.name for t in TASKS)

LOADERS = {
    "wine": lambda home: fetch_wine_quality(data_home=home, target="binary",
                                            download_if_missing=False),
    "heart": lambda home: fetch_heart_disease(data_home=home, download_if_missing=False),
    "amazon": lambda home: fetch_amazon_reviews(data_home=home),
}


def task_by_name(name):
    for task in TASKS:
        if task.name == name:
            return task
    raise ValueError(f"unknown online task {name!r}; the tasks are {list(TASK_NAMES)}.")


@dataclass(frozen=True)
class Config:
    """Sizes of a run: the recorded protocol (``FULL``) or the smoke run.
    ``amazon_seeds`` ``None``: the same seeds as the other tasks;
    ``max_rows``: stream only the first rows of each permutation."""

    tasks: tuple = TASK_NAMES
    seeds: tuple = (0, 1, 2, 3, 4)
    amazon_seeds: tuple | None = None
    C_values: tuple = (1.0, 0.1)
    budgets: tuple = (None, 200)
    max_rows: int | None = None

    def seeds_for(self, task):
        if task.family == "amazon" and self.amazon_seeds is not None:
            return self.amazon_seeds
        return self.seeds


FULL = Config()
QUICK = Config(tasks=("heart cleveland->switzerland", "wine red->white"), seeds=(0, 1),
               C_values=(1.0,), budgets=(None, 50), max_rows=300)


# ------------------------------------------------------------------ streams
@dataclass
class Stream:
    """A task made ready to stream: the source side fitted on source rows
    only, the target rows preprocessed by it (in their original order)."""

    task: OnlineTask
    X: np.ndarray
    y: np.ndarray
    preprocessing: object
    source_model: LogisticRegression
    feature_names: list
    shared: np.ndarray | None = None
    shared_model: LogisticRegression | None = None
    classes: np.ndarray = field(default_factory=lambda: np.array([0, 1]))

    @property
    def n_features(self):
        return self.X.shape[1]


def load_split(task, data_home, cache=None):
    """``make_domain_split`` of the task (the family's data loaded once per
    ``cache``)."""
    cache = {} if cache is None else cache
    if task.family not in cache:
        cache[task.family] = LOADERS[task.family](data_home)
    return make_domain_split(cache[task.family], task.source, task.target)


def fit_preprocessing(X_source):
    """Median imputation and standardisation, fitted on source rows only."""
    return make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                         StandardScaler()).fit(X_source)


def fit_source_model(X_source, y_source):
    """Liblinear logistic regression, ``C`` by stratified 5-fold CV on the
    source rows, refitted on all of them."""
    estimator, _ = choose_regularised(X_source, y_source)
    return estimator.fit(X_source, y_source)


def prepare(task, split):
    """Fit the source side on the split's source rows and preprocess the
    target rows with it. Nothing fitted here reads a target row."""
    source_rows = split.sample_domain > 0
    X_source_raw, y_source = split.X[source_rows], split.y[source_rows]
    preprocessing = fit_preprocessing(X_source_raw)
    X_source = preprocessing.transform(X_source_raw)
    stream = Stream(
        task=task,
        X=preprocessing.transform(split.X[split.target_index]),
        y=np.asarray(split.y_target_true),
        preprocessing=preprocessing,
        source_model=fit_source_model(X_source, y_source),
        feature_names=list(split.feature_names),
        classes=np.unique(y_source),
    )
    if task.heterogeneous:
        stream.shared = np.array([stream.feature_names.index(n) for n in HEART_SHARED_VIEW])
        stream.shared_model = fit_source_model(X_source[:, stream.shared], y_source)
    return stream


def stream_order(n_rows, seed, max_rows=None):
    """The fixed order of the stream for ``seed`` (a permutation of every
    target row, or its first ``max_rows`` entries)."""
    return np.random.RandomState(seed).permutation(n_rows)[:max_rows]


def cumulative_rate(mistakes):
    mistakes = np.asarray(mistakes, dtype=float)
    return np.cumsum(mistakes) / np.arange(1, mistakes.shape[0] + 1)


# ------------------------------------------------------------------ methods
def majority_mistakes(y, classes):
    """Mistakes of predicting the most frequent label revealed so far
    (``classes[0]`` on the first row and on ties)."""
    codes = np.searchsorted(classes, y)
    counts = np.zeros(len(classes), dtype=int)
    out = np.empty(len(y), dtype=bool)
    for i, code in enumerate(codes):
        out[i] = np.argmax(counts) != code
        counts[code] += 1
    return out


def _reference_mistakes(stream, X, y):
    """Mistakes of the methods that do not learn online, by name."""
    out = {"source": stream.source_model.predict(X) != y,
           "majority": majority_mistakes(y, stream.classes)}
    if stream.shared_model is not None:
        out["source_shared"] = stream.shared_model.predict(X[:, stream.shared]) != y
    return out


BUILDERS: dict[str, Callable] = {
    "pa": lambda s, C, budget: KernelPassiveAggressiveClassifier(
        C=C, kernel="rbf", gamma=None, budget=budget),
    "homotl1": lambda s, C, budget: OnlineTransferClassifier(
        s.source_model, combination="exponential", C=C, kernel="rbf", gamma=None,
        budget=budget),
    "homotl2": lambda s, C, budget: OnlineTransferClassifier(
        s.source_model, combination="mistake", C=C, kernel="rbf", gamma=None,
        budget=budget),
    "hetotl": lambda s, C, budget: HeterogeneousOnlineTransferClassifier(
        s.shared_model, s.shared, C=C, kernel="rbf", gamma=None, budget=budget),
}


def online_methods(stream):
    return [m for m in ONLINE_METHODS if m != "hetotl" or stream.shared_model is not None]


def stream_pass(estimator, X, y, classes):
    """One ``partial_fit`` over the whole stream; ``(estimator, seconds)``."""
    start = time.perf_counter()
    estimator.partial_fit(X, y, classes=classes)
    return estimator, time.perf_counter() - start


def traced_peak_mib(estimator, X, y, classes):
    """``(estimator, tracemalloc peak in MiB)`` of one pass."""
    tracemalloc.start()
    try:
        stream_pass(estimator, X, y, classes)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return estimator, peak / 2**20


# --------------------------------------------------------------------- runs
def _row(task, method, seed, mistakes, **extra):
    row = dict.fromkeys(FIELDS, "")
    row.update(task=task.name, method=method, seed=seed,
               mistake_rate=float(np.mean(mistakes)), n_mistakes=int(np.sum(mistakes)),
               n_rows=len(mistakes))
    row.update(extra)
    return row


def _budget_label(budget):
    return "none" if budget is None else int(budget)


def _check(checks, ok, message):
    checks.append((bool(ok), message))


def run_seed(stream, seed, config, *, measure_memory, checks, log=print):
    """Every method on one ordering of one task; ``(rows, curves)`` with
    ``curves[(method, C, budget)]`` the cumulative mistake rate per row."""
    order = stream_order(len(stream.y), seed, config.max_rows)
    X, y = stream.X[order], stream.y[order]
    task = stream.task
    rows, curves = [], {}
    references = _reference_mistakes(stream, X, y)
    for method, mistakes in references.items():
        rows.append(_row(task, method, seed, mistakes, source_C=_source_C(stream, method)))
        curves[(method, "", "")] = cumulative_rate(mistakes)
    for C in config.C_values:
        for budget in config.budgets:
            learner = None
            for method in online_methods(stream):
                build = partial(BUILDERS[method], stream, C, budget)
                est, seconds = stream_pass(build(), X, y, stream.classes)
                mistakes = np.asarray(est.mistakes_)
                n_support = est.support_vectors_.shape[0]
                peak = ""
                if measure_memory:
                    traced, peak = traced_peak_mib(build(), X, y, stream.classes)
                    _check(checks, np.array_equal(traced.mistakes_, mistakes),
                           f"{task.name} {method} C={C:g} budget={_budget_label(budget)}: "
                           "traced pass repeats the timed pass")
                weight = ""
                if method == "pa":
                    learner = mistakes
                elif method in ("homotl1", "homotl2"):
                    weight = float(est.weights_[0, 0])
                    _check_otl(checks, est, references["source"], learner,
                               f"{task.name} seed {seed} {method} C={C:g} "
                               f"budget={_budget_label(budget)}")
                rows.append(_row(
                    task, method, seed, mistakes, C=C, budget=_budget_label(budget),
                    rows_per_s=len(y) / seconds, pass_s=seconds, n_support=n_support,
                    sv_mib=n_support * stream.n_features * 8 / 2**20, peak_mib=peak,
                    source_weight=weight, source_C=_source_C(stream, method)))
                curves[(method, C, _budget_label(budget))] = np.asarray(
                    est.cumulative_mistake_rate_)
                log(f"[{task.name} seed={seed}] {method:<8} C={C:<4g} "
                    f"budget={_budget_label(budget)!s:<5} mistakes {np.mean(mistakes):.3f} "
                    f"{len(y) / seconds:8.0f} rows/s  n_SV {n_support}")
    return rows, curves


def _source_C(stream, method):
    """``C`` of the source model a method uses ("" for those using none)."""
    if method in ("source_shared", "hetotl"):
        return stream.shared_model.C
    return stream.source_model.C if method in ("source", "homotl1", "homotl2") else ""


def _check_otl(checks, est, source_mistakes, learner_mistakes, label):
    _check(checks, np.array_equal(est.source_mistakes_, source_mistakes),
           f"{label}: source_mistakes_ = the source model's mistakes")
    if learner_mistakes is not None:
        _check(checks, np.array_equal(est.learner_mistakes_, learner_mistakes),
               f"{label}: learner_mistakes_ = pa's mistakes")


@dataclass
class TrackResult:
    rows: list
    curves: dict            # (task, method, C, budget) -> list of curves, one per seed
    checks: list            # (passed, what)
    notes: dict             # task -> facts for the page
    seconds: float = 0.0


def available_tasks(names, data_home, log=print):
    tasks = [task_by_name(n) for n in names]
    present = [t for t in tasks if has_real_data(t.family, data_home)]
    for family in sorted({t.family for t in tasks} - {t.family for t in present}):
        log(f"online track: no {family} data in {data_home}; its tasks are skipped")
    return present


def run_track(config=FULL, data_home=DEFAULT_DATA, log=print):
    """Every task, seed and method of ``config``: a :class:`TrackResult`."""
    start = time.perf_counter()
    result = TrackResult(rows=[], curves=defaultdict(list), checks=[], notes={})
    cache = {}
    for task in available_tasks(config.tasks, data_home, log):
        stream = prepare(task, load_split(task, data_home, cache))
        result.notes[task.name] = {
            "n_target": len(stream.y), "n_features": stream.n_features,
            "source_C": stream.source_model.C,
            "shared_C": None if stream.shared_model is None else stream.shared_model.C,
            "positive_rate": float(np.mean(stream.y == stream.classes[1]))}
        seeds = config.seeds_for(task)
        for i, seed in enumerate(seeds):
            rows, curves = run_seed(stream, seed, config, measure_memory=i == 0,
                                    checks=result.checks, log=log)
            result.rows += rows
            for (method, C, budget), curve in curves.items():
                result.curves[(task.name, method, C, budget)].append(curve)
        log(f"-- {task.name}: {len(seeds)} seed(s), {time.perf_counter() - start:.0f} s")
    result.seconds = time.perf_counter() - start
    return result


# ------------------------------------------------------------------- report
def write_csv(rows, path):
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v)
                             for k, v in row.items()})


def _mean_std(values, fmt):
    values = [float(v) for v in values if v != "" and v is not None]
    if not values:
        return ""
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(np.mean(values), fmt)} ± {format(np.std(values), fmt)}"


def _groups(rows):
    """Rows grouped by (task, method, C, budget), in the order met."""
    groups = defaultdict(list)
    for r in rows:
        groups[(r["task"], r["method"], r["C"], r["budget"])].append(r)
    return groups


def task_table(groups, task):
    lines = [("| method | C | budget | mistake rate % | rows/s | n_SV | SV MiB "
              "| peak MiB (first seed) | final source weight | seeds |"),
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for (t, method, C, budget), rs in groups.items():
        if t != task:
            continue
        C_text = "" if C == "" else f"{C:g}"
        lines.append(
            f"| {method} | {C_text} | {budget} "
            f"| {_mean_std([100 * r['mistake_rate'] for r in rs], '.1f')} "
            f"| {_mean_std([r['rows_per_s'] for r in rs], '.0f')} "
            f"| {_mean_std([r['n_support'] for r in rs], '.0f')} "
            f"| {_mean_std([r['sv_mib'] for r in rs], '.3g')} "
            f"| {_mean_std([r['peak_mib'] for r in rs], '.3g')} "
            f"| {_mean_std([r['source_weight'] for r in rs], '.2f')} | {len(rs)} |")
    return "\n".join(lines)


def summary_table(groups, tasks, C, budget):
    """Final mistake rate % per task (rows) and method (columns) at one
    ``(C, budget)``; the source and majority do not depend on either."""
    methods = ("majority", "source", "pa", "homotl1", "homotl2")
    lines = ["| task | " + " | ".join(methods) + " | OTL minus best of source and pa |",
             "|---|" + "---:|" * len(methods) + "---|"]
    for task in tasks:
        cells, per_seed = [], {}
        for m in methods:
            key = ("", "") if m in SOURCE_METHODS else (C, budget)
            rs = groups.get((task, m, *key), [])
            per_seed[m] = {r["seed"]: r["mistake_rate"] for r in rs}
            cells.append(_mean_std([100 * r["mistake_rate"] for r in rs], ".1f"))
        lines.append(f"| {task} | " + " | ".join(cells) + f" | {_verdict(per_seed)} |")
    return "\n".join(lines)


def _verdict(per_seed):
    """Each OTL variant against the better of ``source`` and ``pa``: the
    difference of the mean rates in points, and on how many orders the
    variant is strictly below both (the paper's claim)."""
    if not all(per_seed.get(m) for m in ("source", "pa", "homotl1", "homotl2")):
        return ""
    best = min(np.mean(list(per_seed["source"].values())),
               np.mean(list(per_seed["pa"].values())))
    parts = []
    for m, label in (("homotl1", "I"), ("homotl2", "II")):
        rates = per_seed[m]
        below = sum(rate < min(per_seed["source"][seed], per_seed["pa"][seed])
                    for seed, rate in rates.items())
        gap = 100 * (np.mean(list(rates.values())) - best)
        parts.append(f"{label}: {gap:+.1f} (below both {below}/{len(rates)})")
    return ", ".join(parts)


def heterogeneous_table(groups, tasks, C_values, budgets):
    tasks = [t for t in tasks if (t, "hetotl", C_values[0], _budget_label(budgets[0]))
             in groups]
    if not tasks:
        return ""
    head = ["source_shared", "source", "pa"] + [
        f"hetotl C={C:g} budget={_budget_label(b)}" for C in C_values for b in budgets]
    lines = ["| task | " + " | ".join(head) + " |", "|---|" + "---:|" * len(head)]
    for task in tasks:
        cells = [_mean_std([100 * r["mistake_rate"] for r in groups[(task, m, "", "")]],
                           ".1f") for m in ("source_shared", "source")]
        C0, b0 = C_values[0], _budget_label(budgets[0])
        cells.append(_mean_std([100 * r["mistake_rate"] for r in groups[(task, "pa", C0, b0)]],
                               ".1f"))
        cells += [_mean_std([100 * r["mistake_rate"]
                             for r in groups[(task, "hetotl", C, _budget_label(b))]], ".1f")
                  for C in C_values for b in budgets]
        lines.append(f"| {task} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


STYLE = {"source": ("black", "-"), "majority": ("grey", ":"), "source_shared": ("grey", "-."),
         "pa": ("tab:blue", None), "homotl1": ("tab:red", None),
         "homotl2": ("tab:orange", None), "hetotl": ("tab:green", None)}


def plot_curves(curves, task, C, budgets, path):
    """Mean cumulative mistake rate over seeds against rows streamed; the
    online methods at ``C``, solid for the first budget, dashed for the
    others. ``None`` when matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    top, n_orders = 0.0, 0
    for (t, method, c, budget), per_seed in curves.items():
        online = method in ONLINE_METHODS
        if t != task or (online and c != C):
            continue
        colour, line = STYLE[method]
        if online:
            line = "-" if budget == _budget_label(budgets[0]) else "--"
        mean, n_orders = np.mean(per_seed, axis=0), len(per_seed)
        label = method if not online else f"{method} (budget {budget})"
        ax.plot(np.arange(1, len(mean) + 1), mean, color=colour, linestyle=line,
                label=label, linewidth=1.2)
        top = max(top, float(mean[min(len(mean) - 1, 19):].max()))
    ax.set(xlabel="rows streamed", ylabel="cumulative mistake rate",
           title=f"{task} (rbf, C={C:g}; mean of {n_orders} orders)",
           ylim=(0, min(1.0, 1.15 * top + 0.02)))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def machine():
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores (OMP_NUM_THREADS={threads}), "
            f"Python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
            f"{importlib.metadata.version('scikit-learn')}")


def _protocol_text():
    marker = "Protocol\n--------\n"
    return __doc__[__doc__.index(marker) + len(marker):]


def _kept_reading(path):
    if not path.exists():
        return None
    text = path.read_text()
    return text[text.index("\n## Reading") + 1:] if "\n## Reading" in text else None


def _seed_text(config):
    text = f"seeds {', '.join(map(str, config.seeds))}"
    if config.amazon_seeds is not None:
        text += f" (Amazon: {', '.join(map(str, config.amazon_seeds))})"
    return text


SUMMARY_INTRO = (
    "Mistake rate % at the end of the stream, mean ± std over the orders. The last "
    "column compares each OTL variant (I: HomOTL-I, II: HomOTL-II) with the better "
    "of `source` and `pa`: the difference of the mean rates in points (negative: "
    "OTL lower), and on how many orders OTL makes strictly fewer mistakes than both "
    "(the paper's claim).\n")


def _run_line(path, result, config, command):
    cut = f"; streams cut to {config.max_rows} rows" if config.max_rows else ""
    return (f"Produced by `{command}` on {datetime.date.today().isoformat()} in "
            f"{result.seconds / 60:.1f} min on {machine()}. Rows: "
            f"`{path.with_suffix('.csv').name}`; {_seed_text(config)}; C in "
            f"{list(config.C_values)}; budgets "
            f"{[_budget_label(b) for b in config.budgets]}{cut}.\n")


def _heterogeneous_intro(config):
    return (f"`source_shared`: the source model on the shared view "
            f"({', '.join(HEART_SHARED_VIEW)}); `source`, `pa`: the homogeneous ones "
            f"(all 13 features; pa at C={config.C_values[0]:g}, budget "
            f"{_budget_label(config.budgets[0])}).\n")


def _task_facts(note):
    shared = (f", shared-view source C = {note['shared_C']}"
              if note.get("shared_C") is not None else "")
    return (f"{note.get('n_target')} target rows x {note.get('n_features')} features, "
            f"{100 * note.get('positive_rate', 0):.0f}% positive; source C = "
            f"{note.get('source_C')}{shared}.\n")


def write_page(path, result, config, plots, *, command):
    path = Path(path)
    groups = _groups(result.rows)
    tasks = list(dict.fromkeys(r["task"] for r in result.rows))
    failed = [what for ok, what in result.checks if not ok]
    parts = [
        "# Benchmark suite, online track: online transfer learning on streams\n",
        _run_line(path, result, config, command),
        "## Protocol\n", _protocol_text(),
        "## Final cumulative mistake rate\n",
        SUMMARY_INTRO,
    ]
    for C in config.C_values:
        for budget in config.budgets:
            parts += [f"### C = {C:g}, budget = {_budget_label(budget)}\n",
                      summary_table(groups, tasks, C, _budget_label(budget)) + "\n"]
    het = heterogeneous_table(groups, tasks, config.C_values, config.budgets)
    if het:
        parts += ["### Heterogeneous (heart): HetOTL\n", _heterogeneous_intro(config),
                  het + "\n"]
    parts.append("## Every task: mistakes, throughput, memory\n")
    for task in tasks:
        parts += [f"### {task}\n", _task_facts(result.notes.get(task, {})),
                  task_table(groups, task) + "\n"]
        if task in plots and plots[task] is not None:
            parts.append(f"![{task}]({plots[task].relative_to(path.parent).as_posix()})\n")
    parts += ["## Checks\n",
              f"{len(result.checks) - len(failed)} of {len(result.checks)} passed"
              + ("." if not failed else "; failed:\n\n" + "\n".join(f"* {w}" for w in failed))
              + "\n"]
    kept = _kept_reading(path)
    if kept:
        parts.append(kept)
    path.write_text("\n".join(parts))


def write_outputs(result, config, out_dir, *, command):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(result.rows, out_dir / "suite_online.csv")
    tasks = list(dict.fromkeys(r["task"] for r in result.rows))
    plots = {task: plot_curves(result.curves, task, config.C_values[0], config.budgets,
                               out_dir / "img" / f"online_{task_by_name(task).slug}.png")
             for task in tasks}
    write_page(out_dir / "suite_online.md", result, config, plots, command=command)
    return plots


def _seed_tuple(seeds):
    if isinstance(seeds, Integral):
        if seeds < 1:
            raise ValueError(f"seeds must be a positive count or a list of seeds, got {seeds}.")
        return tuple(range(int(seeds)))
    return tuple(int(s) for s in seeds)


def run_online_track(data_home, seeds, out_dir, quick=False, *, amazon_seeds=None,
                     tasks=None, command=None, log=print):
    """Run the online track and write ``suite_online.csv``, ``suite_online.md``
    and ``img/online_<task>.png`` into ``out_dir``.

    Parameters
    ----------
    data_home : path-like
        The data folder (``../shared/data`` in the repository's layout).
    seeds : int or sequence of int
        A count (seeds ``0 .. seeds - 1``) or the seeds themselves: each is
        one stream order.
    out_dir : path-like
        Folder of the outputs (created if needed).
    quick : bool, default=False
        The smoke configuration (two tasks, streams of 300 rows, C = 1,
        budgets none and 50).
    amazon_seeds : int or sequence of int, default=None
        Seeds of the Amazon pairs (``None``: ``seeds``).
    tasks : sequence of str, default=None
        Task names (``TASK_NAMES``) or families ("wine", "heart", "amazon");
        ``None``: those of the configuration.

    Returns
    -------
    rows : list of dict
        One row per (task, method, seed, C, budget), the fields of ``FIELDS``.
    """
    config = replace(QUICK if quick else FULL, seeds=_seed_tuple(seeds))
    if amazon_seeds is not None:
        config = replace(config, amazon_seeds=_seed_tuple(amazon_seeds))
    if tasks is not None:
        config = replace(config, tasks=_task_names(tasks))
    result = run_track(config, data_home, log=log)
    write_outputs(result, config, out_dir,
                  command=command or "suite_online.run_online_track")
    log(f"online track done in {result.seconds / 60:.1f} min; wrote "
        f"{Path(out_dir) / 'suite_online.md'}")
    return result.rows


def _task_names(items):
    names = []
    for item in items:
        family = [t.name for t in TASKS if t.family == item]
        names += family or [task_by_name(item).name]
    return tuple(dict.fromkeys(names))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: heart cleveland->switzerland and wine red->white, "
                        "streams of 300 rows, C=1, budgets none and 50")
    p.add_argument("--seeds", type=int, default=None,
                   help="number of stream orders (seeds 0..N-1); default 5, --quick 2")
    p.add_argument("--amazon-seeds", type=int, default=None,
                   help="number of orders for the Amazon pairs (default: --seeds)")
    p.add_argument("--tasks", nargs="+", default=None,
                   help="task names or families (wine, heart, amazon)")
    p.add_argument("--data-home", default=str(DEFAULT_DATA))
    p.add_argument("--out-dir", default=None,
                   help="default docs/ (build/benchmark-quick/ with --quick)")
    args = p.parse_args(argv)
    seeds = args.seeds or len((QUICK if args.quick else FULL).seeds)
    out_dir = args.out_dir or (ROOT / "build" / "benchmark-quick" if args.quick
                               else ROOT / "docs")
    command = "python benchmarks/suite_online.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    return run_online_track(args.data_home, seeds, out_dir, quick=args.quick,
                            amazon_seeds=args.amazon_seeds, tasks=args.tasks,
                            command=command.strip(), log=log)


if __name__ == "__main__":
    main()
