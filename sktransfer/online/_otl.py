"""Online transfer learning (OTL; Zhao & Hoi, ICML 2010; Zhao, Hoi, Wang & Li,
Artificial Intelligence 2014): a fitted source classifier helps an online
learner on a stream of target rows.

* :class:`OnlineTransferClassifier` -- homogeneous OTL (HomOTL-I, HomOTL-II):
  the target rows live in the source's feature space; the source model and
  an online kernel PA learner are combined with weights that follow their
  online losses.
* :class:`HeterogeneousOnlineTransferClassifier` -- heterogeneous OTL
  (HetOTL): the target rows add new features to the source's; one learner
  per view, the shared view's starting from the source model, updated
  together by a co-regularised PA step.
"""

from __future__ import annotations

import numpy as np
from sklearn import config_context
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from .._validation import check_number, check_option
from ..domain import column_indices
from ._kernel_pa import (
    KernelExpansion,
    _OnlineClassifier,
    check_budget,
    check_kernel_params,
    resolve_gamma,
)

__all__ = ["HeterogeneousOnlineTransferClassifier", "OnlineTransferClassifier"]

RESPONSE_METHODS = ("auto", "decision_function", "predict_proba")
COMBINATIONS = ("exponential", "mistake")


# --------------------------------------------------------------------------
# the source model
# --------------------------------------------------------------------------
def _response_method(estimator, requested, owner):
    candidates = (("decision_function", "predict_proba") if requested == "auto"
                  else (requested,))
    for method in candidates:
        if hasattr(estimator, method):
            return method
    raise ValueError(
        f"{owner}: source_estimator {type(estimator).__name__} has no "
        f"{' or '.join(candidates)}; OTL needs a real-valued score of the source "
        "model (response_method='auto' takes decision_function, else predict_proba)."
    )


def _check_source(estimator, *, width, owner, what, hint=""):
    """Raise unless ``estimator`` is a fitted classifier on ``width`` features."""
    if estimator is None:
        raise ValueError(f"{owner}: source_estimator must be a fitted classifier "
                         "(the model learnt on the source domain), got None.")
    try:
        check_is_fitted(estimator)
    except NotFittedError as exc:
        raise NotFittedError(
            f"{owner}: source_estimator {type(estimator).__name__} is not fitted. "
            "OTL transfers a model already learnt on the source domain: fit it on "
            "the source data first. (A clone, e.g. made by GridSearchCV or "
            "cross_val_score, holds an unfitted copy of the source: wrap the fitted "
            "source in sklearn.frozen.FrozenEstimator, which cloning keeps.)"
        ) from exc
    classes = getattr(estimator, "classes_", None)
    if classes is None or len(classes) < 2:
        raise ValueError(
            f"{owner}: source_estimator must be a classifier with at least two "
            f"classes_, got {type(estimator).__name__} with classes_={classes!r}."
        )
    n_in = getattr(estimator, "n_features_in_", None)
    if n_in is not None and n_in != width:
        raise ValueError(
            f"{owner}: {what} {width} feature(s), but source_estimator was fitted on "
            f"{n_in}; the source model must be able to score these columns.{hint}"
        )


class _SourceScores:
    """One real score per one-vs-rest task from a fitted source classifier.

    ``decision_function`` scores are used as they are; ``predict_proba``
    probabilities ``p`` become ``2 p - 1`` (in ``[-1, 1]``, so that the
    paper's projection ``Pi(2 p - 1) = p``). Two classes: the score of
    ``classes_[1]``; more: one score per class.
    """

    def __init__(self, estimator, method, columns, feature_names, n_tasks):
        self.estimator = estimator
        self.method = method
        self.columns = columns
        self.feature_names = feature_names
        self.n_tasks = n_tasks

    def rows(self, X):
        """Scores of the rows of the (validated, full width) ``X``: shape
        (n_rows, n_tasks)."""
        X_source = X if self.columns is None else X[:, self.columns]
        if self.feature_names is not None:
            import pandas as pd

            X_source = pd.DataFrame(X_source, columns=self.feature_names, copy=False)
        out = np.asarray(getattr(self.estimator, self.method)(X_source), dtype=np.float64)
        return self._per_task(out, X.shape[0])

    def row(self, x):
        """Scores of one row: shape (n_tasks,). The source sees one row per
        call, so its scores do not depend on how the stream was batched."""
        return self.rows(x[None, :])[0]

    def _per_task(self, out, n_rows):
        if self.method == "predict_proba":
            out = 2.0 * out - 1.0
            if self.n_tasks == 1 and out.ndim == 2 and out.shape[1] == 2:
                out = out[:, 1]
        if self.n_tasks == 1 and out.size == n_rows:
            return out.reshape(n_rows, 1)
        if out.shape != (n_rows, self.n_tasks):
            raise ValueError(
                f"source_estimator.{self.method} returned an array of shape "
                f"{out.shape} for {n_rows} row(s); OTL needs one score per class, "
                f"shape ({n_rows}, {self.n_tasks}) (e.g. SVC(decision_function_shape="
                "'ovr'), or response_method='predict_proba')."
            )
        return out


def _projection(scores):
    """The paper's ``Pi(z) = max(0, min(1, (z + 1) / 2))``."""
    return np.minimum(np.maximum((scores + 1.0) * 0.5, 0.0), 1.0)


class _TransferClassifier(_OnlineClassifier):
    """Source-model handling shared by the OTL classifiers."""

    def _check_transfer_params(self):
        owner = type(self).__name__
        check_number(self.C, "C", owner=owner, low=0, low_inclusive=False)
        check_kernel_params(self.kernel, self.gamma, self.degree, self.coef0,
                            owner=owner)
        check_budget(self.budget, owner=owner)
        check_option(self.response_method, "response_method", RESPONSE_METHODS,
                     owner=owner)

    def _resolve_source(self, X_source, y):
        """The source model (``source_estimator`` itself: never copied nor
        refitted). ``X_source``: the stream's columns the source sees."""
        return self.source_estimator

    def _start_source(self, X, y, classes, *, columns, what, hint=""):
        owner = type(self).__name__
        X_source = X if columns is None else X[:, columns]
        source = self._resolve_source(X_source, y)
        _check_source(source, width=X_source.shape[1], owner=owner, what=what,
                      hint=hint)
        self.classes_ = np.asarray(source.classes_)
        self._check_later_classes(classes)
        self.response_method_ = _response_method(source, self.response_method, owner)
        names = self._source_feature_names(source, columns, owner)
        self._source = _SourceScores(source, self.response_method_, columns, names,
                                     self._n_tasks())
        with self._stream_context():
            self._source.row(X[0])  # a source whose scores do not fit fails here

    def _check_later_classes(self, classes):
        """``classes``, when given, must be among the source's classes."""
        if classes is not None and not np.isin(np.unique(classes), self.classes_).all():
            raise ValueError(
                f"{type(self).__name__}: classes={np.unique(classes).tolist()} holds "
                "classes the source_estimator does not know (its classes_ are "
                f"{self.classes_.tolist()}); OTL predicts the source's classes."
            )

    def _source_feature_names(self, source, columns, owner):
        source_names = getattr(source, "feature_names_in_", None)
        names = getattr(self, "feature_names_in_", None)
        if source_names is None:
            return None
        if names is not None:
            names = names if columns is None else names[columns]
            if not np.array_equal(np.asarray(names, dtype=object),
                                  np.asarray(source_names, dtype=object)):
                raise ValueError(
                    f"{owner}: the columns the source model scores are "
                    f"{list(names)[:10]}, but source_estimator was fitted on "
                    f"{list(source_names)[:10]}; give the source's features, in its "
                    "order."
                )
        return list(source_names)

    def _unknown_labels_message(self, unknown):
        return (
            f"{type(self).__name__}: y holds labels {unknown[:10]} that are not among "
            f"the source estimator's classes_ {self.classes_.tolist()}; OTL transfers "
            "the source's classes, so the target labels must be among them."
        )

    def _stream_context(self):
        # X was checked for NaN/inf; the source's per-row calls need not re-check.
        return config_context(assume_finite=True)


# --------------------------------------------------------------------------
# homogeneous OTL
# --------------------------------------------------------------------------
class OnlineTransferClassifier(_TransferClassifier):
    """Homogeneous online transfer learning (HomOTL-I and HomOTL-II).

    A source classifier ``h`` (fitted on the source domain, never refitted)
    and an online kernel PA-I learner ``f_t`` trained on the target stream
    are combined with weights that follow their online performance (Zhao et
    al. 2014, Sec. 3.2). Labels are ``y in {-1, +1}``. For each row ``x_t``:

    ``combination="exponential"`` (HomOTL-I, Algorithm 1): predict

    .. math::

        \\hat y_t = \\mathrm{sign}\\big(w_{1,t} \\Pi(h(x_t))
            + w_{2,t} \\Pi(f_t(x_t)) - 1/2\\big),
        \\qquad \\Pi(z) = \\max(0, \\min(1, (z + 1) / 2)),

    then, with ``s_t(g) = exp(-eta (Pi(g(x_t)) - Pi(y_t))^2)``,

    .. math::

        w_{1,t+1} = \\frac{w_{1,t} s_t(h)}{w_{1,t} s_t(h) + w_{2,t} s_t(f_t)},
        \\qquad w_{2,t+1} = 1 - w_{1,t+1}, \\qquad w_{1,1} = w_{2,1} = 1/2.

    ``combination="mistake"`` (HomOTL-II, Algorithm 2): weights
    ``theta_{i,t+1} = theta_{i,t} beta^{z_{i,t}}`` (then normalised to sum 1),
    ``z_{i,t} = 1`` when classifier ``i`` errs, ``y_t g_i(x_t) <= 0``, and
    ``\\hat y_t = sign(theta_1 sign(h(x_t)) + theta_2 sign(f_t(x_t)))``.

    Either way ``f_t`` is then updated by PA-I (Crammer et al. 2006):
    ``loss = max(0, 1 - y_t f_t(x_t))``, ``tau = min(C, loss / k(x_t, x_t))``,
    ``f_{t+1} = f_t + tau y_t k(x_t, .)``. The learner's update does not
    depend on the combination.

    Parameters
    ----------
    source_estimator : fitted classifier
        The source model ``h``, with ``decision_function`` or
        ``predict_proba``, fitted on the target's features. It is stored
        unchanged, only queried (one row per call), never refitted. Wrap it
        in :class:`sklearn.frozen.FrozenEstimator` to clone this estimator
        (``GridSearchCV``, ``cross_val_score``): a plain clone holds an
        unfitted copy of it.
    combination : {"exponential", "mistake"}, default="exponential"
        HomOTL-I (loss-driven exponential weights) or HomOTL-II
        (mistake-driven weights).
    eta : float, default=0.5
        Learning rate of the exponential weights (``eta = 1/2`` in the
        paper). The mistake bound below needs ``eta <= 1/2``.
    beta : float, default=0.9
        Discount of a mistaken classifier's weight, in ``(0, 1)``.
        ``"mistake"`` only. The paper sets ``beta = T / (T + ln 2)`` for a
        stream of known length ``T``; online the length is not known, so the
        default is a fixed value.
    C : float, default=1.0
        Aggressiveness of the PA-I steps: the largest step ``tau``.
    kernel : {"rbf", "linear", "poly"}, default="rbf"
        Kernel of the online learner(s): ``exp(-gamma ||s - x||^2)``,
        ``s'x`` or ``(gamma s'x + coef0)^degree``.
    gamma : float, default=None
        Kernel coefficient of the rbf and poly kernels; ``None`` means
        ``1 / n_features`` of the columns the kernel acts on.
    degree : int, default=3
        Degree of the poly kernel.
    coef0 : float, default=1.0
        Constant of the poly kernel.
    budget : int, default=None
        Most support vectors kept; when full, a new support vector replaces
        the oldest one (first in, first out). ``None``: no limit.
    response_method : {"auto", "decision_function", "predict_proba"}, default="auto"
        Which score of the source model is used: ``"auto"`` takes
        ``decision_function`` when the source has one (a real score, as the
        paper's linear source ``v'x``), else ``predict_proba`` (``p`` mapped
        to ``2 p - 1``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The source estimator's classes.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` had string column names.
    response_method_ : str
        The source method used.
    gamma_ : float or None
        Kernel coefficient in use (``None`` for the linear kernel).
    weights_ : ndarray of shape (n_tasks, 2)
        Current combination weights, column 0 the source model, column 1
        the online learner; each row sums to 1. ``n_tasks`` is 1 for two
        classes, else ``n_classes`` (one-vs-rest).
    weight_history_ : ndarray of shape (n_seen_, n_tasks, 2)
        ``weights_`` after each consumed row.
    support_vectors_ : ndarray of shape (n_SV, n_features_in_)
        Support vectors of the online learner, oldest first.
    dual_coef_ : ndarray of shape (n_tasks, n_SV)
        Their coefficients.
    n_seen_ : int
        Rows consumed.
    mistakes_ : ndarray of bool of shape (n_seen_,)
        Whether the online prediction of each row was wrong.
    n_mistakes_ : int
    cumulative_mistake_rate_ : ndarray of shape (n_seen_,)
        Mistakes among the first ``t`` rows divided by ``t``.
    source_mistakes_, learner_mistakes_ : ndarray of bool of shape (n_seen_,)
        Whether the source model alone, and the online learner alone, would
        have erred on each row (the learner's sequence is exactly that of
        :class:`KernelPassiveAggressiveClassifier` on the same stream).

    See Also
    --------
    HeterogeneousOnlineTransferClassifier : the target adds new features.
    KernelPassiveAggressiveClassifier : the online learner alone.

    Notes
    -----
    **Mistake bounds.** HomOTL-I (Theorem 1, with Proposition 1): for
    ``eta = 1/2`` the number of mistakes is at most
    ``M <= 4 min(Sigma_h, Sigma_f) + 8 ln 2``, where ``Sigma_g =
    sum_t (Pi(g(x_t)) - Pi(y_t))^2``. The proof uses that the square loss on
    ``[0, 1]`` is ``eta``-exp-concave for ``eta <= 1/2``, so for any such
    ``eta`` it gives ``M <= 4 min(Sigma_h, Sigma_f) + 4 ln(2) / eta``. A
    source that is always right with margin (``y h(x) >= 1``) has
    ``Sigma_h = 0``: OTL then errs at most ``4 ln(2) / eta`` times.
    HomOTL-II is a weighted majority vote (Littlestone & Warmuth 1994):
    a mistake happens only when the classifiers with ``z = 1`` hold at least
    half the weight, so ``M <= (ln 2 + ln(1/beta) min_i M_i) / ln(2 / (1 +
    beta))`` with ``M_i = sum_t z_{i,t}``.

    **Deviations and choices.** (i) The paper's source is a linear model
    ``v'x`` and its learner a kernel PA; here the source is any fitted
    classifier, scored by ``decision_function`` (unclipped; ``Pi`` clips it
    in the combination) or ``2 predict_proba - 1``. (ii) Ties (a score of
    exactly 0) predict ``classes_[0]``, as scikit-learn's classifiers; the
    bounds hold for either tie rule. (iii) The HomOTL-II prediction rule
    (weighted vote of the two signs) and ``z = [y g(x) <= 0]`` follow the
    authors' released code; the stored text of the paper available to us
    lacks Algorithm 2's formulas. (iv) Multiclass (not in the paper):
    one-vs-rest, one binary task per class with its own pair of weights
    and its own PA-I scores (the learners share one support set); the
    predicted class is the one with the largest combined score, and the
    bounds hold per task. (v) ``budget`` (not in the paper) bounds the
    support set by removing the oldest support vector. (vi) Cost per row:
    one call of the source on that row (whatever the batch size, so that
    batching does not change the model) and ``O(n_SV d)`` kernel work.

    ``decision_function`` returns the combined score of the current model:
    ``w_1 Pi(h(x)) + w_2 Pi(f(x)) - 1/2`` in ``[-1/2, 1/2]``
    (``"exponential"``) or the weighted vote (``"mistake"``), one per task.
    A source fitted on a DataFrame receives rows as DataFrames with its own
    column names; when ``X`` is a DataFrame too, its columns must be the
    source's, in the same order.

    References
    ----------
    P. Zhao, S. C. H. Hoi, J. Wang and B. Li. Online transfer learning.
    Artificial Intelligence 216:76-102, 2014.

    P. Zhao and S. C. H. Hoi. OTL: a framework of online transfer learning.
    ICML 2010.

    K. Crammer, O. Dekel, J. Keshet, S. Shalev-Shwartz and Y. Singer. Online
    passive-aggressive algorithms. JMLR 7:551-585, 2006.

    N. Littlestone and M. K. Warmuth. The weighted majority algorithm.
    Information and Computation 108(2):212-261, 1994.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.online import OnlineTransferClassifier
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 2)); ys = (Xs[:, 0] > 0).astype(int)
    >>> source = LogisticRegression().fit(Xs, ys)
    >>> Xt = rng.normal(size=(300, 2)); yt = (Xt[:, 0] + 0.3 * Xt[:, 1] > 0).astype(int)
    >>> otl = OnlineTransferClassifier(source, kernel="linear").fit(Xt, yt)
    >>> otl.weights_.shape, bool(otl.cumulative_mistake_rate_[-1] < 0.2)
    ((1, 2), True)
    """

    def __init__(self, source_estimator, *, combination="exponential", eta=0.5,
                 beta=0.9, C=1.0, kernel="rbf", gamma=None, degree=3, coef0=1.0,
                 budget=None, response_method="auto"):
        self.source_estimator = source_estimator
        self.combination = combination
        self.eta = eta
        self.beta = beta
        self.C = C
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.budget = budget
        self.response_method = response_method

    def _check_params(self):
        owner = type(self).__name__
        check_option(self.combination, "combination", COMBINATIONS, owner=owner)
        check_number(self.eta, "eta", owner=owner, low=0, low_inclusive=False)
        check_number(self.beta, "beta", owner=owner, low=0, low_inclusive=False)
        if not self.beta < 1:
            raise ValueError(f"{owner}: beta must be in (0, 1), got {self.beta!r}.")
        self._check_transfer_params()

    def _start(self, X, y, classes):
        self._start_source(
            X, y, classes, columns=None, what="X has",
            hint=(" When the target adds features to the source's, use "
                  "HeterogeneousOnlineTransferClassifier."),
        )
        self.gamma_ = resolve_gamma(self.kernel, self.gamma, X.shape[1])
        self._learner = KernelExpansion(
            self.kernel, self.gamma_, self.degree, self.coef0,
            n_features=X.shape[1], n_outputs=self._n_tasks(), budget=self.budget,
        )
        self.weights_ = np.full((self._n_tasks(), 2), 0.5)

    def _trace_fields(self):
        return {"weights": (np.float64, (self._n_tasks(), 2)),
                "source_mistakes": (bool, ()), "learner_mistakes": (bool, ())}

    def _learn_row(self, x, code, y_signed, record, i):
        source = self._source.row(x)
        learner = self._learner.scores(self._learner.kernel_row(x))
        scores = np.column_stack([source, learner])  # (n_tasks, 2)
        votes = self._votes(scores)
        predicted = self._predicted_code(self._combine(votes))
        record["source_mistakes"][i] = self._predicted_code(source) != code
        record["learner_mistakes"][i] = self._predicted_code(learner) != code
        self.weights_ = self._next_weights(scores, votes, y_signed)
        record["weights"][i] = self.weights_
        self._learner.passive_aggressive_update(x, learner, y_signed, self.C)
        return predicted

    def _votes(self, scores):
        """What each classifier contributes: ``Pi(score)`` (HomOTL-I) or
        ``sign(score)`` (HomOTL-II); last axis: (source, learner)."""
        if self.combination == "exponential":
            return _projection(scores)
        return np.sign(scores)

    def _combine(self, votes):
        """Combined task scores from votes of shape (..., n_tasks, 2)."""
        combined = (votes * self.weights_).sum(axis=-1)
        return combined - 0.5 if self.combination == "exponential" else combined

    def _next_weights(self, scores, votes, y_signed):
        if self.combination == "exponential":
            loss = (votes - (y_signed[:, None] + 1.0) * 0.5) ** 2
            log_factor = -self.eta * loss
        else:
            log_factor = np.where(y_signed[:, None] * scores <= 0, np.log(self.beta), 0.0)
        # w * factor, normalised in the log domain: a large eta or a tiny
        # beta would otherwise underflow both weights to 0 (and 0 / 0)
        with np.errstate(divide="ignore"):
            log_w = np.log(self.weights_) + log_factor
        weights = np.exp(log_w - log_w.max(axis=1, keepdims=True))
        return weights / weights.sum(axis=1, keepdims=True)

    def _batch_decision(self, X):
        scores = np.stack([self._source.rows(X), self._learner.batch_scores(X)],
                          axis=-1)
        return self._combine(self._votes(scores))

    @property
    def weight_history_(self):
        return self._trace.view("weights")

    @property
    def source_mistakes_(self):
        return self._trace.view("source_mistakes")

    @property
    def learner_mistakes_(self):
        return self._trace.view("learner_mistakes")

    @property
    def support_vectors_(self):
        return self._learner.support_vectors

    @property
    def dual_coef_(self):
        return self._learner.dual_coef


# --------------------------------------------------------------------------
# heterogeneous OTL
# --------------------------------------------------------------------------
def _shared_block(spec, *, n_features, feature_names, owner):
    """Column indices of ``shared_features`` (in the given order) and of the
    remaining, new columns (in X's order)."""
    shared = column_indices(spec, "shared_features", n_features, feature_names, owner)
    if shared.size == 0:
        raise ValueError(f"{owner}: shared_features selects no column; the shared "
                         "(source) block needs at least one feature.")
    new = np.setdiff1d(np.arange(n_features), shared)
    if new.size == 0:
        raise ValueError(
            f"{owner}: X has {n_features} feature(s) and shared_features takes all of "
            "them, so the new-feature block is empty. Heterogeneous OTL needs new "
            "features besides the source's; with none, use OnlineTransferClassifier."
        )
    return shared, new


class HeterogeneousOnlineTransferClassifier(_TransferClassifier):
    """Heterogeneous online transfer learning (HetOTL).

    The target rows hold the source's features (the shared view ``x_1``,
    columns ``shared_features``) and new ones (the new view ``x_2``, every
    other column). Two classifiers, one per view, are learnt online together
    by co-regularisation (Zhao et al. 2014, Sec. 3.3, Algorithm 3): the
    shared view's starts from the source model, ``f_{1,1} = h``; the new
    view's from zero, ``f_{2,1} = 0``. Labels are ``y in {-1, +1}``. Each row
    is predicted by

    .. math::

        \\hat y_t = \\mathrm{sign}\\big(\\tfrac12 (f_{1,t}(x_{1,t})
            + f_{2,t}(x_{2,t}))\\big),

    then both classifiers are updated by the co-regularised PA step, the
    solution (Proposition 2) of problem (6),

    .. math::

        \\min_{f_1, f_2} \\frac{\\gamma_1}{2} \\|f_1 - f_{1,t}\\|^2
            + \\frac{\\gamma_2}{2} \\|f_2 - f_{2,t}\\|^2 + C \\ell(f_1, f_2; t),
        \\quad \\ell = \\max\\big(0, 1 - \\tfrac{y_t}{2} (f_1(x_{1,t})
            + f_2(x_{2,t}))\\big),

    which is

    .. math::

        f_{i,t+1} = f_{i,t} + \\frac{\\tau_t}{2 \\gamma_i} y_t k_i(x_{i,t}, \\cdot),
        \\qquad \\tau_t = \\min\\Big(C, \\frac{4 \\gamma_1 \\gamma_2 \\ell_t}
            {z_{1,t} \\gamma_2 + z_{2,t} \\gamma_1}\\Big),

    with ``z_{i,t} = k_i(x_{i,t}, x_{i,t})`` (``||x_{i,t}||^2`` in the
    paper's linear form) and ``gamma_1, gamma_2`` = ``reg_shared``,
    ``reg_new``. In kernel form (as the paper's experiments) ``f_1(x_1) =
    h(x_1) + sum_j a_{1,j} k(s_{1,j}, x_1)`` and ``f_2(x_2) = sum_j a_{2,j}
    k(s_{2,j}, x_2)``: each update adds row ``t`` to both views' support sets.

    Parameters
    ----------
    source_estimator : fitted classifier
        The source model ``h``, fitted on the shared features (in the order
        of ``shared_features``), with ``decision_function`` or
        ``predict_proba``. Stored unchanged, only queried, never refitted;
        wrap it in :class:`sklearn.frozen.FrozenEstimator` to clone this
        estimator.
    shared_features : array-like of int or str, or boolean mask
        The columns of ``X`` the source model was fitted on, in the source's
        order: indices, column names (``X`` a DataFrame) or a mask (which
        keeps the order of ``X``). Every other column is a new feature.
    C : float, default=1.0
        Aggressiveness: the largest step ``tau``.
    reg_shared, reg_new : float, default=1.0
        ``gamma_1`` and ``gamma_2`` of problem (6): how strongly each view's
        classifier is held to its previous value (a larger value, a smaller
        step on that view).
    kernel : {"rbf", "linear", "poly"}, default="rbf"
        Kernel of both views (on each view's own columns).
    gamma : float, default=None
        Kernel coefficient of the rbf and poly kernels; ``None`` means
        ``1 / n_features`` of each view.
    degree : int, default=3
        Degree of the poly kernel.
    coef0 : float, default=1.0
        Constant of the poly kernel.
    budget : int, default=None
        Most support vectors kept per view; when full, a new support vector
        replaces the oldest one (first in, first out). ``None``: no limit.
    response_method : {"auto", "decision_function", "predict_proba"}, default="auto"
        Source score used as ``h``: ``"auto"`` takes ``decision_function``
        (a real score, as the paper's ``v'x_1``) when available, else
        ``2 predict_proba - 1``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The source estimator's classes.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Defined when ``X`` had string column names.
    shared_features_ : ndarray of int
        Column indices of the shared view, in the source's order.
    new_features_ : ndarray of int
        Column indices of the new view.
    response_method_ : str
    gamma_ : tuple of (float or None)
        Kernel coefficient of the shared and the new view.
    support_vectors_ : ndarray of shape (n_SV, n_features_in_)
        Rows stored as support vectors (both views), oldest first.
    dual_coef_ : ndarray of shape (2, n_tasks, n_SV)
        Coefficients of the shared view (``[0]``) and of the new view
        (``[1]``); ``n_tasks`` is 1 for two classes, else ``n_classes``.
    n_seen_, n_mistakes_ : int
    mistakes_ : ndarray of bool of shape (n_seen_,)
    cumulative_mistake_rate_ : ndarray of shape (n_seen_,)

    See Also
    --------
    OnlineTransferClassifier : target and source share one feature space.

    Notes
    -----
    **Mistake bound** (Theorem 3): with ``z_{1,t} <= R_1``, ``z_{2,t} <= R_2``
    and ``tau = min(C, 4 gamma_1 gamma_2 / (R_1 gamma_2 + R_2 gamma_1))``,
    the number of mistakes is bounded, for any pair ``(f_1, f_2)`` of view
    classifiers, by ``2 / tau`` times the distances ``gamma_1 ||f_1 - h||^2``
    and ``gamma_2 ||f_2||^2`` of the pair from the start plus ``C`` times
    its cumulative loss ``sum_t loss(f_1, f_2; t)`` (Lemma 1 and Theorem 3
    give the exact constants): the better the source on the shared view,
    the closer a good ``f_1`` is to ``h``, the smaller the bound.

    **Deviations and choices.** (i) The source is any fitted classifier
    scored by ``decision_function`` or ``2 predict_proba - 1`` (the paper:
    ``v'x_1``); the source part of ``f_1`` is never changed, the update adds
    kernel terms to it. (ii) Multiclass (not in the paper): one-vs-rest, one
    co-regularised binary task per class, each with its own ``tau``; the
    tasks share the support sets; the predicted class has the largest
    score. (iii) ``budget`` (not in the paper) removes the oldest support
    vector of both views. (iv) Ties predict ``classes_[0]``. (v) A row with
    ``z_1 gamma_2 + z_2 gamma_1 = 0`` (zero rows under the linear kernel)
    cannot move the scores and is skipped. (vi) Cost per row: one call of
    the source on that row (so that batching does not change the model) and
    ``O(n_SV d)`` kernel work. A source fitted on a DataFrame receives rows
    as DataFrames with its own column names; when ``X`` is a DataFrame, the
    shared block's names must be the source's, in its order.

    References
    ----------
    P. Zhao, S. C. H. Hoi, J. Wang and B. Li. Online transfer learning.
    Artificial Intelligence 216:76-102, 2014.

    P. Zhao and S. C. H. Hoi. OTL: a framework of online transfer learning.
    ICML 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.online import HeterogeneousOnlineTransferClassifier
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 2)); ys = (Xs[:, 0] > 0).astype(int)
    >>> source = LogisticRegression().fit(Xs, ys)
    >>> Xt = rng.normal(size=(300, 3))  # columns 0, 1 old; column 2 new
    >>> yt = (Xt[:, 0] + Xt[:, 2] > 0).astype(int)
    >>> het = HeterogeneousOnlineTransferClassifier(source, [0, 1], kernel="linear")
    >>> het.fit(Xt, yt).dual_coef_.shape[:2]
    (2, 1)
    """

    def __init__(self, source_estimator, shared_features, *, C=1.0, reg_shared=1.0,
                 reg_new=1.0, kernel="rbf", gamma=None, degree=3, coef0=1.0,
                 budget=None, response_method="auto"):
        self.source_estimator = source_estimator
        self.shared_features = shared_features
        self.C = C
        self.reg_shared = reg_shared
        self.reg_new = reg_new
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.budget = budget
        self.response_method = response_method

    def _check_params(self):
        owner = type(self).__name__
        for name in ("reg_shared", "reg_new"):
            check_number(getattr(self, name), name, owner=owner, low=0,
                         low_inclusive=False)
        self._check_transfer_params()

    def _start(self, X, y, classes):
        owner = type(self).__name__
        self.shared_features_, self.new_features_ = _shared_block(
            self.shared_features, n_features=X.shape[1],
            feature_names=getattr(self, "feature_names_in_", None), owner=owner,
        )
        self._start_source(X, y, classes, columns=self.shared_features_,
                           what="shared_features selects")
        self.gamma_ = tuple(resolve_gamma(self.kernel, self.gamma, cols.size)
                            for cols in (self.shared_features_, self.new_features_))
        self._views = tuple(
            KernelExpansion(self.kernel, gamma, self.degree, self.coef0,
                            n_features=cols.size, n_outputs=self._n_tasks(),
                            budget=self.budget)
            for gamma, cols in zip(self.gamma_, (self.shared_features_,
                                                 self.new_features_))
        )

    def _learn_row(self, x, code, y_signed, record, i):
        shared, new = self._views
        x1, x2 = x[self.shared_features_], x[self.new_features_]
        f1 = self._source.row(x) + shared.scores(shared.kernel_row(x1))
        f2 = new.scores(new.kernel_row(x2))
        scores = 0.5 * (f1 + f2)
        predicted = self._predicted_code(scores)
        loss = np.maximum(0.0, 1.0 - y_signed * scores)
        if loss.any():
            self._co_regularised_step(x1, x2, loss, y_signed)
        return predicted

    def _co_regularised_step(self, x1, x2, loss, y_signed):
        """Proposition 2: ``tau = min(C, 4 g1 g2 loss / (z1 g2 + z2 g1))``,
        ``f_i += tau y k_i(x_i, .) / (2 g_i)``."""
        shared, new = self._views
        g1, g2 = self.reg_shared, self.reg_new
        denominator = shared.self_kernel(x1) * g2 + new.self_kernel(x2) * g1
        if denominator <= 0:
            return
        tau = np.minimum(self.C, 4.0 * g1 * g2 * loss / denominator)
        shared.add(x1, tau * y_signed / (2.0 * g1))
        new.add(x2, tau * y_signed / (2.0 * g2))

    def _batch_decision(self, X):
        shared, new = self._views
        f1 = self._source.rows(X) + shared.batch_scores(X[:, self.shared_features_])
        return 0.5 * (f1 + new.batch_scores(X[:, self.new_features_]))

    @property
    def support_vectors_(self):
        shared, new = self._views
        out = np.empty((shared.n_support, self.n_features_in_))
        out[:, self.shared_features_] = shared.support_vectors
        out[:, self.new_features_] = new.support_vectors
        return out

    @property
    def dual_coef_(self):
        return np.stack([view.dual_coef for view in self._views])
