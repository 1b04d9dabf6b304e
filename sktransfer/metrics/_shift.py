"""Shift diagnostics: how far apart are the source and the target rows?

Three label-free measures of a domain shift, each a function of the two
samples ``X_source`` and ``X_target`` only: the kernel maximum mean
discrepancy (:func:`mmd`), the proxy A-distance of a domain classifier
(:func:`proxy_a_distance`) and the CORAL distance between the covariances
(:func:`coral_distance`). They are meant to be compared before and after an
adaptation (``docs/diagnostics.md``).
"""

from __future__ import annotations

from math import isqrt

import numpy as np
from scipy import sparse
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array, check_random_state, gen_batches

from .. import _kernels
from .._kernels import (
    RBF_SINGLE_EXP_ATOL,
    Kernel,
    default_gamma,
    validate_kernel_params,
)
from .._validation import check_bool, check_magnitude, check_number, naming_non_numeric

__all__ = ["coral_distance", "mmd", "proxy_a_distance"]

# rows of the pooled sample on which gamma=None computes the median heuristic
_MEDIAN_ROWS = 1000
# absolute accuracy of mmd with the rbf kernel (see the Notes of mmd)
MMD_RBF_ATOL = 6 * RBF_SINGLE_EXP_ATOL


# ------------------------------------------------------------------ checks
def _check_domains(X_source, X_target, *, owner, min_rows=2, why=""):
    """Both samples as float64 arrays, or both as CSR matrices when either
    is sparse; finite, with the same number of features and at least
    ``min_rows`` rows each (``why``: the reason, added to the error). A
    float64 input is not copied: nothing downstream writes into these arrays."""
    checked = []
    for name, X in (("X_source", X_source), ("X_target", X_target)):
        with naming_non_numeric(X, owner=owner, what=name):
            X = check_array(X, accept_sparse="csr", dtype=np.float64,
                            ensure_min_samples=1, input_name=name)
        check_magnitude(X, owner=owner, what=name)
        if X.shape[0] < min_rows:
            raise ValueError(
                f"{owner}: {name} has {X.shape[0]} row(s); at least {min_rows} "
                f"rows per domain are needed{why}. Pass more rows of that domain."
            )
        checked.append(X)
    if sparse.issparse(checked[0]) != sparse.issparse(checked[1]):
        checked = [sparse.csr_matrix(X) for X in checked]  # one kind for both
    X_source, X_target = checked
    if X_source.shape[1] != X_target.shape[1]:
        raise ValueError(
            f"{owner}: X_source has {X_source.shape[1]} features but X_target has "
            f"{X_target.shape[1]}; both domains must be described by the same "
            "features, in the same order."
        )
    return X_source, X_target


# --------------------------------------------------------------------- MMD
def _subsample_rows(X, max_rows, rng):
    """At most ``max_rows`` rows of ``X`` drawn without replacement (kept in
    their original order); ``X`` itself when it has no more."""
    if max_rows is None or X.shape[0] <= max_rows:
        return X
    return X[np.sort(rng.choice(X.shape[0], max_rows, replace=False))]


def _pooled_sample(X_source, X_target, max_rows, rng):
    """At most ``max_rows`` rows drawn uniformly from the pooled rows of both
    domains, without stacking the full samples."""
    m, n = X_source.shape[0], X_target.shape[0]
    if m + n <= max_rows:
        parts = (X_source, X_target)
    else:
        idx = np.sort(rng.choice(m + n, max_rows, replace=False))
        parts = (X_source[idx[idx < m]], X_target[idx[idx >= m] - m])
    return sparse.vstack(parts, format="csr") if sparse.issparse(parts[0]) \
        else np.vstack(parts)


def _resolve_gamma(kernel, gamma, X_source, X_target, rng):
    """``gamma=None``: the package's default (:func:`default_gamma`) on a
    sample of at most ``_MEDIAN_ROWS`` pooled rows."""
    if gamma is not None or callable(kernel) or kernel == "linear":
        return gamma
    pooled = _pooled_sample(X_source, X_target, _MEDIAN_ROWS, rng)
    return default_gamma(kernel, None, pooled, random_state=rng)


def _kernel_sum(kern, X, Y):
    """``1' K(X, Y) 1`` in row blocks (:meth:`Kernel.row_sums`)."""
    return float(kern.row_sums(X, Y).sum())


def _kernel_trace(kern, X):
    """``sum_i k(x_i, x_i)`` from diagonal blocks ``K(X_b, X_b)`` of at most
    ``CHUNK_ENTRIES`` entries (at most 256 x 256)."""
    block = max(1, min(256, isqrt(_kernels.CHUNK_ENTRIES)))
    return float(sum(np.trace(kern(X[rows])) for rows in gen_batches(X.shape[0], block)))


def _within_mean(kern, X, unbiased):
    """Mean of ``k(x_i, x_j)`` over ``i != j`` (``unbiased``) or over all
    pairs of rows of one domain."""
    m = X.shape[0]
    total = _kernel_sum(kern, X, X)
    if not unbiased:
        return total / m**2
    return (total - _kernel_trace(kern, X)) / (m * (m - 1))


def mmd(X_source, X_target, *, kernel="rbf", gamma=None, degree=3, coef0=1.0,
        unbiased=True, random_state=None, max_rows=None):
    r"""Squared maximum mean discrepancy between two samples.

    The squared distance between the kernel mean embeddings of the source and
    the target distributions (Gretton et al. 2012),

    .. math::

        \mathrm{MMD}^2 = \| \mu_s - \mu_t \|_{\mathcal H}^2
        = E\,k(x, x') + E\,k(y, y') - 2\,E\,k(x, y),

    with :math:`x, x'` drawn from the source and :math:`y, y'` from the
    target. With :math:`m` source rows :math:`x_i` and :math:`n` target rows
    :math:`y_j`, the unbiased estimate (the U-statistic
    :math:`\mathrm{MMD}^2_u`, eq. 3 of the paper) is

    .. math::

        \mathrm{MMD}^2_u = \frac{1}{m(m-1)} \sum_{i \ne i'} k(x_i, x_{i'})
        + \frac{1}{n(n-1)} \sum_{j \ne j'} k(y_j, y_{j'})
        - \frac{2}{mn} \sum_{i, j} k(x_i, y_j),

    and the biased estimate (the V-statistic :math:`\mathrm{MMD}^2_b`, eq. 5)
    keeps the diagonal terms and divides by :math:`m^2` and :math:`n^2`.

    Parameters
    ----------
    X_source : {array-like, sparse matrix} of shape (m, n_features)
        Source rows, at least 2.
    X_target : {array-like, sparse matrix} of shape (n, n_features)
        Target rows, at least 2, with the same features as ``X_source``.
    kernel : {"rbf", "laplacian", "linear", "poly", "sigmoid"} or callable, \
            default="rbf"
        Kernel :math:`k`, as :func:`sklearn.metrics.pairwise.pairwise_kernels`
        names it; a callable takes ``(X, Y)`` and returns the
        ``(n_X, n_Y)`` kernel matrix.
    gamma : float > 0, default=None
        Kernel coefficient of "rbf", "laplacian", "poly" and "sigmoid".
        ``None``: for "rbf" and "laplacian" the median heuristic on the
        pooled rows of both domains,
        :math:`\gamma = 1 / (2\,\mathrm{median}_{a<b} \|z_a - z_b\|^2)`
        (Gretton et al. 2012), computed on at most 1000 pooled rows drawn
        with ``random_state``; for "poly" and "sigmoid" ``1 / n_features``.
        To compare the MMD of two pairs of samples (before and after an
        adaptation), fix ``gamma``: the heuristic would pick a different
        bandwidth for each pair.
    degree : int >= 1, default=3
        Degree of the "poly" kernel.
    coef0 : float, default=1.0
        Constant term of the "poly" and "sigmoid" kernels.
    unbiased : bool, default=True
        ``True``: :math:`\mathrm{MMD}^2_u`, unbiased, which fluctuates around
        0 -- and may be slightly negative -- when the distributions are the
        same. ``False``: :math:`\mathrm{MMD}^2_b`, never negative for a
        positive definite kernel, biased upwards by
        :math:`O(1/m + 1/n)`.
    random_state : int, RandomState instance or None, default=None
        Draws the rows of ``max_rows`` and the rows of the median heuristic.
    max_rows : int >= 2, default=None
        Use a random subsample of at most ``max_rows`` rows of each domain
        (drawn without replacement with ``random_state``): the cost falls
        from :math:`O((m + n)^2 d)` to :math:`O(\mathrm{max\_rows}^2 d)`, and
        the estimate stays unbiased (``unbiased=True``) with a larger
        variance. ``None`` uses every row.

    Returns
    -------
    mmd2 : float
        The estimate of :math:`\mathrm{MMD}^2` (not its square root).

    Notes
    -----
    **Cost.** :math:`O((m + n)^2 d)` time. The kernel matrix is never held
    whole: its row sums :math:`K(X, Y) \mathbf 1` are accumulated in row
    blocks of at most about :math:`2^{22}` entries (32 MiB), so memory is
    one such block plus :math:`O(m + n)`, beyond a copy of the rows.

    **Accuracy.** With the "rbf" kernel on dense rows the blocked kernel
    entries take the exponential in single precision (float64 products and
    sums): each entry is within ``RBF_SINGLE_EXP_ATOL = 2e-7`` of its exact
    value. Each of the three means above is therefore within
    :math:`\epsilon m / (m-1) \le 2 \epsilon` of its exact value (the exact
    diagonal is removed from the blocked total), and the estimate is within
    ``MMD_RBF_ATOL = 6 * RBF_SINGLE_EXP_ATOL = 1.2e-6`` of the exact
    statistic in absolute value (``4 * RBF_SINGLE_EXP_ATOL`` for the biased
    one). Differences of MMD below about 1e-6 are not meaningful; they are
    far below the sampling noise of the estimate anyway, which for kernel
    values in [0, 1] is of order :math:`1 / \min(m, n)` when the two
    distributions are the same and :math:`1 / \sqrt{\min(m, n)}` when they
    differ. The kernel centres the rows of each block on their pooled mean
    first (the rbf kernel is translation invariant), so that rows far from
    the origin lose no digits. Other
    kernels, and sparse rows, are evaluated in double precision.

    **Symmetry.** ``mmd(A, B) == mmd(B, A)`` up to rounding when ``gamma``
    is given or the pooled rows number at most 1000, and without
    ``max_rows``; otherwise the random draws differ with the order.

    References
    ----------
    A. Gretton, K. M. Borgwardt, M. J. Rasch, B. Schoelkopf, A. Smola.
    A Kernel Two-Sample Test. JMLR 13:723-773, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.metrics import mmd
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 2))
    >>> same = mmd(Xs, rng.normal(size=(200, 2)), gamma=0.5)  # may be < 0
    >>> abs(same) < 0.01
    True
    >>> mmd(Xs, rng.normal(size=(200, 2)) + 2, gamma=0.5) > 0.3
    True
    """
    owner = "mmd"
    validate_kernel_params(kernel, gamma, degree, coef0, owner=owner)
    check_bool(unbiased, "unbiased", owner=owner)
    check_number(max_rows, "max_rows", owner=owner, integer=True, low=2,
                 allow_none=True)
    rng = check_random_state(random_state)
    X_source, X_target = _check_domains(X_source, X_target, owner=owner)

    X_source = _subsample_rows(X_source, max_rows, rng)
    X_target = _subsample_rows(X_target, max_rows, rng)
    gamma = _resolve_gamma(kernel, gamma, X_source, X_target, rng)
    kern = Kernel(kernel, gamma, degree, coef0)

    m, n = X_source.shape[0], X_target.shape[0]
    cross = _kernel_sum(kern, X_source, X_target) / (m * n)
    return (_within_mean(kern, X_source, unbiased)
            + _within_mean(kern, X_target, unbiased) - 2.0 * cross)


# -------------------------------------------------------- proxy A-distance
def _default_domain_classifier(is_sparse):
    """Standardised features (not centred for sparse rows) and an
    L2-regularised logistic regression."""
    return make_pipeline(StandardScaler(with_mean=not is_sparse),
                         LogisticRegression(max_iter=1000))


def proxy_a_distance(X_source, X_target, *, estimator=None, cv=5, random_state=None):
    r"""Proxy A-distance: how well a classifier tells the domains apart.

    Ben-David et al. (2007, 2010) bound the target error of a classifier by
    its source error plus the :math:`\mathcal H`-divergence of the two
    domains, and estimate the divergence by training a classifier to tell
    source rows (label 0) from target rows (label 1):

    .. math::

        \hat d_{\mathcal A} = 2\,(1 - 2\,\varepsilon),

    with :math:`\varepsilon` the error of that domain classifier. Here
    :math:`\varepsilon` is its cross-validated error: the fraction of all
    :math:`m + n` rows misclassified by the model fitted on the other folds
    (``cv`` stratified folds, shuffled with ``random_state``). The value is
    reported as :math:`\max(0, \hat d_{\mathcal A})`, in :math:`[0, 2]`:
    0 when the classifier does no better than chance (the domains look alike
    to it), 2 when it separates them perfectly.

    Parameters
    ----------
    X_source : {array-like, sparse matrix} of shape (m, n_features)
        Source rows; at least ``max(2, cv)``.
    X_target : {array-like, sparse matrix} of shape (n, n_features)
        Target rows; at least ``max(2, cv)``, with the same features.
    estimator : classifier, default=None
        Domain classifier, cloned for each fold. ``None``: a
        :class:`~sklearn.preprocessing.StandardScaler` (``with_mean=False``
        for sparse rows) followed by an L2-regularised
        :class:`~sklearn.linear_model.LogisticRegression` (``C=1``). The
        papers use a linear classifier (a linear SVM in Ganin et al. 2016);
        logistic regression is as linear, deterministic, fits sparse rows,
        and converges without tuning once the features are standardised,
        where a linear SVM's liblinear solver often warns that it did not.
        Its own randomness, if any, is the estimator's ``random_state``.
    cv : int >= 2, default=5
        Number of stratified folds.
    random_state : int, RandomState instance or None, default=None
        Shuffles the rows before they are split into folds.

    Returns
    -------
    d_A : float in [0, 2]

    Notes
    -----
    **Clipping.** With :math:`\varepsilon > 1/2` the formula is negative.
    The A-distance itself is non-negative, and an out-of-fold error above
    chance only means the classifier found nothing to separate the domains
    (its sign is noise), so the value is clipped at 0, as is usual.

    **Unequal sizes.** :math:`\varepsilon` is the plain error, as in the
    papers, which use samples of equal size. With :math:`m \ne n` a
    classifier that always answers the larger domain already has error
    :math:`\min(m, n) / (m + n) < 1/2`, so even identical distributions get
    :math:`\hat d_{\mathcal A} \approx 2 (1 - 2 \min(m,n)/(m+n)) > 0`.
    Compare values computed on samples of equal size (draw
    ``min(m, n)`` rows of the larger domain).

    **Meaning.** The value depends on the classifier: a linear one measures
    what a linear hypothesis class can see of the shift, which is what the
    bound of Ben-David et al. involves when the task's classifier is linear.
    With a perfectly separable pair the value saturates at 2 and no longer
    ranks adaptations.

    **Cost.** ``cv`` fits of the domain classifier on
    :math:`(m + n)(1 - 1/\mathrm{cv})` rows each.

    References
    ----------
    S. Ben-David, J. Blitzer, K. Crammer, F. Pereira. Analysis of
    Representations for Domain Adaptation. NIPS 2007.

    S. Ben-David, J. Blitzer, K. Crammer, A. Kulesza, F. Pereira,
    J. W. Vaughan. A theory of learning from different domains. Machine
    Learning 79:151-175, 2010.

    Y. Ganin et al. Domain-Adversarial Training of Neural Networks. JMLR
    17(59):1-35, 2016 (proxy A-distance with a linear SVM).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.metrics import proxy_a_distance
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 2))
    >>> proxy_a_distance(Xs, rng.normal(size=(200, 2)) + 10, random_state=0)
    2.0
    """
    owner = "proxy_a_distance"
    check_number(cv, "cv", owner=owner, integer=True, low=2)
    if estimator is not None and not is_classifier(estimator):
        raise ValueError(
            f"{owner}: estimator must be a classifier (it learns to tell source "
            f"rows from target rows), got {estimator!r}."
        )
    rng = check_random_state(random_state)
    X_source, X_target = _check_domains(
        X_source, X_target, owner=owner, min_rows=max(2, cv),
        why=f" (cv={cv} stratified folds each take rows of both domains)")
    is_sparse = sparse.issparse(X_source)
    if estimator is None:
        estimator = _default_domain_classifier(is_sparse)

    X = (sparse.vstack([X_source, X_target], format="csr") if is_sparse
         else np.vstack([X_source, X_target]))
    domain = np.r_[np.zeros(X_source.shape[0], dtype=int),
                   np.ones(X_target.shape[0], dtype=int)]
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=rng)
    predicted = cross_val_predict(clone(estimator), X, domain, cv=folds)
    error = float(np.mean(predicted != domain))
    return max(0.0, 2.0 * (1.0 - 2.0 * error))


# ------------------------------------------------------------ CORAL distance
def _centred_dense(X):
    """``X - mean(X)`` as a new dense array."""
    if sparse.issparse(X):
        X = X.toarray()
    return X - X.mean(axis=0)


def _covariance(X):
    """Unbiased covariance ``Xc'Xc / (n - 1)`` (``d x d``, dense); for sparse
    rows ``(X'X - n mu mu') / (n - 1)`` without densifying ``X``."""
    n = X.shape[0]
    if sparse.issparse(X):
        mu = np.asarray(X.mean(axis=0)).ravel()
        gram = (X.T @ X).toarray()
        return (gram - n * np.outer(mu, mu)) / (n - 1)
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / (n - 1)


def _covariance_gap_by_rows(X_source, X_target):
    r"""``||C_s - C_t||_F^2`` through an ``(m+n) x (m+n)`` matrix, for
    ``d > m + n``: with :math:`W = [A; B]`, :math:`A = X_{s,c}/\sqrt{m-1}`,
    :math:`B = X_{t,c}/\sqrt{n-1}` and :math:`S = \mathrm{diag}(I_m, -I_n)`,
    :math:`C_s - C_t = W^\top S W`; from the thin QR :math:`W^\top = QR`,
    :math:`\|W^\top S W\|_F = \|R S R^\top\|_F`, with no cancellation
    between two large norms."""
    m, n = X_source.shape[0], X_target.shape[0]
    W_t = np.hstack([_centred_dense(X_source).T / np.sqrt(m - 1),
                     _centred_dense(X_target).T / np.sqrt(n - 1)])
    R = np.linalg.qr(W_t, mode="r")
    signs = np.r_[np.ones(m), -np.ones(n)]
    return float(np.linalg.norm((R * signs) @ R.T) ** 2)


def coral_distance(X_source, X_target):
    r"""CORAL distance: squared Frobenius gap between the covariances.

    The CORAL loss of Sun & Saenko (2016),

    .. math::

        \ell_{\mathrm{CORAL}} = \frac{1}{4 d^2} \| C_s - C_t \|_F^2,
        \qquad C = \frac{1}{n - 1} \left( X^\top X
        - \frac{1}{n} (\mathbf 1^\top X)^\top (\mathbf 1^\top X) \right),

    with :math:`d` the number of features and :math:`C_s, C_t` the unbiased
    sample covariances of the source and target rows. It measures the
    second-order part of the shift only: it is 0 for two samples with the
    same covariance and does not change when either sample is translated.

    Parameters
    ----------
    X_source : {array-like, sparse matrix} of shape (m, d)
        Source rows, at least 2.
    X_target : {array-like, sparse matrix} of shape (n, d)
        Target rows, at least 2, with the same features.

    Returns
    -------
    loss : float >= 0

    Notes
    -----
    **Cost.** When :math:`d \le m + n`: the two :math:`d \times d`
    covariances, :math:`O((m + n) d^2)` time and :math:`O(d^2)` memory
    (sparse rows are not densified: :math:`X^\top X` is a sparse product).
    When :math:`d > m + n` no :math:`d \times d` matrix is formed: the norm
    comes from a thin QR factorisation of the centred rows,
    :math:`O(d (m + n)^2)` time and :math:`O(d (m + n))` memory (sparse rows
    are densified, as centring requires).

    The value is not scale invariant: multiplying every feature by
    :math:`a` multiplies it by :math:`a^4`. Compare values computed on the
    same features (e.g. before and after an adaptation, or after a common
    standardisation).

    References
    ----------
    B. Sun, K. Saenko. Deep CORAL: Correlation Alignment for Deep Domain
    Adaptation. ECCV 2016 Workshops (TASK-CV), eq. (1)-(2).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.metrics import coral_distance
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(500, 2))
    >>> coral_distance(Xs, 3 * rng.normal(size=(500, 2))) > 1
    True
    """
    X_source, X_target = _check_domains(X_source, X_target, owner="coral_distance")
    d = X_source.shape[1]
    if d > X_source.shape[0] + X_target.shape[0]:
        gap = _covariance_gap_by_rows(X_source, X_target)
    else:
        diff = _covariance(X_source)
        diff -= _covariance(X_target)
        gap = float(np.sum(diff**2))
    return gap / (4.0 * d**2)
