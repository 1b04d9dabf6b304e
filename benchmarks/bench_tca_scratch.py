"""Scratch benchmark of TCA: fit time, peak memory and target accuracy, with
skada's ``TransferComponentAnalysisAdapter`` at the same settings.

    python benchmarks/bench_tca_scratch.py                 # everything (~5 min)
    python benchmarks/bench_tca_scratch.py --skip-skada --skip-large
    python benchmarks/bench_tca_scratch.py --threads 1   # single-threaded BLAS

Every measurement runs in a fresh process; peak memory is ``ru_maxrss`` minus
the resident memory just before the fit. "fit" is the TCA fit alone (the
embedding of the training rows included); wall-clock and process CPU time
(all threads) are both reported, the best of ``--repeat`` fits for
sktransfer (skada: one fit, its fits take tens of seconds). n_s = n_t = n,
d = 20.

Same settings for both libraries: rbf kernel with gamma = 1/d (skada passes
no gamma, so sklearn's default 1 / n_features applies), skada's default
``mu=0.1``, which is the paper's (and sktransfer's) ``mu=10`` (skada solves
``(I + mu KLK)^{-1} KHK``), ``n_components=20`` (skada's default
``min(n, d)``). Each embedding then goes through the same classifiers,
trained on the source rows and scored on the target rows:

* ``logreg``: ``LogisticRegression()`` (C=1), sensitive to the scale of the
  components, which differs by design (sktransfer: unit variance; skada:
  ``K u`` with unit-norm ``u``);
* ``logreg_nopen``: unpenalised logistic regression, invariant to any
  invertible linear map of the embedding, so it compares the subspaces;
* ``scaled_logreg``: ``StandardScaler`` then ``LogisticRegression()``;
* ``svc``: ``SVC()`` (skada's default classifier).

The canonical correlations between the two training embeddings say how
close the two subspaces are (1 = the same subspace).

Problems: ``parabola`` (``make_problem`` of ``bench_fit.py``, whose shift
moves the discriminative directions themselves) and ``mean_shift`` (classes
along ``x0``, target moved by ``(2, 3)`` in ``(x0, x1)``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_fit import D, make_problem  # noqa: E402

GAMMA = 1.0 / D


def make_mean_shift_problem(n, d=D, seed=0):
    """Classes along ``x0`` (means +-2), the target moved by ``(2, 3, 0, ...)``:
    a source-only linear model misplaces its threshold."""
    rng = np.random.default_rng(seed)

    def draw(shift):
        y = rng.integers(0, 2, n)
        X = rng.normal(size=(n, d))
        X[:, 0] += 2.0 * (2 * y - 1)
        X[:, :2] += shift
        return X, y

    Xs, ys = draw(0.0)
    Xt, yt = draw(np.array([2.0, 3.0]))
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(n, int), -np.ones(n, int)]
    y = np.r_[ys, -np.ones(n, int)]
    return X, y, sd, Xs, Xt, yt


PROBLEMS = {"parabola": make_problem, "mean_shift": make_mean_shift_problem}


def classifiers():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    return {
        "logreg": LogisticRegression(max_iter=2000),
        "logreg_nopen": LogisticRegression(penalty=None, max_iter=5000),
        "scaled_logreg": make_pipeline(StandardScaler(), LogisticRegression()),
        "svc": SVC(),
    }


def _rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _make_model(case, m):
    if case == "skada":
        from skada import TransferComponentAnalysisAdapter

        return TransferComponentAnalysisAdapter(kernel="rbf", n_components=m, mu=0.1)
    from sktransfer.alignment import TCA

    kw = {
        "rbf": dict(kernel="rbf", gamma=GAMMA),
        "rbf_dense": dict(kernel="rbf", gamma=GAMMA, eigen_solver="dense"),
        "linear": dict(kernel="linear"),
        "nystroem": dict(kernel="rbf", gamma=GAMMA, approximation="nystroem",
                         n_landmarks=500),
    }[case]
    return TCA(mu=10.0, n_components=m, random_state=0, **kw)


def run(case, n, m, problem, repeat, save):
    from sklearn.base import clone

    X, y, sd, Xs, Xt, yt = PROBLEMS[problem](n)
    import sktransfer  # noqa: F401

    if case == "skada":
        import skada  # noqa: F401
        repeat = 1
    out = {"case": case, "n": n, "m": m, "problem": problem}
    base = _rss()
    walls, cpus = [], []
    for _ in range(repeat if case != "source_only" else 0):
        model = _make_model(case, m)
        t0, c0 = time.perf_counter(), time.process_time()
        Z = model.fit_transform(X, sample_domain=sd)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    out["peak_mib"] = max(_peak() - base, 0) / 2**20
    if case == "source_only":
        Z, Zt = X, Xt
    else:
        out["fit_s"], out["cpu_s"] = min(walls), min(cpus)
        Zt = (model.transform(Xt, sample_domain=-np.ones(len(Xt), int))
              if case == "skada" else model.transform(Xt))
    if case not in ("skada", "source_only"):
        out["solver"] = model.solver_
    ys = y[sd > 0]
    for name, clf in classifiers().items():
        if n > 20_000 and name in ("svc", "logreg_nopen"):
            continue  # too slow on 100,000 rows, and not needed there
        out[name] = float(clone(clf).fit(Z[sd > 0], ys).score(Zt, yt))
    if save:
        np.save(save, Z)
    return out


THREADS = None  # BLAS threads of the measuring processes (None: the default)


def spawn(case, n, m=10, problem="parabola", repeat=3, save=None, timeout=1200):
    cmd = [sys.executable, __file__, "--case", case, "--n", str(n), "--m", str(m),
           "--problem", problem, "--repeat", str(repeat)]
    if save:
        cmd += ["--save", save]
    env = dict(os.environ)
    if THREADS:
        env.update(OPENBLAS_NUM_THREADS=str(THREADS), OMP_NUM_THREADS=str(THREADS),
                   MKL_NUM_THREADS=str(THREADS))
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if res.returncode:
        r = {"case": case, "n": n, "error": res.stderr.strip().splitlines()[-1]}
    else:
        r = json.loads(res.stdout.strip().splitlines()[-1])
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                      for k, v in r.items()}), flush=True)
    return r


def canonical_correlations(A, B):
    qa = np.linalg.qr(A - A.mean(axis=0))[0]
    qb = np.linalg.qr(B - B.mean(axis=0))[0]
    return np.linalg.svd(qa.T @ qb, compute_uv=False)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case")
    p.add_argument("--n", type=int)
    p.add_argument("--m", type=int, default=10)
    p.add_argument("--problem", default="parabola", choices=sorted(PROBLEMS))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--save")
    p.add_argument("--skip-skada", action="store_true")
    p.add_argument("--skip-large", action="store_true")
    p.add_argument("--pairs", type=int, default=2,
                   help="interleaved (sktransfer, skada) fit pairs; the best of each")
    p.add_argument("--threads", type=int, default=None,
                   help="BLAS threads of the measuring processes")
    args = p.parse_args()
    global THREADS
    THREADS = args.threads
    if args.case:
        print(json.dumps(run(args.case, args.n, args.m, args.problem, args.repeat,
                             args.save)))
        return
    if not args.skip_skada:
        with tempfile.TemporaryDirectory() as tmp:
            for problem in PROBLEMS:
                spawn("source_only", 2000, 20, problem)
                ours, theirs = [], []
                for _ in range(args.pairs):  # interleaved against background load
                    ours.append(spawn("rbf", 2000, 20, problem, save=f"{tmp}/ours.npy"))
                    theirs.append(spawn("skada", 2000, 20, problem,
                                        save=f"{tmp}/skada.npy"))
                cc = canonical_correlations(np.load(f"{tmp}/ours.npy"),
                                            np.load(f"{tmp}/skada.npy"))
                best = {key: (min(r[key] for r in theirs) / min(r[key] for r in ours))
                        for key in ("fit_s", "cpu_s")}
                print(f"  {problem}: speed-up (best of {args.pairs} each) wall "
                      f"{best['fit_s']:.1f}x, cpu {best['cpu_s']:.1f}x; canonical "
                      f"correlations min {cc.min():.5f}, median {np.median(cc):.5f}",
                      flush=True)
    for n in (1000, 2000, 5000):
        for case in ("rbf", "linear"):
            spawn(case, n)
    spawn("rbf_dense", 2000, repeat=1)
    if not args.skip_large:
        spawn("nystroem", 100_000, repeat=1)


if __name__ == "__main__":
    main()
