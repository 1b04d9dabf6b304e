"""Outputs of the benchmark suite: the CSV of every row, the Markdown
results page and the plots."""

from __future__ import annotations

import csv
import importlib.metadata
import os
import platform
from collections import defaultdict
from pathlib import Path

import numpy as np
import sklearn

CSV_FIELDS = ("task", "family", "kind", "metric", "seed", "method", "package",
              "selection", "score", "source_val", "params", "fit_s", "peak_mib",
              "n_candidates", "n_source", "n_target", "status")
SCALING_FIELDS = ("case", "n", "fit_s", "peak_mib", "acc", "error")


_FLOATS = ("score", "source_val", "fit_s", "peak_mib", "acc",
           "accuracy", "published", "source_only", "seconds", "cv_score", "fraction")
_INTS = ("seed", "n_candidates", "n_source", "n_target", "n", "n_labelled")


def read_csv(path):
    """Rows written by :func:`write_csv`, with their numbers and missing
    numbers (``None``) restored."""
    def convert(key, value):
        if value == "":  # a blank number is missing, a blank text is empty
            return None if key in _FLOATS or key in _INTS else ""
        if key in _FLOATS:
            return float(value)
        if key in _INTS:
            return int(value)
        return value

    with open(path, newline="") as f:
        return [{k: convert(k, v) for k, v in row.items()} for row in csv.DictReader(f)]


def without_baselines(rows, baselines):
    """True, and says so, when no row is one of ``baselines``: a run of some
    methods alone (``--methods auto``) has no page of its own; its CSV joins
    the whole track's with ``--from-csv``."""
    if any(r["method"] in baselines for r in rows):
        return False
    print(f"no baseline ({', '.join(baselines)}) among these rows: no page written; "
          "assemble it from this CSV and the whole track's with --from-csv")
    return True


def write_csv(rows, path, fields=CSV_FIELDS):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(fields), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _fmt(v, spec=".2f"):
    return "" if v is None else format(v, spec)


def _mean_std(values, spec):
    values = [v for v in values if v is not None]
    if not values:
        return ""
    if len(values) == 1:
        return format(values[0], spec)
    return f"{format(np.mean(values), spec)} ± {format(np.std(values), spec)}"


def _spec(kind):
    return ".2f" if kind == "classification" else ".3f"


def _grouped(rows, *keys):
    groups = defaultdict(list)
    for r in rows:
        groups[tuple(r[k] for k in keys)].append(r)
    return groups


def _scores(rows, selection):
    """Scores of ``rows`` for a selection rule; a method with no grid
    ("fixed") counts for both rules."""
    return [r["score"] for r in rows if r["selection"] in (selection, "fixed")
            and r["score"] is not None]


def task_table(rows):
    """One line per (task, method): label-free and oracle scores over seeds."""
    lines = ["| task | metric | method | package | label-free | oracle | fit s | "
             "peak MiB | chosen (label-free, first seed) | status |",
             "|---|---|---|---|---:|---:|---:|---:|---|---|"]
    for (task, method), rs in _grouped(rows, "task", "method").items():
        spec = _spec(rs[0]["kind"])
        free = [r for r in rs if r["selection"] in ("label-free", "fixed")]
        status = sorted({r["status"] for r in rs})
        lines.append(
            f"| {task} | {rs[0]['metric']} | {method} | {rs[0]['package']} "
            f"| {_mean_std(_scores(rs, 'label-free'), spec)} "
            f"| {_mean_std(_scores(rs, 'oracle'), spec)} "
            f"| {_mean_std([r['fit_s'] for r in free], '.3g')} "
            f"| {_mean_std([r['peak_mib'] for r in free], '.3g')} "
            f"| {free[0]['params'] if free else ''} | {'; '.join(status)} |")
    return "\n".join(lines)


def family_summary(rows):
    """Mean over the tasks and seeds of each family, per method and rule,
    with the gain over source-only computed on the same (task, seed)."""
    lines = ["| family | metric | method | tasks | label-free | oracle | "
             "label-free - source only | label-free - target only |",
             "|---|---|---|---:|---:|---:|---:|---:|"]
    for (family, kind, method), rs in _grouped(rows, "family", "kind", "method").items():
        spec = _spec(kind)
        baseline = {b: {(r["task"], r["seed"]): r["score"] for r in rows
                        if r["method"] == b and r["family"] == family
                        and r["kind"] == kind and r["score"] is not None}
                    for b in ("source_only", "target_only")}
        free = [r for r in rs if r["selection"] in ("label-free", "fixed")
                and r["score"] is not None]

        def gain(b):
            d = [r["score"] - baseline[b][(r["task"], r["seed"])] for r in free
                 if (r["task"], r["seed"]) in baseline[b]]
            return _fmt(float(np.mean(d)) + 0.0, "+" + spec) if d else ""

        tasks = len({r["task"] for r in free})
        lines.append(
            f"| {family} | {rs[0]['metric']} | {method} | {tasks} "
            f"| {_fmt(np.mean(_scores(rs, 'label-free')) if free else None, spec)} "
            f"| {_fmt(np.mean(_scores(rs, 'oracle')) if _scores(rs, 'oracle') else None, spec)} "
            f"| {'' if method == 'source_only' else gain('source_only')} "
            f"| {'' if method == 'target_only' else gain('target_only')} |")
    return "\n".join(lines)


REAL_FAMILIES = ("office", "amazon", "wine", "heart")


def _regrets(rows):
    """``{(kind, rule): {family: [regret, ...]}}``: oracle score minus the
    score of the candidate each label-free rule picked, per (task, seed,
    method) with a grid."""
    per = defaultdict(dict)
    for r in rows:
        # ours only: the study's scorers score our methods' candidates, so
        # every rule is compared on the same choices
        if r["score"] is None or r["selection"] in ("fixed", "-") or (
                r["package"] != "sktransfer"):
            continue
        key = (r["family"], r["kind"], r["task"], r["seed"], r["method"])
        per[key][r["selection"]] = r["score"]
    out = defaultdict(lambda: defaultdict(list))
    for (family, kind, *_), scores in per.items():
        if "oracle" not in scores:
            continue
        for rule, value in scores.items():
            if rule != "oracle":
                out[(kind, rule)][family].append(scores["oracle"] - value)
    return out


def rule_name(rule):
    """How the page names a selection rule."""
    return "source validation" if rule == "label-free" else rule.replace("scorer:", "")


def recommended_rule(rows, kind="classification"):
    """The label-free rule with the smallest mean regret over the real tasks
    (``None`` when there is none), and that regret."""
    best = None
    for (k, rule), by_family in _regrets(rows).items():
        real = [v for f in REAL_FAMILIES for v in by_family.get(f, [])]
        if k == kind and real and (best is None or np.mean(real) < best[1]):
            best = (rule, float(np.mean(real)))
    return best


def selection_table(rows):
    """Mean selection regret of each label-free rule (oracle minus chosen
    target score; 0 is the best possible), with the number of choices."""
    regrets = _regrets(rows)
    families = [f for f in (*REAL_FAMILIES, "synthetic")
                if any(f in by for by in regrets.values())]
    lines = ["| rule | metric | all real tasks | " + " | ".join(families) + " |",
             "|---|---|---:|" + "---:|" * len(families)]

    def cell(values, spec):
        return f"{format(np.mean(values), spec)} ({len(values)})" if values else ""

    for (kind, rule), by_family in sorted(regrets.items(),
                                          key=lambda kv: (kv[0][0], kv[0][1] != "label-free",
                                                          kv[0][1])):
        spec = _spec(kind)
        real = [v for f in REAL_FAMILIES for v in by_family.get(f, [])]
        name = rule_name(rule)
        lines.append(f"| {name} | {'accuracy points' if kind == 'classification' else 'R^2'} "
                     f"| {cell(real, spec)} | "
                     + " | ".join(cell(by_family.get(f, []), spec) for f in families) + " |")
    return "\n".join(lines)


def scaling_table(scaling):
    lines = ["| method | n | fit s | peak MiB | target acc | note |",
             "|---|---:|---:|---:|---:|---|"]
    for r in sorted(scaling, key=lambda r: (r["case"], r["n"])):
        lines.append(f"| {r['case']} | {r['n']} | {_fmt(r.get('fit_s'), '.3g')} "
                     f"| {_fmt(r.get('peak_mib'), '.3g')} | {_fmt(r.get('acc'), '.3f')} "
                     f"| {r.get('error') or ''} |")
    return "\n".join(lines)


# ------------------------------------------------------------------ plots
PEER_PREFIX = "skada_"


def _style(method, palette):
    """One colour per method, shared by ours and the peer's equivalent; the
    peer's bars hatched (lines dashed)."""
    base = method[len(PEER_PREFIX):] if method.startswith(PEER_PREFIX) else method
    if base not in palette:
        palette[base] = f"C{len(palette) % 10}"
    return palette[base], method.startswith(PEER_PREFIX)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_scores(rows, out_dir):
    """A bar chart per family: the label-free target score of each method on
    each task (mean over seeds, the spread as error bars). Returns paths."""
    plt = _pyplot()
    paths = []
    for (family, kind), rs in _grouped(rows, "family", "kind").items():
        tasks = list(dict.fromkeys(r["task"] for r in rs))
        methods = list(dict.fromkeys(r["method"] for r in rs))
        width = 0.8 / len(methods)
        fig, ax = plt.subplots(figsize=(max(7, 0.9 * len(tasks) * len(methods) / 4 + 2), 4))
        palette = {}
        for j, m in enumerate(methods):
            means, stds = [], []
            for t in tasks:
                s = _scores([r for r in rs if r["task"] == t and r["method"] == m],
                            "label-free")
                means.append(np.mean(s) if s else np.nan)
                stds.append(np.std(s) if s else 0.0)
            colour, peer = _style(m, palette)
            ax.bar(np.arange(len(tasks)) + (j - (len(methods) - 1) / 2) * width,
                   means, width, yerr=stds, label=m, color=colour,
                   hatch="//" if peer else None, edgecolor="white" if peer else None)
        ax.set_xticks(np.arange(len(tasks)))
        ax.set_xticklabels(tasks, rotation=30, ha="right", fontsize=8)
        ax.set_ylabel(f"target {'accuracy %' if kind == 'classification' else 'R^2'}")
        ax.set_title(f"{family} ({kind}): label-free choice, mean over seeds")
        scores = [r["score"] for r in rs if r["score"] is not None]
        if kind == "classification" and scores:
            ax.set_ylim(max(0, min(scores) - 10), 100)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        fig.tight_layout()
        path = Path(out_dir) / f"suite_scores_{family}_{kind}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def plot_scaling(scaling, out_dir):
    """Fit time against n, log-log, one line per method. Returns the path."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    palette = {}
    for (case,), rs in _grouped([r for r in scaling if r.get("fit_s")], "case").items():
        rs = sorted(rs, key=lambda r: r["n"])
        colour, peer = _style(case, palette)
        ax.loglog([r["n"] for r in rs], [r["fit_s"] for r in rs], "--" if peer else "-",
                  marker="o", color=colour, label=case)
    ax.set_xlabel("n source rows = n target rows")
    ax.set_ylabel("fit time, s")
    ax.set_title("fit time against n (synthetic covariate shift, d = 20)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    path = Path(out_dir) / "suite_time_vs_n.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def produced(command, seconds, runs=None):
    """The first words of a results page: the command and its time, or, for
    a page assembled from earlier runs' CSVs, the command and those runs."""
    if runs is None:
        return f"Produced by `{command}` in {seconds / 60:.1f} min"
    return f"Assembled by `{command}` from {runs}"


def machine():
    """The machine and versions, for the results pages."""
    # the version from the package metadata: importing skada switches
    # scikit-learn's metadata routing on for the whole process
    try:
        peer = f"skada {importlib.metadata.version('skada')}"
    except importlib.metadata.PackageNotFoundError:
        peer = "skada not installed"
    return (f"{platform.machine()}, {os.cpu_count()} CPU cores, Python "
            f"{platform.python_version()}, numpy {np.__version__}, scikit-learn "
            f"{sklearn.__version__}, {peer}")
