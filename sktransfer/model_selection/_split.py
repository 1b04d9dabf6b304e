"""Domain-aware cross-validation splitters.

A plain splitter (``KFold``, ``ShuffleSplit``) knows nothing of domains: a
fold may end up with no target row, and a domain adapter trained on it then
has nothing to adapt to. The splitters of this module split *within each
domain*, so that every training fold and every test fold holds rows of every
domain (:class:`DomainShuffleSplit`, :class:`DomainStratifiedKFold`), or hold
out whole source domains while always training on every target row
(:class:`LeaveOneDomainOut`).

How the splitters know the domains, in order of precedence:

1. ``sample_domain`` passed to ``split`` (with metadata routing enabled, a
   ``GridSearchCV`` / ``cross_validate`` routes it to the splitter, which
   requests it by default);
2. ``groups``, read as ``sample_domain`` (so that, with routing disabled,
   ``GridSearchCV(...).fit(X, y, groups=sample_domain)`` works);
3. the masked labels of ``y``, as :func:`sktransfer.domain.infer_sample_domain`
   decides at fit time: labelled rows form source domain ``1``, unlabelled
   rows target domain ``-1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, floor
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import BaseCrossValidator
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _num_samples

from .._validation import check_bool
from ..domain import check_sample_domain, infer_sample_domain, labelled_mask

__all__ = ["DomainShuffleSplit", "DomainStratifiedKFold", "LeaveOneDomainOut"]


# --------------------------------------------------------------- domains
@dataclass(frozen=True)
class _Domains:
    """The rows of a ``split`` call sorted by domain.

    Attributes
    ----------
    sample_domain : ndarray of int64 of shape (n_samples,)
    y : ndarray of shape (n_samples,) or None
    """

    sample_domain: np.ndarray
    y: object

    @property
    def n_samples(self):
        return self.sample_domain.shape[0]

    @property
    def ids(self):
        """Domain ids, sources first (ascending), then targets (descending)."""
        ids = np.unique(self.sample_domain)
        return np.r_[ids[ids > 0], ids[ids < 0][::-1]]

    def rows(self, domain):
        return np.flatnonzero(self.sample_domain == domain)

    @property
    def source_ids(self):
        return self.ids[self.ids > 0]


def _domain_kind(domain):
    return "source" if domain > 0 else "target"


def _n_samples(X, y, groups, sample_domain):
    """Number of rows, from ``X`` or (when ``X`` is None, as ``get_n_splits``
    allows) from the first per-row array given."""
    for array in (X, sample_domain, groups, y):
        if array is not None:
            return _num_samples(array)
    raise ValueError(
        "Cannot tell the domains of the rows: pass X with y (target labels masked) "
        "or sample_domain."
    )


def _groups_as_sample_domain(groups, n_samples):
    try:
        return check_sample_domain(groups, n_samples)
    except ValueError as exc:
        raise ValueError(
            "The domain splitters read groups as sample_domain (one integer per "
            f"row, positive: source, negative: target), and groups is not one: {exc}"
        ) from None


def _resolve_domains(X, y, groups, sample_domain):
    """Apply the precedence ``sample_domain`` > ``groups`` > masked ``y`` and
    check that the data has both source and target rows."""
    n = _n_samples(X, y, groups, sample_domain)
    if y is not None:
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:  # a column vector
            y = y[:, 0]
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(
                f"y must hold one label per row of X ({n} rows), got an array of "
                f"shape {y.shape}."
            )
    if sample_domain is not None:
        sd = check_sample_domain(sample_domain, n)
        how = "pass sample_domain with negative integers for target rows"
    elif groups is not None:
        sd = _groups_as_sample_domain(groups, n)
        how = "pass groups (read as sample_domain) with negative integers for target rows"
    else:
        sd = infer_sample_domain(y, None, n_samples=n, purpose="fit")
        how = (
            "mask the labels of the target rows (-1 for classification, NaN for "
            "regression) or pass sample_domain (negative integers: target)"
        )
    if not (sd < 0).any():
        raise ValueError(
            f"No target rows in the data: the domain splitters put target rows in "
            f"every training fold, so there must be some; {how}."
        )
    if not (sd > 0).any():
        raise ValueError(
            "No source rows in the data: every row is a target row. Give the "
            "labelled source rows a label (or a positive sample_domain)."
        )
    return _Domains(sample_domain=sd, y=y)


# ------------------------------------------------------------------ base
class _BaseDomainSplitter(BaseCrossValidator):
    """Splitter whose folds are planned from the domains of the rows.

    Subclasses implement :meth:`_iter_train_test`, which receives the
    :class:`_Domains` of the data and yields ``(train, test)`` index arrays.
    All validation happens in :meth:`split` before the first fold is
    produced, so that a search fails before any model is fitted.
    """

    # requested by default, as GroupKFold requests ``groups``
    # (sklearn.model_selection.GroupsConsumerMixin)
    __metadata_request__split = {"sample_domain": True, "groups": True}

    def split(self, X, y=None, groups=None, sample_domain=None):
        """Generate indices to split data into training and test set.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,), default=None
            Labels with unlabelled rows masked (``-1`` for classification,
            ``NaN`` for regression). Used to infer the domains when neither
            ``sample_domain`` nor ``groups`` is given.
        groups : array-like of int of shape (n_samples,), default=None
            Read as ``sample_domain`` when ``sample_domain`` is not given
            (``GridSearchCV(...).fit(X, y, groups=sample_domain)``).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row: positive for source, negative for target.
            Takes precedence over ``groups`` and ``y``.

        Returns
        -------
        splits : generator of (train, test) tuples
            ``train`` and ``test`` are sorted ndarrays of row indices.
        """
        domains = _resolve_domains(X, y, groups, sample_domain)
        self._check_domains(domains)
        return self._iter_train_test(domains)

    def _check_domains(self, domains):
        """Raise before splitting when the domains cannot be split."""

    def _iter_train_test(self, domains):
        raise NotImplementedError


def _check_n_splits(n_splits, minimum):
    if not isinstance(n_splits, Integral) or isinstance(n_splits, bool):
        raise ValueError(f"n_splits must be an integer, got {n_splits!r}.")
    if n_splits < minimum:
        raise ValueError(f"n_splits must be at least {minimum}, got {n_splits}.")


# ------------------------------------------------------- shuffle split
def _check_fraction(name, value, allow_none):
    if value is None and allow_none:
        return
    if (
        not isinstance(value, Real)
        or isinstance(value, (bool, Integral))
        or not 0.0 < value < 1.0
    ):
        raise ValueError(
            f"{name} must be a float in (0, 1), the fraction of the rows of each "
            f"domain{' (or None)' if allow_none else ''}, got {value!r}. Row counts "
            "are not accepted, since each domain is split separately."
        )


class DomainShuffleSplit(_BaseDomainSplitter):
    r"""Random train/test splits made within each domain.

    Each split draws, separately in every domain, a random ``test_size``
    fraction of the domain's rows for the test set and a ``train_size``
    fraction (by default the rest) for the training set. Every training set
    and every test set therefore holds rows of every domain -- source and
    target -- in the proportions of the whole data. As with
    :class:`~sklearn.model_selection.ShuffleSplit`, test sets of different
    splits may overlap.

    Parameters
    ----------
    n_splits : int, default=5
        Number of re-shuffling and splitting iterations.
    test_size : float in (0, 1) or None, default=0.2
        Fraction of each domain's rows in the test set, rounded up (so at
        least one row). ``None``: the complement of ``train_size``.
    train_size : float in (0, 1) or None, default=None
        Fraction of each domain's rows in the training set, rounded down.
        ``None``: the complement of ``test_size``.
    random_state : int, RandomState instance or None, default=None
        Controls the shuffling; pass an int for reproducible splits across
        calls.

    Notes
    -----
    A domain with :math:`n_d` rows contributes
    :math:`n^{test}_d = \lceil \tau\, n_d \rceil` rows to each test set
    and :math:`n^{train}_d = \lfloor \rho\, n_d \rfloor` (or
    :math:`n_d - n^{test}_d`) rows to each training set, with :math:`\tau`
    = ``test_size`` and :math:`\rho` = ``train_size``. The test count is at
    least one; ``split`` raises when the training count of some domain is
    zero (a domain with too few rows), naming the domain.

    The domains come from ``sample_domain``, else ``groups`` (read as
    ``sample_domain``), else the masked labels of ``y`` (labelled rows:
    source ``1``; unlabelled rows: target ``-1``). ``sample_domain`` is
    requested for ``split`` by default, so that under metadata routing a
    search passes it on.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import DomainShuffleSplit
    >>> y = np.array([0, 1, 0, 1, 0, 1, -1, -1, -1, -1])  # 4 target rows
    >>> cv = DomainShuffleSplit(n_splits=2, test_size=0.25, random_state=0)
    >>> for train, test in cv.split(np.zeros((10, 1)), y):
    ...     print((y[test] == -1).sum(), (y[train] == -1).sum())
    1 3
    1 3
    """

    def __init__(self, n_splits=5, *, test_size=0.2, train_size=None,
                 random_state=None):
        _check_n_splits(n_splits, 1)
        _check_fraction("test_size", test_size, allow_none=True)
        _check_fraction("train_size", train_size, allow_none=True)
        if test_size is None and train_size is None:
            raise ValueError("Give test_size or train_size (a float in (0, 1)).")
        if test_size is not None and train_size is not None and (
            test_size + train_size > 1.0
        ):
            raise ValueError(
                f"test_size + train_size = {test_size + train_size} exceeds 1: the "
                "training and test parts of a domain cannot overlap."
            )
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None, sample_domain=None):
        """Number of splits, ``n_splits``; the arguments are ignored."""
        return self.n_splits

    def _sizes(self, n_rows):
        """``(n_train, n_test)`` of a domain with ``n_rows`` rows."""
        if self.test_size is not None:
            n_test = ceil(self.test_size * n_rows)
        else:
            n_test = n_rows - floor(self.train_size * n_rows)
        if self.train_size is not None:
            n_train = floor(self.train_size * n_rows)
        else:
            n_train = n_rows - n_test
        return n_train, n_test

    def _check_domains(self, domains):
        for domain in domains.ids:
            n_rows = domains.rows(domain).shape[0]
            n_train, _ = self._sizes(n_rows)  # n_test >= 1: rounded up
            if n_train < 1:
                raise ValueError(
                    f"Domain {domain} ({_domain_kind(domain)}) has {n_rows} row(s): "
                    f"with test_size={self.test_size} and train_size="
                    f"{self.train_size} every training set would hold no row of it. "
                    "Give the domain more rows, lower test_size (or raise "
                    "train_size), or merge it with another domain of the same kind."
                )

    def _iter_train_test(self, domains):
        rng = check_random_state(self.random_state)
        per_domain = [(domains.rows(d), self._sizes(domains.rows(d).shape[0]))
                      for d in domains.ids]
        for _ in range(self.n_splits):
            train, test = [], []
            for rows, (n_train, n_test) in per_domain:
                drawn = rng.permutation(rows)
                test.append(drawn[:n_test])
                train.append(drawn[n_test:n_test + n_train])
            yield np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


# ------------------------------------------------------ stratified k-fold
class DomainStratifiedKFold(_BaseDomainSplitter):
    r"""K-fold made within each domain, stratified by class.

    The rows of every domain are dealt into ``n_splits`` folds of (almost)
    equal size, so that every test fold -- and every training fold -- holds
    rows of every domain, source and target. Within a domain the labelled
    rows are stratified by class (classification targets) and the unlabelled
    rows are dealt evenly as one more stratum; for a regression target (or no
    ``y``) a domain's rows are dealt as one stratum (plain k-fold).

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds; at least 2, and at most the number of rows of the
        smallest domain.
    shuffle : bool, default=False
        Whether to shuffle the rows of each stratum before dealing them into
        folds. Without shuffling, each stratum is cut into consecutive blocks
        in the order of the rows, as :class:`~sklearn.model_selection.KFold`
        does.
    random_state : int, RandomState instance or None, default=None
        Controls the shuffling when ``shuffle`` is True; pass an int for
        reproducible folds across calls. Must be None when ``shuffle`` is
        False.

    Notes
    -----
    Strata are visited domain by domain (sources, then targets), class by
    class (then the unlabelled rows), and a running count :math:`c` of the
    rows dealt so far decides the fold sizes: a stratum of :math:`m` rows
    gives fold :math:`j` the :math:`|\{t \in [c, c+m) : t \bmod K = j\}|`
    rows, i.e. :math:`\lfloor m/K \rfloor` or :math:`\lceil m/K \rceil`.
    Each stratum, each domain (its strata are consecutive) and the whole data
    are thus spread over the :math:`K` folds within one row of even, so
    class proportions within each domain are kept in every fold.

    Whether ``y`` is a classification target is decided by
    :func:`~sklearn.utils.multiclass.type_of_target` on its labelled rows
    (``"binary"`` or ``"multiclass"``); labelled rows are those of
    :func:`sktransfer.domain.labelled_mask` with ``task="auto"``, so a
    float-coded classification target should mark unlabelled rows with
    ``NaN`` rather than ``-1.0`` (or pass ``sample_domain``).

    ``split`` raises when a domain has fewer rows than ``n_splits``, naming
    the domain. The domains come from ``sample_domain``, else ``groups``
    (read as ``sample_domain``), else the masked labels of ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import DomainStratifiedKFold
    >>> y = np.array([0, 0, 1, 1, 0, 0, 1, 1, -1, -1, -1, -1])
    >>> cv = DomainStratifiedKFold(n_splits=2)
    >>> for train, test in cv.split(np.zeros((12, 1)), y):
    ...     print(test, y[test])
    [0 1 2 3 8 9] [ 0  0  1  1 -1 -1]
    [ 4  5  6  7 10 11] [ 0  0  1  1 -1 -1]
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        _check_n_splits(n_splits, 2)
        check_bool(shuffle, "shuffle")
        if not shuffle and random_state is not None:
            raise ValueError(
                "Setting a random_state has no effect since shuffle is False: "
                "leave random_state=None or set shuffle=True."
            )
        self.n_splits = n_splits
        self.shuffle = shuffle
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None, sample_domain=None):
        """Number of folds, ``n_splits``; the arguments are ignored."""
        return self.n_splits

    def _check_domains(self, domains):
        for domain in domains.ids:
            n_rows = domains.rows(domain).shape[0]
            if n_rows < self.n_splits:
                raise ValueError(
                    f"Domain {domain} ({_domain_kind(domain)}) has {n_rows} row(s), "
                    f"fewer than n_splits={self.n_splits}: some fold would hold no "
                    f"row of it. Use n_splits <= {n_rows}, give the domain more rows, "
                    "or merge it with another domain of the same kind."
                )

    def _strata(self, domains, rows):
        """Row indices of each stratum of one domain, in dealing order."""
        if domains.y is None:
            return [rows]
        y = domains.y[rows]
        labelled = labelled_mask(y)
        if not labelled.any() or type_of_target(y[labelled]) not in (
            "binary", "multiclass"
        ):
            return [rows]
        y_labelled = y[labelled]
        strata = [rows[labelled][y_labelled == c] for c in np.unique(y_labelled)]
        strata.append(rows[~labelled])
        return strata

    def _test_folds(self, domains):
        """Fold number of every row."""
        rng = check_random_state(self.random_state) if self.shuffle else None
        folds = np.empty(domains.n_samples, dtype=np.intp)
        dealt = 0
        for domain in domains.ids:
            for stratum in self._strata(domains, domains.rows(domain)):
                m = stratum.shape[0]
                sizes = np.bincount((dealt + np.arange(m)) % self.n_splits,
                                    minlength=self.n_splits)
                if rng is not None:
                    stratum = rng.permutation(stratum)
                folds[stratum] = np.repeat(np.arange(self.n_splits), sizes)
                dealt += m
        return folds

    def _iter_train_test(self, domains):
        folds = self._test_folds(domains)
        for fold in range(self.n_splits):
            yield np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)


# ------------------------------------------------------ leave one domain out
class LeaveOneDomainOut(_BaseDomainSplitter):
    """Hold out one source domain at a time; always train on every target row.

    For data with several source domains. Split :math:`i` tests on the rows
    of the :math:`i`-th source domain and trains on the rows of the other
    source domains plus all target rows; there is one split per source
    domain.

    What it is for: selecting hyperparameters by how well a model, adapted
    with the other sources, transfers to a source domain it was not trained
    on. The labels of the held-out source domain are known, so this transfer
    can be scored; it is a proxy for the transfer to the (unlabelled) target
    domain, which cannot be scored. It is only as good a proxy as the shift
    between source domains resembles the shift to the target.

    Notes
    -----
    The test fold holds labelled rows only (a source domain), so an adapter's
    default ``score`` takes them to be target rows, i.e. scores the model as
    it would be applied to a new domain. When ``sample_domain`` is routed to
    the adapter's ``score`` (``set_score_request(sample_domain=True)`` under
    metadata routing), the rows keep their positive source id instead, and
    methods that treat source rows differently at prediction time (CORAL
    re-colours them) predict them as source rows. The held-out domain is not
    an unlabelled target domain during training: a splitter chooses rows, it
    cannot mask their labels.

    The domains come from ``sample_domain``, else ``groups`` (read as
    ``sample_domain``), else the masked labels of ``y``. Masked labels alone
    give a single source domain, so pass ``sample_domain`` (or ``groups``)
    with one positive id per source domain; ``split`` and ``get_n_splits``
    raise with fewer than two source domains.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import LeaveOneDomainOut
    >>> sd = np.array([1, 1, 2, 2, 3, 3, -1, -1])
    >>> cv = LeaveOneDomainOut()
    >>> cv.get_n_splits(sample_domain=sd)
    3
    >>> for train, test in cv.split(np.zeros((8, 1)), sample_domain=sd):
    ...     print(sd[test], sd[train])
    [1 1] [ 2  2  3  3 -1 -1]
    [2 2] [ 1  1  3  3 -1 -1]
    [3 3] [ 1  1  2  2 -1 -1]
    """

    def get_n_splits(self, X=None, y=None, groups=None, sample_domain=None):
        """Number of splits: the number of source domains.

        Parameters are as for :meth:`split`; ``X`` may be None when
        ``sample_domain`` or ``groups`` is given.
        """
        domains = _resolve_domains(X, y, groups, sample_domain)
        self._check_domains(domains)
        return domains.source_ids.shape[0]

    def _check_domains(self, domains):
        sources = domains.source_ids
        if sources.shape[0] < 2:
            raise ValueError(
                f"LeaveOneDomainOut needs at least 2 source domains (one to hold "
                f"out, others to train on), got {sources.shape[0]}: "
                f"{sources.tolist()}. Masked labels alone make all labelled rows "
                "one source domain: pass sample_domain (or groups) with a distinct "
                "positive id for each source domain, or use DomainStratifiedKFold."
            )

    def _iter_train_test(self, domains):
        for domain in domains.source_ids:
            held_out = domains.sample_domain == domain
            yield np.flatnonzero(~held_out), np.flatnonzero(held_out)
