"""Fit time, peak memory and quality of KMM, CORAL and TCA, with skada's
equivalents measured side by side in the same run.

Each measurement runs in a fresh Python process so that its peak resident
memory (``VmHWM`` minus the process's resident memory just before the fit)
is its own. In that process one warm-up fit on 300 rows comes first (one-time
costs such as lazy imports and BLAS thread start-up are not counted, for ours
and skada's alike), then the fastest of 3 fits is reported (1 fit beyond
n = 5000). Data: a synthetic covariate-shift classification problem
with ``n_s = n_t = n`` rows and ``d = 20`` features.

    python benchmarks/bench_fit.py --quick          # n in {1000, 2000}
    python benchmarks/bench_fit.py                  # n in {1000, 2000, 5000, 20000}
    python benchmarks/bench_fit.py --large          # + 100,000 + 100,000 low-rank modes

Ratios reported (all from the same run):
* KMM: exact QP solve time / time to build its two kernel matrices (K_ss and
  the row sums of K_st -- the floor of any exact solve); fit-time speed-up over
  skada's default KMM; QP objective of both (lower is better), evaluated for
  both weight vectors with scikit-learn's double-precision rbf kernel.
* TCA and CORAL: fit-time speed-up over skada, target accuracy of both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
D = 20
SKADA_MAX_N = 5000  # skada's dense solvers beyond this take too long to wait for
# skada's TCA solves a dense (2n x 2n) system and eigendecomposition: O(n^3)
SKADA_TCA_MAX_N = 2000


def make_problem(n, d=D, seed=0):
    """Covariate shift under a misspecified model: the label boundary is a
    parabola, ``x1 > 0.6 x0^2 - 0.5 + 0.2 x2``; source rows are N(0, I), target
    rows are moved along ``x0`` (N(1.5, 0.6^2)) and ``x1`` (N(0.8, 1)), where
    the boundary's slope differs, so a linear model fitted to the source is
    wrong on the target (source-only accuracy ~0.66, target-only ~0.97)."""
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, d))
    Xt = rng.normal(size=(n, d))
    Xt[:, 0] = rng.normal(1.5, 0.6, size=n)
    Xt[:, 1] = rng.normal(0.8, 1.0, size=n)

    def label(X):
        return (X[:, 1] > 0.6 * X[:, 0] ** 2 - 0.5 + 0.2 * X[:, 2]).astype(int)

    ys, yt = label(Xs), label(Xt)
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(n, int), -np.ones(n, int)]
    y = np.r_[ys, -np.ones(n, int)]
    return X, y, sd, Xs, Xt, yt


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_bytes():
    # VmHWM (peak resident set of this process image); unlike ru_maxrss it is
    # not inherited from the parent across fork + exec
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _kmm_objective(weights, Xs, Xt, gamma):
    """The KMM objective ``w'Kw / 2 - kappa'w`` of any weights, evaluated
    independently of both packages: scikit-learn's double-precision rbf
    kernel, in row blocks (ours builds its kernel with a single-precision
    exponential; this is the common yardstick)."""
    from sklearn.metrics.pairwise import rbf_kernel

    n_s, n_t = len(Xs), len(Xt)
    Kw, kappa = np.zeros(n_s), np.zeros(n_s)
    for s in range(0, n_s, 2048):
        rows = slice(s, s + 2048)
        Kw[rows] = rbf_kernel(Xs[rows], Xs, gamma=gamma) @ weights
        kappa[rows] = (n_s / n_t) * rbf_kernel(Xs[rows], Xt, gamma=gamma).sum(axis=1)
    return float(0.5 * weights @ Kw - kappa @ weights)


def run_case(case, n, gamma, repeats=None):
    """Run one measurement in this process; return a dict.

    The case is first fitted once on a 300-row problem, so that one-time
    costs (lazy imports, BLAS thread pools, threadpoolctl's library scan) are
    not counted, for ours and skada's alike; then it is fitted ``repeats``
    times (3 up to n = 5000, else 1) and the fastest fit is reported. The
    peak memory is the highest resident set over the measured fits, above
    the resident set before them.
    """
    if repeats is None:
        repeats = 3 if n <= 5000 else 1
    _fit_case(case, make_problem(300), gamma)
    problem = make_problem(n)
    base = _rss_bytes()
    best = None
    for _ in range(repeats):
        out = _fit_case(case, problem, gamma)
        if best is None or out["fit_s"] < best["fit_s"]:
            best = out
        if "solve_s" in out:
            best["solve_s"] = min(best.get("solve_s", np.inf), out["solve_s"])
    best.update(case=case, n=n, repeats=repeats,
                peak_mib=max(_peak_bytes() - base, 0) / 2**20)
    # the objective after the memory reading: evaluating it is not the fit's
    weights = best.pop("weights", None)
    if weights is not None:
        _, _, _, Xs, Xt, _ = problem
        best["objective"] = _kmm_objective(weights, Xs, Xt, gamma)
    return best


def _fit_case(case, problem, gamma):
    """Fit ``case`` once on ``problem``; ``fit_s`` is its wall-clock time."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score

    import sktransfer  # noqa: F401  (imported before the clock starts)
    if case.startswith("skada"):
        import skada  # noqa: F401
    X, y, sd, Xs, Xt, yt = problem
    n = Xs.shape[0]
    out = {}
    t0 = time.perf_counter()
    if case == "kmm_kernels":
        from sktransfer import KMM
        from sktransfer._kernels import Kernel
        from sktransfer.instance._qp import solve_box_slab_qp

        # what KMM.fit builds, by KMM's own code: the lower triangle of K
        # (single precision at the default tol) and the row sums of K_st
        kmm = KMM(LogisticRegression(), gamma=gamma)
        matvec, kappa, product_rtol = kmm._exact_problem(
            Kernel("rbf", gamma, 3, 1.0), Xs, Xt, None)
        out["fit_s"] = time.perf_counter() - t0
        # the exact QP solve alone, on these kernels, as KMM.fit runs it
        eps = (np.sqrt(n) - 1) / np.sqrt(n)
        t1 = time.perf_counter()
        res = solve_box_slab_qp(matvec, kappa, 1000.0, n * (1 - eps), n * (1 + eps),
                                tol=kmm.tol, max_iter=kmm.max_iter,
                                product_rtol=product_rtol)
        out["solve_s"] = time.perf_counter() - t1
        out["n_iter"] = int(res.n_iter)
    elif case in ("kmm", "kmm_nystroem"):
        from sktransfer import KMM

        approx = None if case == "kmm" else "nystroem"
        model = KMM(LogisticRegression(), gamma=gamma, approximation=approx,
                    random_state=0).fit(X, y, sample_domain=sd)
        out["fit_s"] = time.perf_counter() - t0
        out["n_iter"] = int(model.n_iter_)
        out["acc"] = accuracy_score(yt, model.predict(Xt))
        if n <= 20000:
            out["weights"] = model.weights_
    elif case == "skada_kmm":
        from skada import KMMReweightAdapter

        # the weights, then the same weighted estimator as ours: a whole fit
        w = KMMReweightAdapter(gamma=gamma).fit(X, sample_domain=sd).source_weights_
        clf = LogisticRegression().fit(Xs, y[sd > 0], sample_weight=w)
        out["fit_s"] = time.perf_counter() - t0
        out["weights"] = np.asarray(w, float)
        out["acc"] = accuracy_score(yt, clf.predict(Xt))
    elif case in ("tca", "tca_nystroem"):
        from sktransfer import TCA

        # the exact (2n x 2n) kernel matrix of n = 20000 would take 12.8 GB:
        # beyond 5000 + 5000 rows the benchmark uses the Nystroem mode
        low_rank = case == "tca_nystroem" or n > 5000
        kw = {"approximation": "nystroem"} if low_rank else {}
        out["mode"] = "nystroem" if low_rank else "exact"
        # skada's TCA solves (I + mu KLK)^-1 KHK: its mu=0.1 is the paper's mu=10
        model = TCA(LogisticRegression(), kernel="rbf", gamma=gamma, mu=10.0,
                    n_components=10, random_state=0, **kw).fit(X, y, sample_domain=sd)
        out["fit_s"] = time.perf_counter() - t0
        out["acc"] = accuracy_score(yt, model.predict(Xt))
    elif case == "skada_tca":
        from skada import TransferComponentAnalysis

        # skada's TCA passes no gamma: sklearn's default 1 / n_features (= gamma)
        model = TransferComponentAnalysis(
            LogisticRegression(), kernel="rbf", n_components=10, mu=0.1
        )
        model.fit(X, y, sample_domain=sd)
        out["fit_s"] = time.perf_counter() - t0
        out["acc"] = accuracy_score(yt, model.predict(Xt, sample_domain=-np.ones(n, int)))
    elif case == "coral":
        from sktransfer import CORAL

        model = CORAL(LogisticRegression(), reg="auto", center=True).fit(
            X, y, sample_domain=sd)
        out["fit_s"] = time.perf_counter() - t0
        out["acc"] = accuracy_score(yt, model.predict(Xt))
    elif case == "skada_coral":
        from skada import CORAL as SkadaCORAL

        model = SkadaCORAL(LogisticRegression(), reg="auto").fit(X, y, sample_domain=sd)
        out["fit_s"] = time.perf_counter() - t0
        out["acc"] = accuracy_score(yt, model.predict(Xt, sample_domain=-np.ones(n, int)))
    elif case == "source_only":
        model = LogisticRegression().fit(Xs, y[sd > 0])
        out["fit_s"] = time.perf_counter() - t0
        out["acc"] = accuracy_score(yt, model.predict(Xt))
    else:
        raise ValueError(case)
    out.setdefault("fit_s", time.perf_counter() - t0)
    return out


def run_measurement(cmd, timeout, **label):
    """Run one measurement in a fresh process (``cmd`` prints a JSON dict as
    its last line); on a timeout or a failure, ``label`` plus ``error``."""
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                             cwd=ROOT, check=False)
    except subprocess.TimeoutExpired:
        return {**label, "error": f"timeout after {timeout} s"}
    if res.returncode != 0:
        return {**label, "error": res.stderr.strip().splitlines()[-1]}
    return json.loads(res.stdout.strip().splitlines()[-1])


def spawn(case, n, gamma, timeout):
    cmd = [sys.executable, __file__, "--case", case, "--n", str(n), "--gamma", repr(gamma)]
    return run_measurement(cmd, timeout, case=case, n=n)


def fmt(v, spec=".3g"):
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "-"
    return format(v, spec)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="n in {1000, 2000}")
    p.add_argument("--sizes", type=int, nargs="*", default=None)
    p.add_argument("--large", action="store_true",
                   help="also 100,000 + 100,000 rows in the low-rank modes")
    p.add_argument("--no-skada", action="store_true")
    p.add_argument("--timeout", type=int, default=900, help="seconds per measurement")
    p.add_argument("--out", default=None, help="write a Markdown report here")
    p.add_argument("--case", help=argparse.SUPPRESS)
    p.add_argument("--n", type=int, help=argparse.SUPPRESS)
    p.add_argument("--gamma", type=float, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.n, args.gamma)))
        return

    sizes = args.sizes or ([1000, 2000] if args.quick else [1000, 2000, 5000, 20000])
    try:
        import skada  # noqa: F401
        have_skada = not args.no_skada
    except ImportError:
        have_skada = False
        print("skada is not installed: peer columns are left empty "
              "(pip install skada)")
    # one fixed bandwidth for every method, ours and skada's: sklearn's default
    # 1 / n_features, which skada's TCA uses (it passes no gamma)
    gamma = 1.0 / D
    rows = []
    for n in sizes:
        cases = ["source_only", "kmm_kernels", "kmm", "coral", "tca"]
        if have_skada and n <= SKADA_MAX_N:
            cases += ["skada_kmm", "skada_coral"]
        if have_skada and n <= SKADA_TCA_MAX_N:
            cases += ["skada_tca"]
        res = {}
        for case in cases:
            r = spawn(case, n, gamma, args.timeout)
            res[case] = r
            print(f"n={n:>6} {case:<12} " + ", ".join(
                f"{k}={fmt(v) if isinstance(v, float) else v}" for k, v in r.items()
                if k not in ("case", "n")), flush=True)
        rows.append((n, res))
    if args.large:
        big = 100_000
        for case in ("kmm_nystroem", "tca_nystroem"):
            r = spawn(case, big, gamma, args.timeout)
            print(f"n={big} {case}: {r}", flush=True)
            rows.append((big, {case: r}))
    report = render(rows, gamma)
    print(report)
    if args.out:
        Path(args.out).write_text(report)


def render(rows, gamma):
    lines = [
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
        f"cores, Python {platform.python_version()}. d = {D}, n_s = n_t = n, rbf "
        f"gamma = {gamma:g} for every method. Times in seconds, peak memory in MiB "
        "above the process's resident memory before the fit.",
        "",
        "### KMM (exact QP)",
        "",
        "| n | kernels s | KMM fit s | solve s | solve / kernels | iters | objective | "
        "skada fit s | skada objective | speed-up | peak MiB (ours / skada) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, res in rows:
        if "kmm" not in res:
            continue
        k, m, s = res.get("kmm_kernels", {}), res["kmm"], res.get("skada_kmm", {})
        ratio = k.get("solve_s", np.nan) / k["fit_s"] if "fit_s" in k else np.nan
        speed = s["fit_s"] / m["fit_s"] if "fit_s" in s and "fit_s" in m else np.nan
        lines.append(
            f"| {n} | {fmt(k.get('fit_s'))} | {fmt(m.get('fit_s'))} | "
            f"{fmt(k.get('solve_s'))} | {fmt(ratio)} | {m.get('n_iter', '-')} | "
            f"{fmt(m.get('objective'), '.6g')} | {fmt(s.get('fit_s'))} | "
            f"{fmt(s.get('objective'), '.6g')} | {fmt(speed)} | "
            f"{fmt(m.get('peak_mib'), '.0f')} / {fmt(s.get('peak_mib'), '.0f')} |"
        )
    for method in ("tca", "coral"):
        lines += [
            "",
            f"### {method.upper()}",
            "",
            "| n | mode | fit s | target acc | skada fit s | skada target acc | speed-up | "
            "peak MiB (ours / skada) | source-only acc |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for n, res in rows:
            if method not in res:
                continue
            m, s = res[method], res.get(f"skada_{method}", {})
            speed = s["fit_s"] / m["fit_s"] if "fit_s" in s and "fit_s" in m else np.nan
            lines.append(
                f"| {n} | {m.get('mode', 'exact')} | {fmt(m.get('fit_s'))} | "
                f"{fmt(m.get('acc'))} | "
                f"{fmt(s.get('fit_s'))} | {fmt(s.get('acc'))} | {fmt(speed)} | "
                f"{fmt(m.get('peak_mib'), '.0f')} / {fmt(s.get('peak_mib'), '.0f')} | "
                f"{fmt(res.get('source_only', {}).get('acc'))} |"
            )
    big = [(n, r) for n, r in rows if any(c.endswith("nystroem") for c in r)]
    if big:
        lines += ["", "### Large n, low-rank modes", "",
                  "| case | n_s + n_t | fit s | peak MiB | target acc |", "|---|---|---|---|---|"]
        for n, res in big:
            for case, r in res.items():
                lines.append(f"| {case} | {n} + {n} | {fmt(r.get('fit_s'))} | "
                             f"{fmt(r.get('peak_mib'), '.0f')} | {fmt(r.get('acc'))} |"
                             + (f" error: {r['error']}" if "error" in r else ""))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
