"""Scratch benchmark of KMM's quadratic program solver.

    python benchmarks/bench_kmm_solver.py                 # n in {1000, 2000, 5000}
    python benchmarks/bench_kmm_solver.py --sizes 1000 --no-skada
    python benchmarks/bench_kmm_solver.py --low-rank      # + 100,000 + 100,000 rows

Data: ``n_s = n_t = n`` rows, ``d = 20``; source N(0, I), target
N(0.3, 0.8^2 I); labels ``1[x_0 + x_1^2 > 1]`` on the source rows. Reported
(minimum over ``--repeats`` runs, wall-clock):

* ``kernels``: building ``K_ss`` and the row sums of ``K_st`` as KMM does;
* ``solve``: the exact QP solve alone, and its ratio to ``kernels``;
* ``fit``: ``KMM(LogisticRegression()).fit`` end to end;
* ``skada``: ``skada.KMMReweight(LogisticRegression(), gamma=<ours>)`` fit
  (default Frank-Wolfe solver, same B and eps), the speed-up, and both QP
  objectives computed with our formula (lower is better). skada returns the
  raw QP solution (no normalisation), so the objectives compare like with like.

``--low-rank`` fits the Nystroem and random-Fourier-feature modes on
100,000 + 100,000 rows, each in a fresh process, and reports time and peak
resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import warnings

import numpy as np

D = 20


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, D))
    Xt = rng.normal(loc=0.3, scale=0.8, size=(n, D))
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] + Xs[:, 1] ** 2 > 1).astype(int), -np.ones(n, dtype=int)]
    return Xs, Xt, X, y


def best_time(fn, repeats):
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def exact_row(n, repeats, with_skada):
    from sklearn.linear_model import LogisticRegression

    from sktransfer._kernels import resolve_kernel
    from sktransfer.instance import KMM
    from sktransfer._kernels import symmetric_matvec
    from sktransfer.instance._qp import solve_box_slab_qp

    Xs, Xt, X, y = make_data(n)
    t_fit, kmm = best_time(lambda: KMM(LogisticRegression()).fit(X, y), repeats)
    kernel = resolve_kernel(kmm, X, owner="bench")

    def build():
        return kernel.gram_lower(Xs), kernel.row_sums(Xs, Xt)

    t_kernels, (K, kappa) = best_time(build, repeats)
    eps = (np.sqrt(n) - 1) / np.sqrt(n)
    lo, hi = n * (1 - eps), n * (1 + eps)
    t_solve, res = best_time(
        lambda: solve_box_slab_qp(symmetric_matvec(K), kappa, 1000.0, lo, hi), repeats)

    def objective(b):
        return 0.5 * b @ (K @ b) - kappa @ b

    row = {
        "n": n, "kernels_s": t_kernels, "solve_s": t_solve,
        "solve/kernels": t_solve / t_kernels, "fit_s": t_fit,
        "n_iter": res.n_iter, "n_matvec": res.n_matvec,
        "objective": objective(res.x),
    }
    if with_skada:
        from skada import KMMReweight

        def skada_fit():
            pipe = KMMReweight(
                LogisticRegression().set_fit_request(sample_weight=True),
                gamma=kmm.gamma_)
            sd = np.r_[np.ones(n, dtype=int), -np.ones(n, dtype=int)]
            return pipe.fit(X, y, sample_domain=sd)

        t_skada, pipe = best_time(skada_fit, 1)
        w = pipe[0].get_estimator().source_weights_
        row.update({
            "skada_fit_s": t_skada, "speedup": t_skada / t_fit,
            "skada_objective": objective(w),
            "skada_weights_max": float(w.max()), "skada_weights_sum": float(w.sum()),
        })
    return row


def low_rank_child(approximation):
    from sklearn.linear_model import LogisticRegression

    from sktransfer.instance import KMM

    _, _, X, y = make_data(100_000)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    kmm = KMM(LogisticRegression(), approximation=approximation, n_components=500,
              random_state=0).fit(X, y)
    t = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "approximation": approximation, "fit_s": t, "n_iter": kmm.n_iter_,
        "peak_rss_gib": rss1 / 2**20, "peak_rss_increase_gib": (rss1 - rss0) / 2**20,
        "weights_sum": float(kmm.weights_.sum()),
    }))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 5000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-skada", action="store_true")
    parser.add_argument("--low-rank", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        low_rank_child(args.child)
        return
    warnings.simplefilter("ignore", FutureWarning)
    for n in args.sizes:
        print(json.dumps(exact_row(n, args.repeats, not args.no_skada)), flush=True)
    if args.low_rank:
        for approximation in ("nystroem", "rff"):
            out = subprocess.run([sys.executable, __file__, "--child", approximation],
                                 capture_output=True, text=True, check=True)
            print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
