"""The AutoAdapter track: does adapting on evidence beat the source model?

On every task and seed of the suite (``suite_tasks``), with the suite's
source-only baseline (the task's base estimator, its regularisation chosen
by 5-fold cross-validation on the labelled source rows, trained on them):

* ``AutoAdapter(base)`` with its default candidates, the base estimator's
  regularisation searched jointly with every candidate (the suite's grid),
  fitted on every row (target labels masked) and scored on the scored half
  of the target rows, like every method of the suite;
* its cross-validation table, with one more recorded criterion, ``oracle``:
  each fold model's score on the scored target rows. The oracle never
  enters a decision; it is what the study of the decision rule
  (``docs/auto_adapter.md``) compares the label-free criteria against, and
  it gives each candidate method's label-free pick (its best setting by
  the ``source`` criterion) a target score on the same folds.

With ``--labelled-fraction f`` the track labels that fraction of the
target rows (at least 5, from the half that is not scored), and compares
``AutoAdapter`` in its labelled-target mode with source-only, target-only
and pooled training (each with its regularisation chosen by 5-fold
cross-validation on its own training rows).

    python benchmarks/suite.py --families auto              # every real task
    python benchmarks/suite_auto.py --families heart wine --seeds 1
    python benchmarks/suite_auto.py --labelled-fraction 0.05

Writes ``auto_results.csv`` (one row per task x seed) and ``auto_cv.csv``
(the cross-validation tables) into ``--out-dir`` (default ``docs/``).
"""

from __future__ import annotations

import csv
import math
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.dummy import DummyClassifier

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from suite_methods import base_param_grid, choose_base, choose_regularised  # noqa: E402
from suite_run import score  # noqa: E402
from suite_tasks import select_tasks, task_parser  # noqa: E402

REAL = ("wine", "heart", "office", "amazon")


class TargetOracle:
    """A recorded criterion: the fold model's score on the scored target
    rows (never used by a decision)."""

    def __init__(self, problem):
        self.problem = problem

    def __call__(self, estimator, X, y, sample_domain=None):
        from sktransfer.model_selection._scorers import domain_call

        p = self.problem
        X_eval = p.X[p.eval_index]
        pred = domain_call(estimator, "predict", X_eval, -np.ones(len(X_eval), dtype=int))
        return score(p.kind, p.y_eval, pred)


def label_target_rows(problem, fraction, seed):
    """``(y, labelled rows)``: ``fraction`` of the target rows (at least 5)
    labelled, drawn from the rows that are not scored."""
    n_target = int(np.sum(problem.sample_domain < 0))
    k = min(len(problem.lab_index), max(5, math.ceil(fraction * n_target)))
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(len(problem.lab_index), size=k, replace=False))
    rows = problem.lab_index[pick]
    y = np.array(problem.y, copy=True)
    if problem.kind == "regression":
        y = y.astype(float)
    y[rows] = problem.y_lab[pick]
    return y, rows


def _fit_score(est, problem, X, y):
    est.fit(X, y)
    return score(problem.kind, problem.y_eval, est.predict(problem.X[problem.eval_index]))


def run_one(task, problem, seed, fraction=None, n_jobs=None):
    from sktransfer import AutoAdapter

    base, base_params = choose_base(problem)
    src = problem.source_index
    row = dict(task=task.name, family=task.family, kind=task.kind, seed=seed,
               n_source=len(src), n_target=int(np.sum(problem.sample_domain < 0)),
               base_params=repr(base_params))
    y = problem.y
    if fraction is None:
        row["source_only"] = _fit_score(base, problem, problem.X[src], y[src])
    else:
        y, lab = label_target_rows(problem, fraction, seed)
        row.update(labelled_fraction=fraction, n_labelled_target=len(lab))
        for name, rows in (("source_only", src), ("target_only", lab),
                           ("pooled", np.r_[src, lab])):
            if name == "source_only":
                est = base
            elif problem.kind == "classification" and np.unique(y[rows]).size < 2:
                # a few target labels of one class (heart ->switzerland is 93%
                # positive): target-only training predicts that class
                est = DummyClassifier(strategy="most_frequent")
            else:
                est, _ = choose_regularised(problem.X[rows], y[rows], problem.kind)
            row[name] = _fit_score(est, problem, problem.X[rows], y[rows])
    auto = AutoAdapter(base, estimator_grid=base_param_grid(problem.kind),
                       scoring={"oracle": TargetOracle(problem)}, random_state=seed,
                       n_jobs=n_jobs)
    t0 = time.perf_counter()
    auto.fit(problem.X, y, sample_domain=problem.sample_domain)
    row["fit_s"] = time.perf_counter() - t0
    row["auto"] = score(problem.kind, problem.y_eval,
                        auto.predict(problem.X[problem.eval_index]))
    row.update(best=auto.best_name_, adapted=auto.adapted_, mode=auto.mode_,
               best_params=repr(auto.best_params_), decision=auto.decision_)
    table = []
    res = auto.cv_results_
    for i in range(len(res["candidate"])):
        entry = dict(task=task.name, family=task.family, kind=task.kind, seed=seed,
                     mode=auto.mode_, candidate=res["candidate"][i],
                     evidence=res["evidence"][i],
                     params=repr(res["params"][i]), verdict=res["verdict"][i])
        for key, values in res.items():
            if key not in ("candidate", "params", "verdict", "evidence"):
                entry[key] = float(values[i])
        table.append(entry)
    return row, table


def write_csv(rows, path):
    if not rows:
        return
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def run_auto_track(data_home, out_dir, *, families=REAL, seeds=(0, 1, 2), tasks=None,
                   fraction=None, n_jobs=None, log=print):
    """Every (task, seed); writes the two CSVs after each (an interrupted
    run keeps what it measured)."""
    chosen, _ = select_tasks(families, data_home, names=tasks, log=log)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "" if fraction is None else f"_labelled{int(round(100 * fraction))}"
    rows, table = [], []
    start = time.perf_counter()
    total = len(chosen) * len(seeds)
    for i, (task, seed) in enumerate(((t, s) for t in chosen for s in seeds), 1):
        problem = task.draw(data_home, seed)
        row, cv = run_one(task, problem, seed, fraction, n_jobs)
        rows.append(row)
        table.extend(cv)
        write_csv(rows, out_dir / f"auto_results{suffix}.csv")
        write_csv(table, out_dir / f"auto_cv{suffix}.csv")
        base = {k: row[k] for k in ("source_only", "target_only", "pooled") if k in row}
        log(f"[{i}/{total} {task.name} seed={seed}] auto={row['auto']:.3f} "
            + " ".join(f"{k}={v:.3f}" for k, v in base.items())
            + f" -> {row['best']} ({row['fit_s']:.0f} s; {time.perf_counter() - start:.0f} s)")
    return rows, table


def recorded_params(text):
    """A recorded setting as a dict; the ensemble's (its members, estimator
    reprs) as ``{"adapters": text}``."""
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return {"adapters": text}


def redecide(out_dir, margin_cls=1.0, margin_reg=0.01):
    """The label-free decision recomputed from recorded ``auto_cv.csv``
    rows (no refit), with source-only restricted to the task's base setting
    (``base_params``): the rule as it stands, on tables recorded by an
    earlier version that searched source-only's C too. The chosen
    adapter's target score is its fold models' mean ``oracle`` (a proxy for
    the refit's). Writes ``auto_decisions_source_as_given.csv``."""
    import ast

    import pandas as pd

    from sktransfer.auto import decide_label_free

    out_dir = Path(out_dir)
    results = pd.read_csv(out_dir / "auto_results.csv")
    cv = pd.read_csv(out_dir / "auto_cv.csv")
    k = sum(c.startswith("split") and c.endswith("_source") for c in cv.columns)
    rows = []
    for _, row in results.iterrows():
        table = cv[(cv.task == row.task) & (cv.seed == row.seed)]
        base = ast.literal_eval(row.base_params)
        records = []
        for _, e in table.iterrows():
            params = recorded_params(e.params)
            # source-only is the estimator as given ({}); tables of earlier
            # versions searched its C and hold the base setting among others
            if e.candidate == "source_only" and params not in ({}, base):
                continue
            crits = [n for n in ("source", "iw", "iw_label", "class_shift", "oracle")
                     if f"split0_{n}" in cv.columns]
            records.append(dict(name=e.candidate, kind="", params=params,
                                evidence=e.get("evidence", "iw"), scores={
                n: np.array([e[f"split{f}_{n}"] for f in range(k)]) for n in crits}))
        margin = margin_reg if row.kind == "regression" else margin_cls
        decision = decide_label_free(records, margin)
        chosen = records[decision.best]
        so = next(r for r in records if r["name"] == "source_only")
        gain = 0.0 if chosen is so else float(np.mean(chosen["scores"]["oracle"])
                                              - np.mean(so["scores"]["oracle"]))
        rows.append(dict(task=row.task, kind=row.kind, seed=row.seed,
                         chosen=chosen["name"], params=repr(chosen["params"]),
                         gain_proxy=gain, decision=decision.text))
    write_csv(rows, out_dir / "auto_decisions_source_as_given.csv")
    return rows


def summarize(out_dir, log=print):
    """The track's report from ``auto_results.csv`` and ``auto_cv.csv``:
    per task, the mean over seeds of source-only and AutoAdapter and how
    often it adapted; over the classification tasks, AutoAdapter's mean
    gain, wins, losses and worst task, and each method's label-free pick
    (its best setting by ``source``, scored by its fold models' mean
    ``oracle``, against source-only's on the same folds). Returns the
    markdown text."""
    import ast

    import pandas as pd

    out_dir = Path(out_dir)
    res = pd.read_csv(out_dir / "auto_results.csv")
    cv = pd.read_csv(out_dir / "auto_cv.csv")
    res["gain"] = res.auto - res.source_only
    per_task = res.groupby(["task", "kind"], sort=False).agg(
        seeds=("seed", "nunique"), source_only=("source_only", "mean"),
        auto=("auto", "mean"), gain=("gain", "mean"), adapted=("adapted", "mean"),
        chosen=("best", lambda b: ", ".join(sorted(set(b))))).reset_index()
    lines = ["| task | seeds | source-only | AutoAdapter | gain | adapted | chosen |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for _, r in per_task.iterrows():
        lines.append(f"| {r.task} | {r.seeds} | {r.source_only:.4g} | {r.auto:.4g} | "
                     f"{r.gain:+.3g} | {r.adapted:.0%} | {r.chosen} |")
    cls = per_task[per_task.kind == "classification"]
    lines += ["", f"Classification tasks: {len(cls)}; AutoAdapter's mean gain "
              f"{cls.gain.mean():+.2f} points, {int((cls.gain > 0).sum())} wins, "
              f"{int((cls.gain < 0).sum())} losses, worst {cls.gain.min():+.2f} "
              f"({cls.task[cls.gain.idxmin()]}); adapted on {res.adapted.mean():.0%} "
              "of task x seed fits.", ""]
    picks = []
    for (task, seed), t in cv[cv.kind == "classification"].groupby(["task", "seed"]):
        base = ast.literal_eval(res[(res.task == task) & (res.seed == seed)]
                                .base_params.iloc[0])
        # source-only is the estimator as given ({}); tables of earlier
        # versions searched its C and hold the base setting among others
        so = t[(t.candidate == "source_only")
               & t.params.map(lambda p: recorded_params(p) in ({}, base))]
        for name, g in t[t.candidate != "source_only"].groupby("candidate"):
            best = g.loc[g.mean_source.idxmax()]
            picks.append(dict(task=task, seed=seed, method=name,
                              gain=best.mean_oracle - so.mean_oracle.iloc[0]))
    picks = pd.DataFrame(picks)
    if len(picks):
        per = picks.groupby(["method", "task"]).gain.mean().reset_index()
        lines += ["| method (label-free pick, fold proxy) | mean gain | wins | worst |",
                  "|---|---:|---:|---:|"]
        for name, g in per.groupby("method"):
            lines.append(f"| {name} | {g.gain.mean():+.2f} | {int((g.gain > 0).sum())}/"
                         f"{len(g)} | {g.gain.min():+.2f} |")
    for path in sorted(out_dir.glob("auto_results_labelled*.csv")):
        lines += ["", *summarize_labelled(pd.read_csv(path))]
    text = "\n".join(lines)
    log(text)
    return text


def summarize_labelled(res):
    """Lines of the labelled-target report: per task, the mean over seeds of
    source-only, target-only, pooled and AutoAdapter, and on how many tasks
    AutoAdapter beats the best of the three baselines."""
    baselines = ["source_only", "target_only", "pooled"]
    per_task = res.groupby(["task", "kind"], sort=False)[
        baselines + ["auto", "adapted"]].mean().reset_index()
    per_task["best_baseline"] = per_task[baselines].max(axis=1)
    per_task["gain"] = per_task.auto - per_task.best_baseline
    fraction = res.labelled_fraction.iloc[0]
    lines = [f"With {fraction:.0%} of the target labelled "
             f"({res.n_labelled_target.min()} to {res.n_labelled_target.max()} rows):", "",
             "| task | source-only | target-only | pooled | AutoAdapter | gain over best "
             "| adapted |", "|---|---:|---:|---:|---:|---:|---:|"]
    for _, r in per_task.iterrows():
        lines.append(f"| {r.task} | {r.source_only:.4g} | {r.target_only:.4g} | "
                     f"{r.pooled:.4g} | {r.auto:.4g} | {r.gain:+.3g} | {r.adapted:.0%} |")
    # (a tie is no win: means of equal scores can differ in the last bit)
    beats = per_task.auto.values[:, None] > per_task[baselines].values + 1e-9
    cls_gain = per_task.gain[per_task.kind == "classification"].mean()
    lines += ["", f"AutoAdapter beats all three baselines on {int(beats.all(axis=1).sum())}"
              f" of {len(per_task)} tasks (source-only on {int(beats[:, 0].sum())}, "
              f"target-only on {int(beats[:, 1].sum())}, pooled on {int(beats[:, 2].sum())});"
              f" mean gain over the best baseline {cls_gain:+.2f} points (classification).",
              "", "Chosen (task x seed fits): " + ", ".join(
                  f"{name} {n}" for name, n in res.best.value_counts().items()) + "."]
    return lines


def main(argv=None):
    p = task_parser(__doc__, REAL)
    p.add_argument("--labelled-fraction", type=float, default=None)
    p.add_argument("--n-jobs", type=int, default=None)
    p.add_argument("--redecide", action="store_true",
                   help="recompute the decisions from the CSVs in --out-dir (no fit)")
    p.add_argument("--summary", action="store_true",
                   help="print the report of the CSVs in --out-dir (no fit)")
    args = p.parse_args(argv)
    if args.redecide:
        return redecide(args.out_dir)
    if args.summary:
        return summarize(args.out_dir)
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    run_auto_track(args.data_home, args.out_dir, families=args.families, seeds=seeds,
                   tasks=args.tasks, fraction=args.labelled_fraction, n_jobs=args.n_jobs,
                   log=lambda m: print(m, flush=True))


if __name__ == "__main__":
    main()
