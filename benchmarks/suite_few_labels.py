"""The few-labels track: a source model and 1%, 5% or 10% of the target
labelled.

On every real task of the suite (``suite_tasks``) and seed, the scored half
of the target rows is as in the suite; from the other half a fraction of the
target rows (at least 5) is labelled (``suite_auto.label_target_rows``, the
rows AutoAdapter's labelled track used). Every method trains on the source
rows and those labelled target rows (the adapters also on every target row,
unlabelled) and is scored on the scored half:

* baselines: source-only (the suite's base estimator, its regularisation by
  cross-validation on the source rows), target-only (regularisation by
  cross-validation on the labelled target rows; the majority class when
  they hold one class), pooled (source + labelled target rows, the source
  rows' regularisation);
* ``weighted_pooling``: ``WeightedPooling(base, target_weight="auto")``;
* ``regular_transfer``: ``RegularTransfer*(base, alpha="auto")``;
* ``feature_augmentation``: ``FeatureAugmenter`` then the base estimator;
* ``tradaboost``: ``TrAdaBoostClassifier`` / ``TrAdaBoostRegressor`` of the
  base estimator, 10 rounds;
* ``coral``: ``CORAL(base)`` with the target labels among its training rows
  (an unsupervised adapter trained with the labels too);
* ``finetune``: a net (one hidden layer of 128) pretrained on the source
  rows once per task and seed, fine-tuned on the labelled target rows
  (``FineTuningClassifier`` / ``Regressor``, feature rate x0.1, early
  stopping on 20% of them);
* ``auto``: ``AutoAdapter(base)`` in its labelled-target mode (its own
  cross-validation over the unsupervised adapters, source-only, target-only
  and pooled); run where ``--auto`` names the family (by default heart and
  wine: about a minute per fit on office and amazon; their 5% cells are
  the recorded ``auto_results_labelled5.csv``).

Every hyperparameter a method searches is chosen by cross-validation on
the labelled target rows only (inside the method). To choose *among*
methods, each one's score is cross-validated on the labelled target rows
too (3 folds, stratified where the classes allow: a method is refitted on
the source rows and two folds and predicts the third; the held-out
predictions of all folds are scored at once), and ``best_by_cv`` is the
method with the best such score (ties: the earlier method of ``METHODS``),
scored on the scored half like the others. ``auto`` is not a candidate of
that choice (it is a choice by cross-validation on the labels itself): it is
reported next to it.

    python benchmarks/suite.py --families few_labels --seeds 3
    python benchmarks/suite_few_labels.py --families heart wine --seeds 1

Writes ``few_labels_track.csv`` (one row per task x fraction x seed x
method), ``few_labels_track.md`` and ``img/few_labels_<family>.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import make_pipeline

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import suite_report as report  # noqa: E402
from suite_auto import label_target_rows  # noqa: E402
from suite_methods import base_param_grid, choose_base, choose_regularised  # noqa: E402
from suite_run import metric_name, score  # noqa: E402
from suite_tasks import select_tasks, task_parser  # noqa: E402

FRACTIONS = (0.01, 0.05, 0.10)
REAL = ("wine", "heart", "office", "amazon")
BASELINES = ("source_only", "target_only", "pooled")
#: every method, in the order ties of the cross-validated choice are broken
METHODS = ("pooled", "weighted_pooling", "regular_transfer", "feature_augmentation",
           "tradaboost", "coral", "finetune", "target_only", "source_only", "auto")
CV_FOLDS = 3
FIELDS = ("task", "family", "kind", "fraction", "n_labelled", "seed", "method", "score",
          "cv_score", "fit_s", "chosen", "status")


# -------------------------------------------------------------- methods
def _target_only(problem, X, y):
    if problem.kind == "classification" and np.unique(y).size < 2:
        return DummyClassifier(strategy="most_frequent")
    return choose_regularised(X, y, problem.kind)[0]


def build(method, problem, base, net):
    """``(estimator, rows)``: the unfitted estimator and which rows it is
    fitted on: ``"source"``, ``"target"`` (labelled target rows),
    ``"labelled"`` (source + labelled target) or ``"all"`` (every row,
    unlabelled target rows masked)."""
    from sktransfer import CORAL, AutoAdapter, TrAdaBoostClassifier, TrAdaBoostRegressor
    from sktransfer.parameter import (
        FeatureAugmenter,
        RegularTransferClassifier,
        RegularTransferRegressor,
        WeightedPooling,
    )

    cls = problem.kind == "classification"
    if method == "source_only":
        return clone(base), "source"
    if method == "target_only":
        return None, "target"          # chosen on the rows themselves
    if method == "pooled":
        return clone(base), "pooled"
    if method == "weighted_pooling":
        return WeightedPooling(clone(base), random_state=0), "labelled"
    if method == "regular_transfer":
        rt = RegularTransferClassifier if cls else RegularTransferRegressor
        return rt(clone(base), alpha="auto", random_state=0), "labelled"
    if method == "feature_augmentation":
        return make_pipeline(FeatureAugmenter(), clone(base)), "labelled"
    if method == "tradaboost":
        boost = TrAdaBoostClassifier if cls else TrAdaBoostRegressor
        return boost(clone(base), n_estimators=10, random_state=0), "labelled"
    if method == "coral":
        return CORAL(clone(base)), "all"
    if method == "finetune":
        from sktransfer.deep import FineTuningClassifier, FineTuningRegressor

        ft = FineTuningClassifier if cls else FineTuningRegressor
        return ft(pretrained=FrozenEstimator(net), finetune_lr=1e-3,
                  feature_lr_scale=0.1, batch_size=64, random_state=0,
                  device="cpu"), "labelled"
    if method == "auto":
        return AutoAdapter(clone(base), estimator_grid=base_param_grid(problem.kind),
                           random_state=0), "all"
    raise ValueError(f"unknown method {method!r}")


def pretrain_net(problem, seed):
    """The source net fine-tuning starts from: one hidden layer of 128,
    trained on the source rows (target rows unlabelled in its batches)."""
    from sktransfer.deep import SourceOnlyClassifier, SourceOnlyRegressor

    net = SourceOnlyClassifier if problem.kind == "classification" else SourceOnlyRegressor
    y = problem.y.astype(float) if problem.kind == "regression" else problem.y
    return net(module__hidden=(128,), module__dropout=0.2, max_epochs=30,
               batch_size=128, lr=1e-3, random_state=seed, device="cpu").fit(
                   problem.X, y, sample_domain=problem.sample_domain)


def fit_predict(method, problem, base, net, y, lab, X_pred):
    """Fit ``method`` with the target labels of the rows ``lab`` (``y``
    holds the source labels and those) and predict ``X_pred`` as target
    rows."""
    from sktransfer.model_selection._scorers import domain_call

    est, rows = build(method, problem, base, net)
    src = problem.source_index
    sd = problem.sample_domain
    if rows == "all":
        yy = np.array(problem.y, copy=True)
        if problem.kind == "regression":
            yy = yy.astype(float)
        yy[lab] = y[lab]
        est.fit(problem.X, yy, sample_domain=sd)
    else:
        index = {"source": src, "target": lab, "pooled": np.r_[src, lab],
                 "labelled": np.r_[src, lab]}[rows]
        if est is None:
            est = _target_only(problem, problem.X[index], y[index])
        if rows in ("source", "target", "pooled"):
            est.fit(problem.X[index], y[index])
        elif method == "feature_augmentation":
            est.fit(problem.X[index], y[index], featureaugmenter__sample_domain=sd[index])
        else:
            est.fit(problem.X[index], y[index], sample_domain=sd[index])
    return domain_call(est, "predict", X_pred, -np.ones(len(X_pred), dtype=int))


def cv_score(method, problem, base, net, y, lab, seed):
    """The method's score on the labelled target rows, cross-validated."""
    from sktransfer.model_selection._folds import labelled_folds

    folds = labelled_folds(y[lab], CV_FOLDS, task=problem.kind, random_state=seed,
                           what="labelled target")
    pred = np.empty(len(lab), dtype=np.asarray(y).dtype)
    for train, held in folds:
        pred[held] = fit_predict(method, problem, base, net, y, lab[train],
                                 problem.X[lab[held]])
    return score(problem.kind, y[lab], pred)


# ------------------------------------------------------------------ run
def run_cell(task, problem, seed, fraction, methods, base, net, log=print):
    y, lab = label_target_rows(problem, fraction, seed)
    common = dict(task=task.name, family=task.family, kind=task.kind, fraction=fraction,
                  n_labelled=len(lab), seed=seed)
    rows = []
    for method in methods:
        t0 = time.perf_counter()
        try:
            pred = fit_predict(method, problem, base, net, y, lab,
                               problem.X[problem.eval_index])
            value = score(problem.kind, problem.y_eval, pred)
            fit_s = time.perf_counter() - t0
            # AutoAdapter chooses by its own cross-validation on the labels:
            # it is reported, not a candidate of the choice among methods
            cv = (None if method == "auto"
                  else cv_score(method, problem, base, net, y, lab, seed))
            status = "ok"
        except Exception as exc:  # noqa: BLE001 - a failed method is a reported cell
            value = cv = fit_s = None
            status = f"error: {type(exc).__name__}: {exc}"[:300]
        rows.append({**common, "method": method, "score": value, "cv_score": cv,
                     "fit_s": fit_s, "status": status})
    ok = [r for r in rows if r["status"] == "ok"]
    candidates = [r for r in ok if r["cv_score"] is not None]
    chosen = ""
    if candidates:  # none when only ``auto`` runs (--methods auto)
        best = max(candidates, key=lambda r: (r["cv_score"], -METHODS.index(r["method"])))
        rows.append({**common, "method": "best_by_cv", "score": best["score"],
                     "cv_score": best["cv_score"], "chosen": best["method"],
                     "status": "ok"})
        chosen = f" -> {best['method']}"
    log(f"[{task.name} {fraction:.0%} seed={seed} n_lab={len(lab)}] "
        + " ".join(f"{r['method']}={r['score']:.3g}" for r in ok) + chosen)
    return rows


def run_track(data_home, out_dir, *, families=REAL, seeds=(0, 1, 2), tasks=None,
              fractions=FRACTIONS, methods=METHODS, auto_families=("heart", "wine"),
              log=print):
    chosen, _ = select_tasks(families, data_home, names=tasks, log=log)
    out_dir = Path(out_dir)
    (out_dir / "img").mkdir(parents=True, exist_ok=True)
    rows = []
    start = time.perf_counter()
    for task in chosen:
        for seed in seeds:
            problem = task.draw(data_home, seed)
            base, _ = choose_base(problem)
            wanted = [m for m in methods if m != "auto" or task.family in auto_families]
            net = pretrain_net(problem, seed) if "finetune" in wanted else None
            for fraction in fractions:
                rows += run_cell(task, problem, seed, fraction, wanted, base, net, log)
                write_csv(rows, out_dir / "few_labels_track.csv")
            log(f"  {task.name} seed={seed} done ({time.perf_counter() - start:.0f} s)")
    return rows


def write_csv(rows, path):
    report.write_csv(rows, path, fields=FIELDS)


def read_csv(path):
    """Track rows from a CSV this script wrote, or ``auto`` rows from a
    labelled run of ``suite_auto.py`` (``--labelled-fraction``: the same
    labelled and scored rows, so its AutoAdapter score fills that fraction's
    ``auto`` cells)."""
    rows = report.read_csv(path)
    if not rows or "labelled_fraction" not in rows[0]:
        return rows
    return [dict(task=r["task"], family=r["family"], kind=r["kind"],
                 fraction=float(r["labelled_fraction"]),
                 n_labelled=int(r["n_labelled_target"]), seed=r["seed"], method="auto",
                 score=float(r["auto"]), cv_score=None, fit_s=r["fit_s"], chosen="",
                 status="ok") for r in rows]


# --------------------------------------------------------------- report
def cells(rows):
    """Per task x fraction: the mean over seeds of every method's score."""
    out = {}
    for r in rows:
        if r["score"] is None:
            continue
        key = (r["task"], r["family"], r["kind"], r["fraction"])
        out.setdefault(key, {}).setdefault(r["method"], []).append(r["score"])
    return {k: {m: float(np.mean(v)) for m, v in ms.items()} for k, ms in out.items()}


def summary(rows):
    """Lines: every cell, and the issue's criterion (``best_by_cv`` against
    the best of the three baselines)."""
    table = cells(rows)
    methods = [m for m in (*BASELINES, *METHODS[1:7], "auto", "best_by_cv")
               if any(m in ms for ms in table.values())]
    methods = list(dict.fromkeys(methods))
    head = ["task", "labelled", *methods, "best baseline", "gain"]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
    gains, wins = [], 0
    n_lab = {}
    for r in rows:
        n_lab.setdefault((r["task"], r["fraction"]), set()).add(r["n_labelled"])
    for (task, family, kind, fraction), ms in table.items():
        best_base = max(ms[m] for m in BASELINES if m in ms)
        gain = ms["best_by_cv"] - best_base
        scale = 1.0 if kind == "classification" else 100.0  # R^2 in points
        gains.append(scale * gain)
        wins += gain > 0
        spec = ".1f" if kind == "classification" else ".3f"
        labelled = "/".join(map(str, sorted(n_lab[(task, fraction)])))
        lines.append(f"| {task} | {fraction:.0%} ({labelled}) | "
                     + " | ".join(f"{ms[m]:{spec}}" if m in ms else "" for m in methods)
                     + f" | {best_base:{spec}} | {gain:+{spec}} |")
    lines += ["", f"`best_by_cv` beats the best of source-only, target-only and pooled on "
              f"**{wins} of {len(table)}** task x fraction cells "
              f"({100 * wins / max(len(table), 1):.0f}%; criterion 80%); mean gain "
              f"**{np.mean(gains):+.2f}** points (R^2 x 100 for the regression task; "
              "criterion +2)."]
    lines += ["", *fair_comparison(rows, table)]
    lines += ["", *by_label_count(rows, table, [m for m in methods if m not in BASELINES])]
    lines += ["", "Each method's mean gain over the best baseline, in points, and the "
              "cells it beats it on, per family and over all:", ""]
    families = list(dict.fromkeys(f"{fam} ({kind})" for _, fam, kind, _ in table))
    others = [m for m in methods if m not in BASELINES]
    lines += ["| method | " + " | ".join(families) + " | all |",
              "|---|" + "---:|" * (len(families) + 1)]
    for m in others:
        per = {}
        for (_, fam, kind, _), ms in table.items():
            if m in ms:
                scale = 1.0 if kind == "classification" else 100.0
                gain = scale * (ms[m] - max(ms[b] for b in BASELINES if b in ms))
                per.setdefault(f"{fam} ({kind})", []).append(gain)
                per.setdefault("all", []).append(gain)
        lines.append(f"| {m} | " + " | ".join(
            f"{np.mean(per[f]):+.2f} ({sum(g > 0 for g in per[f])}/{len(per[f])})"
            if f in per else "" for f in (*families, "all")) + " |")
    chosen = {}
    for r in rows:
        if r["method"] == "best_by_cv":
            chosen[r["chosen"]] = chosen.get(r["chosen"], 0) + 1
    lines += ["", "Chosen by cross-validation (task x fraction x seed): " + ", ".join(
        f"{m} {n}" for m, n in sorted(chosen.items(), key=lambda kv: -kv[1])) + "."]
    return lines


def cv_chosen_baseline(rows):
    """Per task x fraction: the mean over seeds of the score of the baseline
    that the same cross-validation on the labelled target rows picks (ties
    by ``METHODS`` order), the comparison a user without the scored labels
    would make."""
    per_seed = {}
    for r in rows:
        if r["method"] in BASELINES and r["cv_score"] is not None:
            key = (r["task"], r["fraction"])
            per_seed.setdefault(key, {}).setdefault(r["seed"], []).append(r)
    order = {m: i for i, m in enumerate(METHODS)}
    out = {}
    for key, seeds in per_seed.items():
        picks = [max(rs, key=lambda r: (r["cv_score"], -order[r["method"]]))["score"]
                 for rs in seeds.values()]
        out[key] = float(np.mean(picks))
    return out


def fair_comparison(rows, table):
    """Lines: ``best_by_cv`` against the baseline picked by the same
    cross-validation, and the ceiling (the best method's mean against the
    best baseline's, both chosen with the scored labels)."""
    chosen_base = cv_chosen_baseline(rows)
    ceiling, with_auto, against = [], [], {}
    for (task, _, kind, fraction), ms in table.items():
        scale = 1.0 if kind == "classification" else 100.0
        others = [ms[m] for m in METHODS if m in ms and m != "auto"]
        best_base = max(ms[b] for b in BASELINES if b in ms)
        ceiling.append(scale * (max(others) - best_base))
        if "auto" in ms:
            with_auto.append(scale * (max(*others, ms["auto"]) - best_base))
        if (task, fraction) in chosen_base:
            for m in (*METHODS, "best_by_cv"):
                if m in ms and m not in BASELINES:
                    against.setdefault(m, []).append(
                        scale * (ms[m] - chosen_base[(task, fraction)]))
    fair, ceiling = np.array(against["best_by_cv"]), np.array(ceiling)
    per_method = "; ".join(f"{m} {np.mean(g):+.2f} ({sum(x > 0 for x in g)}/{len(g)})"
                           for m, g in against.items() if m != "best_by_cv")
    return [f"Against the baseline that the same cross-validation picks (what a user "
            f"without the scored labels would compare with), `best_by_cv` wins "
            f"**{(fair > 0).sum()} of {len(fair)}** cells, mean **{fair.mean():+.2f}** "
            f"points. The ceiling, the best method of each cell against the best "
            f"baseline both chosen with the scored labels (means over seeds): "
            f"{(ceiling > 0).sum()} of {len(ceiling)} cells, mean {ceiling.mean():+.2f} "
            f"points: even a perfect choice among these methods would not reach the "
            f"criterion's +2. Each method against that baseline: {per_method}."
            + (f" With `auto` among the methods (on the {len(with_auto)} cells where it "
               f"ran): {sum(g > 0 for g in with_auto)} of {len(with_auto)} cells, mean "
               f"{np.mean(with_auto):+.2f} points." if with_auto else "")]


#: the buckets of labelled target rows of ``by_label_count``: (low, high]
LABEL_BUCKETS = ((4, 10), (10, 20), (20, 60), (60, 10 ** 9))


def by_label_count(rows, table, methods):
    """Lines: each method's mean gain by how many target rows are labelled,
    against the best baseline and against the cross-validated one."""
    chosen_base = cv_chosen_baseline(rows)
    n_lab = {}
    for r in rows:
        key = (r["task"], r["fraction"])
        n_lab[key] = max(n_lab.get(key, 0), r["n_labelled"])
    names = [f"{lo + 1}-{hi}" if hi < 10 ** 9 else f">{lo}" for lo, hi in LABEL_BUCKETS]
    gains = {}
    for (task, _, kind, fraction), ms in table.items():
        scale = 1.0 if kind == "classification" else 100.0
        bucket = next(i for i, (lo, hi) in enumerate(LABEL_BUCKETS)
                      if lo < n_lab[(task, fraction)] <= hi)
        best = max(ms[b] for b in BASELINES if b in ms)
        for m in methods:
            if m in ms:
                gains.setdefault((m, bucket), []).append(
                    (scale * (ms[m] - best), scale * (ms[m] - chosen_base[(task, fraction)])))
    counts = {b: len(gains.get(("best_by_cv", b), ())) for b in range(len(names))}
    lines = ["Mean gain in points by the number of labelled target rows, against the best "
             "baseline / against the baseline the cross-validation picks (cells per "
             "bucket: " + ", ".join(f"{n} {counts[b]}" for b, n in enumerate(names)) + "):",
             "", "| method | " + " | ".join(f"{n} labelled" for n in names) + " |",
             "|---|" + "---:|" * len(names)]
    for m in methods:
        cells_ = []
        for b in range(len(names)):
            g = np.array(gains.get((m, b), [])).reshape(-1, 2)
            cells_.append(f"{g[:, 0].mean():+.2f} / {g[:, 1].mean():+.2f}" if len(g) else "")
        lines.append(f"| {m} | " + " | ".join(cells_) + " |")
    return lines


def plot(rows, out_dir):
    """Score against the labelled fraction, per family: the mean over its
    tasks and seeds of each method. Returns the paths."""
    plt = report._pyplot()
    paths = []
    for family in dict.fromkeys(r["family"] for r in rows):
        for kind in dict.fromkeys(r["kind"] for r in rows if r["family"] == family):
            rs = [r for r in rows if r["family"] == family and r["kind"] == kind
                  and r["score"] is not None]
            fig, ax = plt.subplots(figsize=(6.5, 4))
            for m in dict.fromkeys(r["method"] for r in rs):
                fr = sorted({r["fraction"] for r in rs if r["method"] == m})
                means = [np.mean([r["score"] for r in rs
                                  if r["method"] == m and r["fraction"] == f]) for f in fr]
                style = "-" if m not in BASELINES else "--"
                width = 2.5 if m == "best_by_cv" else 1.2
                # eleven methods and ten default colours: auto gets its own
                ax.plot([100 * f for f in fr], means, style, marker="o", lw=width, label=m,
                        color="black" if m == "auto" else None)
            ax.set_xlabel("target rows labelled, %")
            ax.set_ylabel(f"target {metric_name(kind)}")
            ax.set_title(f"{family} ({kind}): mean over tasks and seeds")
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
            fig.tight_layout()
            suffix = "" if kind == "classification" else "_regression"
            path = Path(out_dir) / "img" / f"few_labels_{family}{suffix}.png"
            fig.savefig(path, dpi=110)
            plt.close(fig)
            paths.append(path)
    return paths


def write_page(rows, out_dir, command, seconds, runs=None):
    """The results page; ``runs`` (text) says which runs an assembled page's
    CSVs came from, in place of the one command and its time."""
    out_dir = Path(out_dir)
    if report.without_baselines(rows, BASELINES):
        return None
    (out_dir / "img").mkdir(parents=True, exist_ok=True)
    paths = plot(rows, out_dir)
    text = ["# The few-labels track\n",
            f"{report.produced(command, seconds, runs)} on {report.machine()}. "
            "CSV: `few_labels_track.csv`.\n",
            "## Protocol\n", "\n\n".join(__doc__.split("\n\n")[1:5]) + "\n",
            "Scores: accuracy in % or R^2 on the scored target rows, mean over seeds.\n",
            "## Results\n", *summary(rows), ""]
    text += [f"![{p.stem}](img/{p.name})\n" for p in paths]
    (out_dir / "few_labels_track.md").write_text("\n".join(text))
    return out_dir / "few_labels_track.md"


def main(argv=None):
    p = task_parser(__doc__, REAL)
    p.add_argument("--fractions", type=float, nargs="+", default=list(FRACTIONS))
    p.add_argument("--methods", nargs="+", default=list(METHODS))
    p.add_argument("--auto", nargs="*", default=["heart", "wine"],
                   help="families on which AutoAdapter runs (slow on office, amazon)")
    p.add_argument("--from-csv", nargs="+", default=None,
                   help="write the page from these CSVs (no fit; each task, fraction, "
                   "seed and method from the first CSV that has it); "
                   "a suite_auto.py CSV of a labelled run gives that fraction's auto cells")
    p.add_argument("--runs", default=None,
                   help="with --from-csv: the runs the CSVs came from, for the page")
    args = p.parse_args(argv)
    command = "python benchmarks/suite_few_labels.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    if args.from_csv:
        # each (task, fraction, seed, method) once, the first CSV's that has
        # it (as suite_multisource.py): reruns first, then the whole track
        rows = list({(r["task"], r["fraction"], r["seed"], r["method"]): r
                     for path in reversed(args.from_csv)
                     for r in read_csv(path)}.values())
        write_csv(rows, Path(args.out_dir) / "few_labels_track.csv")
        command = ("python benchmarks/suite_few_labels.py --from-csv "
                   + " ".join(args.from_csv) + f" --out-dir {args.out_dir}")
        return write_page(rows, args.out_dir, command, 0.0, runs=args.runs)
    start = time.perf_counter()
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    rows = run_track(args.data_home, args.out_dir, families=args.families, seeds=seeds,
                     tasks=args.tasks, fractions=args.fractions, methods=args.methods,
                     auto_families=args.auto, log=lambda m: print(m, flush=True))
    return write_page(rows, args.out_dir, command, time.perf_counter() - start)


if __name__ == "__main__":
    main()
