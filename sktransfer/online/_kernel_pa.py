"""Online kernel Passive-Aggressive learning (PA-I) on a budget, and the
stream machinery shared by the online classifiers of :mod:`sktransfer.online`.

A kernel online learner keeps its decision function as a kernel expansion
over the rows it updated on (its support vectors). :class:`KernelExpansion`
holds that expansion: one kernel row ``k(s_j, x)`` per incoming row against
the stored support vectors, evaluated in one vectorised pass (``O(n_SV d)``),
never the whole Gram matrix; with a budget the support set is a first-in
first-out ring buffer, so memory and time per row stay bounded.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .._kernels import Kernel, map_rows, validate_kernel_params
from .._validation import check_magnitude, check_number, check_option, validate_numeric

__all__ = ["KernelExpansion", "KernelPassiveAggressiveClassifier"]

KERNELS = ("rbf", "linear", "poly")


def check_kernel_params(kernel, gamma, degree, coef0, *, owner):
    """Raise a ``ValueError`` for a kernel the online learners do not offer
    (a subset of the package's kernels) or a bad kernel coefficient."""
    check_option(kernel, "kernel", KERNELS, owner=owner)
    validate_kernel_params(kernel, gamma, degree, coef0, owner=owner)


def check_budget(budget, *, owner):
    check_number(budget, "budget", owner=owner, integer=True, low=1, allow_none=True)


def resolve_gamma(kernel, gamma, n_features):
    """The kernel coefficient in use: ``gamma``, or ``1 / n_features`` when
    ``None`` (``None`` for the linear kernel, which has none).

    Online, the data are not known in advance, so the package's median
    heuristic (which needs a sample of rows) is not used: ``1 / n_features``
    depends on nothing but the width, so the model does not depend on how
    the stream is cut into batches.
    """
    if kernel == "linear":
        return None
    return 1.0 / n_features if gamma is None else float(gamma)


class KernelExpansion:
    """A kernel expansion ``f(x) = sum_j a_j k(s_j, x)`` with ``n_outputs``
    coefficient rows over one support set, optionally on a budget.

    Parameters
    ----------
    kernel : {"rbf", "linear", "poly"}
        ``k(s, x) = exp(-gamma ||s - x||^2)``, ``s'x`` or
        ``(gamma s'x + coef0)^degree``.
    gamma : float or None
        Kernel coefficient (already resolved: see :func:`resolve_gamma`).
    degree, coef0 : int, float
        Polynomial kernel parameters.
    n_features : int
        Width of the rows the expansion acts on.
    n_outputs : int
        Number of coefficient rows (one per one-vs-rest task).
    budget : int or None
        Most support vectors kept. When the set is full, adding a support
        vector removes the **oldest** one (first in, first out: the removal
        rule of the Forgetron of Dekel et al. 2008, without its shrinking
        step); ``None`` keeps every support vector.
    """

    def __init__(self, kernel, gamma, degree, coef0, *, n_features, n_outputs,
                 budget=None):
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.budget = budget
        capacity = budget if budget is not None else 16
        self._vectors = np.empty((capacity, n_features))
        self._coef = np.zeros((n_outputs, capacity))
        self._size = 0
        self._oldest = 0  # slot of the oldest support vector once the budget is full

    @property
    def n_support(self):
        return self._size

    # ------------------------------------------------------------- one row
    def kernel_row(self, x):
        """``k(s_j, x)`` for every stored support vector ``s_j`` (storage order).

        The one-row form of :class:`sktransfer._kernels.Kernel` (which
        :meth:`batch_scores` uses), without its per-call validation: one row
        per streamed row is the hot loop of the online learners."""
        vectors = self._vectors[:self._size]
        if self.kernel == "rbf":
            diff = vectors - x
            return np.exp(-self.gamma * np.einsum("ij,ij->i", diff, diff))
        dots = vectors @ x
        if self.kernel == "linear":
            return dots
        return (self.gamma * dots + self.coef0) ** self.degree

    def self_kernel(self, x):
        """``k(x, x)``."""
        if self.kernel == "rbf":
            return 1.0
        dot = float(x @ x)
        if self.kernel == "linear":
            return dot
        return (self.gamma * dot + self.coef0) ** self.degree

    def scores(self, kernel_row):
        """``f(x)`` for every output, from ``kernel_row(x)``."""
        return self._coef[:, :self._size] @ kernel_row

    def add(self, x, coef):
        """Store ``x`` as a support vector with coefficients ``coef`` (one per
        output), removing the oldest support vector when the budget is full."""
        if self.budget is not None and self._size == self.budget:
            slot = self._oldest
            self._oldest = (slot + 1) % self.budget
        else:
            if self._size == self._vectors.shape[0]:
                self._grow()
            slot = self._size
            self._size += 1
        self._vectors[slot] = x
        self._coef[:, slot] = coef

    def _grow(self):
        capacity = 2 * self._vectors.shape[0]
        vectors = np.empty((capacity, self._vectors.shape[1]))
        vectors[:self._size] = self._vectors[:self._size]
        coef = np.zeros((self._coef.shape[0], capacity))
        coef[:, :self._size] = self._coef[:, :self._size]
        self._vectors, self._coef = vectors, coef

    def passive_aggressive_update(self, x, scores, y_signed, C):
        """One PA-I step (Crammer et al. 2006) of every output on ``(x, y)``.

        ``loss = max(0, 1 - y f(x))`` and ``tau = min(C, loss / k(x, x))``;
        ``x`` joins the support set with coefficients ``tau * y`` when any
        output suffers a loss. A row with ``k(x, x) <= 0`` (the zero row
        under the linear kernel) cannot move any score and is skipped.
        """
        loss = np.maximum(0.0, 1.0 - y_signed * scores)
        if not loss.any():
            return
        norm = self.self_kernel(x)
        if norm <= 0:
            return
        self.add(x, np.minimum(C, loss / norm) * y_signed)

    # ---------------------------------------------------------- many rows
    def batch_scores(self, X):
        """``f(x)`` of every row of ``X``: array of shape (n_rows, n_outputs)."""
        if self._size == 0:
            return np.zeros((X.shape[0], self._coef.shape[0]))
        kernel = Kernel(self.kernel, self.gamma, self.degree, self.coef0)
        vectors = self._vectors[:self._size]
        coef_t = self._coef[:, :self._size].T
        return map_rows(X, lambda rows: kernel(rows, vectors) @ coef_t, self._size)

    # ------------------------------------------------------------- exposed
    def _age_order(self, array, axis):
        array = array.take(np.arange(self._size), axis=axis)
        if self.budget is not None and self._size == self.budget:
            array = np.roll(array, -self._oldest, axis=axis)
        return array

    @property
    def support_vectors(self):
        """Support vectors, oldest first (a copy)."""
        return self._age_order(self._vectors, axis=0)

    @property
    def dual_coef(self):
        """Coefficients, shape (n_outputs, n_support), oldest first (a copy)."""
        return self._age_order(self._coef, axis=1)


class _Trace:
    """Per-row records of a stream, in buffers that double when full.

    ``view(name)`` is a read-only view of the rows consumed so far.
    """

    def __init__(self, **fields):
        self._buffers = {name: np.zeros((16, *shape), dtype=dtype)
                         for name, (dtype, shape) in fields.items()}
        self._size = 0

    def new_batch(self, n_rows):
        """Empty records for a batch of ``n_rows`` rows, filled by the caller."""
        return {name: np.zeros((n_rows, *buf.shape[1:]), dtype=buf.dtype)
                for name, buf in self._buffers.items()}

    def extend(self, batch):
        n_new = len(next(iter(batch.values())))
        needed = self._size + n_new
        for name, buf in self._buffers.items():
            if needed > buf.shape[0]:
                grown = np.zeros((max(needed, 2 * buf.shape[0]), *buf.shape[1:]),
                                 dtype=buf.dtype)
                grown[:self._size] = buf[:self._size]
                self._buffers[name] = buf = grown
            buf[self._size:needed] = batch[name]
        self._size = needed

    def view(self, name):
        out = self._buffers[name][:self._size]
        out.flags.writeable = False
        return out


class _OnlineClassifier(ClassifierMixin, BaseEstimator):
    """Stream bookkeeping of the online classifiers.

    ``partial_fit`` validates a batch, then consumes its rows strictly in
    order: each row is predicted with the current model, the prediction is
    recorded (a mistake or not), then the model is updated on the row.
    ``fit`` starts afresh and makes one such pass. Subclasses provide
    ``_check_params()``, ``_start(X, y, classes)`` (sets ``classes_`` and the
    learners), ``_trace_fields()``, ``_learn_row(x, code, y_signed, record,
    i)`` (returns the predicted class index) and ``_batch_decision(X)``.

    One-vs-rest coding: with two classes there is one task, whose label is
    ``+1`` for ``classes_[1]`` and ``-1`` for ``classes_[0]``; with ``K > 2``
    classes there are ``K`` tasks, task ``k`` labelling ``classes_[k]``
    ``+1`` and every other class ``-1``.
    """

    # ----------------------------------------------------------------- API
    def fit(self, X, y):
        """Start afresh and make one online pass over the rows of ``X`` in order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The stream, in arrival order.
        y : array-like of shape (n_samples,)
            Labels, revealed after each row's prediction.

        Returns
        -------
        self : object
        """
        return self._learn(X, y, classes=None, first=True)

    def partial_fit(self, X, y, classes=None):
        """Consume the rows of ``X`` in order, continuing the stream.

        Each row is predicted first (the prediction counts as a mistake or
        not in ``mistakes_``), then the model is updated on it. Cutting a
        stream into batches of any size gives exactly the same model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The next rows of the stream, in arrival order.
        y : array-like of shape (n_samples,)
            Their labels.
        classes : array-like of shape (n_classes,), default=None
            Every class of the stream. See the class documentation for when
            it is required.

        Returns
        -------
        self : object
        """
        return self._learn(X, y, classes=classes, first=not hasattr(self, "n_seen_"))

    def decision_function(self, X):
        """Scores of the current model (no update).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, the score of ``classes_[1]`` (positive: predict
            ``classes_[1]``); else one score per class (predict the largest).
        """
        check_is_fitted(self)
        X = validate_numeric(self, X, reset=False, dtype=np.float64)
        check_magnitude(X, owner=type(self).__name__)
        scores = self._batch_decision(X)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Class labels of the current model (no update).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]

    # ------------------------------------------------------ stream records
    @property
    def mistakes_(self):
        """ndarray of bool of shape ``(n_seen_,)``: whether the online prediction
        of each consumed row (made before updating on it) was wrong."""
        return self._trace.view("mistakes")

    @property
    def cumulative_mistake_rate_(self):
        """ndarray of shape ``(n_seen_,)``: mistakes among the first ``t`` rows
        divided by ``t`` (the paper's online mistake-rate curve)."""
        mistakes = self._trace.view("mistakes")
        return np.cumsum(mistakes) / np.arange(1, mistakes.shape[0] + 1)

    # ----------------------------------------------------------- internals
    def _learn(self, X, y, classes, *, first):
        if first:
            self._check_params()
        X, y = validate_numeric(self, X, y, reset=first, dtype=np.float64)
        check_magnitude(X, owner=type(self).__name__)
        check_classification_targets(y)
        if first:
            self._start(X, y, classes)
            self._trace = _Trace(mistakes=(bool, ()), **self._trace_fields())
            self.n_seen_ = 0
            self.n_mistakes_ = 0
        else:
            self._check_later_classes(classes)
        codes = self._encode(y)
        self._stream(X, codes)
        return self

    def _trace_fields(self):
        return {}

    def _n_tasks(self):
        return 1 if len(self.classes_) == 2 else len(self.classes_)

    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_seen_")

    def _check_later_classes(self, classes):
        if classes is not None and not np.array_equal(np.unique(classes), self.classes_):
            raise ValueError(
                f"{type(self).__name__}: classes={np.unique(classes).tolist()} differs "
                f"from the classes of the stream so far, {self.classes_.tolist()}; "
                "pass the same classes (or none) after the first call."
            )

    def _unknown_labels_message(self, unknown):
        return (f"{type(self).__name__}: y holds labels {unknown[:10]} that are not "
                f"among classes_ {self.classes_.tolist()}.")

    def _encode(self, y):
        """Class index of each label (``ValueError`` for unknown labels)."""
        known = np.isin(y, self.classes_)
        if not known.all():
            unknown = np.unique(y[~known]).tolist()
            raise ValueError(self._unknown_labels_message(unknown))
        order = np.argsort(self.classes_)  # a source's classes_ need not be sorted
        return order[np.searchsorted(self.classes_, y, sorter=order)]

    def _signed(self, codes):
        """One-vs-rest labels in {-1, +1}: shape (n_rows, n_tasks)."""
        if len(self.classes_) == 2:
            return np.where(codes == 1, 1.0, -1.0)[:, None]
        return np.where(codes[:, None] == np.arange(len(self.classes_)), 1.0, -1.0)

    def _predicted_code(self, scores):
        """Class index predicted from the task scores of one row."""
        if scores.shape[0] == 1:
            return int(scores[0] > 0)
        return int(np.argmax(scores))

    def _stream_context(self):
        return nullcontext()

    def _stream(self, X, codes):
        y_signed = self._signed(codes)
        record = self._trace.new_batch(X.shape[0])
        done = 0
        try:
            with self._stream_context():
                for i in range(X.shape[0]):
                    predicted = self._learn_row(X[i], codes[i], y_signed[i], record, i)
                    record["mistakes"][i] = predicted != codes[i]
                    done = i + 1
        finally:
            # interrupted or not, the records match the rows the model learnt
            self._trace.extend({name: values[:done] for name, values in record.items()})
            self.n_seen_ += done
            self.n_mistakes_ += int(record["mistakes"][:done].sum())


class KernelPassiveAggressiveClassifier(_OnlineClassifier):
    """Online kernel Passive-Aggressive classifier (PA-I) on a budget.

    The online learner of the target domain in OTL, usable on its own (the
    "PA" baseline of Zhao et al.). Each row is predicted, then the model is
    updated by the PA-I rule (Crammer et al. 2006, Sec. 3 and 6):

    .. math::

        f_t(x) = \\sum_j a_j k(s_j, x), \\qquad
        \\ell_t = \\max(0, 1 - y_t f_t(x_t)), \\qquad
        \\tau_t = \\min\\left(C, \\frac{\\ell_t}{k(x_t, x_t)}\\right),

    and ``x_t`` joins the support set with coefficient ``a = tau_t y_t``
    when ``loss_t > 0``. Labels are coded ``y in {-1, +1}``; with ``K > 2``
    classes, one such learner per class (one-vs-rest: class ``k`` against
    the rest) shares one support set, and the predicted class is the one of
    largest score.

    Parameters
    ----------
    C : float, default=1.0
        Aggressiveness: the largest step ``tau``.
    kernel : {"rbf", "linear", "poly"}, default="rbf"
        ``exp(-gamma ||s - x||^2)``, ``s'x`` or ``(gamma s'x + coef0)^degree``.
    gamma : float, default=None
        Kernel coefficient of the rbf and poly kernels; ``None`` means
        ``1 / n_features``.
    degree : int, default=3
        Degree of the poly kernel.
    coef0 : float, default=1.0
        Constant of the poly kernel.
    budget : int, default=None
        Most support vectors kept; when full, a new support vector replaces
        the oldest (first in, first out). ``None``: no limit (one support
        vector per row with a positive loss).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` had string column names.
    gamma_ : float or None
        Kernel coefficient in use (``None`` for the linear kernel).
    support_vectors_ : ndarray of shape (n_SV, n_features_in_)
        Support vectors, oldest first.
    dual_coef_ : ndarray of shape (n_tasks, n_SV)
        Their coefficients ``a`` (``n_tasks = 1`` for two classes, else
        ``n_classes``).
    n_seen_ : int
        Rows consumed.
    mistakes_ : ndarray of bool of shape (n_seen_,)
        Whether each row's online prediction was wrong.
    n_mistakes_ : int
    cumulative_mistake_rate_ : ndarray of shape (n_seen_,)

    Notes
    -----
    ``partial_fit`` needs ``classes`` on its first call (as
    :class:`sklearn.linear_model.SGDClassifier`). Per row the cost is
    ``O(n_SV d)``: one kernel row against the support set.

    References
    ----------
    K. Crammer, O. Dekel, J. Keshet, S. Shalev-Shwartz and Y. Singer. Online
    passive-aggressive algorithms. JMLR 7:551-585, 2006.

    O. Dekel, S. Shalev-Shwartz and Y. Singer. The Forgetron: a kernel-based
    perceptron on a budget. SIAM J. Comput. 37(5):1342-1372, 2008.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.online import KernelPassiveAggressiveClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> clf = KernelPassiveAggressiveClassifier(kernel="linear").fit(X, y)
    >>> bool(clf.cumulative_mistake_rate_[-1] < 0.2)
    True
    """

    def __init__(self, C=1.0, *, kernel="rbf", gamma=None, degree=3, coef0=1.0,
                 budget=None):
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.budget = budget

    def _check_params(self):
        owner = type(self).__name__
        check_number(self.C, "C", owner=owner, low=0, low_inclusive=False)
        check_kernel_params(self.kernel, self.gamma, self.degree, self.coef0,
                            owner=owner)
        check_budget(self.budget, owner=owner)

    def _start(self, X, y, classes):
        self.classes_ = self._initial_classes(y, classes)
        self.gamma_ = resolve_gamma(self.kernel, self.gamma, X.shape[1])
        self._expansion = KernelExpansion(
            self.kernel, self.gamma_, self.degree, self.coef0,
            n_features=X.shape[1], n_outputs=self._n_tasks(), budget=self.budget,
        )

    def _initial_classes(self, y, classes):
        source = "y" if classes is None else "classes"
        classes = np.unique(y if classes is None else classes)
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__}: a classifier needs at least 2 classes, but "
                f"{source} holds only one class: {classes.tolist()}."
            )
        return classes

    def partial_fit(self, X, y, classes=None):
        if classes is None and not hasattr(self, "n_seen_"):
            raise ValueError(
                f"{type(self).__name__}: classes must be passed on the first call "
                "to partial_fit (every class of the stream, e.g. np.unique(y_all))."
            )
        return super().partial_fit(X, y, classes=classes)

    partial_fit.__doc__ = _OnlineClassifier.partial_fit.__doc__

    def _learn_row(self, x, code, y_signed, record, i):
        k_row = self._expansion.kernel_row(x)
        scores = self._expansion.scores(k_row)
        predicted = self._predicted_code(scores)
        self._expansion.passive_aggressive_update(x, scores, y_signed, self.C)
        return predicted

    def _batch_decision(self, X):
        return self._expansion.batch_scores(X)

    @property
    def support_vectors_(self):
        return self._expansion.support_vectors

    @property
    def dual_coef_(self):
        return self._expansion.dual_coef
