"""Transfer with a few labelled target rows: the TrAdaBoost family against
source-only, target-only and pooled training.

For each task, seed and labelled fraction (1%, 5%, 10% of the target rows,
at least 4), that many target rows are drawn (stratified for
classification) and keep their label; every other target row is masked
and scored. All methods use the same base learner (a depth-4 decision
tree, as TrAdaBoost's own default is a shallow tree):

* source only: the tree on the source rows;
* target only: the tree on the labelled target rows;
* pooled: the tree on source + labelled target rows, unweighted;
* AdaBoost (pooled): scikit-learn's AdaBoost of that tree, 20 rounds, on
  the pooled rows;
* TrAdaBoostClassifier / TrAdaBoostRegressor / TwoStageTrAdaBoostRegressor
  with that tree, N = 20 rounds (two-stage: 5 steps x 10 rounds, 3 folds);
* dynamic TrAdaBoost: TrAdaBoostClassifier(correction="dynamic"), the
  source weights also multiplied by 2 (1 - eps_t) each round (Al-Stouhi &
  Reddy 2011), same tree and rounds.

The boosting loop's own overhead (fit time minus the base learners' fit
time, the tree class's ``fit`` timed while the booster runs) is reported
as a share of the learners' time, next to scikit-learn's AdaBoost's on the
same tree.

    python benchmarks/few_labels.py                 # every task, 3 seeds
    python benchmarks/few_labels.py --quick         # wine and heart, 1 seed

Writes ``docs/few_labels_results.md`` and a CSV beside it.
"""

from __future__ import annotations

import argparse
import functools
import os
from contextlib import contextmanager
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.ensemble import AdaBoostClassifier, AdaBoostRegressor
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import suite_report as report  # noqa: E402
from suite_tasks import split_target  # noqa: E402

from sktransfer import (  # noqa: E402
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
    TwoStageTrAdaBoostRegressor,
)
from sktransfer.datasets import (  # noqa: E402
    fetch_amazon_reviews,
    fetch_heart_disease,
    fetch_wine_quality,
    make_domain_split,
)

ROOT = HERE.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
FRACTIONS = (0.01, 0.05, 0.10)
MIN_LABELLED = 4
DEPTH = 4
FIELDS = ("task", "kind", "metric", "fraction", "n_labelled", "seed", "method", "score",
          "fit_s", "learner_s", "overhead", "status")

@contextmanager
def timed_learner_fits(learner_class):
    """Accumulate the time spent in ``learner_class.fit`` (the base
    learners' own fits, with nothing wrapped around the estimator, so that
    cloning and seeding cost what they cost) into the returned list."""
    seconds = [0.0]
    original = learner_class.fit

    @functools.wraps(original)   # the same signature: sample_weight is seen
    def fit(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            seconds[0] += time.perf_counter() - t0

    learner_class.fit = fit
    try:
        yield seconds
    finally:
        learner_class.fit = original


# ------------------------------------------------------------------ tasks
def tasks(data_home, quick):
    wine_b = lambda: fetch_wine_quality(data_home=data_home)  # noqa: E731
    wine_r = lambda: fetch_wine_quality(data_home=data_home, target="regression")  # noqa: E731
    heart = lambda: fetch_heart_disease(data_home=data_home)  # noqa: E731
    amazon = lambda: fetch_amazon_reviews(data_home=data_home)  # noqa: E731
    out = [("wine red->white", "classification", wine_b, "red", "white"),
           ("wine red->white (quality)", "regression", wine_r, "red", "white"),
           ("heart cleveland->hungary", "classification", heart, "cleveland", "hungary"),
           ("heart cleveland->va", "classification", heart, "cleveland", "va")]
    if not quick:
        out += [("amazon kitchen->dvd", "classification", amazon, "kitchen", "dvd"),
                ("amazon books->elec", "classification", amazon, "books", "elec")]
    return out


def label_some(split, fraction, seed, kind):
    """``(y, sample_domain, scored rows, their true labels)`` with
    ``fraction`` of the target rows labelled (at least ``MIN_LABELLED``)."""
    target = np.asarray(split.target_index)
    y_true = np.asarray(split.y_target_true)
    n_lab = max(MIN_LABELLED, int(round(fraction * len(target))))
    lab, rest = split_target(split, n_lab, seed, kind)
    y = np.array(split.y, dtype=float if kind == "regression" else None)
    y[target[lab]] = y_true[lab]
    return y, np.asarray(split.sample_domain), target[rest], y_true[rest], target[lab]


def methods(kind):
    """The base tree, the boosted methods, and scikit-learn's AdaBoost of
    the same tree on the pooled rows (a reference for the loop's overhead,
    and one more baseline)."""
    if kind == "classification":
        tree = DecisionTreeClassifier(max_depth=DEPTH, random_state=0)
        adaboost = AdaBoostClassifier(tree, n_estimators=20, random_state=0)
        return tree, adaboost, {
            "TrAdaBoost": lambda base: TrAdaBoostClassifier(
                base, n_estimators=20, random_state=0),
            "dynamic TrAdaBoost": lambda base: TrAdaBoostClassifier(
                base, n_estimators=20, correction="dynamic", random_state=0),
        }
    tree = DecisionTreeRegressor(max_depth=DEPTH, random_state=0)
    adaboost = AdaBoostRegressor(tree, n_estimators=20, random_state=0)
    return tree, adaboost, {
        "TrAdaBoost.R2": lambda base: TrAdaBoostRegressor(
            base, n_estimators=20, random_state=0),
        "two-stage": lambda base: TwoStageTrAdaBoostRegressor(
            base, n_steps=5, n_estimators=10, n_folds=3, random_state=0),
    }


def score(kind, y_true, pred):
    if kind == "classification":
        return 100.0 * accuracy_score(y_true, pred)
    return float(np.sqrt(mean_squared_error(y_true, pred)))


def run(task_list, seeds, fractions, log=print):
    rows = []
    for name, kind, load, src, tgt in task_list:
        split = make_domain_split(load(), src, tgt, task=kind)
        X = np.asarray(split.X, dtype=float)
        if np.isnan(X).any():  # heart: mean imputation on every row, no label
            X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
        tree, adaboost, boosted = methods(kind)
        metric = "accuracy %" if kind == "classification" else "RMSE"
        for fraction in fractions:
            for seed in seeds:
                y, sd, scored, y_scored, lab = label_some(split, fraction, seed, kind)
                src_rows = np.flatnonzero(sd > 0)
                base_rows = {"source only": src_rows, "target only": lab,
                             "pooled": np.r_[src_rows, lab]}
                common = dict(task=name, kind=kind, metric=metric, fraction=fraction,
                              n_labelled=len(lab), seed=seed)
                for method, rows_ in base_rows.items():
                    t0 = time.perf_counter()
                    model = clone(tree).fit(X[rows_], y[rows_])
                    rows.append({**common, "method": method,
                                 "score": score(kind, y_scored, model.predict(X[scored])),
                                 "fit_s": time.perf_counter() - t0, "status": "ok"})
                pooled = base_rows["pooled"]
                fits = {m: (lambda make=make: make(tree).fit(X, y, sample_domain=sd))
                        for m, make in boosted.items()}
                fits["AdaBoost (pooled)"] = lambda: clone(adaboost).fit(X[pooled], y[pooled])
                for method, fit in fits.items():
                    with timed_learner_fits(type(tree)) as learner_seconds:
                        t0 = time.perf_counter()
                        model = fit()
                        fit_s = time.perf_counter() - t0
                    learners = learner_seconds[0]
                    rows.append({**common, "method": method,
                                 "score": score(kind, y_scored, model.predict(X[scored])),
                                 "fit_s": fit_s, "learner_s": learners,
                                 "overhead": (fit_s - learners) / learners, "status": "ok"})
                log(f"[{name} {fraction:.0%} seed={seed}] " + ", ".join(
                    f"{r['method']}={r['score']:.3f}" for r in rows[-(3 + len(fits)):]))
    return rows


def table(rows):
    lines = ["| task | metric | labelled | source only | target only | pooled "
             "| AdaBoost (pooled) | TrAdaBoost | overhead: TrAdaBoost / sklearn AdaBoost |",
             "|---|---|---|---:|---:|---:|---:|---|---:|"]
    keys = dict.fromkeys((r["task"], r["fraction"]) for r in rows)
    for task, fraction in keys:
        rs = [r for r in rows if r["task"] == task and r["fraction"] == fraction]
        kind = rs[0]["kind"]
        spec = ".2f" if kind == "classification" else ".3f"

        def mean(method):
            v = [r["score"] for r in rs if r["method"] == method]
            return f"{np.mean(v):{spec}} ± {np.std(v):{spec}}" if v else ""

        reference = "AdaBoost (pooled)"
        boosted = sorted({r["method"] for r in rs if r.get("overhead") is not None}
                         - {reference})
        over = [r["overhead"] for r in rs
                if r.get("overhead") is not None and r["method"] != reference]
        over_ref = [r["overhead"] for r in rs if r["method"] == reference]
        n_lab = sorted({r["n_labelled"] for r in rs})
        lines.append(
            f"| {task} | {rs[0]['metric']} | {fraction:.0%} ({'/'.join(map(str, n_lab))} rows) "
            f"| {mean('source only')} | {mean('target only')} | {mean('pooled')} "
            f"| {mean(reference)} | "
            + "; ".join(f"{m} {mean(m)}" for m in boosted)
            + f" | {100 * np.mean(over):.1f}% / {100 * np.mean(over_ref):.1f}% |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seeds", type=int, default=None)
    p.add_argument("--tasks", nargs="+", default=None,
                   help="keep the tasks whose name contains one of these strings")
    p.add_argument("--data-home", default=str(DEFAULT_DATA))
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    seeds = list(range(args.seeds or (1 if args.quick else 3)))
    out = Path(args.out or (ROOT / ("build/few_labels_quick.md" if args.quick
                                    else "docs/few_labels_results.md")))
    out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    task_list = [t for t in tasks(args.data_home, args.quick)
                 if not args.tasks or any(part in t[0] for part in args.tasks)]
    rows = run(task_list, seeds, FRACTIONS,
               log=lambda m: print(m, flush=True))
    seconds = time.perf_counter() - start
    report.write_csv(rows, out.with_suffix(".csv"), FIELDS)
    command = "python benchmarks/few_labels.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    machine = (f"{platform.machine()}, {os.cpu_count()} CPU cores, Python "
               f"{platform.python_version()}, numpy {np.__version__}, scikit-learn "
               f"{sklearn.__version__}")
    out.write_text("\n".join([
        "# Transfer with a few labelled target rows: TrAdaBoost\n",
        f"Produced by `{command.strip()}` in {seconds / 60:.1f} min on {machine}. "
        f"CSV: `{out.with_suffix('.csv').name}`.\n",
        "## Protocol\n", __doc__.split("\n\n")[1] + "\n", __doc__.split("\n\n")[2] + "\n",
        "Scores: accuracy in % (higher is better) or RMSE (lower is better) on "
        "the unlabelled target rows, mean ± standard deviation over seeds. "
        "Boosting overhead: (fit time - base learners' fit time) / base "
        "learners' fit time, mean over seeds.\n",
        "## Results\n", table(rows) + "\n"]))
    print(f"done in {seconds / 60:.1f} min; wrote {out}", flush=True)
    return rows


if __name__ == "__main__":
    main()
