r"""Solver of the Kernel Mean Matching quadratic program.

.. math::

    \min_{b} \; f(b) = \tfrac12 b^\top K b - \kappa^\top b
    \quad \text{s.t.} \quad 0 \le b_i \le B, \quad
    \mathrm{lo} \le \textstyle\sum_i b_i \le \mathrm{hi}.

The solver is an accelerated projected gradient method (FISTA, Beck &
Teboulle 2009) with adaptive restart (O'Donoghue & Candes 2015) and
backtracking that lets the step grow as well as shrink (Scheinberg, Goldfarb
& Bai 2014). ``K`` enters only through a product ``matvec(b) = K b``, so one
solver serves an explicit kernel matrix and a low-rank factorisation
``K = Phi Phi'``. Every iterate is projected exactly on the feasible set
(:func:`project_box_slab`), so the result honours every constraint to
rounding error.

What makes it fast on kernel matrices:

* **A rank-one metric.** A kernel matrix such as the rbf Gram matrix has one
  eigenvalue, ``~ n mean(K)`` with an eigenvector close to the all-ones
  vector, far above the others (e.g. 556 against 20 for 1000 rows in 20
  dimensions with the median-heuristic bandwidth). Euclidean steps of length
  ``1 / lambda_max(K)`` would crawl along every other direction (even with
  the adaptive ``L`` below, Euclidean steps needed four to five times as
  many iterations in our measurements). The steps are taken in the metric
  ``M = L I + beta 1 1'`` with ``beta = 1'K1 / n^2`` (the mean kernel
  value), so that ``L`` only has to bound ``K - beta 1 1'``; the projection
  in this metric costs the same as the Euclidean one.
* **An adaptive L.** Backtracking checks the quadratic upper model exactly,
  from the product ``K z`` that the next iteration needs anyway, and each
  iteration first tries a smaller ``L``: near the solution the curvature
  along the iterates is far below the largest eigenvalue.
* **One product with K per iteration.** FISTA's extrapolated point
  ``y = x + m (x - x_prev)`` has ``K y = K x + m (K x - K x_prev)``, and the
  objective at ``x`` comes from ``K x``; a product is added only when the
  backtracking test fails.
"""


from __future__ import annotations

import warnings
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

from .._kernels import blas_dot as _dot
from .._kernels import product_rounding

__all__ = ["project_box_slab", "solve_box_slab_qp", "QPResult"]


# Newton steps tried by _root_on_breakpoints before it sorts the breakpoints
_NEWTON_STEPS = 12


def _piece_root(v, upper, a, w, c, tau):
    """Root of the linear piece of ``phi`` (see :func:`_root_on_breakpoints`)
    through ``tau``: with the coordinates strictly between the bounds at
    ``tau`` (``F``) and those at the upper bound (``U``) held fixed,
    ``phi(t) = a t - w (sum_F (v_i - t) + |U| upper) - c``. ``None`` when
    that piece is flat."""
    d = v - tau
    top = d >= upper
    free = (d > 0.0) & ~top
    denom = a + w * np.count_nonzero(free)
    if denom == 0.0:
        return None
    return (c + w * (upper * np.count_nonzero(top) + v[free].sum())) / denom


def _root_on_breakpoints(v, upper, a, w, c, start=0.0):
    r"""Root ``tau`` of ``phi(tau) = a tau - w s(tau) - c`` where
    ``s(tau) = sum_i clip(v_i - tau, 0, upper)``.

    ``a, w >= 0`` and ``a + w > 0``, so ``phi`` is non-decreasing, continuous
    and piecewise linear with breakpoints ``{v_i - upper} U {v_i}``.

    First, Newton's method from ``tau = start``: each step jumps to the root of
    the linear piece through the current point (:func:`_piece_root`, one
    ``O(n)`` pass); when that root lies on the same piece, the next step
    reproduces it bit for bit and it is the exact root. This ends in a few
    steps in practice (the root moves little between the projections of a
    solver's iterates). Should it not within ``_NEWTON_STEPS`` (Newton may
    cycle on a non-convex piecewise-linear function), the breakpoints are
    sorted and the segment holding the root is found by binary search,
    evaluating ``phi`` directly at each probe (``O(n log n)`` in all; no
    running sums, so no rounding error accumulates); on that segment the set
    of coordinates strictly between the bounds is fixed and the root follows
    in closed form.
    """
    tau = float(start)
    for _ in range(_NEWTON_STEPS):
        nxt = _piece_root(v, upper, a, w, c, tau)
        if nxt is None:
            break
        if nxt == tau:
            return tau
        tau = nxt
    return _root_by_sorting(v, upper, a, w, c)


def _root_by_sorting(v, upper, a, w, c):
    """:func:`_root_on_breakpoints` by sorting the breakpoints."""
    n = v.shape[0]

    def phi(tau):
        return a * tau - w * np.clip(v - tau, 0.0, upper).sum() - c

    bp = np.sort(np.concatenate([v - upper, v]))
    if phi(bp[0]) >= 0.0:  # root left of every breakpoint: s = n * upper
        return (c + w * n * upper) / a if a > 0 else bp[0]
    if phi(bp[-1]) <= 0.0:  # root right of every breakpoint: s = 0
        return c / a if a > 0 else bp[-1]
    left, right = 0, bp.shape[0] - 1  # phi(bp[left]) < 0 < phi(bp[right])
    while right - left > 1:
        mid = (left + right) // 2
        value = phi(bp[mid])
        if value == 0.0:
            return bp[mid]
        if value < 0.0:
            left = mid
        else:
            right = mid
    t0, t1 = bp[left], bp[right]
    mid = 0.5 * (t0 + t1)
    free = (v > mid) & (v - upper < mid)
    n_free = np.count_nonzero(free)
    n_upper = np.count_nonzero(v - upper >= mid)
    denom = a + w * n_free
    if denom == 0.0:  # phi is constant (= 0) on the segment
        return t0
    tau = (c + w * (upper * n_upper + v[free].sum())) / denom
    return min(max(tau, t0), t1)


def project_box_slab(v, upper, lo, hi, *, rank_one=0.0):
    r"""Projection onto ``{0 <= x <= upper, lo <= sum(x) <= hi}``.

    Solves, exactly up to rounding,

    .. math::

        \min_x \tfrac12 \|x - v\|^2 + \tfrac{\rho}{2} (1^\top x - 1^\top v)^2
        \quad\text{s.t.}\quad 0 \le x \le \mathrm{upper},\;
        \mathrm{lo} \le 1^\top x \le \mathrm{hi},

    with ``rho = rank_one >= 0`` (``rho = 0``: the Euclidean projection).
    The solution is ``x = clip(v - tau, 0, upper)``: by the KKT conditions
    ``tau = rho (1'x - 1'v) + mu`` with ``mu`` the multiplier of the sum
    constraint. First ``mu = 0`` is tried (``tau = 0`` when ``rho = 0``);
    if the resulting sum leaves ``[lo, hi]``, ``tau`` is the one that puts the
    sum on the violated bound. Each ``tau`` is the root of a monotone
    piecewise-linear function, found exactly by Newton steps on its pieces
    (a few ``O(n)`` passes), or from its sorted breakpoints in
    ``O(n log n)`` when those do not settle.

    Parameters
    ----------
    v : ndarray of shape (n,)
    upper : float
        Upper bound of every coordinate, ``> 0``.
    lo, hi : float
        Bounds of the sum, with ``0 <= lo <= hi <= n * upper``.
    rank_one : float, default=0.0
        Weight ``rho`` of the rank-one term of the metric.

    Returns
    -------
    x : ndarray of shape (n,)
    """
    return _project(v, upper, lo, hi, rank_one, 0.0)[0]


def _project(v, upper, lo, hi, rank_one, start):
    """:func:`project_box_slab`, and the root of its first step (before the
    sum constraint), which ``start`` warm-starts: a solver's successive
    projections have nearby roots."""
    if rank_one == 0.0:
        tau = 0.0
    else:
        # root of tau - rho * (s(tau) - sum(v))
        tau = _root_on_breakpoints(v, upper, 1.0, rank_one, -rank_one * v.sum(), start)
    x = np.clip(v - tau, 0.0, upper)
    total = x.sum()
    if total > hi or total < lo:
        target = hi if total > hi else lo
        # root of target - s(tau)
        x = np.clip(v - _root_on_breakpoints(v, upper, 0.0, 1.0, -target, tau), 0.0, upper)
    return x, tau


@dataclass
class QPResult:
    """Outcome of :func:`solve_box_slab_qp`.

    Attributes
    ----------
    x : ndarray of shape (n,)
        The solution, feasible by construction.
    objective : float
        ``1/2 x'Kx - kappa'x`` at ``x``, from a direct product ``K x``.
    n_iter : int
        Number of iterations.
    n_matvec : int
        Number of products with ``K`` (one per iteration, one per failed
        backtracking test, two to set up the metric).
    converged : bool
    """

    x: np.ndarray
    objective: float
    n_iter: int
    n_matvec: int
    converged: bool


# Each iteration first tries L * _SHRINK (so that the step adapts to the local
# curvature, which is far below lambda_max near the solution) and multiplies L
# by at least _GROW when the quadratic upper model fails.
_SHRINK = 0.9
_GROW = 2.0
# Problems this large use the BLAS threads as configured (see solve_box_slab_qp).
_THREADED_MIN_N = 512
# Stopping window: the last max(_MIN_WINDOW, n_iter / _WINDOW_DIVISOR) iterations.
_MIN_WINDOW = 10
_WINDOW_DIVISOR = 8


def _initial_metric(K1, Kq, q, kappa, upper):
    """``beta`` and a first ``L`` of the metric ``L I + beta 1 1'``.

    ``beta = 1'K1 / n^2``; ``L`` is the Rayleigh quotient of
    ``K - beta 1 1'`` at ``q`` (a vector orthogonal to ``1``), floored so that
    a zero or negligible ``K`` gives finite steps.
    """
    n = K1.shape[0]
    beta = max(float(K1.sum()) / n**2, 0.0)
    L = _dot(q, Kq) / _dot(q, q)
    floor = 1e-12 * (beta * n + abs(L)) + 1e-9 * np.abs(kappa).max() / upper
    return beta, max(L, floor, np.finfo(np.float64).tiny)


def _probe_vector(K1):
    """A vector orthogonal to ``1`` along which ``K`` deviates most from a
    multiple of ``1 1'``: the centred row sums of ``K`` (alternating signs
    when those are constant)."""
    q = K1 - K1.mean()
    if not np.linalg.norm(q) > 1e-12 * np.linalg.norm(K1):
        q = np.where(np.arange(K1.shape[0]) % 2 == 0, 1.0, -1.0)
        q -= q.mean()
        if not q.any():  # n == 1
            q = np.ones(1)
    return q


def solve_box_slab_qp(matvec, kappa, upper, lo, hi, *, tol=1e-6, max_iter=1000,
                      product_rtol=None, owner="solve_box_slab_qp", callback=None):
    r"""Minimise ``1/2 x'Kx - kappa'x`` over ``{0<=x<=upper, lo<=1'x<=hi}``.

    Parameters
    ----------
    matvec : callable
        ``matvec(x)`` returns ``K @ x`` (float64) for a symmetric positive
        semi-definite ``K``.
    kappa : ndarray of shape (n,)
    upper : float
        ``> 0``.
    lo, hi : float
        ``0 <= lo <= hi <= n * upper``.
    tol : float, default=1e-6
        Relative tolerance of the stopping rule (see Notes).
    max_iter : int, default=1000
        Maximum number of iterations; a ``ConvergenceWarning`` is issued
        when it is reached first.
    product_rtol : float, default=None
        Relative accuracy of each entry of ``matvec``'s products, which
        bounds the rounding allowed for in the backtracking test. ``None``:
        double-precision products (``product_rounding(float64, n)``); pass
        ``product_rounding(float32, n)`` for a single-precision matrix.
    owner : str
        Name used in the warning.
    callback : callable ``(n_iter, objective) -> None``, optional
        Called after each iteration (progress reports).

    Returns
    -------
    QPResult

    Notes
    -----
    Start: the all-ones vector projected on the feasible set (a constant
    vector ``c 1``, so that its product gives ``K 1`` too). Metric:
    ``M = L I + beta 1 1'`` with ``beta = 1'K1 / n^2`` and ``L`` adapted by
    backtracking (Scheinberg, Goldfarb & Bai 2014): each iteration tries
    ``0.9 L``, and when ``f(z) > f(y) + g'(z - y) + 1/2 ||z - y||_M^2``
    (checked exactly from ``K z``, no extra product) ``L`` becomes
    ``max(2 L, (d'Kd - beta (1'd)^2) / d'd)`` and the step is redone. The
    momentum is restarted (O'Donoghue & Candes 2015) when the objective would
    increase (the step is then rejected, so the objective never increases)
    or when the momentum points against the projected-gradient step. The
    objective is tracked through its changes, ``f(z) - f(x) = (z - x)'((Kz +
    Kx)/2 - kappa)`` (exact for a symmetric ``K``), whose rounding is
    relative to the step: a direct evaluation subtracts terms many times
    larger than ``f`` and carries the products' rounding amplified, too
    coarse for the stopping rule when the products are in single precision.

    Stopping rule (relative, invariant to a common scaling of ``K`` and
    ``kappa``): the objective decreased by at most ``tol * max(|f|,
    f_start - f)`` over the last ``max(10, n_iter / 8)`` iterations. A window
    proportional to the run length keeps the rule reliable on slowly
    converging (ill-conditioned) problems, where single-step decreases are
    small long before the solution is reached: under linear convergence at
    any rate, the window's decrease is at least about the remaining
    suboptimality once the run is long enough for that suboptimality to
    halve over its last eighth, and under ``O(1/k^2)`` convergence it is a
    third of it. (``f_start - f`` covers objectives near 0.)
    """
    kappa = np.asarray(kappa, dtype=np.float64)
    n = kappa.shape[0]
    n_matvec = 0

    def mv(v):
        nonlocal n_matvec
        n_matvec += 1
        return np.asarray(matvec(v), dtype=np.float64)

    def objective(v, Kv):
        return 0.5 * _dot(v, Kv) - _dot(kappa, v)

    if product_rtol is None:
        product_rtol = product_rounding(np.float64, n)
    # one BLAS thread for small problems, whose products are too short to
    # share (measured: 2 threads take 2.3x longer at n = 300); from about
    # n = 500 the threads the user's BLAS is given are faster (1.7x at 1000,
    # 2.8x at 2000 in cache, 1.2-1.3x beyond it on 2 cores)
    # (threadpool_limits scans the loaded libraries: ~2 ms, skipped when
    # nothing is limited)
    limits = (threadpool_limits(limits=1, user_api="blas") if n < _THREADED_MIN_N
              else nullcontext())
    with limits:
        x = project_box_slab(np.ones(n), upper, lo, hi)  # = c 1 with c > 0
        Kx = mv(x)
        q = _probe_vector(Kx / x[0])
        beta, L = _initial_metric(Kx / x[0], mv(q), q, kappa, upper)
        f = f_start = objective(x, Kx)
        f_history = [f]  # objective after each iteration
        x_prev, Kx_prev = x, Kx
        t = 1.0
        tau = 0.0  # root of the last projection, to warm-start the next
        converged = False
        n_iter = 0
        while n_iter < max_iter and not converged:
            n_iter += 1
            L_try = _SHRINK * L
            while True:
                t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t * L_try / L))
                mom = (t - 1.0) / t_next
                y = x + mom * (x - x_prev)
                Ky = Kx + mom * (Kx - Kx_prev)
                g = Ky - kappa
                # argmin_z g'(z - y) + 1/2 ||z - y||_M^2 over the feasible set:
                # the M-projection of y - M^{-1} g (Sherman-Morrison inverse)
                rho = beta / L_try
                Minv_g = (g - (rho / (1.0 + n * rho)) * g.sum()) / L_try
                z, tau = _project(y - Minv_g, upper, lo, hi, rho, tau)
                Kz = mv(z)
                d = z - y
                dd, ds = _dot(d, d), float(d.sum())
                dKd = _dot(d, Kz - Ky)
                slack = product_rtol * _dot(np.abs(d), np.abs(Kz) + np.abs(Ky))
                if dKd - beta * ds * ds <= L_try * dd + slack:
                    break
                L_try = max(_GROW * L_try, (dKd - beta * ds * ds) / dd)
            L = L_try
            dz = z - x
            # f(z) - f(x) = dz'((Kz + Kx) / 2 - kappa) exactly for a symmetric
            # K: the change is computed from the step, so its rounding is
            # relative to the step's size, not to |f| (whose direct
            # evaluation, a difference of two terms many times larger than
            # f, carries the products' rounding amplified: ~1e-6 of |f| with
            # single-precision products at n = 20000, as large as tol)
            f_z = f + _dot(dz, 0.5 * (Kz + Kx) - kappa)
            if not np.isfinite(f_z):
                raise ValueError(
                    f"{owner}: the products with the kernel matrix are not "
                    "finite; check the kernel (and its parameters)."
                )
            if f_z > f or L * _dot(d, dz) + beta * ds * float(dz.sum()) < 0:
                t_next = 1.0  # restart the momentum
            t = t_next
            x_prev, Kx_prev = x, Kx
            if f_z <= f:
                x, Kx, f = z, Kz, f_z
            # else: the step is rejected, x is kept and the next step, without
            # momentum, is a plain projected-gradient step
            f_history.append(f)
            if callback is not None:
                callback(n_iter, f)
            window = max(_MIN_WINDOW, -(-n_iter // _WINDOW_DIVISOR))
            scale = max(abs(f), f_start - f)
            converged = (n_iter >= window
                         and f_history[n_iter - window] - f <= tol * scale)
    if not converged:
        warnings.warn(
            f"{owner}: the quadratic program solver stopped after "
            f"max_iter={max_iter} iterations before reaching tol={tol}; "
            "increase max_iter (or tol).",
            ConvergenceWarning,
        )
    # reported from the final product itself, not from the tracked changes
    return QPResult(x=x, objective=objective(x, Kx), n_iter=n_iter,
                    n_matvec=n_matvec, converged=converged)
