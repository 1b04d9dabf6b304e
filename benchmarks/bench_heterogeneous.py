"""Fit time, peak memory and map recovery of SparseHeterogeneousMapping
against the widths of the two feature spaces.

Data: ``make_heterogeneous_shift`` with ``d_s = d_t = d``, 2000 source
rows, 2000 target rows, 500 parallel pairs, sparse rows (``density``,
default 0.02: ~``0.02 d`` stored entries per source row), no noise, each
target feature a combination of 3 source features; the rows are scaled to
unit variance per column without centring (``StandardScaler(with_mean=
False)``, which keeps ``X`` sparse). Each measurement runs in a fresh
process (peak resident memory above the resident set before the fit,
``VmHWM``), one fit after a small warm-up fit.

Modes: ``exact`` (``covariance_rank=None``: the covariances exactly, cost
``O(d^3)`` per iteration) and ``rank=r`` (their top-``r`` principal parts,
``O(r d^2)`` per iteration).

Quality: F1 of the recovered support against the planted map, and the
relative error ``||W - W*||_F / ||W*||_F`` (the ``l1`` penalty shrinks the
values, so this is not zero at the optimum).

    python benchmarks/bench_heterogeneous.py --quick     # d in {100, 500, 1000}
    python benchmarks/bench_heterogeneous.py             # d up to 5000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fit import _peak_bytes, _rss_bytes, run_measurement  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N_ROWS, N_PARALLEL = 2000, 500
#: the exact mode costs O(d^3) per iteration: skipped above this width
EXACT_MAX_D = 1000


def make_case(d, density, seed=0, n=N_ROWS, n_parallel=N_PARALLEL):
    from sklearn.preprocessing import StandardScaler

    from sktransfer.datasets import make_heterogeneous_shift

    b = make_heterogeneous_shift(n_source=n, n_target=n, n_parallel=n_parallel,
                                 n_source_features=d, n_target_features=d,
                                 n_shared=0, noise=0.0, density=density,
                                 random_state=seed)
    scaler = StandardScaler(with_mean=False).fit(b.X)
    W = b.coef * scaler.scale_[b.source_features][:, None] / scaler.scale_[
        b.target_features][None, :]
    y = np.where(b.sample_domain == 1, b.y, -1)
    return scaler.transform(b.X), y, b.target_features, W


def run_case(d, rank, density, l1):
    from sktransfer import SparseHeterogeneousMapping

    def fit(X, y, tf):
        return SparseHeterogeneousMapping(target_features=tf, covariance_rank=rank,
                                          l1=l1, max_iter=1000, random_state=0).fit(X, y)

    Xw, yw, tfw, _ = make_case(50, 0.2, n=200, n_parallel=50)
    fit(Xw, yw, tfw)
    X, y, tf, truth = make_case(d, density)
    base = _rss_bytes()
    start = time.perf_counter()
    model = fit(X, y, tf)
    seconds = time.perf_counter() - start
    peak = max(_peak_bytes() - base, 0) / 2**20
    W = model.map_
    tp = np.count_nonzero((W != 0) & (truth != 0))
    f1 = 2 * tp / (np.count_nonzero(W) + np.count_nonzero(truth))
    return {
        "d": d, "mode": "exact" if rank is None else f"rank={rank}",
        "fit_s": seconds, "n_iter": model.n_iter_, "converged": bool(model.converged_),
        "s_per_iter": seconds / max(model.n_iter_, 1), "peak_mib": peak,
        "support_f1": f1,
        "rel_error": float(np.linalg.norm(W - truth) / np.linalg.norm(truth)),
        "sparsity": model.sparsity_, "nnz_X": int(X.nnz),
    }


def spawn(d, rank, density, l1, timeout):
    cmd = [sys.executable, __file__, "--case", str(d), "--rank", str(rank),
           "--density", repr(density), "--l1", repr(l1)]
    return run_measurement(cmd, timeout, d=d,
                           mode="exact" if rank is None else f"rank={rank}")


def render(rows, args):
    lines = [
        "# SparseHeterogeneousMapping: fit time against the feature-space widths",
        "",
        f"`python benchmarks/bench_heterogeneous.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"{N_ROWS} source + {N_ROWS} target rows + {N_PARALLEL} parallel pairs, "
        f"sparse rows (density {args.density}), d_s = d_t = d, l1 = {args.l1}, "
        "alignment_weight = parallel_weight = 1. One fit per cell in a fresh "
        "process; peak = resident memory above the set before the fit.",
        "",
        "| d | mode | fit (s) | iterations | s / iteration | peak (MiB) | support F1 "
        "| rel. error | zeros in W |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['d']} | {r['mode']} | {r['error']} | | | | | | |")
            continue
        lines.append(
            f"| {r['d']} | {r['mode']} | {r['fit_s']:.2f} | {r['n_iter']}"
            f"{'' if r['converged'] else ' (max)'} | {r['s_per_iter']:.3f} | "
            f"{r['peak_mib']:.0f} | {r['support_f1']:.3f} | {r['rel_error']:.3f} | "
            f"{r['sparsity']:.4f} |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="d in {100, 500, 1000}")
    p.add_argument("--sizes", type=int, nargs="*", default=None)
    p.add_argument("--ranks", type=int, nargs="*", default=[100],
                   help="covariance_rank values measured besides the exact mode")
    p.add_argument("--density", type=float, default=0.02)
    p.add_argument("--l1", type=float, default=0.01)
    p.add_argument("--timeout", type=int, default=2400, help="seconds per measurement")
    p.add_argument("--out", default=None, help="write a Markdown report here")
    p.add_argument("--case", type=int, help=argparse.SUPPRESS)
    p.add_argument("--rank", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.case:
        rank = None if args.rank == "None" else int(args.rank)
        print(json.dumps(run_case(args.case, rank, args.density, args.l1)))
        return
    sizes = args.sizes or ([100, 500, 1000] if args.quick else [100, 500, 1000, 2000, 5000])
    rows = []
    for d in sizes:
        for rank in ([None] if d <= EXACT_MAX_D else []) + list(args.ranks):
            if rank is not None and rank >= d:
                continue
            r = spawn(d, rank, args.density, args.l1, args.timeout)
            rows.append(r)
            print(json.dumps(r), flush=True)
    report = render(rows, args)
    print(report)
    if args.out:
        Path(args.out).write_text(report)


if __name__ == "__main__":
    main()
