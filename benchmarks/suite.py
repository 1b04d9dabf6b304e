"""The benchmark suite: tasks x methods x seeds, with baselines and peers.

On every task (real shifts from the data folder, synthetic shifts drawn
with the seed) and every seed, the target rows are halved: one half is
scored, the other is the labelled training set of the target-only ceiling.
Each method (``suite_methods.METHODS``: source only, target only, our KMM,
CORAL and TCA, skada's equivalents where skada is installed) is trained on
every source row (labelled) and every target row (label masked) and its
hyperparameters are chosen twice: by the source-validation score (no target
label: the label-free result) and by the target score itself (the oracle,
reported only as a ceiling on selection). See ``suite_run`` for the
protocol and ``suite_tasks`` for the tasks. A scaling track times each
method against n (``bench_fit``, one fresh process per point), and, on the
full run, the published-figure reproductions of ``real_data.py`` are run
too.

    python benchmarks/suite.py --quick     # ~7.5 min on 2 cores, no download:
                                           # synthetic shifts + wine and heart
                                           # when present, 1 seed
    python benchmarks/suite.py             # every task and track, 3 seeds (about two hours)
    python benchmarks/suite.py --families office --seeds 1 --no-peers
    python benchmarks/suite.py --deep --methods dann deep_coral --families wine
    python benchmarks/suite.py --families heterogeneous   # that track alone
    python benchmarks/suite.py --families online --seeds 1

Writes ``suite_results.md`` (the results page), ``suite_results.csv``,
``suite_scaling.csv`` and the plots (``img/``) into ``--out-dir``
(default ``docs/``; ``build/benchmark-quick/`` for ``--quick``).

Four tracks have their own tasks, methods and protocol and run when
``--families`` includes them, which the full run does and ``--quick`` does
not: ``heterogeneous`` (``suite_heterogeneous``: source and target with
different features; writes ``suite_heterogeneous.md`` and ``.csv``) and
``online`` (``suite_online``: OTL on streamed target rows; writes
``suite_online.md``, ``.csv`` and ``img/online_*.png``) and ``few_labels``
(``suite_few_labels``: 1%, 5% and 10% of the target labelled, parameter
transfer and fine-tuning against source-only, target-only and pooled;
writes ``few_labels_track.md``, ``.csv`` and ``img/few_labels_*.png``) and
``multi_source`` (``suite_multisource``: leave one domain out with the
other domains as separate sources, and gradual self-training through
planted intermediate rotations; writes ``suite_multisource.md``,
``suite_multisource.csv`` and ``suite_gradual.csv``).
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import sklearn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import suite_report as report  # noqa: E402
from suite_methods import choose_base, select_methods  # noqa: E402
from suite_run import evaluate_safely, metric_name  # noqa: E402
from suite_tasks import FAMILIES, select_tasks  # noqa: E402

#: the track of ``suite_heterogeneous`` (different feature spaces)
HETEROGENEOUS = "heterogeneous"
#: the track of ``suite_online`` (online transfer on target streams)
ONLINE = "online"
#: the track of ``suite_few_labels`` (a few target labels)
FEW_LABELS = "few_labels"
#: the track of ``suite_multisource`` (several sources, intermediate domains)
MULTI_SOURCE = "multi_source"
#: the tracks with their own tasks, methods and protocol
TRACKS = (HETEROGENEOUS, ONLINE, FEW_LABELS, MULTI_SOURCE)

ROOT = HERE.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
PUBLISHED_FIELDS = ("task", "pair", "method", "classifier", "accuracy", "published",
                    "source_only", "seconds", "status", "detail")
SCALING_CASES = ("kmm", "coral", "tca", "skada_kmm", "skada_coral", "skada_tca")


def run_tasks(tasks, methods, seeds, data_home, log=print, checkpoint=None):
    """Every method on every (task, seed); ``checkpoint(rows)`` is called
    after each, so that an interrupted run keeps what it measured."""
    rows = []
    total = len(tasks) * len(seeds)
    start = time.perf_counter()
    for i, (task, seed) in enumerate(((t, s) for t in tasks for s in seeds), 1):
        problem = task.draw(data_home, seed)
        base, base_params = choose_base(problem)
        common = dict(task=task.name, family=task.family, kind=task.kind,
                      metric=metric_name(task.kind), seed=seed,
                      n_source=len(problem.source_index),
                      n_target=int(np.sum(problem.sample_domain < 0)))
        for method in methods:
            t0 = time.perf_counter()
            for row in evaluate_safely(method, problem, base, seed):
                rows.append({**common, **row})
                score = "--" if row["score"] is None else f"{row['score']:.3f}"
                log(f"[{i}/{total} {task.name} seed={seed}] {method.name:<12} "
                    f"{row['selection']:<10} {score:>8} "
                    f"({time.perf_counter() - t0:.1f} s) {'' if row['status'] == 'ok' else row['status']}")
        if checkpoint is not None:
            checkpoint(rows)
        elapsed = time.perf_counter() - start
        log(f"-- {i}/{total} done in {elapsed:.0f} s, about "
            f"{elapsed / i * (total - i):.0f} s left (base: "
            f"{', '.join(f'{k}={v:g}' for k, v in base_params.items())})")
    return rows


def run_scaling(sizes, peers, timeout, log=print):
    """Fit time and peak memory of each method against n, one fresh process
    per point (``bench_fit.spawn``)."""
    import bench_fit

    gamma = 1.0 / bench_fit.D
    out = []
    for n in sizes:
        for case in SCALING_CASES:
            if case.startswith("skada") and not peers:
                continue
            if case == "skada_tca" and n > bench_fit.SKADA_TCA_MAX_N:
                continue
            r = bench_fit.spawn(case, n, gamma, timeout)
            out.append({"case": case, "n": n, **{k: r.get(k) for k in
                                                 ("fit_s", "peak_mib", "acc", "error")}})
            log(f"[scaling n={n}] {case:<12} fit_s={r.get('fit_s')} {r.get('error') or ''}")
    return out


def run_published(data_home, log=print):
    """The published-figure reproductions of ``real_data.py`` (the papers'
    protocols, every target row scored), when their data are present."""
    import real_data

    adapters, skipped = real_data.import_adapters()
    rows = []
    # real_data passes sample_domain as a step fit parameter, the routing-off
    # way; skada, imported for the peers, switches routing on process-wide
    with sklearn.config_context(enable_metadata_routing=False):
        for exp in real_data.build_experiments(("office", "amazon"),
                                               real_data.METHODS[1:], True):
            try:
                dataset = real_data.load(exp.task, data_home)
            except FileNotFoundError as exc:
                log(f"published figures of {exp.task} skipped: {exc}")
                continue
            rows += real_data.run_experiment(exp, dataset, adapters, skipped)
    return rows


PROTOCOL = """\
## Protocol

* Every task is a source -> target pair. The target rows are halved with
  the seed (stratified for classification): the scored half, and the
  labelled half on which **target only** (the ceiling) is trained. Every
  adapter is fitted on all source rows (labelled) and all target rows
  (labels masked); **source only** on the source rows alone.
* Features: mean imputation then standard scaling, fitted on every
  training row (no label), identical for every method and package.
* Base estimator, the same for every method of a task (and for skada's):
  logistic regression (liblinear for two classes, lbfgs otherwise) with C
  chosen in {1e-3, ..., 10} by 5-fold CV on the labelled source rows; ridge
  regression with alpha chosen in {0.01, ..., 100} the same way.
* Hyperparameter grids (the same for skada, translated where its
  parametrisation differs): KMM gamma in {0.1, 1, 10} x the median
  heuristic of the scaled rows, B = 1000; CORAL reg in {auto, 0.1, 1};
  TCA (linear kernel) n_components in {d/4, d/2} (2..100) x mu in
  {0.1, 1, 10} (skada's mu = 1 / mu).
* **label-free**: the candidate with the best source-validation score (a
  quarter of the source rows held out, passed as source rows, or as target
  rows to skada's CORAL and TCA, which refuse source rows at predict time);
  **oracle**:
  the candidate with the best score on the scored target half, i.e. chosen
  on the labels it is scored with: a ceiling on selection, not a result.
  "fixed": a method without hyperparameters.
* fit s: the label-free candidate's fit on all training rows. peak MiB: the
  peak memory traced by `tracemalloc` (Python objects and numpy arrays,
  not BLAS's work buffers) in one more such fit.
* skada's TCA is skipped above {skada_tca_max} training rows (a dense
  O(n^3) solve, and its components leave lbfgs far from convergence:
  minutes per fit on Office-Caltech). skada switches scikit-learn's
  metadata routing on when imported; the run imports it first, so every
  method runs under that setting.
* Deep nets (`--deep`, `sktransfer.deep`): their own model, not the base
  estimator: an MLP (hidden 128, 64) with a linear head, Adam lr 1e-3, 40
  epochs, batches of 32 source + 32 target rows, seed 0, on CUDA when
  there is one; grids: DANN and DAN adaptation_weight in {0.1, 1}, Deep
  CORAL in {1, 10, 100}, MCD num_k in {2, 4}; **deep_source_only** is the
  same net without adaptation loss (their baseline).
"""


SELECTION_TEXT = """\
For every method of ours with a grid, on every task and seed, each label-free
rule picks a candidate; its **regret** is the oracle's target score minus the
target score of that pick (0: it picked as well as the target labels would;
mean over tasks, seeds and methods, the number of choices in brackets). The
scorers (`sktransfer.model_selection`) score each candidate's
source-validation model on the fold a search would give them: the held-out
quarter of the source rows (labelled) and every target row (masked).
`iwcv`: importance-weighted validation, density ratio from a logistic domain
classifier; `iwcv_kmm`: the same with KMM's weights; `dev`: deep embedded
validation on the adapter's features; `circular`: reverse validation;
`entropy`: prediction entropy; `snd`: soft neighbourhood density; source
validation: the plain accuracy on the held-out source rows (the "label-free"
rule of the tables above).
"""


def write_page(path, *, rows, scaling, published, missing, command, seconds,
               plots, scaling_plot):
    out_dir = path.parent
    parts = [
        "# Benchmark suite: target scores, baselines and peers\n",
        f"Produced by `{command}` on {datetime.date.today().isoformat()} in "
        f"{seconds / 60:.1f} min on {report.machine()}. Rows: `{path.with_suffix('.csv').name}`; "
        "scaling: `suite_scaling.csv`.\n",
    ]
    if missing:
        parts.append("Data sets not found (their tasks were skipped): "
                     f"{', '.join(missing)}.\n")
    from suite_methods import SKADA_TCA_MAX_ROWS
    parts += [PROTOCOL.replace("{skada_tca_max}", str(SKADA_TCA_MAX_ROWS)),
              "## Means per family\n",
              "Mean over tasks and seeds; the gains are taken on the same task and "
              "seed.\n",
              report.family_summary(rows) + "\n"]
    for p in plots:
        parts.append(f"![{p.stem}]({p.relative_to(out_dir).as_posix()})\n")
    study = report.selection_table(rows)
    if study.count("\n") > 1:
        best = report.recommended_rule(rows)
        parts += ["## Selection without target labels\n",
                  SELECTION_TEXT,
                  study + "\n"]
        if best is not None:
            parts.append(f"Smallest mean regret over the real classification tasks: "
                         f"**{report.rule_name(best[0])}**, {best[1]:.2f} accuracy "
                         "points.\n")
    parts += ["## Every task\n", "Mean ± standard deviation over seeds.\n",
              report.task_table(rows) + "\n"]
    if scaling:
        parts += ["## Fit time against n\n",
                  "Synthetic covariate shift, d = 20, n source rows and n target rows, "
                  "one fresh process per point (`benchmarks/bench_fit.py`, fastest of "
                  "3 fits after a warm-up).\n",
                  report.scaling_table(scaling) + "\n"]
        if scaling_plot:
            parts.append(f"![time vs n]({scaling_plot.relative_to(out_dir).as_posix()})\n")
    if published:
        import real_data
        parts += ["## Published figures\n",
                  "The papers' protocols (`benchmarks/real_data.py`: every target row "
                  "scored, fixed hyperparameters); the full table with its protocol is "
                  "`real_data_results.md`.\n",
                  real_data.table(published) + "\n"]
    # a "## Reading" section written by hand (the interpretation) is kept
    if path.exists() and "\n## Reading" in path.read_text():
        text = path.read_text()
        parts.append(text[text.index("\n## Reading") + 1:])
    path.write_text("\n".join(parts))


def rebuild(src, out_dir):
    """The page and plots from the CSVs in ``src`` (the command and duration
    of the original run are kept from its page)."""
    rows = report.read_csv(src / "suite_results.csv")
    scaling_csv = src / "suite_scaling.csv"
    scaling = report.read_csv(scaling_csv) if scaling_csv.exists() else []
    old_page = (src / "suite_results.md").read_text() if (src / "suite_results.md").exists() else ""
    command, seconds = "python benchmarks/suite.py", 0.0
    for line in old_page.splitlines():
        if line.startswith("Produced by `"):
            command = line.split("`")[1]
            seconds = 60 * float(line.split(" in ")[1].split(" min")[0])
    published = []
    published_csv = src / "suite_published.csv"
    if published_csv.exists():
        published = report.read_csv(published_csv)
    (out_dir / "img").mkdir(parents=True, exist_ok=True)
    plots = report.plot_scores(rows, out_dir / "img") if rows else []
    scaling_plot = report.plot_scaling(scaling, out_dir / "img") if scaling else None
    missing = []
    for line in old_page.splitlines():
        if line.startswith("Data sets not found"):
            missing = line.split(": ", 1)[1].rstrip(".").split(", ")
    write_page(out_dir / "suite_results.md", rows=rows, scaling=scaling,
               published=published, missing=missing, command=command,
               seconds=seconds, plots=plots, scaling_plot=scaling_plot)
    marker = "## Published figures\n"
    if not published and marker in old_page:  # a run that kept no CSV of them
        with open(out_dir / "suite_results.md", "a") as f:
            f.write("\n" + old_page[old_page.index(marker):])
    print(f"rewrote {out_dir / 'suite_results.md'} from {src}")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="synthetic + wine + heart, 1 seed, small scaling track")
    p.add_argument("--families", nargs="+", choices=FAMILIES + TRACKS,
                   default=None,
                   help="default: every family and both tracks (--quick: synthetic, wine, "
                        "heart); the heterogeneous, online, few_labels and multi_source tracks "
                        "take --seeds (per task; few_labels and multi_source --tasks "
                        "too) and ignore the other selections")
    p.add_argument("--tasks", nargs="+", default=None,
                   help="keep the tasks whose name contains one of these strings")
    p.add_argument("--methods", nargs="+", default=None,
                   help="method names (the baselines always run)")
    p.add_argument("--seeds", type=int, default=None, help="number of seeds")
    p.add_argument("--first-seed", type=int, default=0,
                   help="seeds are first-seed, first-seed + 1, ... (to split a run)")
    p.add_argument("--no-peers", action="store_true", help="leave skada out")
    p.add_argument("--deep", action="store_true",
                   help="add the deep nets of sktransfer.deep (CUDA when there is one)")
    p.add_argument("--no-scaling", action="store_true")
    p.add_argument("--no-published", action="store_true")
    p.add_argument("--scaling-sizes", type=int, nargs="+", default=None)
    p.add_argument("--synthetic-n", type=int, default=400,
                   help="source rows = target rows of each synthetic task")
    p.add_argument("--data-home", default=str(DEFAULT_DATA))
    p.add_argument("--out-dir", default=None)
    p.add_argument("--timeout", type=int, default=600,
                   help="seconds per scaling measurement")
    p.add_argument("--from-csv", metavar="DIR", default=None,
                   help="rewrite the page and plots of --out-dir from the CSVs of an "
                        "earlier run in DIR (no measurement)")
    args = p.parse_args(argv)
    if args.from_csv:
        return rebuild(Path(args.from_csv), Path(args.out_dir or args.from_csv))

    families = args.families or (("synthetic", "wine", "heart") if args.quick
                                 else FAMILIES + TRACKS)
    seeds = list(range(args.first_seed,
                       args.first_seed + (args.seeds or (1 if args.quick else 3))))
    sizes = args.scaling_sizes or ([500, 1000] if args.quick else [500, 1000, 2000, 5000])
    out_dir = Path(args.out_dir or (ROOT / "build" / "benchmark-quick" if args.quick
                                    else ROOT / "docs"))
    (out_dir / "img").mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/suite.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    rows = []
    if set(families) - set(TRACKS):
        rows = run_suite(args, families, seeds, sizes, out_dir, command, log)
    if HETEROGENEOUS in families:
        import suite_heterogeneous

        config = suite_heterogeneous.config_for(args.quick, args.seeds, args.seeds)
        suite_heterogeneous.run_and_write(config, args.data_home, out_dir,
                                          command=command.strip(), log=log)
    if ONLINE in families:
        import suite_online

        suite_online.run_online_track(args.data_home, args.seeds or (1 if args.quick else 5),
                                      out_dir, quick=args.quick,
                                      command=command.strip(), log=log)
    if FEW_LABELS in families:
        import suite_few_labels

        start = time.perf_counter()
        track = suite_few_labels.run_track(
            args.data_home, out_dir, seeds=list(range(args.first_seed, args.first_seed
                                                      + (args.seeds or 3))),
            tasks=args.tasks, log=log)
        suite_few_labels.write_page(track, out_dir, command.strip(),
                                    time.perf_counter() - start)
    if MULTI_SOURCE in families:
        import suite_multisource

        start = time.perf_counter()
        gradual = suite_multisource.run_gradual(range(5), log=log)
        suite_multisource.write_csv(gradual, out_dir / "suite_gradual.csv")
        track = suite_multisource.run_track(
            args.data_home, out_dir, seeds=list(range(args.first_seed, args.first_seed
                                                      + (args.seeds or 3))),
            tasks=args.tasks, log=log)
        suite_multisource.write_page(track, gradual, out_dir, command.strip(),
                                     time.perf_counter() - start)
    return rows


def run_suite(args, families, seeds, sizes, out_dir, command, log):
    """The tasks of the one-feature-space families, the scaling track and
    the published figures; writes the results page."""
    start = time.perf_counter()
    tasks, missing = select_tasks(families, args.data_home, synthetic_n=args.synthetic_n,
                                  names=args.tasks, log=lambda m: print(m, flush=True))
    methods = select_methods(args.methods, peers=not args.no_peers, deep=args.deep)
    if any(m.package == "skada" and m.available()[0] for m in methods):
        # importing skada switches scikit-learn's metadata routing on for the
        # process (its pipelines need it): do it first, so that every method
        # of every task runs under the same setting
        import skada  # noqa: F401
    rows = run_tasks(tasks, methods, seeds, args.data_home, log=log,
                     checkpoint=lambda rs: report.write_csv(rs, out_dir / "suite_results.csv"))
    scaling = [] if args.no_scaling else run_scaling(sizes, not args.no_peers,
                                                     args.timeout, log=log)
    published = []
    if not (args.quick or args.no_published) and {"office", "amazon"} & set(families):
        published = run_published(args.data_home, log=log)
    seconds = time.perf_counter() - start

    report.write_csv(rows, out_dir / "suite_results.csv")
    report.write_csv(scaling, out_dir / "suite_scaling.csv", report.SCALING_FIELDS)
    if published:
        report.write_csv(published, out_dir / "suite_published.csv", PUBLISHED_FIELDS)
    plots = report.plot_scores(rows, out_dir / "img") if rows else []
    scaling_plot = report.plot_scaling(scaling, out_dir / "img") if scaling else None
    write_page(out_dir / "suite_results.md", rows=rows, scaling=scaling,
               published=published, missing=missing, command=command.strip(),
               seconds=seconds, plots=plots, scaling_plot=scaling_plot)
    print(f"done in {seconds / 60:.1f} min; wrote {out_dir / 'suite_results.md'}",
          flush=True)
    return rows


if __name__ == "__main__":
    main()
