"""The multi-source track: several source domains, leave one domain out.

Each domain of heart disease (4 hospitals), Office-Caltech10 and Amazon
reviews (4 domains each) is the target in turn, the other three its source
domains, kept apart (``make_domain_split(..., separate_sources=True)``).
As in the suite, half of the target rows (drawn with the seed) are scored;
every method sees all target rows unlabelled. The base estimator is the
suite's (logistic regression, ``C`` by cross-validation on the pooled
source rows), and every method uses it:

* ``pooled``: the base on all source rows (source-only, the sources pooled);
* ``single:<domain>``: the base on one source domain's rows alone (its own
  ``C`` by cross-validation on them);
* ``best_single``: the single source chosen **without target labels**, the
  one with the largest estimated mixture weight (the share of the target
  it explains, ``MultiSourceAdapter``'s EM); ``oracle_single`` is the best
  single source chosen with the scored labels, for reference only;
* ``coral`` / ``coral_per_domain``: ``CORAL(base)`` with the sources pooled
  / each re-coloured to the target on its own (``source_handling``);
* ``linear_ot`` / ``linear_ot_per_domain``: ``LinearOTMapping(base)``, the
  same two ways;
* ``kmm`` / ``kmm_per_domain`` (heart only: KMM's n^2 kernel and solve are
  slow on the 4000-6000 source rows of office and amazon);
* ``ms_weighted``: ``MultiSourceAdapter(base, combine="weighted")``, the
  source rows weighted by their domain's mixture weight;
* ``ms_distribution``: ``MultiSourceAdapter(base)``, the distribution-
  weighted combination of the three per-source models;
* ``ms_distribution_uniform``: the same with equal domain weights (what the
  estimated weights add);
* ``ms_coral``: ``MultiSourceAdapter(CORAL(base))``, per-source CORAL
  models combined;
* ``auto``: ``AutoAdapter(base)``, label-free, whose candidates include the
  per-domain settings and ``MultiSourceAdapter`` when there are several
  sources (heart only by default, ``--auto``: a minute or more per fit on
  office and amazon).

With ``--labelled-fraction F`` the track runs its labelled variant
instead: that fraction of each target's rows (at least 5, drawn from the
rows that are not scored, as in ``suite_auto.label_target_rows``) is
labelled, and ``pooled`` (the sources alone), ``pooled_labelled`` (the
sources and the labelled target rows), ``ms_distribution`` /
``ms_weighted`` (mixture weights from the target's inputs; the labelled
target rows among the training rows) and ``ms_labelled_distribution`` /
``ms_labelled_weighted`` (``weights="target_labels"``: the weights fitted
to the labelled target rows) are compared, in
``suite_multisource_labelled.csv`` and ``suite_multisource_labelled.md``.

The gradual part: two moons rotated in steps of 15 degrees
(``make_rotating_moons``: a labelled source at 0 degrees, unlabelled
intermediate domains, the target last at 30, 45, 60 or 90 degrees), 200
rows a domain, 5 seeds; the base is an RBF Nystroem map (100 components,
gamma 2) and logistic regression. ``source_only``, direct adaptation to
the last domain (``direct_self_training``: one self-training step from the
source to the target, the intermediate domains unused; ``coral_direct``,
``ot_direct``: ``CORAL`` and ``OTMapping`` between the source and the
target), ``gradual``: ``GradualSelfTraining`` through every intermediate
domain, and ``target_oracle`` (the base trained on the target's labels).

    python benchmarks/suite.py --families multi_source --seeds 3
    python benchmarks/suite_multisource.py --families heart --seeds 1

Writes ``suite_multisource.csv`` (one row per task x seed x method),
``suite_gradual.csv`` and ``suite_multisource.md``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import suite_report as report  # noqa: E402
from suite_methods import base_param_grid, choose_base, choose_regularised  # noqa: E402
from suite_run import score  # noqa: E402
from suite_tasks import MULTI_SOURCE, multi_source_tasks, task_parser  # noqa: E402

BASELINES = ("pooled", "best_single")
#: the labelled variant (--labelled-fraction): baselines, then the variants
LABELLED_BASELINES = ("pooled", "pooled_labelled")
LABELLED_METHODS = (*LABELLED_BASELINES, "ms_distribution", "ms_weighted",
                    "ms_labelled_distribution", "ms_labelled_weighted")
#: the multi-source methods, each compared with both baselines
VARIANTS = ("coral_per_domain", "linear_ot_per_domain", "kmm_per_domain", "ms_weighted",
            "ms_distribution", "ms_distribution_uniform", "ms_coral", "auto")
METHODS = ("pooled", "coral", "linear_ot", "kmm", *VARIANTS)
FIELDS = ("task", "family", "seed", "method", "score", "fit_s", "detail", "status")


def build(method, base):
    from sktransfer import KMM, CORAL, AutoAdapter, LinearOTMapping
    from sktransfer.multisource import MultiSourceAdapter

    per = {"source_handling": "per_domain"}
    table = {
        "coral": lambda: CORAL(clone(base)),
        "coral_per_domain": lambda: CORAL(clone(base), **per),
        "linear_ot": lambda: LinearOTMapping(clone(base)),
        "linear_ot_per_domain": lambda: LinearOTMapping(clone(base), **per),
        "kmm": lambda: KMM(clone(base)),
        "kmm_per_domain": lambda: KMM(clone(base), **per),
        "ms_weighted": lambda: MultiSourceAdapter(clone(base), combine="weighted"),
        "ms_distribution": lambda: MultiSourceAdapter(clone(base)),
        "ms_distribution_uniform": lambda: MultiSourceAdapter(clone(base),
                                                              weights="uniform"),
        "ms_coral": lambda: MultiSourceAdapter(CORAL(clone(base))),
        "ms_labelled_distribution": lambda: MultiSourceAdapter(
            clone(base), weights="target_labels"),
        "ms_labelled_weighted": lambda: MultiSourceAdapter(
            clone(base), combine="weighted", weights="target_labels"),
        "auto": lambda: AutoAdapter(clone(base), estimator_grid=base_param_grid(
            "classification"), random_state=0),
    }
    return table[method]()


def run_task(task, problem, seed, methods, log=print, auto_families=("heart",)):
    """Rows of one task and seed: every method, the single sources and
    the two choices among them."""
    from sktransfer.multisource import MultiSourceAdapter

    X, y, sd = problem.X, problem.y, problem.sample_domain
    Xe = X[problem.eval_index]
    names = [d for d in MULTI_SOURCE[task.family] if d != task.name.split("->")[1]]
    common = dict(task=task.name, family=task.family, seed=seed)
    rows = []

    def record(method, fit_predict, detail=""):
        t0 = time.perf_counter()
        try:
            value = score("classification", problem.y_eval, fit_predict())
            status = "ok"
        except Exception as exc:  # noqa: BLE001 - a failed method is a reported cell
            value, status = None, f"error: {type(exc).__name__}: {exc}"[:300]
        rows.append({**common, "method": method, "score": value, "detail": detail,
                     "fit_s": time.perf_counter() - t0, "status": status})

    base, _ = choose_base(problem)
    src = problem.source_index
    for k, name in enumerate(names, start=1):
        rows_k = np.flatnonzero(sd == k)
        record(f"single:{name}", lambda rows_k=rows_k: choose_regularised(
            X[rows_k], y[rows_k])[0].fit(X[rows_k], y[rows_k]).predict(Xe))
    # the label-free choice of one source: the largest mixture weight
    weights = MultiSourceAdapter(clone(base)).fit(X, y, sample_domain=sd).mixture_weights_
    best = names[int(np.argmax(weights))]
    detail = " ".join(f"{n}={w:.2f}" for n, w in zip(names, weights))
    single = {r["method"]: r["score"] for r in rows}
    rows.append({**common, "method": "best_single", "score": single[f"single:{best}"],
                 "detail": f"{best} ({detail})", "fit_s": None, "status": "ok"})
    oracle = max((s, m) for m, s in single.items() if s is not None)
    rows.append({**common, "method": "oracle_single", "score": oracle[0],
                 "detail": oracle[1].split(":", 1)[1], "fit_s": None, "status": "ok"})
    for method in methods:
        if (method.startswith("kmm") and task.family != "heart") or (
                method == "auto" and task.family not in auto_families):
            continue
        if method == "pooled":
            record(method, lambda: clone(base).fit(X[src], y[src]).predict(Xe))
        else:
            record(method, lambda method=method: build(method, base).fit(
                X, y, sample_domain=sd).predict(Xe))
    log(f"[{task.name} seed={seed}] " + " ".join(
        f"{r['method']}={r['score']:.1f}" for r in rows if r["score"] is not None)
        + f" | weights {detail}")
    return rows


def chosen_tasks(data_home, families, tasks, log=print):
    """The leave-one-domain-out tasks of ``families`` whose data is in
    ``data_home`` (``tasks``: parts of their names to keep)."""
    from suite_tasks import has_real_data

    for family in families:
        if not has_real_data(family, data_home):
            log(f"no {family} data in {data_home}: its tasks are skipped")
    return [t for t in multi_source_tasks([f for f in families
                                           if has_real_data(f, data_home)])
            if not tasks or any(part in t.name for part in tasks)]


def run_labelled_task(task, problem, seed, fraction, log=print):
    """Rows of one task and seed with ``fraction`` of the target labelled:
    every method of ``LABELLED_METHODS``, scored on the scored target rows."""
    from suite_auto import label_target_rows

    X, sd = problem.X, problem.sample_domain
    Xe = X[problem.eval_index]
    y, lab = label_target_rows(problem, fraction, seed)
    base, _ = choose_base(problem)
    src = problem.source_index
    common = dict(task=task.name, family=task.family, seed=seed,
                  detail=f"{len(lab)} labelled")
    rows = []
    for method in LABELLED_METHODS:
        t0 = time.perf_counter()
        try:
            if method in LABELLED_BASELINES:
                index = src if method == "pooled" else np.r_[src, lab]
                est = clone(base).fit(X[index], y[index])
            else:
                est = build(method, base).fit(X, y, sample_domain=sd)
            value, status = score("classification", problem.y_eval, est.predict(Xe)), "ok"
        except Exception as exc:  # noqa: BLE001 - a failed method is a reported cell
            value, status = None, f"error: {type(exc).__name__}: {exc}"[:300]
        rows.append({**common, "method": method, "score": value,
                     "fit_s": time.perf_counter() - t0, "status": status})
    log(f"[{task.name} seed={seed} {len(lab)} labelled] " + " ".join(
        f"{r['method']}={r['score']:.1f}" for r in rows if r["score"] is not None))
    return rows


def labelled_summary(rows):
    """Lines: the labelled variant's task table, and each variant against
    the two baselines (the sources alone; the sources and the labelled
    target rows)."""
    table, _ = means(rows)
    methods = [m for m in LABELLED_METHODS if any(m in ms for ms in table.values())]
    failed = [r for r in rows if r["status"] != "ok"]
    lines = [f"**{len(failed)} fits failed** (not in the tables), the first: "
             f"{failed[0]['method']} on {failed[0]['task']}: {failed[0]['status']}", ""
             ] if failed else []
    lines += ["| task | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    for task, ms in table.items():
        lines.append(f"| {task} | " + " | ".join(
            f"{ms[m]:.1f}" if m in ms else "" for m in methods) + " |")
    lines += ["", "| variant | beats both baselines | mean vs pooled | mean vs "
              "pooled_labelled | worst vs the better of the two |", "|---|---:|---:|---:|---:|"]
    for m in methods:
        if m in LABELLED_BASELINES:
            continue
        g = np.array([(ms[m] - ms["pooled"], ms[m] - ms["pooled_labelled"])
                      for ms in table.values() if m in ms])
        both = int(np.sum((g[:, 0] > 0) & (g[:, 1] > 0)))
        lines.append(f"| {m} | {both} of {len(g)} | {g[:, 0].mean():+.2f} | "
                     f"{g[:, 1].mean():+.2f} | {g.min(axis=1).min():+.1f} |")
    return lines


def run_labelled(data_home, out_dir, fraction, *, families=tuple(MULTI_SOURCE),
                 seeds=(0, 1, 2), tasks=None, log=print):
    """The labelled variant of the track; writes its CSV after each fit."""
    return _each_task_and_seed(
        data_home, Path(out_dir) / "suite_multisource_labelled.csv", families, seeds, tasks,
        log, lambda task, problem, seed: run_labelled_task(task, problem, seed, fraction, log))


def write_labelled_page(rows, out_dir, command, seconds, fraction):
    text = ["# The multi-source track with a few target labels\n",
            f"{report.produced(command, seconds)} on {report.machine()}. "
            "CSV: `suite_multisource_labelled.csv`.\n",
            f"{fraction:.0%} of each target's rows labelled (at least 5); protocol as in "
            "[suite_multisource.md](suite_multisource.md) and the docstring of "
            "`benchmarks/suite_multisource.py`. Target accuracy in % on the scored "
            "target rows, mean over seeds.\n", *labelled_summary(rows), ""]
    path = Path(out_dir) / "suite_multisource_labelled.md"
    path.write_text("\n".join(text))
    return path


def run_track(data_home, out_dir, *, families=tuple(MULTI_SOURCE), seeds=(0, 1, 2),
              tasks=None, methods=METHODS, auto_families=("heart",), log=print):
    return _each_task_and_seed(
        data_home, Path(out_dir) / "suite_multisource.csv", families, seeds, tasks, log,
        lambda task, problem, seed: run_task(task, problem, seed, methods, log,
                                             auto_families))


def _each_task_and_seed(data_home, csv_path, families, seeds, tasks, log, run_one):
    """``run_one(task, problem, seed)`` on every chosen task and seed, the
    rows so far written to ``csv_path`` after each; returns the rows."""
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for task in chosen_tasks(data_home, families, tasks, log):
        for seed in seeds:
            rows += run_one(task, task.draw(data_home, seed), seed)
            write_csv(rows, csv_path)
    return rows


#: the last rotation of each gradual task; domains every GRADUAL_STEP degrees
GRADUAL_LAST = (30, 45, 60, 90)
GRADUAL_STEP = 15
GRADUAL_METHODS = ("source_only", "direct_self_training", "coral_direct", "ot_direct",
                   "gradual", "target_oracle")


def gradual_base():
    from sklearn.kernel_approximation import Nystroem
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(Nystroem(gamma=2.0, n_components=100, random_state=0),
                         LogisticRegression(max_iter=2000))


def run_gradual(seeds=range(5), last_angles=GRADUAL_LAST, log=print):
    """Rows of the planted-intermediate track: every last rotation, seed
    and method (target accuracy in %)."""
    from sktransfer import CORAL, OTMapping
    from sktransfer.datasets import make_rotating_moons
    from sktransfer.multisource import GradualSelfTraining

    rows = []
    for last in last_angles:
        angles = np.arange(0, last + 1, GRADUAL_STEP)
        for seed in seeds:
            d = make_rotating_moons(n_per_domain=200, angles=angles, random_state=seed)
            sd, t = d.sample_domain, d.sample_domain == -1
            pair = (sd > 0) | t               # the source and the target alone
            fits = {
                "source_only": lambda: gradual_base().fit(d.X[sd > 0], d.y[sd > 0]),
                "direct_self_training": lambda: GradualSelfTraining(
                    gradual_base(), path=[-1]).fit(d.X[pair], d.y[pair],
                                                   sample_domain=sd[pair]),
                "coral_direct": lambda: CORAL(gradual_base(), center=True).fit(
                    d.X[pair], d.y[pair], sample_domain=sd[pair]),
                "ot_direct": lambda: OTMapping(gradual_base()).fit(
                    d.X[pair], d.y[pair], sample_domain=sd[pair]),
                "gradual": lambda: GradualSelfTraining(gradual_base()).fit(
                    d.X, d.y, sample_domain=sd),
                "target_oracle": lambda: gradual_base().fit(d.X[t], d.y_true[t]),
            }
            for method in GRADUAL_METHODS:
                t0 = time.perf_counter()
                try:
                    pred = fits[method]().predict(d.X[t])
                    value, status = score("classification", d.y_true[t], pred), "ok"
                except ValueError as exc:   # e.g. self-training collapsed to one class
                    value, status = None, f"error: {exc}"[:300]
                rows.append(dict(task=f"moons 0->{last}deg ({len(angles) - 2} between)",
                                 family="gradual", seed=seed, method=method, score=value,
                                 fit_s=time.perf_counter() - t0, detail="", status=status))
        done = [r for r in rows if r["task"].startswith(f"moons 0->{last}deg")
                and r["score"] is not None]
        log(f"[gradual 0->{last}] " + " ".join(
            f"{m}={np.mean([r['score'] for r in done if r['method'] == m]):.1f}"
            for m in GRADUAL_METHODS if any(r["method"] == m for r in done)))
    return rows


def gradual_summary(rows):
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    lines = ["| task | " + " | ".join(GRADUAL_METHODS) + " | gradual - best direct |",
             "|---|" + "---:|" * (len(GRADUAL_METHODS) + 1)]
    for task in tasks:
        ms = {m: [r["score"] for r in rows if r["task"] == task and r["method"] == m]
              for m in GRADUAL_METHODS}
        mean = {m: np.mean([v for v in vs if v is not None]) if any(
            v is not None for v in vs) else np.nan for m, vs in ms.items()}
        failed = {m: sum(v is None for v in vs) for m, vs in ms.items()}
        direct = max(mean[m] for m in ("direct_self_training", "coral_direct", "ot_direct"))
        lines.append(f"| {task} | " + " | ".join(
            f"{mean[m]:.1f}" + (f" ({failed[m]} failed)" if failed[m] else "")
            for m in GRADUAL_METHODS) + f" | {mean['gradual'] - direct:+.1f} |")
    return lines


def write_csv(rows, path):
    report.write_csv(rows, path, fields=FIELDS)


def read_csv(path):
    return report.read_csv(path)


def means(rows):
    """``{task: {method: mean score over seeds}}`` and each task's family."""
    acc, family = {}, {}
    for r in rows:
        if r["score"] is None:
            continue
        method = "single" if r["method"].startswith("single:") else r["method"]
        if method == "single":
            continue
        acc.setdefault(r["task"], {}).setdefault(method, []).append(r["score"])
        family[r["task"]] = r["family"]
    return {t: {m: float(np.mean(v)) for m, v in ms.items()} for t, ms in acc.items()}, family


def summary(rows):
    """Lines: the task table and each variant against both baselines."""
    table, family = means(rows)
    methods = [m for m in ("oracle_single", *BASELINES, *METHODS[1:])
               if any(m in ms for ms in table.values())]
    methods = list(dict.fromkeys(methods))
    lines = ["| task | " + " | ".join(methods) + " |",
             "|---|" + "---:|" * len(methods)]
    for task, ms in table.items():
        lines.append(f"| {task} | " + " | ".join(
            f"{ms[m]:.1f}" if m in ms else "" for m in methods) + " |")
    lines += ["", "Each multi-source variant against the pooled sources and against the "
              "best single source chosen without target labels (tasks where it beats "
              "both, mean over seeds; criterion: two thirds):", "",
              "| variant | beats both | mean vs pooled | mean vs best single | worst vs "
              "the better of the two |", "|---|---:|---:|---:|---:|"]
    for m in methods:
        if m not in VARIANTS:
            continue
        cells = [(ms[m] - ms["pooled"], ms[m] - ms["best_single"])
                 for ms in table.values() if m in ms]
        if not cells:
            continue
        g = np.array(cells)
        both = int(np.sum((g[:, 0] > 0) & (g[:, 1] > 0)))
        lines.append(f"| {m} | {both} of {len(g)} | {g[:, 0].mean():+.2f} | "
                     f"{g[:, 1].mean():+.2f} | {g.min(axis=1).min():+.1f} |")
    lines += ["", "The mixture weights (the label-free choice of `best_single` is the "
              "largest), per task and seed:", ""]
    for r in rows:
        if r["method"] == "best_single":
            lines.append(f"* {r['task']} seed {r['seed']}: {r['detail']}")
    return lines


def write_page(rows, gradual_rows, out_dir, command, seconds, runs=None):
    """The results page; ``runs`` (text) says which runs an assembled page's
    CSVs came from."""
    out_dir = Path(out_dir)
    if report.without_baselines(rows, ("pooled",)):
        return None
    text = ["# The multi-source track\n",
            f"{report.produced(command, seconds, runs)} on {report.machine()}. "
            "CSV: `suite_multisource.csv`, `suite_gradual.csv`.\n",
            "## Protocol\n", "\n\n".join(__doc__.split("\n\n")[1:5]) + "\n",
            "Scores: target accuracy in % on the scored target rows, mean over seeds.\n",
            "## Several source domains, leave one domain out\n", *summary(rows), "",
            "## Through intermediate domains (planted rotations)\n",
            "Target accuracy in %, mean over seeds; the last column is gradual "
            "self-training against the best of the three direct adaptations.\n",
            *gradual_summary(gradual_rows), ""]
    (out_dir / "suite_multisource.md").write_text("\n".join(text))
    return out_dir / "suite_multisource.md"


def main(argv=None):
    p = task_parser(__doc__, MULTI_SOURCE)
    p.add_argument("--methods", nargs="+", default=list(METHODS))
    p.add_argument("--gradual-seeds", type=int, default=5)
    p.add_argument("--auto", nargs="*", default=["heart"],
                   help="families on which AutoAdapter runs (slow on office, amazon)")
    p.add_argument("--from-csv", nargs="+", default=None,
                   help="write the page from these multi-source CSVs (concatenated) "
                        "and --out-dir's suite_gradual.csv; no fit")
    p.add_argument("--runs", default=None,
                   help="with --from-csv: the runs the CSVs came from, for the page")
    p.add_argument("--labelled-fraction", type=float, default=None,
                   help="run the labelled variant instead: this fraction of the target "
                        "rows labelled")
    args = p.parse_args(argv)
    command = "python benchmarks/suite_multisource.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    out = Path(args.out_dir)
    if args.labelled_fraction is not None:
        start = time.perf_counter()
        seeds = list(range(args.first_seed, args.first_seed + args.seeds))
        rows = run_labelled(args.data_home, out, args.labelled_fraction,
                            families=args.families, seeds=seeds, tasks=args.tasks,
                            log=lambda m: print(m, flush=True))
        return write_labelled_page(rows, out, command.strip(), time.perf_counter() - start,
                                   args.labelled_fraction)
    if args.from_csv:
        # the runs share the single-source rows: each (task, seed, method) once
        rows = list({(r["task"], r["seed"], r["method"]): r
                     for path in reversed(args.from_csv) for r in read_csv(path)}.values())
        write_csv(rows, out / "suite_multisource.csv")
        command = ("python benchmarks/suite_multisource.py --from-csv "
                   + " ".join(args.from_csv) + f" --out-dir {args.out_dir}")
        return write_page(rows, read_csv(out / "suite_gradual.csv"), out, command, 0.0,
                          runs=args.runs)
    start = time.perf_counter()
    log = lambda m: print(m, flush=True)  # noqa: E731
    gradual_rows = run_gradual(range(args.gradual_seeds), log=log)
    write_csv(gradual_rows, out / "suite_gradual.csv")
    seeds = list(range(args.first_seed, args.first_seed + args.seeds))
    rows = run_track(args.data_home, out, families=args.families, seeds=seeds,
                     tasks=args.tasks, methods=args.methods, auto_families=args.auto,
                     log=log)
    write_page(rows, gradual_rows, out, command.strip(), time.perf_counter() - start)


if __name__ == "__main__":
    main()
