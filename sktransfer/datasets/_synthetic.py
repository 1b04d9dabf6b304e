"""Synthetic two-domain problems, one per kind of domain shift.

Every generator draws a *source* and a *target* sample from a documented
generative model that differs between the domains in one controlled way, and
returns the same :class:`~sklearn.utils.Bunch` as the real loaders: the
source rows first (``sample_domain == 1``), then the target rows
(``sample_domain == 2``), with ``domain_names == ["source", "target"]``, so
that ``make_domain_split(data, source="source", target="target")`` turns it
into an adaptation problem.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm
from sklearn.utils import Bunch, check_random_state

from .._validation import check_number, check_option
from ._base import make_bunch, stack_domains

__all__ = [
    "make_covariate_shift",
    "make_label_shift",
    "make_conditional_shift",
    "make_subspace_shift",
    "make_shifted_moons",
]

_TASKS = ("classification", "regression")
_DOMAINS = ("source", "target")
#: Centre of the two noiseless moons (of their bounding box and of their mean).
_MOONS_CENTER = np.array([0.5, 0.25])


# --------------------------------------------------------------- validation
def _check_common(owner, *, n_source, n_target, task, noise, n_features=None,
                  min_samples=1):
    """Checks every generator shares: domain sizes, task, noise, n_features."""
    for name, value in (("n_source", n_source), ("n_target", n_target)):
        check_number(value, name, owner=owner, integer=True, low=min_samples)
    check_option(task, "task", _TASKS, owner=owner)
    check_number(noise, "noise", owner=owner, low=0)
    if n_features is not None:
        check_number(n_features, "n_features", owner=owner, integer=True, low=1)


def _for_task(value, default, name, *, task, applies_to, owner):
    """``value`` (``default`` when None) if ``task == applies_to``; a
    ``ValueError`` when a parameter of the other task is given."""
    if value is None:
        return default if task == applies_to else None
    if task != applies_to:
        raise ValueError(
            f"{owner}: {name} applies to task={applies_to!r} only; leave it None "
            f"with task={task!r}."
        )
    return value


def _as_array(value):
    """``np.asarray(value)``; an object array when numpy refuses (ragged
    lists), for the caller's dtype check to reject with its own message."""
    try:
        return np.asarray(value)
    except (TypeError, ValueError):
        return np.asarray(None)


def _check_array(value, name, shapes, *, owner):
    """``value`` as a new float array, broadcast to ``shapes[-1]``; a float is
    accepted and broadcast too. ``shapes`` lists the accepted shapes."""
    expected = " or ".join(str(s) for s in shapes)
    arr = _as_array(value)
    if arr.dtype.kind not in "iuf":
        raise ValueError(
            f"{owner}: {name} must be a float or an array of floats of shape "
            f"{expected}, got {value!r}."
        )
    if arr.ndim and arr.shape not in shapes:
        raise ValueError(
            f"{owner}: {name} must be a float or an array of shape {expected}, "
            f"got an array of shape {arr.shape}."
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{owner}: {name} must be finite, got {value!r}.")
    return np.broadcast_to(arr.astype(np.float64), shapes[-1]).copy()


def _check_priors(priors, name, *, owner, allow_zero=False):
    """Class probabilities: a 1-d array of >= 2 entries, each > 0 (>= 0 with
    ``allow_zero``), summing to 1."""
    arr = _as_array(priors)
    if arr.ndim != 1 or arr.size < 2 or arr.dtype.kind not in "iuf":
        raise ValueError(
            f"{owner}: {name} must be a sequence of at least 2 class "
            f"probabilities, got {priors!r}."
        )
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr) | (arr < 0 if allow_zero else arr <= 0)
    if np.any(bad):
        what = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{owner}: every entry of {name} must be {what}, got {priors!r}.")
    if not np.isclose(arr.sum(), 1.0, rtol=0.0, atol=1e-6):
        raise ValueError(
            f"{owner}: {name} must sum to 1, got {priors!r} (sum {arr.sum():g})."
        )
    return arr / arr.sum()


# ------------------------------------------------------------ shared models
def _domain_bunch(source, target, *, task, n_classes, title, summary, params,
                  class_names=None):
    """The loaders' ``Bunch`` for a ``(X, y)`` source and target block;
    classes are named ``class_<k>`` unless ``class_names`` are given."""
    X, y, sample_domain = stack_domains([source, target], _DOMAINS)
    if task == "classification":
        y = y.astype(np.int64)
        target_names = class_names or [f"class_{k}" for k in range(n_classes)]
    else:
        y = y.astype(np.float64)
        target_names = ["y"]
    settings = ", ".join(f"{k}={v!r}" for k, v in params.items())
    descr = f"{title}\n{'-' * len(title)}\n{summary}\nGenerated with {settings}.\n"
    return make_bunch(
        X, y, sample_domain, _DOMAINS,
        feature_names=[f"x{j}" for j in range(X.shape[1])],
        target_names=target_names, descr=descr,
    )


def _class_means(n_classes, n_features, class_sep):
    """Class means ``mu_k``: the vertices of a regular ``n_classes``-gon of
    radius ``class_sep`` in the plane of ``x0, x1`` (equally spaced on
    ``[-class_sep, class_sep]`` along ``x0`` when ``n_features == 1``)."""
    means = np.zeros((n_classes, n_features))
    if n_features == 1:
        means[:, 0] = class_sep * np.linspace(-1.0, 1.0, n_classes)
    else:
        phase = 2 * np.pi * np.arange(n_classes) / n_classes
        means[:, 0] = class_sep * np.cos(phase)
        means[:, 1] = class_sep * np.sin(phase)
    return means


def _unit_direction(n_features):
    """``a = (1, ..., 1) / sqrt(n_features)``."""
    return np.full(n_features, 1.0 / np.sqrt(n_features))


def _gaussian_noise(rng, n, n_features, noise):
    return noise * rng.standard_normal((n, n_features))


def _x_given_class(rng, y, means, noise):
    """``x = mu_y + noise * eps``, ``eps ~ N(0, I)``."""
    return means[y] + _gaussian_noise(rng, len(y), means.shape[1], noise)


def _x_given_value(rng, y, slope, noise):
    """``x = y * slope + noise * eps``, ``eps ~ N(0, I)``."""
    return np.outer(y, slope) + _gaussian_noise(rng, len(y), len(slope), noise)


def _rotate_2d(X, degrees, center):
    """Rotate the rows of ``X`` counter-clockwise by ``degrees`` about ``center``."""
    theta = np.deg2rad(degrees)
    rotation = np.array([[np.cos(theta), -np.sin(theta)],
                         [np.sin(theta), np.cos(theta)]])
    return center + (X - center) @ rotation.T


# ----------------------------------------------------------- covariate shift
def _covariate_labelling(X):
    """``f(x) = s^3 - s`` with ``s`` the mean of the features."""
    s = X.mean(axis=1)
    return s ** 3 - s


def make_covariate_shift(n_source=200, n_target=200, n_features=2, shift=1.5,
                         target_scale=1.0, task="classification", noise=0.1,
                         random_state=None):
    r"""Covariate shift: ``p(x)`` differs, ``p(y | x)`` is the same.

    The inputs of the two domains are Gaussian with different means (and, with
    ``target_scale``, different spreads); the labels follow one fixed
    non-linear function of ``x`` in both domains. A model that is well
    specified only where the source mass lies -- a linear model fits the cubic
    below near the source mean -- fails on the target: the setting of
    Shimodaira (2000) that importance weighting (KMM, Huang et al. 2007)
    corrects.

    .. math::

        x &\sim \mathcal N(0, I_d) \ \text{(source)}, \qquad
        x \sim \mathcal N(\delta, \tau^2 I_d) \ \text{(target)} \\
        s &= \tfrac1d \textstyle\sum_j x_j, \qquad f(x) = s^3 - s \\
        y &= f(x) + \sigma\varepsilon \ \text{(regression)}, \qquad
        y = \mathbb 1[f(x) + \sigma\varepsilon > 0] \ \text{(classification)}

    with :math:`\delta` = ``shift``, :math:`\tau` = ``target_scale``,
    :math:`\sigma` = ``noise`` and :math:`\varepsilon \sim \mathcal N(0, 1)`
    drawn for each row. The classes are ``1`` on ``s < -1`` and ``0 < s < 1``
    (noise aside), ``0`` elsewhere: on the source the boundary near the mass
    is ``s = 0``, on a target shifted by ``1.5`` it is ``s = 1``.

    Parameters
    ----------
    n_source, n_target : int, default=200
        Number of source and target rows (>= 1).
    n_features : int, default=2
        Dimension ``d`` of ``x`` (>= 1).
    shift : float or array-like of shape (n_features,), default=1.5
        Mean :math:`\delta` of the target inputs; a float is the same for
        every feature. Only its mean over the features moves ``s``: a shift
        orthogonal to ``(1, ..., 1)`` moves the inputs along directions the
        labels do not depend on.
    target_scale : float, default=1.0
        Standard deviation :math:`\tau > 0` of each target feature (the
        source's is 1).
    task : {"classification", "regression"}, default="classification"
        Binary labels (0 / 1) or real values.
    noise : float, default=0.1
        Standard deviation :math:`\sigma \ge 0` of the noise added to
        ``f(x)`` (before thresholding for classification).
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` (float64, ``(n_source + n_target, n_features)``), ``y`` (int64
        for classification, float64 for regression), ``sample_domain`` (1 on
        the source rows, which come first, 2 on the target rows),
        ``domain_names`` (``["source", "target"]``), ``feature_names``,
        ``target_names``, ``DESCR``. Pass it to :func:`make_domain_split`.

    References
    ----------
    H. Shimodaira. Improving predictive inference under covariate shift by
    weighting the log-likelihood function. Journal of Statistical Planning
    and Inference 90(2), 2000.

    J. Huang, A. Smola, A. Gretton, K. Borgwardt, B. Schoelkopf. Correcting
    sample selection bias by unlabeled data. NIPS 2006 (published 2007).

    Examples
    --------
    >>> from sktransfer.datasets import make_covariate_shift, make_domain_split
    >>> data = make_covariate_shift(n_source=100, n_target=50, random_state=0)
    >>> data.X.shape, data.domain_names
    ((150, 2), ['source', 'target'])
    >>> split = make_domain_split(data, source="source", target="target")
    """
    owner = "make_covariate_shift"
    _check_common(owner, n_source=n_source, n_target=n_target, task=task,
                  noise=noise, n_features=n_features)
    shift = _check_array(shift, "shift", [(n_features,)], owner=owner)
    check_number(target_scale, "target_scale", owner=owner, low=0, low_inclusive=False)
    rng = check_random_state(random_state)

    def draw(n, mean, scale):
        X = mean + _gaussian_noise(rng, n, n_features, scale)
        value = _covariate_labelling(X) + noise * rng.standard_normal(n)
        return X, (value > 0).astype(np.int64) if task == "classification" else value

    return _domain_bunch(
        draw(n_source, np.zeros(n_features), 1.0), draw(n_target, shift, target_scale),
        task=task, n_classes=2, title="Synthetic covariate shift",
        summary="x ~ N(0, I) (source), N(shift, target_scale^2 I) (target); "
                "y from f(x) = s^3 - s, s = mean(x), in both domains.",
        params=dict(n_features=n_features, shift=shift.tolist(),
                    target_scale=target_scale, task=task, noise=noise),
    )


# --------------------------------------------------------------- label shift
def make_label_shift(n_source=200, n_target=200, n_features=2, source_priors=None,
                     target_priors=None, y_shift=None, class_sep=1.0,
                     task="classification", noise=1.0, random_state=None):
    r"""Label (prior) shift: ``p(y)`` differs, ``p(x | y)`` is the same.

    Classification: the class of each row is drawn from the domain's priors,
    then ``x`` from the same class-conditional Gaussian in both domains.
    Re-weighting the source classes by :math:`p_t(y) / p_s(y)`, estimated
    without target labels (black-box shift estimation, Lipton et al. 2018),
    is what this shift calls for.

    .. math::

        y &\sim \mathrm{Categorical}(\pi^s) \ \text{(source)}, \qquad
        y \sim \mathrm{Categorical}(\pi^t) \ \text{(target)} \\
        x \mid y &\sim \mathcal N(\mu_y, \sigma^2 I_d) \ \text{(both)}

    with :math:`\mu_k` the vertices of a regular ``K``-gon of radius
    ``class_sep`` in the plane of the first two features (for ``d = 1``,
    ``K`` points equally spaced on ``[-class_sep, class_sep]``).

    Regression: the distribution of ``y`` moves, ``x`` given ``y`` does not
    (the "target shift" of Zhang et al. 2013):

    .. math::

        y \sim \mathcal N(0, 1) \ \text{(source)}, \qquad
        y \sim \mathcal N(\Delta, 1) \ \text{(target)}, \qquad
        x \mid y \sim \mathcal N(y\,a, \sigma^2 I_d), \
        a = (1, \dots, 1) / \sqrt d

    with :math:`\Delta` = ``y_shift``. In both tasks ``p(y | x)`` changes
    through the prior, so a source model is miscalibrated on the target.

    Parameters
    ----------
    n_source, n_target : int, default=200
        Number of source and target rows (>= 1).
    n_features : int, default=2
        Dimension ``d`` of ``x`` (>= 1).
    source_priors : array-like of shape (n_classes,), default=None
        Classification only. Source class probabilities :math:`\pi^s`, each
        > 0, summing to 1; ``None`` means ``(0.5, 0.5)``. Their length sets
        the number of classes ``K``.
    target_priors : array-like of shape (n_classes,), default=None
        Classification only. Target class probabilities :math:`\pi^t`, each
        >= 0 (a class may be absent from the target), summing to 1; ``None``
        means ``(0.2, 0.8)`` (binary) or uniform over the source's classes.
    y_shift : float, default=None
        Regression only. Mean :math:`\Delta` of the target ``y``; ``None``
        means ``1.0``.
    class_sep : float, default=1.0
        Radius of the class means (>= 0); ignored with ``task="regression"``.
    task : {"classification", "regression"}, default="classification"
    noise : float, default=1.0
        Standard deviation :math:`\sigma \ge 0` of ``x`` around its
        conditional mean.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As :func:`make_covariate_shift` returns; labels ``0 .. K-1``.

    Notes
    -----
    The class counts are random (multinomial), not fixed: the empirical
    priors match the requested ones up to sampling error, and with small
    domains a class of low prior may be missing.

    References
    ----------
    Z. Lipton, Y.-X. Wang, A. Smola. Detecting and correcting for label
    shift with black box predictors. ICML 2018.

    K. Zhang, B. Schoelkopf, K. Muandet, Z. Wang. Domain adaptation under
    target and conditional shift. ICML 2013.
    """
    owner = "make_label_shift"
    _check_common(owner, n_source=n_source, n_target=n_target, task=task,
                  noise=noise, n_features=n_features)
    check_number(class_sep, "class_sep", owner=owner, low=0)
    source_priors = _for_task(source_priors, (0.5, 0.5), "source_priors", task=task,
                              applies_to="classification", owner=owner)
    target_priors = _for_task(target_priors, None, "target_priors", task=task,
                              applies_to="classification", owner=owner)
    y_shift = _for_task(y_shift, 1.0, "y_shift", task=task,
                        applies_to="regression", owner=owner)
    if task == "regression":
        check_number(y_shift, "y_shift", owner=owner)
        rng = check_random_state(random_state)
        slope = _unit_direction(n_features)

        def draw(n, y_mean):
            y = y_mean + rng.standard_normal(n)
            return _x_given_value(rng, y, slope, noise), y

        return _domain_bunch(
            draw(n_source, 0.0), draw(n_target, y_shift), task=task, n_classes=None,
            title="Synthetic label shift (regression)",
            summary="y ~ N(0, 1) (source), N(y_shift, 1) (target); "
                    "x | y ~ N(y a, noise^2 I) in both domains.",
            params=dict(n_features=n_features, y_shift=y_shift, noise=noise),
        )
    source_priors = _check_priors(source_priors, "source_priors", owner=owner)
    n_classes = len(source_priors)
    if target_priors is None:
        target_priors = (0.2, 0.8) if n_classes == 2 else np.full(n_classes, 1 / n_classes)
    target_priors = _check_priors(target_priors, "target_priors", owner=owner,
                                  allow_zero=True)
    if len(target_priors) != n_classes:
        raise ValueError(
            f"{owner}: source_priors and target_priors must have one entry per "
            f"class, got {n_classes} and {len(target_priors)} entries."
        )
    rng = check_random_state(random_state)
    means = _class_means(n_classes, n_features, class_sep)

    def draw(n, priors):
        y = rng.choice(n_classes, size=n, p=priors)
        return _x_given_class(rng, y, means, noise), y

    return _domain_bunch(
        draw(n_source, source_priors), draw(n_target, target_priors), task=task,
        n_classes=n_classes, title="Synthetic label shift",
        summary="y ~ Categorical(source_priors) (source), "
                "Categorical(target_priors) (target); x | y ~ N(mu_y, noise^2 I) "
                "in both domains.",
        params=dict(n_features=n_features, source_priors=source_priors.tolist(),
                    target_priors=target_priors.tolist(), class_sep=class_sep,
                    noise=noise),
    )


# --------------------------------------------------------- conditional shift
def make_conditional_shift(n_source=200, n_target=200, n_features=2, n_classes=None,
                           shift=1.0, class_sep=1.0, task="classification",
                           noise=1.0, random_state=None):
    r"""Conditional shift: ``p(x | y)`` differs, ``p(y)`` is the same.

    Classification: balanced classes in both domains; in the target, the
    mean of class ``k`` moves by the vector :math:`\delta_k`. A per-class
    shift (``shift`` of shape ``(n_classes, n_features)``) cannot be undone
    by aligning the marginals alone; the location-scale conditional shift of
    Zhang et al. (2013), with the scale kept at 1.

    .. math::

        y &\sim \mathrm{Uniform}\{0, \dots, K-1\} \ \text{(both)} \\
        x \mid y &\sim \mathcal N(\mu_y, \sigma^2 I_d) \ \text{(source)}, \qquad
        x \mid y \sim \mathcal N(\mu_y + \delta_y, \sigma^2 I_d) \ \text{(target)}

    with :math:`\mu_k` as in :func:`make_label_shift`.

    Regression: ``y`` has the same distribution in both domains and the
    slope of ``x`` on ``y`` changes, so the regression function
    :math:`E[y \mid x]` changes too:

    .. math::

        y \sim \mathcal N(0, 1) \ \text{(both)}, \qquad
        x \mid y \sim \mathcal N(y\,a, \sigma^2 I_d) \ \text{(source)}, \qquad
        x \mid y \sim \mathcal N(y\,(a + \delta), \sigma^2 I_d) \ \text{(target)}

    with :math:`a = (1, \dots, 1) / \sqrt d`.

    Parameters
    ----------
    n_source, n_target : int, default=200
        Number of source and target rows (>= 1).
    n_features : int, default=2
        Dimension ``d`` of ``x`` (>= 1).
    n_classes : int, default=None
        Classification only: number of classes ``K`` (>= 2); ``None`` means 2.
    shift : float or array-like, default=1.0
        :math:`\delta`. Classification: a float (the same in every feature and
        every class), an array of shape ``(n_features,)`` (the same for every
        class) or ``(n_classes, n_features)`` (row ``k`` moves class ``k``).
        Regression: a float or an array of shape ``(n_features,)``, the change
        of the slope.
    class_sep : float, default=1.0
        Radius of the class means (>= 0); ignored with ``task="regression"``.
    task : {"classification", "regression"}, default="classification"
    noise : float, default=1.0
        Standard deviation :math:`\sigma \ge 0` of ``x`` around its
        conditional mean.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As :func:`make_covariate_shift` returns; labels ``0 .. K-1``.

    References
    ----------
    K. Zhang, B. Schoelkopf, K. Muandet, Z. Wang. Domain adaptation under
    target and conditional shift. ICML 2013.
    """
    owner = "make_conditional_shift"
    _check_common(owner, n_source=n_source, n_target=n_target, task=task,
                  noise=noise, n_features=n_features)
    check_number(class_sep, "class_sep", owner=owner, low=0)
    n_classes = _for_task(n_classes, 2, "n_classes", task=task,
                          applies_to="classification", owner=owner)
    if task == "regression":
        shift = _check_array(shift, "shift", [(n_features,)], owner=owner)
        rng = check_random_state(random_state)
        slope = _unit_direction(n_features)

        def draw(n, domain_slope):
            y = rng.standard_normal(n)
            return _x_given_value(rng, y, domain_slope, noise), y

        return _domain_bunch(
            draw(n_source, slope), draw(n_target, slope + shift), task=task,
            n_classes=None, title="Synthetic conditional shift (regression)",
            summary="y ~ N(0, 1) in both domains; x | y ~ N(y a, noise^2 I) "
                    "(source), N(y (a + shift), noise^2 I) (target).",
            params=dict(n_features=n_features, shift=shift.tolist(), noise=noise),
        )
    check_number(n_classes, "n_classes", owner=owner, integer=True, low=2)
    shift = _check_array(shift, "shift", [(n_features,), (n_classes, n_features)],
                         owner=owner)
    rng = check_random_state(random_state)
    means = _class_means(n_classes, n_features, class_sep)

    def draw(n, domain_means):
        y = rng.randint(n_classes, size=n)
        return _x_given_class(rng, y, domain_means, noise), y

    return _domain_bunch(
        draw(n_source, means), draw(n_target, means + shift), task=task,
        n_classes=n_classes, title="Synthetic conditional shift",
        summary="y uniform over the classes in both domains; x | y ~ "
                "N(mu_y, noise^2 I) (source), N(mu_y + shift_y, noise^2 I) (target).",
        params=dict(n_features=n_features, n_classes=n_classes, shift=shift.tolist(),
                    class_sep=class_sep, noise=noise),
    )


# ----------------------------------------------------------- subspace shift
def _subspace_bases(rng, n_features, n_components, degrees):
    """Orthonormal ``A_s`` and ``A_t`` (``(n_features, n_components)``) whose
    principal angles all equal ``degrees``: ``A_t = A_s cos + B sin`` with
    ``B`` orthonormal and orthogonal to ``A_s``, both from one random
    orthogonal matrix."""
    Q, _ = np.linalg.qr(rng.standard_normal((n_features, n_features)))
    A_s, B = Q[:, :n_components], Q[:, n_components:2 * n_components]
    theta = np.deg2rad(degrees)
    return A_s, np.cos(theta) * A_s + np.sin(theta) * B


def make_subspace_shift(n_source=200, n_target=200, n_features=2, n_components=1,
                        angle=45.0, n_classes=None, task="classification",
                        noise=0.1, random_state=None):
    r"""Subspace shift: the data lie near a low-dimensional subspace that is
    rotated between the domains.

    A latent ``z`` of dimension ``k`` = ``n_components`` with the same
    distribution in both domains is embedded by an orthonormal basis
    :math:`A_s` in the source and :math:`A_t` in the target; the labels
    depend on ``z`` only. Methods that look for a shared low-dimensional
    representation or align the domains' principal subspaces (TCA, subspace
    alignment) target this setting.

    .. math::

        z &\sim \mathcal N(0, I_k), \qquad t = v^\top z, \
        v = (1, \dots, 1) / \sqrt k \\
        x &= A_s z + \sigma\varepsilon \ \text{(source)}, \qquad
        x = A_t z + \sigma\varepsilon \ \text{(target)}, \qquad
        \varepsilon \sim \mathcal N(0, I_d) \\
        A_t &= A_s \cos\theta + B \sin\theta

    where :math:`[A_s, B]` are the first ``2k`` columns of a random
    orthogonal matrix (drawn from ``random_state``), so that every principal
    angle between the two subspaces is :math:`\theta` = ``angle``.
    Regression: ``y = t``. Classification: ``y`` is the bin of ``t`` between
    the standard normal quantiles :math:`\Phi^{-1}(j / K)`, ``j = 1 .. K-1``
    (balanced classes).

    Parameters
    ----------
    n_source, n_target : int, default=200
        Number of source and target rows (>= 1).
    n_features : int, default=2
        Dimension ``d`` of ``x`` (>= ``2 * n_components``).
    n_components : int, default=1
        Dimension ``k`` of the latent subspace (>= 1).
    angle : float, default=45.0
        Angle :math:`\theta` between the subspaces, in degrees, in
        ``[0, 90]``.
    n_classes : int, default=None
        Classification only: number of classes ``K`` (>= 2); ``None`` means 2.
    task : {"classification", "regression"}, default="classification"
    noise : float, default=0.1
        Standard deviation :math:`\sigma \ge 0` of the isotropic noise.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As :func:`make_covariate_shift` returns; labels ``0 .. K-1``.

    Notes
    -----
    Since :math:`A_s^\top A_t = \cos\theta\, I_k`, a linear source model reads
    a target row's latent score shrunk by :math:`\cos\theta`: the sign of
    ``t`` survives (binary labels with their threshold at 0 stay readable
    for :math:`\theta < 90`), its magnitude does not -- regression and the
    outer classes of ``K >= 3`` suffer, and distances between source and
    target rows grow with :math:`\theta`.

    References
    ----------
    S. J. Pan, I. W. Tsang, J. T. Kwok, Q. Yang. Domain adaptation via
    transfer component analysis. IEEE TNN 22(2), 2011.

    B. Fernando, A. Habrard, M. Sebban, T. Tuytelaars. Unsupervised visual
    domain adaptation using subspace alignment. ICCV 2013.
    """
    owner = "make_subspace_shift"
    check_number(n_components, "n_components", owner=owner, integer=True, low=1)
    _check_common(owner, n_source=n_source, n_target=n_target, task=task,
                  noise=noise, n_features=n_features)
    if n_features < 2 * n_components:
        raise ValueError(
            f"{owner}: n_features must be at least 2 * n_components = "
            f"{2 * n_components} (the target subspace turns towards directions "
            f"orthogonal to the source's), got {n_features}."
        )
    check_number(angle, "angle", owner=owner, low=0)
    if angle > 90:
        raise ValueError(
            f"{owner}: angle must be in [0, 90] degrees (the largest angle between "
            f"two subspaces), got {angle!r}."
        )
    n_classes = _for_task(n_classes, 2, "n_classes", task=task,
                          applies_to="classification", owner=owner)
    thresholds = None
    if task == "classification":
        check_number(n_classes, "n_classes", owner=owner, integer=True, low=2)
        thresholds = norm.ppf(np.arange(1, n_classes) / n_classes)
    rng = check_random_state(random_state)
    A_s, A_t = _subspace_bases(rng, n_features, n_components, angle)
    v = _unit_direction(n_components)

    def draw(n, basis):
        z = rng.standard_normal((n, n_components))
        X = z @ basis.T + _gaussian_noise(rng, n, n_features, noise)
        t = z @ v
        return X, np.searchsorted(thresholds, t) if task == "classification" else t

    return _domain_bunch(
        draw(n_source, A_s), draw(n_target, A_t), task=task, n_classes=n_classes,
        title="Synthetic subspace shift",
        summary="z ~ N(0, I_k); x = A_s z + noise (source), A_t z + noise (target), "
                "every principal angle between span(A_s) and span(A_t) = angle; "
                "y from t = sum(z) / sqrt(k).",
        params=dict(n_features=n_features, n_components=n_components, angle=angle,
                    n_classes=n_classes, task=task, noise=noise),
    )


# ------------------------------------------------------------------- moons
def _draw_moons(rng, n, noise):
    """Two moons with uniform positions ``t`` along them; ``(X, moon, t)``."""
    moon = np.repeat([0, 1], [n // 2, n - n // 2])
    t = rng.uniform(0.0, np.pi, size=n)
    outer = np.c_[np.cos(t), np.sin(t)]
    inner = np.c_[1.0 - np.cos(t), 0.5 - np.sin(t)]
    X = np.where(moon[:, None] == 0, outer, inner) + _gaussian_noise(rng, n, 2, noise)
    order = rng.permutation(n)
    return X[order], moon[order], t[order]


def make_shifted_moons(n_source=200, n_target=200, angle=35.0, noise=0.05,
                       task="classification", random_state=None):
    r"""Two moons for the source, the same moons rotated by ``angle`` degrees
    for the target: the toy problem of domain-adversarial training (Ganin et
    al. 2016, who rotate by 35 degrees).

    Each domain draws its own sample of the moons of
    :func:`sklearn.datasets.make_moons` (with the position along each moon
    drawn uniformly at random rather than on a regular grid); the target
    sample is then rotated counter-clockwise about the centre of the moons,
    :math:`c = (0.5, 0.25)` (the centre of their bounding box and their mean):

    .. math::

        t &\sim \mathrm{Uniform}[0, \pi], \qquad
        m(t) = \begin{cases} (\cos t, \sin t) & \text{moon 0 (outer)} \\
                             (1 - \cos t, \tfrac12 - \sin t) & \text{moon 1 (inner)}
               \end{cases} \\
        x &= m(t) + \sigma\varepsilon \ \text{(source)}, \qquad
        x = c + R_\theta\,(m(t) + \sigma\varepsilon - c) \ \text{(target)}

    with :math:`R_\theta` the rotation by :math:`\theta` = ``angle`` and
    :math:`\varepsilon \sim \mathcal N(0, I_2)`. Each domain has
    ``n // 2`` rows on moon 0 and the rest on moon 1, in random order.

    Classification: ``y`` is the moon (0 or 1). Regression: ``y = t / \pi``,
    the fraction of its moon a point lies along (0 at ``(1, 0)`` on moon 0
    and at ``(0, 0.5)`` on moon 1, 1 at their other ends) -- a smooth target
    whose level sets rotate with the data.

    Parameters
    ----------
    n_source, n_target : int, default=200
        Number of source and target rows (>= 2, so that both moons are drawn).
    angle : float, default=35.0
        Rotation of the target, in degrees, counter-clockwise; any finite
        value.
    noise : float, default=0.05
        Standard deviation :math:`\sigma \ge 0` of the Gaussian noise.
    task : {"classification", "regression"}, default="classification"
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As :func:`make_covariate_shift` returns, with two features.

    References
    ----------
    Y. Ganin, E. Ustinova, H. Ajakan, P. Germain, H. Larochelle,
    F. Laviolette, M. Marchand, V. Lempitsky. Domain-adversarial training of
    neural networks. JMLR 17(59), 2016.
    """
    owner = "make_shifted_moons"
    _check_common(owner, n_source=n_source, n_target=n_target, task=task,
                  noise=noise, min_samples=2)
    check_number(angle, "angle", owner=owner)
    rng = check_random_state(random_state)

    def draw(n, degrees):
        X, moon, t = _draw_moons(rng, n, noise)
        X = _rotate_2d(X, degrees, _MOONS_CENTER)
        return X, moon if task == "classification" else t / np.pi

    return _domain_bunch(
        draw(n_source, 0.0), draw(n_target, angle), task=task, n_classes=2,
        title="Synthetic rotated two moons",
        summary="Two moons (source) and the same moons rotated by angle degrees "
                "about (0.5, 0.25) (target); y = the moon or the position t / pi "
                "along it.",
        params=dict(angle=angle, noise=noise, task=task),
        class_names=["outer moon", "inner moon"],
    )


def make_rotating_moons(n_per_domain=200, angles=(0.0, 15.0, 30.0, 45.0, 60.0),
                        noise=0.1, random_state=None):
    r"""Two moons rotated further in each of a sequence of domains: a source,
    intermediate domains and a target, for gradual domain adaptation.

    Domain :math:`k` draws its own sample of the moons of
    :func:`make_shifted_moons` and rotates it by ``angles[k]`` degrees about
    :math:`c = (0.5, 0.25)`. The first domain is the source (labelled), the
    last the target, the others intermediate; the labels of every domain
    but the source are masked, ready for
    :class:`sktransfer.multisource.GradualSelfTraining`: ``sample_domain``
    is ``+1`` for the source, ``-2, -3, ...`` for the intermediate domains
    in order and ``-1`` for the target.

    Parameters
    ----------
    n_per_domain : int, default=200
        Rows per domain (>= 2).
    angles : sequence of float, default=(0, 15, 30, 45, 60)
        Rotation of each domain, in degrees (at least two: source, target).
    noise : float, default=0.1
        Standard deviation of the Gaussian noise.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        X : ndarray of shape (n_domains * n_per_domain, 2)
            The features.
        y : ndarray of int64
            The moon of the source rows; ``-1`` (masked) elsewhere.
        y_true : ndarray of int64
            The moon of every row, for evaluation.
        sample_domain : ndarray of int64
            ``+1``, ``-2``, ..., ``-(n_domains - 1)``, ``-1``.
        angle : ndarray of float
            The rotation of each row's domain.
        domain_names : list of str
            ``"rotated <angle>"`` per domain, in order.
    """
    owner = "make_rotating_moons"
    check_number(n_per_domain, "n_per_domain", owner=owner, integer=True, low=2)
    check_number(noise, "noise", owner=owner, low=0)
    angles = [float(a) for a in angles] if np.ndim(angles) == 1 else None
    if angles is None or len(angles) < 2 or not np.all(np.isfinite(angles)):
        raise ValueError(f"{owner}: angles must be a sequence of at least two finite "
                         "numbers (source, ..., target).")
    rng = check_random_state(random_state)
    k = len(angles)
    ids = [1] + [-(i + 1) for i in range(1, k - 1)] + [-1]
    blocks = []
    for degrees in angles:
        X, moon, _ = _draw_moons(rng, n_per_domain, noise)
        blocks.append((_rotate_2d(X, degrees, _MOONS_CENTER), moon))
    X = np.vstack([b[0] for b in blocks])
    y_true = np.concatenate([b[1] for b in blocks]).astype(np.int64)
    sample_domain = np.repeat(np.array(ids, dtype=np.int64), n_per_domain)
    y = np.where(sample_domain > 0, y_true, -1)
    return Bunch(X=X, y=y, y_true=y_true, sample_domain=sample_domain,
                 angle=np.repeat(angles, n_per_domain),
                 domain_names=[f"rotated {a:g}" for a in angles],
                 feature_names=["x0", "x1"], target_names=["outer moon", "inner moon"])
