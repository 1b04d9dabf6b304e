"""A synthetic problem for heterogeneous transfer: source and target rows
described by different features, in the block layout of
:class:`sktransfer.domain.FeatureBlocks`."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.utils import check_random_state

from .._validation import check_number
from ._base import make_bunch

__all__ = ["make_heterogeneous_shift"]


def make_heterogeneous_shift(n_source=300, n_target=300, n_parallel=100,
                             n_source_features=20, n_target_features=10, n_active=3,
                             n_shared=3, shift=0.5, noise=0.1, density=1.0,
                             random_state=None):
    r"""Source and target described by different features, with a planted
    sparse map between the two spaces.

    Generative model, for a row in domain :math:`k` (source or target):

    .. math::

        x_s \sim \mathcal{N}(m_k, I_{d_s}) \odot b, \qquad
        x_t = x_s W^* + \varepsilon, \quad
        \varepsilon \sim \mathcal{N}(0, \sigma^2 I_{d_t}), \qquad
        y = \mathbb{1}[\, x_s W^* v > 0 \,],

    with :math:`m_{source} = 0`, :math:`m_{target} = \text{shift} \cdot
    \mathbf{1} / \sqrt{d_s}` (a covariate shift), :math:`b` a Bernoulli
    (``density``) mask with at least one entry kept per row (``density < 1``
    gives a sparse ``X``; a row whose :math:`x_s W^*` would be all zero is
    drawn again, since it would fill no target block),
    :math:`v = \mathbf{1}/\sqrt{d_t}` (the label uses every target feature).
    :math:`W^*` (``d_s x d_t``): the first ``n_shared`` target features are
    copies of the first ``n_shared`` source features (:math:`W^*_{jj} = 1`,
    the *shared features*); every other target feature is a signed
    combination of ``n_active`` source features drawn at random, with
    weights of magnitude in [0.5, 1.5].

    A source row fills the source block only, a target row the target block
    only, and the ``n_parallel`` parallel pairs (drawn from the target
    domain) fill both.

    Returns
    -------
    data : Bunch
        ``X`` (ndarray, or CSR matrix when ``density < 1``) of shape
        ``(n_source + n_target + n_parallel, d_s + d_t)`` in the block
        layout (source block first; absent blocks ``NaN``, or no stored
        entry when sparse); ``y`` (0/1, every row labelled);
        ``sample_domain`` (1 for source rows, 2 for target rows and
        parallel pairs); ``domain_names`` ``["source", "target"]``;
        ``source_features``, ``target_features`` (column indices);
        ``parallel`` (bool mask of the pairs); ``coef`` (:math:`W^*`);
        ``shared_features`` (pairs of column indices ``(source, target)``
        of the shared features); ``feature_names``; ``DESCR``.
    """
    owner = "make_heterogeneous_shift"
    for name, value, low in (("n_source", n_source, 2), ("n_target", n_target, 2),
                             ("n_parallel", n_parallel, 0),
                             ("n_source_features", n_source_features, 1),
                             ("n_target_features", n_target_features, 1),
                             ("n_active", n_active, 1), ("n_shared", n_shared, 0)):
        check_number(value, name, owner=owner, integer=True, low=low)
    check_number(noise, "noise", owner=owner, low=0)
    check_number(shift, "shift", owner=owner)
    check_number(density, "density", owner=owner, low=0, low_inclusive=False)
    if density > 1:
        raise ValueError(f"{owner}: density must be in (0, 1], got {density!r}.")
    if n_active > n_source_features:
        raise ValueError(f"{owner}: n_active={n_active} exceeds n_source_features="
                         f"{n_source_features}.")
    if n_shared > min(n_source_features, n_target_features):
        raise ValueError(f"{owner}: n_shared={n_shared} exceeds the number of features "
                         "of a block.")
    rng = check_random_state(random_state)
    d_s, d_t = n_source_features, n_target_features
    W = np.zeros((d_s, d_t))
    W[np.arange(n_shared), np.arange(n_shared)] = 1.0
    for j in range(n_shared, d_t):
        rows = rng.choice(d_s, n_active, replace=False)
        W[rows, j] = rng.uniform(0.5, 1.5, n_active) * rng.choice([-1.0, 1.0], n_active)
    v = np.full(d_t, 1.0 / np.sqrt(d_t))
    target_mean = np.full(d_s, shift / np.sqrt(d_s))

    def draw_source(n, mean):
        Xs = rng.standard_normal((n, d_s)) + mean
        if density < 1:
            keep = rng.random_sample((n, d_s)) < density
            keep[np.arange(n), rng.randint(d_s, size=n)] = True  # no empty row
            Xs *= keep
        return Xs

    W_sparse = sparse.csc_matrix(W)  # n_active entries per column

    def mapped(Xs):
        return np.asarray((W_sparse.T @ Xs.T).T)

    def draw(n, mean):
        Xs = draw_source(n, mean)
        if density < 1:  # a row whose target block is all zero would be absent
            for _ in range(100):
                empty = ~mapped(Xs).any(axis=1)
                if not empty.any():
                    break
                Xs[empty] = draw_source(int(empty.sum()), mean)
        signal = mapped(Xs)
        Xt = signal + noise * rng.standard_normal((n, d_t))
        return Xs, Xt, (signal @ v > 0).astype(np.int64)

    Xs_s, _, y_s = draw(n_source, 0.0)
    _, Xt_t, y_t = draw(n_target, target_mean)
    Xs_p, Xt_p, y_p = draw(n_parallel, target_mean)
    n = n_source + n_target + n_parallel
    X = np.full((n, d_s + d_t), np.nan)
    X[:n_source, :d_s] = Xs_s
    X[n_source:n_source + n_target, d_s:] = Xt_t
    X[n_source + n_target:, :d_s] = Xs_p
    X[n_source + n_target:, d_s:] = Xt_p
    if density < 1:
        X = sparse.csr_matrix(np.nan_to_num(X, nan=0.0))
    parallel = np.zeros(n, dtype=bool)
    parallel[n_source + n_target:] = True
    sample_domain = np.r_[np.ones(n_source, np.int64), np.full(n - n_source, 2, np.int64)]
    settings = dict(n_source=n_source, n_target=n_target, n_parallel=n_parallel,
                    n_source_features=d_s, n_target_features=d_t, n_active=n_active,
                    n_shared=n_shared, shift=shift, noise=noise, density=density,
                    random_state=random_state)
    title = "Heterogeneous shift (planted sparse map)"
    descr = (f"{title}\n{'-' * len(title)}\nSource and target described by different "
             "features; target features are a sparse linear map of the source "
             "features plus noise.\nGenerated with "
             + ", ".join(f"{k}={val!r}" for k, val in settings.items()) + ".\n")
    bunch = make_bunch(
        X, np.r_[y_s, y_t, y_p], sample_domain, ["source", "target"],
        feature_names=[f"s{j}" for j in range(d_s)] + [f"t{j}" for j in range(d_t)],
        target_names=["class_0", "class_1"], descr=descr,
    )
    bunch.source_features = np.arange(d_s)
    bunch.target_features = np.arange(d_s, d_s + d_t)
    bunch.parallel = parallel
    bunch.coef = W
    bunch.shared_features = [(j, d_s + j) for j in range(n_shared)]
    return bunch
