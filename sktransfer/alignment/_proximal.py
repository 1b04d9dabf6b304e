"""Monotone accelerated proximal gradient (FISTA) with backtracking, and the
proximal operator of the sparse-group lasso penalty.

The iterates may be dense arrays or sparse matrices (a proximal operator
that zeroes most entries may return a sparse matrix): the solver only
combines them linearly and takes inner products, through the helpers below,
so that a sparse iterate is never densified -- only the gradient is dense.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

__all__ = ["ProximalResult", "inner", "monotone_fista", "sparse_group_prox",
           "sparse_group_prox_compact", "sparse_group_penalty"]

#: sparse_group_prox_compact returns a sparse matrix below this density
COMPACT_DENSITY = 0.1


# ------------------------------------------------- dense or sparse iterates
def inner(a, b):
    """``<a, b>`` for dense or sparse ``a``, ``b``."""
    if sparse.issparse(a) and sparse.issparse(b):
        return float(a.multiply(b).sum())
    if sparse.issparse(a):
        a, b = b, a
    if sparse.issparse(b):
        b = b.tocoo()
        return float(np.dot(a[b.row, b.col], b.data))
    return float(np.vdot(a, b))


def _norm(a):
    return float(np.linalg.norm(a.data if sparse.issparse(a) else a))


def _combine(*terms):
    """``sum_i c_i a_i`` for ``(c_i, a_i)`` pairs: sparse when every ``a_i``
    is, else dense (the sparse terms added at their entries)."""
    dense = [(c, a) for c, a in terms if not sparse.issparse(a)]
    sparse_terms = [(c, a) for c, a in terms if sparse.issparse(a) and c != 0]
    if not dense:
        out = sparse_terms[0][1] * sparse_terms[0][0]
        for c, a in sparse_terms[1:]:
            out = out + a * c
        return out.tocsr()
    out = dense[0][1] * dense[0][0]
    for c, a in dense[1:]:
        out += c * a
    for c, a in sparse_terms:
        coo = a.tocoo()
        coo.sum_duplicates()  # distinct (row, col): fancy-index addition is exact
        out[coo.row, coo.col] += c * coo.data
    return out


def _group_scale(norms, group_l1):
    """The group shrinkage ``max(0, 1 - group_l1 / norm)`` of each row."""
    scale = np.zeros_like(norms)
    big = norms > group_l1
    scale[big] = 1.0 - group_l1 / norms[big]
    return scale


def _row_norms(W):
    if sparse.issparse(W):
        return np.sqrt(np.asarray(W.multiply(W).sum(axis=1)).ravel())
    return np.sqrt(np.einsum("ij,ij->i", W, W))


def sparse_group_penalty(W, l1, group_l1):
    r"""``l1 * sum |W_ij| + group_l1 * sum_i ||W_i.||_2`` (groups: rows);
    ``W`` dense or sparse."""
    value = 0.0
    if l1:
        value += l1 * np.abs(W.data if sparse.issparse(W) else W).sum()
    if group_l1:
        value += group_l1 * _row_norms(W).sum()
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
        W *= _group_scale(_row_norms(W), group_l1)[:, None]
    return W


def sparse_group_prox_compact(V, l1, group_l1):
    """:func:`sparse_group_prox` of a dense ``V``, returned as a CSR matrix
    when at most ``COMPACT_DENSITY`` of its entries are non-zero (found in
    two passes over ``V``), else as a dense array."""
    if not l1:
        return sparse_group_prox(V, l1, group_l1)
    flat = V.ravel()
    keep = np.flatnonzero(np.abs(flat) > l1)
    if keep.size > COMPACT_DENSITY * flat.size:
        return sparse_group_prox(V, l1, group_l1)
    values = flat[keep]
    values -= np.sign(values) * l1
    rows, cols = np.divmod(keep, V.shape[1])
    if group_l1:
        norms = np.sqrt(np.bincount(rows, values * values, minlength=V.shape[0]))
        values *= _group_scale(norms, group_l1)[rows]
        nonzero = values != 0
        rows, cols, values = rows[nonzero], cols[nonzero], values[nonzero]
    return sparse.csr_matrix((values, (rows, cols)), shape=V.shape)


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
    #: the backtracking found no step that decreases the quadratic bound
    #: (``f`` not finite near ``y``, or ``L`` past :data:`MAX_LIPSCHITZ`)
    stalled: bool = False


#: Backtracking gives up (the solve stops, ``stalled``) once ``L`` exceeds this.
MAX_LIPSCHITZ = 1e300


def monotone_fista(smooth, penalty, prox, x0, *, lipschitz, max_iter, tol,
                   shrink=0.9, callback=None):
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
        ``v`` is a dense array the prox may overwrite; it may return a dense
        array or a sparse matrix (``smooth`` and ``penalty`` must take both).
    x0 : ndarray or sparse matrix
    lipschitz : float > 0
        Initial estimate of the local Lipschitz constant of ``grad f``.
    max_iter : int
    tol : float
        Stop when the prox-gradient step from ``y``, ``||z - y||_F``, is at
        most ``tol * max(||z||_F, 1)`` (the norm of the gradient mapping
        relative to the iterate: a first-order stationarity test).
    callback : callable ``(iteration, objective, step_norm) -> None``, optional
        Called after each iteration (progress reports).

    The backtracking always ends: a non-finite ``f(z)`` counts as a failed
    bound, and once ``L`` exceeds :data:`MAX_LIPSCHITZ` (or is not finite)
    the solve stops at the current iterate with ``stalled`` set, rather than
    loop on a step of zero length.

    Returns
    -------
    ProximalResult
    """
    x = x0
    f_x, _ = smooth(x, False)
    F_x = f_x + penalty(x)
    result = ProximalResult(x=x, objective=[F_x])
    x_prev, y, t, L = x, x, 1.0, float(lipschitz)
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f"monotone_fista: lipschitz must be finite and > 0, got {L!r}.")
    for it in range(1, max_iter + 1):
        f_y, grad = smooth(y, True)
        L *= shrink
        while np.isfinite(f_y) and L <= MAX_LIPSCHITZ:
            z = prox(_combine((1.0, y), (-1.0 / L, grad)), 1.0 / L)
            step = _combine((1.0, z), (-1.0, y))
            f_z, _ = smooth(z, False)
            step2 = inner(step, step)
            bound = f_y + inner(grad, step) + 0.5 * L * step2
            if f_z <= bound + 1e-12 * max(abs(f_y), 1.0):
                break
            L *= 2.0
        else:
            result.stalled = True
            break
        F_z = f_z + penalty(z)
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        x_prev, x = x, (z if F_z <= F_x else x)
        F_x = min(F_z, F_x)
        # y = x + (t / t_next) (z - x) + ((t - 1) / t_next) (x - x_prev)
        a, b = t / t_next, (t - 1.0) / t_next
        y = _combine((1.0 - a + b, x), (a, z), (-b, x_prev))
        t = t_next
        result.objective.append(F_x)
        result.n_iter = it
        if callback is not None:
            callback(it, F_x, float(np.sqrt(step2)))
        if np.sqrt(step2) <= tol * max(_norm(z), 1.0):
            result.converged = True
            break
    result.x, result.lipschitz = x, L
    return result
