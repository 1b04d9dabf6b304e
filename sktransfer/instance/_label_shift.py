"""Label-shift correction: the target's class proportions estimated without
target labels, and the classifier's posteriors re-weighted to them."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if

from .._validation import check_number, check_option
from ..base import BaseAdapter

__all__ = ["LabelShiftClassifier", "bbse_class_ratio", "bbse_upper_bounds", "em_priors"]

_EPS = 1e-12


class LabelShiftAssumptionWarning(UserWarning):
    """BBSE's estimate contradicts the label-shift assumption (a target
    class proportion negative beyond its bootstrap error)."""


def joint_confusion(pred, y, classes):
    """:math:`C_{ij}`: the fraction of rows predicted ``classes[i]`` whose
    label is ``classes[j]``."""
    onehot = (np.asarray(pred)[:, None] == classes).astype(float)
    return onehot.T @ (np.asarray(y)[:, None] == classes).astype(float) / len(y)


def bbse_class_ratio(pred_source, y_source, pred_target, classes):
    r"""Black-box shift estimate of the class ratio :math:`w_y = q(y)/p_s(y)`.

    With the joint confusion matrix of held-out source predictions
    :math:`C_{ij} = P_s(\hat y = i, y = j)` and the distribution of the
    target predictions :math:`\mu_i = P_t(\hat y = i)`, :math:`w` solves
    :math:`C w = \mu` (Lipton, Wang & Smola 2018), clipped at 0. Returns
    ``None`` when :math:`C` is singular (a class never predicted, or two
    confused completely: the ratio is not identified) or every entry of the
    solution is clipped.
    """
    w = _bbse_solution(pred_source, y_source, pred_target, classes)
    if w is None:
        return None
    w = np.clip(w, 0.0, None)
    return w if np.any(w > 0) else None


def _bbse_solution(pred_source, y_source, pred_target, classes):
    r"""BBSE's unclipped :math:`w = C^{-1} \mu`, or ``None`` when :math:`C`
    is singular."""
    classes = np.asarray(classes)
    C = joint_confusion(pred_source, y_source, classes)
    mu = np.mean(np.asarray(pred_target)[:, None] == classes, axis=0)
    if np.linalg.matrix_rank(C) < len(classes):
        return None
    return np.linalg.solve(C, mu)


def bbse_upper_bounds(pred_source, y_source, pred_target, classes, *, level=0.95,
                      n_boot=200, random_state=None):
    r"""Bootstrap upper confidence bounds of BBSE's target class proportions,
    *before* clipping: a test of the label-shift assumption.

    Under label shift, :math:`\mu = C w` with :math:`w \geq 0`, so the
    unclipped estimate :math:`q = (C^{-1} \mu) \odot p_s` is a distribution
    up to sampling error. A class whose proportion is negative beyond that
    error (its upper bound below 0) contradicts the assumption: the
    classifier's predictions of the target are not those of the source's
    class-conditionals in other proportions -- typically a covariate shift
    on which the source classifier is badly wrong, which BBSE (and EM)
    would take for a change of the classes. The bound is the ``level``
    quantile over ``n_boot`` resamples of the (prediction, label) pairs of
    the source and, independently, of the target predictions; resamples
    with a singular :math:`C` are skipped. Returns an array of one bound per
    class, or ``None`` when more than half the resamples have a singular
    :math:`C` (always, when :math:`C` itself is: a class never predicted).
    """
    classes = np.asarray(classes)
    pred_source, y_source = np.asarray(pred_source), np.asarray(y_source)
    pred_target = np.asarray(pred_target)
    rng = np.random.default_rng(random_state)
    n_s, n_t = len(y_source), len(pred_target)
    draws = []
    for _ in range(n_boot):
        i = rng.integers(0, n_s, n_s)
        j = rng.integers(0, n_t, n_t)
        w = _bbse_solution(pred_source[i], y_source[i], pred_target[j], classes)
        if w is not None:
            p_s = np.mean(y_source[i][:, None] == classes, axis=0)
            draws.append(w * p_s)
    if len(draws) <= n_boot // 2:
        return None
    return np.quantile(np.asarray(draws), level, axis=0)


def em_priors(P, p_s, *, max_iter=1000, tol=1e-6):
    r"""Class proportions of the rows of ``P`` by expectation-maximisation
    (Saerens, Latinne & Decaestecker 2002).

    ``P`` holds posteriors :math:`p_s(y|x_i)` under the priors ``p_s``;
    from :math:`q^{(0)} = p_s`, repeat
    :math:`\hat p^{(k)}(y|x_i) \propto (q^{(k)}_y / p_s(y))\, p_s(y|x_i)`,
    :math:`q^{(k+1)}_y = \frac{1}{n} \sum_i \hat p^{(k)}(y|x_i)` until no
    proportion moves by ``tol`` or more. Returns ``(q, n_iter)``.
    """
    p_s = np.asarray(p_s, dtype=np.float64)
    q = p_s.copy()
    it = 0
    for it in range(1, max_iter + 1):
        R = P * (q / p_s)
        R /= np.maximum(R.sum(axis=1, keepdims=True), _EPS)
        q_new = R.mean(axis=0)
        done = np.max(np.abs(q_new - q)) < tol
        q = q_new
        if done:
            break
    return q, it


def _never(self):
    return False


class LabelShiftClassifier(BaseAdapter):
    r"""Correct a probabilistic classifier for a change of class proportions.

    Under *label shift* the class-conditional distributions are the same in
    both domains, :math:`p_t(x|y) = p_s(x|y)`, and only the priors differ.
    Then the target posterior is the source posterior re-weighted,

    .. math::

        p_t(y|x) = \frac{w_y\, p_s(y|x)}{\sum_k w_k\, p_s(k|x)}, \qquad
        w_y = \frac{q(y)}{p_s(y)},

    and only the target priors :math:`q` need estimating, from the
    unlabelled target rows:

    * ``method="em"`` (Saerens, Latinne & Decaestecker 2002): expectation-
      maximisation of the target likelihood over :math:`q`. From
      :math:`q^{(0)} = p_s`, repeat
      :math:`\hat p^{(k)}(y|x_i) \propto (q^{(k)}_y / p_s(y))\, p_s(y|x_i)`,
      :math:`q^{(k+1)}_y = \frac{1}{n_t} \sum_i \hat p^{(k)}(y|x_i)` until
      :math:`\max_y |q^{(k+1)}_y - q^{(k)}_y| <` ``tol``.
    * ``method="bbse"`` (black-box shift estimation, Lipton, Wang & Smola
      2018): with the joint confusion matrix of the source rows
      :math:`C_{ij} = P_s(\hat y = i, y = j)` and the distribution of the
      target predictions :math:`\mu_i = P_t(\hat y = i)`, the weights solve
      :math:`C w = \mu`; then :math:`q = w \odot p_s`.

    ``estimator`` is trained on the labelled rows (source rows, and any
    labelled target rows); ``predict_proba`` of target rows returns the
    corrected posteriors and ``predict`` their argmax. Source rows (when
    ``sample_domain`` says so) get the uncorrected ones.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``
    method : {"em", "bbse"}, default="em"
    cv : int >= 2, default=5
        BBSE: folds of the cross-validated source predictions of the
        confusion matrix.
    max_iter : int, default=1000
        EM iterations at most.
    tol : float, default=1e-6
        EM: stop when no prior moves by more than ``tol``.
    random_state : int, RandomState instance or None, default=None
        Shuffles BBSE's folds and draws the bootstrap of its assumption test.

    Attributes
    ----------
    estimator_ : classifier
    classes_ : ndarray
    source_priors_, target_priors_ : ndarray of shape (n_classes,)
        :math:`p_s` (class frequencies of the rows the classifier is trained
        on: the labelled source rows, and any labelled target rows) and the
        estimate of :math:`q`.
    weights_ : ndarray of shape (n_classes,)
        :math:`w = q / p_s`.
    n_iter_ : int
        EM iterations run (``0`` for BBSE).
    confusion_matrix_ : ndarray of shape (n_classes, n_classes) or None
        BBSE's :math:`C` (rows: predicted class, columns: true class).
    proportion_upper_bounds_ : ndarray of shape (n_classes,) or None
        BBSE: bootstrap 95% upper bounds of the unclipped target proportions
        (``bbse_upper_bounds`` in ``sktransfer.instance._label_shift``); one
        below 0 contradicts the label-shift assumption, and ``fit`` warns.
        ``None`` for EM.

    Notes
    -----
    Deviations from the papers:

    * BBSE's confusion matrix comes from ``cv``-fold cross-validated
      predictions on the training rows, where the paper uses one
      held-out split (the estimate then uses every source row); the
      classifier applied to the target rows is the one fitted on every
      labelled row.
    * BBSE's solution is clipped at 0 and :math:`q` renormalised to sum to
      1 (the paper's estimate can be negative with few rows); a singular
      :math:`C` is an error. Before clipping, the estimate is tested
      (``bbse_upper_bounds`` in ``sktransfer.instance._label_shift``, an
      addition to the paper): a class proportion negative beyond its
      bootstrap error means the label-shift assumption does not hold, and
      ``fit`` warns rather than return a silently wrong correction.
    * EM works on the classifier's probabilities as they are; Alexandari,
      Kundaje & Shrikumar (ICML 2020) show it is most accurate with
      calibrated ones (e.g. ``CalibratedClassifierCV`` as ``estimator``).
    * With labelled target rows, the classifier is trained on them too and
      :math:`p_s` is the class distribution of all its training rows (the
      distribution its posteriors refer to).
    * Several source or target domains are pooled into one of each.

    References
    ----------
    M. Saerens, P. Latinne, C. Decaestecker. Adjusting the outputs of a
    classifier to new a priori probabilities: a simple procedure. Neural
    Computation 14, 2002.

    Z. Lipton, Y.-X. Wang, A. Smola. Detecting and correcting for label
    shift with black box predictors. ICML 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.instance import LabelShiftClassifier
    >>> rng = np.random.default_rng(0)
    >>> ys = rng.integers(0, 2, 400); yt = (rng.random(400) < 0.9).astype(int)
    >>> Xs = rng.normal(2.0 * ys, 1.0)[:, None]; Xt = rng.normal(2.0 * yt, 1.0)[:, None]
    >>> X = np.vstack([Xs, Xt]); y = np.r_[ys, -np.ones(400, dtype=int)]
    >>> model = LabelShiftClassifier(LogisticRegression()).fit(X, y)
    >>> bool(model.target_priors_[1] > 0.8)
    True
    """

    def __init__(self, estimator=None, *, method="em", cv=5, max_iter=1000, tol=1e-6,
                 random_state=None):
        self.estimator = estimator
        self.method = method
        self.cv = cv
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _check_adapter(self, data):
        owner = type(self).__name__
        if not is_classifier(self.estimator):
            raise ValueError(f"{owner} corrects a classifier for a change of class "
                             f"proportions; got {self.estimator!r}, not a classifier.")
        if not hasattr(self.estimator, "predict_proba"):
            raise ValueError(f"{owner} re-weights class probabilities, but "
                             f"{type(self.estimator).__name__} has no predict_proba; "
                             "use a probabilistic classifier (or CalibratedClassifierCV).")
        check_option(self.method, "method", ("em", "bbse"), owner=owner)
        check_number(self.cv, "cv", owner=owner, integer=True, low=2)
        check_number(self.max_iter, "max_iter", owner=owner, integer=True, low=1)
        check_number(self.tol, "tol", owner=owner, low=0)

    def _fit_adapter(self, data, fit_params):
        return data.X

    def _fit(self, X, y, sample_domain, fit_params):
        data, X_adapted = super()._fit(X, y, sample_domain, fit_params)
        classes = self.estimator_.classes_
        # the priors of the rows the classifier was trained on: its
        # posteriors are those of that training distribution
        train = data.train
        ys = data.y[train]
        counts = np.array([np.sum(ys == c) for c in classes], dtype=float)
        p_s = counts / counts.sum()
        P_t = self.estimator_.predict_proba(data.X[data.is_target])
        self.confusion_matrix_ = self.proportion_upper_bounds_ = None
        if self.method == "em":
            q, self.n_iter_ = self._em(P_t, p_s)
        else:
            q = self._bbse(data.X[train], ys, classes, P_t, p_s)
            self.n_iter_ = 0
        self.source_priors_ = p_s
        self.target_priors_ = q
        self.weights_ = q / p_s
        return data, X_adapted

    def _em(self, P, p_s):
        return em_priors(P, p_s, max_iter=self.max_iter, tol=self.tol)

    def _bbse(self, Xs, ys, classes, P_t, p_s):
        folds = StratifiedKFold(self.cv, shuffle=True, random_state=self.random_state)
        pred = cross_val_predict(clone(self.estimator), Xs, ys, cv=folds)
        self.confusion_matrix_ = joint_confusion(pred, ys, classes)
        pred_t = classes[np.argmax(P_t, axis=1)]
        upper = bbse_upper_bounds(pred, ys, pred_t, classes,
                                  random_state=check_random_state(
                                      self.random_state).randint(np.iinfo(np.int32).max))
        self.proportion_upper_bounds_ = upper
        if upper is not None and np.any(upper < 0):
            c = int(np.argmin(upper))
            warnings.warn(
                f"{type(self).__name__}: BBSE estimates a negative target proportion "
                f"for class {classes[c]} (95% upper bound {upper[c]:.3g}): the "
                "classifier's predictions of the target contradict the label-shift "
                "assumption (same class-conditionals, other proportions), as a "
                "covariate shift on which it is badly wrong does. The correction is "
                "unreliable here; use a covariate-shift adapter, or AutoAdapter, "
                "which does not choose label-shift correction on such evidence.",
                LabelShiftAssumptionWarning, stacklevel=4)  # the caller of fit
        w = bbse_class_ratio(pred, ys, pred_t, classes)
        if w is None:
            raise ValueError(
                "BBSE's confusion matrix of the source predictions is singular (a "
                "class is never predicted, or two are confused completely), or the "
                "target predictions contradict it (every weight 0); use method='em' "
                "or a stronger classifier.")
        q = w * p_s
        return q / q.sum()

    # -------------------------------------------------------------- predict
    def _corrected(self, X, sd):
        P = self.estimator_.predict_proba(X)
        target = sd < 0
        if target.any():
            R = P[target] * self.weights_
            P = P.copy()
            P[target] = R / np.maximum(R.sum(axis=1, keepdims=True), _EPS)
        return P

    def predict_proba(self, X, sample_domain=None):
        """Posteriors re-weighted to the estimated target priors (target
        rows; source rows keep the source posteriors)."""
        X, sd = self._validate_predict(X, sample_domain)
        return self._corrected(X, sd)

    def predict_log_proba(self, X, sample_domain=None):
        """Log of :meth:`predict_proba`."""
        return np.log(np.maximum(self.predict_proba(X, sample_domain), _EPS))

    def predict(self, X, sample_domain=None):
        """The class of largest corrected posterior."""
        X, sd = self._validate_predict(X, sample_domain)
        return self._predict_rows(X, sd)

    def _predict_rows(self, X, sample_domain):
        return self.estimator_.classes_[np.argmax(self._corrected(X, sample_domain), axis=1)]

    # the wrapped decision function is not corrected: not offered
    decision_function = available_if(_never)(BaseAdapter.decision_function)
