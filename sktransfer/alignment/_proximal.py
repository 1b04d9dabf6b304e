"""Monotone accelerated proximal gradient (FISTA) with backtracking, and the
proximal operator of the sparse-group lasso penalty."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ProximalResult", "monotone_fista", "sparse_group_prox", "sparse_group_penalty"]


def sparse_group_penalty(W, l1, group_l1):
    r"""``l1 * sum |W_ij| + group_l1 * sum_i ||W_i.||_2`` (groups: rows)."""
    value = 0.0
    if l1:
        value += l1 * np.abs(W).sum()
    if group_l1:
        value += group_l1 * np.sqrt(np.einsum("ij,ij->i", W, W)).sum()
    return float(value)


def sparse_group_prox(V, l1, group_l1):
    r"""Proximal operator of the sparse-group lasso, rows as groups:

    .. math::

        \operatorname{prox}(V) = \arg\min_W \tfrac12 \|W - V\|_F^2
        + a \|W\|_1 + b \sum_i \|W_{i\cdot}\|_2 ,

    which is exactly the soft threshold at ``a`` followed by the row-wise
    group shrinkage ``max(0, 1 - b / ||row||)`` (Friedman, Hastie &
    Tibshirani, 2010, "A note on the group lasso and a sparse group lasso").
    Returns a new array.
    """
    # soft threshold as V - clip(V, -l1, l1): two passes, one temporary
    W = np.clip(V, -l1, l1)
    np.subtract(V, W, out=W)
    if group_l1:
        norms = np.sqrt(np.einsum("ij,ij->i", W, W))
        scale = np.zeros_like(norms)
        keep = norms > group_l1
        scale[keep] = 1.0 - group_l1 / norms[keep]
        W *= scale[:, None]
    return W


@dataclass
class ProximalResult:
    """Outcome of :func:`monotone_fista`.

    ``objective`` holds ``F(x_0), F(x_1), ...`` (smooth part plus penalty),
    non-increasing by construction.
    """

    x: np.ndarray
    objective: list = field(default_factory=list)
    n_iter: int = 0
    converged: bool = False
    lipschitz: float = np.nan


def monotone_fista(smooth, penalty, prox, x0, *, lipschitz, max_iter, tol,
                   shrink=0.9):
    r"""Minimise ``F(x) = f(x) + g(x)`` by monotone FISTA with backtracking.

    The monotone variant of FISTA (Beck & Teboulle, IEEE TIP 2009, MFISTA):
    the prox-gradient point ``z`` is taken from the extrapolated point
    ``y``, the iterate moves to ``z`` only if that does not increase ``F``,
    and ``y`` is extrapolated from both. ``f`` need not be convex nor
    globally Lipschitz-smooth: the step ``1/L`` is found by backtracking
    (``L`` doubled until the quadratic upper bound holds at ``z``), and
    ``L`` is multiplied by ``shrink`` before each iteration so that the step
    can grow again where ``f`` is flatter.

    Parameters
    ----------
    smooth : callable ``(x, with_grad) -> (f(x), grad f(x) or None)``
    penalty : callable ``x -> g(x)``
    prox : callable ``(v, step) -> prox_{step * g}(v)``
    x0 : ndarray
    lipschitz : float > 0
        Initial estimate of the local Lipschitz constant of ``grad f``.
    max_iter : int
    tol : float
        Stop when the prox-gradient step from ``y``, ``||z - y||_F``, is at
        most ``tol * max(||z||_F, 1)`` (the norm of the gradient mapping
        relative to the iterate: a first-order stationarity test).

    Returns
    -------
    ProximalResult
    """
    x = x0
    f_x, _ = smooth(x, False)
    F_x = f_x + penalty(x)
    result = ProximalResult(x=x, objective=[F_x])
    x_prev, y, t, L = x, x, 1.0, float(lipschitz)
    for it in range(1, max_iter + 1):
        f_y, grad = smooth(y, True)
        L *= shrink
        while True:
            z = prox(y - grad * (1.0 / L), 1.0 / L)
            step = z - y
            f_z, _ = smooth(z, False)
            step2 = float(np.vdot(step, step))
            bound = f_y + float(np.vdot(grad, step)) + 0.5 * L * step2
            if f_z <= bound + 1e-12 * max(abs(f_y), 1.0):
                break
            L *= 2.0
        F_z = f_z + penalty(z)
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        x_prev, x = x, (z if F_z <= F_x else x)
        F_x = min(F_z, F_x)
        y = x + (t / t_next) * (z - x) + ((t - 1.0) / t_next) * (x - x_prev)
        t = t_next
        result.objective.append(F_x)
        result.n_iter = it
        if np.sqrt(step2) <= tol * max(np.linalg.norm(z), 1.0):
            result.converged = True
            break
    result.x, result.lipschitz = x, L
    return result
