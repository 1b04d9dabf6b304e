"""Heterogeneous track of the benchmark suite: source and target described
by different features (``SparseHeterogeneousMapping``, issue 7).

The rest of the suite gives every method one feature space; here the source
and the target have their own, in the block layout of
:class:`sktransfer.domain.FeatureBlocks` (``X = [source block | target
block]``, an absent block all ``NaN``, a parallel pair filling both), so the
track has its own tasks, methods and protocol. It runs from ``suite.py``
when ``--families`` includes ``heterogeneous`` (part of the full run, not
of ``--quick``), or on its own::

    python benchmarks/suite_heterogeneous.py            # the recorded run (~20 min, 2 cores)
    python benchmarks/suite_heterogeneous.py --quick    # smoke run, < 20 s
    python benchmarks/suite.py --families heterogeneous

Writes ``suite_heterogeneous.md`` and ``suite_heterogeneous.csv`` into
``--out-dir`` (``docs/``; ``build/benchmark-quick/`` with ``--quick``). A
``## Reading`` section written by hand in the page is kept on rewrite.

Protocol
--------
**Amazon reviews, vocabulary split** (pairs K->D, D->B, B->E, E->K; 5
seeds). The 400 word columns are permuted once with
``RandomState(0)``; the source vocabulary is permuted words [0, 250), the
target vocabulary permuted words [150, 400): 100 shared words. Source rows:
every review of the source domain, source block only, labelled. From the
target domain, ``n_parallel = 300`` reviews drawn with the seed are
*parallel pairs* (both blocks filled, unlabelled, never scored); the other
target reviews are halved with the seed (stratified): a labelled pool and
the scored half, both target block only. The few-label setting draws
``n_labels = 50`` target labels from the pool (stratified, with the seed).

**Heart disease, Cleveland -> Switzerland** (20 seeds). Source block:
Cleveland's 13 features, its missing values imputed with Cleveland
medians. Target block: the Switzerland features recorded in at least 50%
of its rows (computed; listed on the page), imputed with Switzerland
medians (label-free). No parallel pairs come from Switzerland; its rows are
halved (stratified) into a labelled pool and the scored half, and
``n_labels = 10`` labels are drawn from the pool (stratified). The mapping
runs in two layouts: *(i) parallel*: Cleveland rows fill both blocks (they
record the target features too), so every Cleveland row is a parallel pair
and a labelled source row; *(ii) alignment*: Cleveland rows fill the source
block only, ``mode="alignment"``, ``init`` = the identity between the
same-named features (an explicit array).

**Preprocessing**, the same for every method: a ``StandardScaler`` fitted
on every row of the layout (no label; it ignores ``NaN``, so each column is
standardised on the rows that fill it, i.e. each block on its own rows).
The scored rows are among them, unlabelled (the transductive protocol of the
rest of the suite). Layout (i) of heart standardises its target block on
the Cleveland and Switzerland rows together, since both fill it.

**Base estimator**: ``LogisticRegression(solver="liblinear")``, ``C`` in
{1e-3, ..., 10} chosen by 5-fold CV on the labelled source rows' source
block (``suite_methods.choose_base``), per task and seed, the same ``C``
for every method (regularisation gains must not pass for adaptation gains).

**Methods** (roles in the tables):

* baseline ``source_only_shared``: the base trained on the source rows'
  shared columns (source block), predicting the scored rows' shared columns
  (target block); each copy is standardised on its own block's rows,
  i.e. on its own domain; ``source_only_shared_pooled``: the same with
  the shared features standardised on the rows of both domains together
  (one coordinate system; what a user with a homogeneous pipeline would
  do, and what the map sees in heart's layout (i));
* baseline ``target_only_few``: the base trained on the ``n_labels``
  labelled target rows' target block;
* ours ``mapping``: ``SparseHeterogeneousMapping`` with its default
  hyperparameters (``l1=0.01, alignment_weight=1, parallel_weight=1``),
  no target label; ``mapping_labels``: the same with the ``n_labels``
  target labels given as labelled target rows. Heart: ``mapping_parallel``
  and ``mapping_parallel_labels`` in layout (i), ``mapping_alignment`` and
  ``mapping_alignment_labels`` in layout (ii);
* sensitivity (Amazon): ``mapping`` over ``l1`` in {0.001, 0.01, 0.1} x
  ``alignment_weight`` in {0, 0.1, 1}; every cell is reported and none is
  selected (choosing one would take target labels);
* ceilings, *not available in this setting* (they need what the setting
  lacks): ``ceiling_source_only_all`` (Amazon: the base on all 400 words
  of both domains, i.e. homogeneous features) and ``ceiling_target_only_pool``
  (the base on the whole labelled pool); reference ``majority``: the
  majority-class rate of the scored half (balanced accuracy 0.5).

Scores: accuracy and balanced accuracy on the scored half (fractions in the
CSV, % on the page), mean +- standard deviation over seeds; fit s: the
method's fit on its training rows (the base's CV excluded). A method whose
training labels hold one class predicts that class (noted in its status).
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys
import time
import traceback
import warnings
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import numpy as np
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import suite_report as report  # noqa: E402
from suite_methods import choose_base  # noqa: E402
from suite_tasks import AMAZON, has_real_data, split_target  # noqa: E402

from sktransfer import SparseHeterogeneousMapping  # noqa: E402
from sktransfer.datasets import fetch_amazon_reviews, fetch_heart_disease  # noqa: E402
from sktransfer.domain import MASKED_LABEL, FeatureBlocks  # noqa: E402

ROOT = HERE.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"

AMAZON_PAIRS = ("K->D", "D->B", "B->E", "E->K")
N_WORDS = 400
VOCABULARY_SEED = 0
SOURCE_WORDS = (0, 250)     # positions in the permuted vocabulary
TARGET_WORDS = (150, 400)
HEART_SOURCE, HEART_TARGET = "cleveland", "switzerland"
RECORDED_SHARE = 0.5        # a target feature must be recorded in this share of rows
SENSITIVITY_L1 = (0.001, 0.01, 0.1)
SENSITIVITY_ALIGNMENT = (0.0, 0.1, 1.0)
DEFAULTS = dict(l1=0.01, alignment_weight=1.0, parallel_weight=1.0)

FIELDS = ("task", "seed", "method", "role", "params", "accuracy", "balanced_accuracy",
          "fit_s", "n_target_labels", "n_source", "n_target", "n_parallel", "n_eval", "C",
          "sparsity", "n_iter", "converged", "status")


@dataclass(frozen=True)
class Config:
    """Sizes of a run: the recorded protocol (``FULL``) or the smoke run."""

    amazon_pairs: tuple = AMAZON_PAIRS
    amazon_seeds: int = 5
    heart_seeds: int = 20
    n_parallel: int = 300
    amazon_labels: int = 50
    heart_labels: int = 10
    sensitivity: tuple = tuple((l1, a) for l1 in SENSITIVITY_L1
                               for a in SENSITIVITY_ALIGNMENT)
    max_iter: int = 500     # the estimator's default


FULL = Config()
QUICK = Config(amazon_pairs=("K->D",), amazon_seeds=1, heart_seeds=1, n_parallel=50,
               sensitivity=((DEFAULTS["l1"], DEFAULTS["alignment_weight"]),), max_iter=50)


# ----------------------------------------------------------------- problems
@dataclass
class Layout:
    """Rows in the block layout (raw values, ``NaN`` for an absent block)."""

    X: np.ndarray
    blocks: FeatureBlocks
    feature_names: list
    _scaled: np.ndarray | None = field(default=None, repr=False)

    @property
    def scaled(self):
        """Every column standardised on the rows that fill it (no label)."""
        if self._scaled is None:
            self._scaled = StandardScaler().fit_transform(self.X)
        return self._scaled


@dataclass
class HeteroProblem:
    """One task drawn with one seed.

    Row indices refer to every layout of the problem (they share the rows).
    ``source_index``: labelled source rows; ``parallel_index``: target
    reviews filling both blocks (never scored, never labelled);
    ``pool_index`` / ``eval_index``: the two halves of the other target
    rows; ``label_index``: the few labelled rows drawn from the pool.
    ``shared``: pairs ``(source column, target column)`` of the same
    feature. ``layouts``: ``"hetero"`` (the setting), and per task
    ``"all_words"`` (Amazon ceiling: all 400 words in both blocks) or
    ``"parallel_source"`` (heart layout (i)).
    """

    task: str
    y_true: np.ndarray
    layouts: dict
    source_index: np.ndarray
    parallel_index: np.ndarray
    pool_index: np.ndarray
    eval_index: np.ndarray
    label_index: np.ndarray
    shared: np.ndarray
    notes: dict = field(default_factory=dict)

    @property
    def hetero(self):
        return self.layouts["hetero"]

    @property
    def y_eval(self):
        return self.y_true[self.eval_index]

    def training_labels(self, target_rows=()):
        """Source labels, the labels of ``target_rows``, ``-1`` elsewhere."""
        y = np.full(len(self.y_true), MASKED_LABEL, dtype=self.y_true.dtype)
        rows = np.r_[self.source_index, np.asarray(target_rows, dtype=int)]
        y[rows] = self.y_true[rows]
        return y

    def n_target_labels(self, y):
        """Labelled rows of ``y`` outside the source rows."""
        target = np.setdiff1d(np.arange(len(y)), self.source_index)
        return int(np.count_nonzero(y[target] != MASKED_LABEL))

    def counts(self):
        return dict(n_source=len(self.source_index),
                    n_target=len(self.pool_index) + len(self.eval_index),
                    n_parallel=len(self.parallel_index), n_eval=len(self.eval_index))


def _stack_layout(parts, d_source, d_target, names):
    """A layout from ``(source block or None, target block or None)`` row
    groups, in order."""
    rows = []
    for source, target in parts:
        n = (source if source is not None else target).shape[0]
        block = np.full((n, d_source + d_target), np.nan)
        if source is not None:
            block[:, :d_source] = source
        if target is not None:
            block[:, d_source:] = target
        rows.append(block)
    blocks = FeatureBlocks(np.arange(d_source), d_source + np.arange(d_target))
    return Layout(np.vstack(rows), blocks, names)


def _halves(y, seed, size):
    """``(drawn, rest)`` positions in ``y``: ``size`` rows drawn with
    ``seed`` (stratified where possible; ``suite_tasks.split_target``)."""
    return split_target(SimpleNamespace(y_target_true=y), size, seed, "classification")


def _split_target_rows(y, seed, n_labels):
    """Positions in ``y`` of the labelled pool, the scored half, and the
    ``n_labels`` rows drawn from the pool."""
    pool, scored = _halves(y, seed, 0.5)
    drawn, _ = _halves(y[pool], seed, n_labels)
    return pool, scored, pool[drawn]


def vocabulary_split():
    """Word columns of the source and of the target vocabulary."""
    perm = np.random.RandomState(VOCABULARY_SEED).permutation(N_WORDS)
    return perm[slice(*SOURCE_WORDS)], perm[slice(*TARGET_WORDS)]


def _domain_rows(data, name):
    rows = data.sample_domain == list(data.domain_names).index(name) + 1
    return data.X[rows], data.y[rows]


def amazon_problem(data, pair, seed, config):
    """The vocabulary-split problem of ``pair`` (e.g. ``"K->D"``) drawn with
    ``seed``. Rows: source reviews, then the target pool and scored half
    (target block), then the parallel pairs."""
    src_name, tgt_name = (AMAZON[letter] for letter in pair.split("->"))
    Xs, ys = _domain_rows(data, src_name)
    Xt, yt = _domain_rows(data, tgt_name)
    order = check_random_state(seed).permutation(len(yt))
    parallel, rest = order[:config.n_parallel], order[config.n_parallel:]
    pool, scored, labels = _split_target_rows(yt[rest], seed, config.amazon_labels)
    src_words, tgt_words = vocabulary_split()
    words = np.asarray(data.feature_names)

    def layout(source_words, target_words):
        names = ([f"src:{w}" for w in words[source_words]]
                 + [f"tgt:{w}" for w in words[target_words]])
        return _stack_layout(
            [(Xs[:, source_words], None), (None, Xt[rest][:, target_words]),
             (Xt[parallel][:, source_words], Xt[parallel][:, target_words])],
            len(source_words), len(target_words), names)

    n_s, n_r = len(ys), len(rest)
    shared_words = np.intersect1d(src_words, tgt_words)
    shared = np.array([(np.flatnonzero(src_words == w)[0],
                        len(src_words) + np.flatnonzero(tgt_words == w)[0])
                       for w in shared_words])
    all_words = np.arange(N_WORDS)
    return HeteroProblem(
        task=f"amazon {pair}", y_true=np.r_[ys, yt[rest], yt[parallel]],
        layouts={"hetero": layout(src_words, tgt_words),
                 "all_words": layout(all_words, all_words)},
        source_index=np.arange(n_s), parallel_index=n_s + n_r + np.arange(len(parallel)),
        pool_index=n_s + pool, eval_index=n_s + scored, label_index=n_s + labels,
        shared=shared,
    )


def _median_imputed(X):
    return np.where(np.isnan(X), np.nanmedian(X, axis=0), X)


def recorded_features(X, share=RECORDED_SHARE):
    """Columns of ``X`` recorded (not ``NaN``) in at least ``share`` of its rows."""
    return np.flatnonzero(np.mean(~np.isnan(X), axis=0) >= share)


def heart_problem(data, seed, config):
    """Cleveland (all features) -> Switzerland (the features it records),
    drawn with ``seed``. Rows: Cleveland, then Switzerland."""
    Xs, ys = _domain_rows(data, HEART_SOURCE)
    Xt_recorded, yt = _domain_rows(data, HEART_TARGET)
    names = np.asarray(data.feature_names)
    kept = recorded_features(Xt_recorded)
    Xs, Xt = _median_imputed(Xs), _median_imputed(Xt_recorded[:, kept])
    pool, scored, labels = _split_target_rows(yt, seed, config.heart_labels)
    d_s = Xs.shape[1]
    column_names = [f"src:{n}" for n in names] + [f"tgt:{n}" for n in names[kept]]

    def layout(cleveland_target_block):
        return _stack_layout([(Xs, cleveland_target_block), (None, Xt)], d_s, len(kept),
                             column_names)

    n_s = len(ys)
    recorded = np.mean(~np.isnan(Xt_recorded), axis=0)
    return HeteroProblem(
        task=f"heart {HEART_SOURCE}->{HEART_TARGET}", y_true=np.r_[ys, yt],
        layouts={"hetero": layout(None), "parallel_source": layout(Xs[:, kept])},
        source_index=np.arange(n_s), parallel_index=np.array([], dtype=int),
        pool_index=n_s + pool, eval_index=n_s + scored, label_index=n_s + labels,
        shared=np.column_stack([kept, d_s + np.arange(len(kept))]),
        notes={"target_features": names[kept].tolist(),
               "recorded_share": dict(zip(names.tolist(), recorded.round(3).tolist()))},
    )


# ------------------------------------------------------------------ methods
@dataclass
class Outcome:
    pred: np.ndarray
    n_target_labels: int
    fit_s: float
    info: dict = field(default_factory=dict)


def _fit_plain(problem, base, *, train_rows, train_cols, eval_cols, layout="hetero"):
    """The base on ``train_cols`` of ``train_rows``, predicting the scored
    rows' ``eval_cols`` (a constant when the labels hold one class)."""
    X = problem.layouts[layout].scaled
    y = problem.y_true[train_rows]
    n_target = int(np.count_nonzero(~np.isin(train_rows, problem.source_index)))
    t0 = time.perf_counter()
    classes = np.unique(y)
    if classes.size < 2:
        return Outcome(np.full(len(problem.eval_index), classes[0]), n_target,
                       time.perf_counter() - t0, {"note": "one class in its labels: "
                                                          "constant prediction"})
    model = clone(base).fit(X[np.ix_(train_rows, train_cols)], y)
    fit_s = time.perf_counter() - t0
    return Outcome(model.predict(X[np.ix_(problem.eval_index, eval_cols)]), n_target, fit_s)


def source_only_shared(problem, base, seed, config, layout="hetero"):
    return _fit_plain(problem, base, train_rows=problem.source_index,
                      train_cols=problem.shared[:, 0], eval_cols=problem.shared[:, 1],
                      layout=layout)


def source_only_shared_pooled(problem, base, seed, config):
    """The base on the shared features taken from the block each row fills
    (the source rows' source copy, the others' target copy), standardised
    on every row together: one coordinate system for both domains, where
    the block layout standardises each domain's copy on its own rows."""
    X = problem.hetero.X
    source_copy, target_copy = problem.shared[:, 0], problem.shared[:, 1]
    is_source = np.isin(np.arange(len(X)), problem.source_index)[:, None]
    Z = StandardScaler().fit_transform(np.where(is_source, X[:, source_copy],
                                                X[:, target_copy]))
    t0 = time.perf_counter()
    model = clone(base).fit(Z[problem.source_index], problem.y_true[problem.source_index])
    fit_s = time.perf_counter() - t0
    return Outcome(model.predict(Z[problem.eval_index]), 0, fit_s)


def source_only_all_words(problem, base, seed, config):
    blocks = problem.layouts["all_words"].blocks
    return _fit_plain(problem, base, train_rows=problem.source_index,
                      train_cols=blocks.source, eval_cols=blocks.target,
                      layout="all_words")


def _target_only(rows_of):
    def run(problem, base, seed, config):
        target = problem.hetero.blocks.target
        return _fit_plain(problem, base, train_rows=rows_of(problem), train_cols=target,
                          eval_cols=target)
    return run


def identity_init(problem, layout="hetero"):
    """The map sending each source feature to the target feature of the
    same name (zeros elsewhere)."""
    blocks = problem.layouts[layout].blocks
    W = np.zeros((blocks.source.size, blocks.target.size))
    for s, t in problem.shared:
        W[np.flatnonzero(blocks.source == s)[0], np.flatnonzero(blocks.target == t)[0]] = 1.0
    return W


def fit_mapping(problem, base, seed, config, *, labels=False, layout="hetero", **params):
    """``SparseHeterogeneousMapping`` on every row of ``layout`` (target
    labels masked, or the few drawn ones given with ``labels``), predicting
    the scored rows. ``params`` override the estimator's defaults."""
    lay = problem.layouts[layout]
    y = problem.training_labels(problem.label_index if labels else ())
    model = SparseHeterogeneousMapping(
        clone(base), source_features=lay.blocks.source, target_features=lay.blocks.target,
        max_iter=config.max_iter, random_state=seed, **params)
    t0 = time.perf_counter()
    model.fit(lay.scaled, y)
    fit_s = time.perf_counter() - t0
    info = dict(sparsity=model.sparsity_, n_iter=model.n_iter_, converged=model.converged_,
                mode=model.mode_, n_parallel=model.n_parallel_)
    return Outcome(model.predict(lay.scaled[problem.eval_index]), problem.n_target_labels(y),
                   fit_s, info)


def _mapping(**fixed):
    def run(problem, base, seed, config):
        return fit_mapping(problem, base, seed, config, **fixed)
    return run


def _alignment_mapping(labels):
    def run(problem, base, seed, config):
        return fit_mapping(problem, base, seed, config, labels=labels, mode="alignment",
                           init=identity_init(problem))
    return run


def majority(problem, base, seed, config):
    """The majority class of the scored half (a reference rate, read from
    the scored labels themselves)."""
    values, counts = np.unique(problem.y_eval, return_counts=True)
    return Outcome(np.full(len(problem.eval_index), values[np.argmax(counts)]), 0, 0.0)


@dataclass(frozen=True)
class HeteroMethod:
    name: str
    role: str
    run: Callable     # (problem, base, seed, config) -> Outcome
    params: str = ""


POOLED = "shared features standardised on both domains together"


def _cell_name(l1, alignment_weight):
    return f"mapping l1={l1:g} aw={alignment_weight:g}"


def _is_default(l1, alignment_weight):
    return (l1, alignment_weight) == (DEFAULTS["l1"], DEFAULTS["alignment_weight"])


def amazon_methods(config):
    few, pool = (lambda p: p.label_index), (lambda p: p.pool_index)
    methods = [
        HeteroMethod("source_only_shared", "baseline", source_only_shared),
        HeteroMethod("source_only_shared_pooled", "baseline", source_only_shared_pooled,
                     POOLED),
        HeteroMethod("target_only_few", "baseline", _target_only(few),
                     f"{config.amazon_labels} labels"),
        HeteroMethod("mapping", "ours", _mapping(), "defaults"),
        HeteroMethod("mapping_labels", "ours", _mapping(labels=True),
                     f"defaults, {config.amazon_labels} labels"),
    ]
    methods += [HeteroMethod(_cell_name(l1, a), "sensitivity",
                             _mapping(l1=l1, alignment_weight=a), f"l1={l1:g}, aw={a:g}")
                for l1, a in config.sensitivity if not _is_default(l1, a)]
    return methods + [
        HeteroMethod("ceiling_source_only_all", "ceiling", source_only_all_words,
                     f"all {N_WORDS} words"),
        HeteroMethod("ceiling_target_only_pool", "ceiling", _target_only(pool),
                     "whole pool"),
    ]


def heart_methods(config):
    few, pool = (lambda p: p.label_index), (lambda p: p.pool_index)
    n = config.heart_labels
    return [
        HeteroMethod("majority", "reference", majority, "scored half"),
        HeteroMethod("source_only_shared", "baseline", source_only_shared),
        HeteroMethod("source_only_shared_pooled", "baseline", source_only_shared_pooled,
                     POOLED),
        HeteroMethod("target_only_few", "baseline", _target_only(few), f"{n} labels"),
        HeteroMethod("mapping_parallel", "ours", _mapping(layout="parallel_source"),
                     "layout (i), defaults"),
        HeteroMethod("mapping_parallel_labels", "ours",
                     _mapping(layout="parallel_source", labels=True),
                     f"layout (i), defaults, {n} labels"),
        HeteroMethod("mapping_alignment", "ours", _alignment_mapping(False),
                     "layout (ii), identity init"),
        HeteroMethod("mapping_alignment_labels", "ours", _alignment_mapping(True),
                     f"layout (ii), identity init, {n} labels"),
        HeteroMethod("ceiling_target_only_pool", "ceiling", _target_only(pool),
                     "whole pool"),
    ]


# -------------------------------------------------------------------- run
def evaluate(method, problem, base, seed, config):
    """One row for ``method`` on ``problem``; a failure is a row too."""
    row = dict(task=problem.task, seed=seed, method=method.name, role=method.role,
               params=method.params, C=base.C, **problem.counts())
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = method.run(problem, base, seed, config)
    except Exception as exc:  # noqa: BLE001 - one failure must not end the run
        traceback.print_exc()
        return {**row, "status": f"error: {type(exc).__name__}: {exc}"}
    kinds = sorted({w.category.__name__ for w in caught})
    status = "ok" + (f" ({len(caught)} warnings: {', '.join(kinds)})" if kinds else "")
    if "note" in out.info:
        status += f"; {out.info['note']}"
    info = out.info
    row.update(accuracy=accuracy_score(problem.y_eval, out.pred),
               balanced_accuracy=balanced_accuracy_score(problem.y_eval, out.pred),
               fit_s=out.fit_s, n_target_labels=out.n_target_labels,
               sparsity=info.get("sparsity"), n_iter=info.get("n_iter"),
               converged=info.get("converged"), status=status)
    if "n_parallel" in info:
        row["n_parallel"] = info["n_parallel"]
    return row


def base_estimator(problem):
    """The base with ``C`` chosen by CV on the source rows' source block."""
    lay = problem.hetero
    view = SimpleNamespace(X=lay.scaled[:, lay.blocks.source], y=problem.training_labels(),
                           source_index=problem.source_index, kind="classification")
    return choose_base(view)[0]


def _load(task, data_home, config):
    if task == "amazon":
        letters = dict.fromkeys("".join(config.amazon_pairs).replace("->", ""))
        return fetch_amazon_reviews(data_home=data_home,
                                    domains=[AMAZON[k] for k in letters])
    return fetch_heart_disease(data_home=data_home, domains=[HEART_SOURCE, HEART_TARGET],
                               download_if_missing=False)


def draws(config, data_home, tasks=("amazon", "heart")):
    """``(problem, methods, seed)`` of every task and seed, lazily; the data
    of a task are read once."""
    if "amazon" in tasks:
        data = _load("amazon", data_home, config)
        for pair in config.amazon_pairs:
            for seed in range(config.amazon_seeds):
                yield amazon_problem(data, pair, seed, config), amazon_methods(config), seed
    if "heart" in tasks:
        data = _load("heart", data_home, config)
        for seed in range(config.heart_seeds):
            yield heart_problem(data, seed, config), heart_methods(config), seed


def available_tasks(data_home, log=print):
    tasks = []
    for task in ("amazon", "heart"):
        if has_real_data(task, data_home):
            tasks.append(task)
        else:
            log(f"no {task} data in {data_home}: its heterogeneous task is skipped")
    return tasks


def run_track(config=FULL, data_home=DEFAULT_DATA, *, tasks=None, log=print):
    """Every method on every task and seed; ``(rows, notes)`` with ``notes``
    the per-task facts the page reports (heart's target features)."""
    tasks = available_tasks(data_home, log) if tasks is None else tasks
    rows, notes = [], {}
    start = time.perf_counter()
    for problem, methods, seed in draws(config, data_home, tasks):
        notes.setdefault(problem.task, problem.notes)
        base = base_estimator(problem)
        for method in methods:
            row = evaluate(method, problem, base, seed, config)
            rows.append(row)
            acc = "--" if row.get("accuracy") is None else f"{row['accuracy']:.3f}"
            log(f"[{problem.task} seed={seed}] {method.name:<28} {acc:>6} "
                f"({row.get('fit_s') or 0:.1f} s) {'' if row['status'] == 'ok' else row['status']}")
        log(f"-- {problem.task} seed={seed} done, {time.perf_counter() - start:.0f} s "
            f"(C={base.C:g})")
    return rows, notes


# ------------------------------------------------------------------ report
def _pct(values):
    values = [100 * v for v in values if v is not None]
    return report._mean_std(values, ".1f")


def task_table(rows):
    """One line per method of one task: scores over seeds, fit time, labels."""
    lines = ["| method | role | setting | accuracy % | balanced accuracy % | fit s "
             "| target labels | seeds | status |",
             "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for (method,), rs in report._grouped(rows, "method").items():
        statuses = defaultdict(int)
        for r in rs:
            statuses[r["status"]] += 1
        status = "; ".join(f"{s} x{n}" if len(statuses) > 1 else s
                           for s, n in statuses.items())
        lines.append(
            f"| {method} | {rs[0]['role']} | {rs[0]['params']} "
            f"| {_pct([r.get('accuracy') for r in rs])} "
            f"| {_pct([r.get('balanced_accuracy') for r in rs])} "
            f"| {report._mean_std([r.get('fit_s') for r in rs], '.3g')} "
            f"| {rs[0].get('n_target_labels', '')} | {len(rs)} | {status} |")
    return "\n".join(lines)


def _cell(rows, task, method):
    return [r["accuracy"] for r in rows if r["task"] == task and r["method"] == method
            and r.get("accuracy") is not None]


def sensitivity_table(rows, tasks, grid):
    """Mapping accuracy (no target label) per (l1, alignment_weight): one
    column per task, the mean over tasks, and the map's share of zeros and
    the fit time (mean over tasks and seeds)."""
    head = ("| l1 | alignment_weight | " + " | ".join(tasks)
            + " | mean over tasks | zeros in W | fit s |")
    lines = [head, "|---:|---:|" + "---:|" * (len(tasks) + 3)]
    for l1, a in grid:
        name = "mapping" if _is_default(l1, a) else _cell_name(l1, a)
        per_task = [_cell(rows, t, name) for t in tasks]
        means = [np.mean(v) for v in per_task if v]
        mark = " (default)" if _is_default(l1, a) else ""
        fitted = [r for r in rows if r["task"] in tasks and r["method"] == name
                  and r.get("sparsity") is not None]
        lines.append(f"| {l1:g}{mark} | {a:g} | " + " | ".join(_pct(v) for v in per_task)
                     + f" | {_pct([np.mean(means)]) if means else ''} "
                     f"| {_pct([np.mean([r['sparsity'] for r in fitted])]) if fitted else ''} "
                     f"| {np.mean([r['fit_s'] for r in fitted]) if fitted else 0:.2f} |")
    return "\n".join(lines)


def gains_table(rows, tasks, methods, baselines):
    """Mean over tasks and seeds of each method's accuracy minus a
    baseline's, taken on the same (task, seed)."""
    lines = ["| method | " + " | ".join(f"minus {b}" for b in baselines) + " |",
             "|---|" + "---:|" * len(baselines)]
    score = {(r["task"], r["seed"], r["method"]): r["accuracy"] for r in rows
             if r["task"] in tasks and r.get("accuracy") is not None}
    for m in methods:
        cells = []
        for b in baselines:
            d = [100 * (v - score[(t, s, b)]) for (t, s, mm), v in score.items()
                 if mm == m and (t, s, b) in score]
            cells.append(f"{np.mean(d):+.1f} (wins {sum(x > 0 for x in d)}/{len(d)})"
                         if d else "")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def estimator_version():
    """The commit checked out and the sha256 of the estimator's source file
    as imported (it may differ from the commit while it is being worked on)."""
    import hashlib
    import subprocess

    import sktransfer.alignment._heterogeneous as module

    digest = hashlib.sha256(Path(module.__file__).read_bytes()).hexdigest()[:12]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return f"commit {commit}, `_heterogeneous.py` sha256 {digest}"


def _protocol_text():
    doc = __doc__
    return doc[doc.index("Protocol\n--------\n") + len("Protocol\n--------\n"):]


def write_page(path, rows, notes, config, *, command, seconds, version=""):

    path = Path(path)
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    amazon = [t for t in tasks if t.startswith("amazon")]
    parts = [
        "# Benchmark suite, heterogeneous track: different feature spaces\n",
        f"Produced by `{command}` on {datetime.date.today().isoformat()} in "
        f"{seconds / 60:.1f} min on {report.machine()}. Rows: `{path.with_suffix('.csv').name}`. "
        f"Seeds: {config.amazon_seeds} per Amazon pair, {config.heart_seeds} for heart; "
        f"{config.n_parallel} parallel pairs; estimator max_iter={config.max_iter}. "
        f"Estimator: {version or estimator_version()}.\n",
        "## Protocol\n", _protocol_text(),
    ]
    for task, facts in notes.items():
        if "target_features" in facts:
            share = ", ".join(f"{k} {100 * v:.0f}%" for k, v in facts["recorded_share"].items())
            parts.append(f"**{task}**: target block = {', '.join(facts['target_features'])} "
                         f"(share of Switzerland rows recording each feature: {share}).\n")
    if amazon:
        parts += ["## Amazon, mean over the pairs\n",
                  "Accuracy gain in points over the baselines, on the same pair and seed "
                  "(wins: pair-seeds where the method is ahead).\n",
                  gains_table(rows, amazon, ["mapping", "mapping_labels",
                                             "source_only_shared_pooled",
                                             "ceiling_source_only_all"],
                              ["source_only_shared", "target_only_few"]) + "\n",
                  "### Sensitivity of `mapping` (no target label)\n",
                  "Accuracy %, mean ± std over seeds; every cell reported, none selected.\n",
                  sensitivity_table(rows, amazon, config.sensitivity) + "\n"]
    parts.append("## Every task\n")
    for task in tasks:
        parts += [f"### {task}\n", task_table([r for r in rows if r["task"] == task]) + "\n"]
    if path.exists() and "\n## Reading" in path.read_text():
        text = path.read_text()
        parts.append(text[text.index("\n## Reading") + 1:])
    path.write_text("\n".join(parts))


def run_and_write(config, data_home, out_dir, *, command, tasks=None, log=print):
    """Run the track and write its page and CSV into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    version = estimator_version()   # the file as imported, before the run
    rows, notes = run_track(config, data_home, tasks=tasks, log=log)
    seconds = time.perf_counter() - start
    report.write_csv(rows, out_dir / "suite_heterogeneous.csv", FIELDS)
    write_page(out_dir / "suite_heterogeneous.md", rows, notes, config, command=command,
               seconds=seconds, version=version)
    log(f"heterogeneous track done in {seconds / 60:.1f} min; wrote "
        f"{out_dir / 'suite_heterogeneous.md'}")
    return rows


def config_for(quick, amazon_seeds=None, heart_seeds=None, pairs=None):
    config = QUICK if quick else FULL
    changes = {k: v for k, v in (("amazon_seeds", amazon_seeds), ("heart_seeds", heart_seeds),
                                 ("amazon_pairs", tuple(pairs) if pairs else None))
               if v is not None}
    return replace(config, **changes)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="smoke run: K->D and heart, 1 seed, 50 parallel pairs, "
                        "max_iter=50, no sensitivity grid")
    p.add_argument("--tasks", nargs="+", choices=("amazon", "heart"), default=None)
    p.add_argument("--pairs", nargs="+", choices=AMAZON_PAIRS, default=None)
    p.add_argument("--amazon-seeds", type=int, default=None)
    p.add_argument("--heart-seeds", type=int, default=None)
    p.add_argument("--data-home", default=str(DEFAULT_DATA))
    p.add_argument("--out-dir", default=None)
    args = p.parse_args(argv)
    config = config_for(args.quick, args.amazon_seeds, args.heart_seeds, args.pairs)
    out_dir = args.out_dir or (ROOT / "build" / "benchmark-quick" if args.quick
                               else ROOT / "docs")
    command = "python benchmarks/suite_heterogeneous.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    tasks = available_tasks(args.data_home) if args.tasks is None else args.tasks
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    return run_and_write(config, args.data_home, out_dir, command=command.strip(),
                         tasks=tasks, log=log)


if __name__ == "__main__":
    main()
