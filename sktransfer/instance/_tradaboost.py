"""TrAdaBoost: boosting for transfer learning (Dai, Yang, Xue & Yu, ICML 2007)."""

from __future__ import annotations

from math import ceil, log, sqrt

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.ensemble._base import _set_random_states
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
)

from .._progress import Progress, check_verbose
from .._validation import check_magnitude, check_number, check_option, validate_numeric
from ..domain import DomainData, check_masked_labels, check_sample_domain, labelled_mask

__all__ = [
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
    "TwoStageTrAdaBoostRegressor",
]

#: Distance from 0 and from 1/2 at which the target error is clipped before
#: ``beta_t = eps_t / (1 - eps_t)`` is formed (see Notes of the class).
ERROR_CLIP = 1e-10

#: Values of ``TrAdaBoostClassifier(correction=...)``: the paper's updates
#: (``None``) or Al-Stouhi & Reddy's dynamic factor on the source weights.
CORRECTIONS = (None, "dynamic")

#: Losses of AdaBoost.R2 (Drucker 1997) for the regressors.
REGRESSION_LOSSES = ("linear", "square", "exponential")

_MASKED = {"classification": "y = -1", "regression": "y = NaN"}


def _how_to_mark_target(task):
    return (
        "pass fit(X, y, sample_domain=sd) with positive integers on source rows and "
        "negative integers on target rows, and give the few labelled target rows "
        f"their true label (unlabelled rows, {_MASKED[task]}, are ignored). In a "
        "Pipeline pass <step>__sample_domain=sd; with metadata routing enabled call "
        "set_fit_request(sample_domain=True)."
    )


def _paper_source_beta(n_source, n_estimators):
    r"""The paper's source factor :math:`1 / (1 + \sqrt{2 \ln n / N})`."""
    return 1.0 / (1.0 + sqrt(2.0 * log(n_source) / n_estimators))


def _clipped_error(error):
    """``error`` clipped to ``[ERROR_CLIP, 1/2 - ERROR_CLIP]``."""
    return min(max(error, ERROR_CLIP), 0.5 - ERROR_CLIP)


def _learner_beta(error):
    r""":math:`\beta_t = \epsilon_t / (1 - \epsilon_t)` with :math:`\epsilon_t`
    clipped to ``[ERROR_CLIP, 1/2 - ERROR_CLIP]``."""
    eps = _clipped_error(error)
    return eps / (1.0 - eps)


def _dynamic_correction(error):
    r"""Al-Stouhi & Reddy's factor :math:`C_t = 2 (1 - \epsilon_t)` on the
    source weights, with :math:`\epsilon_t` clipped as for :math:`\beta_t`
    (so :math:`1 < C_t < 2`)."""
    return 2.0 * (1.0 - _clipped_error(error))


def _vote_start(n_rounds):
    """0-based index of the first learner of the vote after ``n_rounds``
    rounds: the paper's :math:`t = \\lceil N/2 \\rceil` (1-based)."""
    return ceil(n_rounds / 2) - 1


def _adjusted_errors(pred, y, loss):
    r"""AdaBoost.R2's adjusted errors (Drucker 1997), each in ``[0, 1]``:
    :math:`r_i = |h(x_i) - y_i| / D` with :math:`D = \max_i |h(x_i) - y_i|`
    over the rows given, then :math:`r_i` (``"linear"``), :math:`r_i^2`
    (``"square"``) or :math:`1 - e^{-r_i}` (``"exponential"``). ``D = 0``
    (every row predicted exactly) gives errors 0."""
    gap = np.abs(pred - y)
    largest = gap.max()
    ratio = gap / largest if largest > 0 else np.zeros_like(gap)
    if loss == "square":
        return ratio ** 2
    if loss == "exponential":
        return 1.0 - np.exp(-ratio)
    return ratio


def _weighted_median(predictions, weights):
    """Weighted median over learners, row by row, as AdaBoost.R2 (and
    scikit-learn's ``AdaBoostRegressor``) computes it: the smallest
    prediction whose cumulative weight (predictions sorted increasingly)
    reaches half the total weight.

    ``predictions`` has shape (n_learners, n_samples), ``weights`` shape
    (n_learners,)."""
    order = np.argsort(predictions, axis=0, kind="stable")
    cumulative = np.cumsum(weights[order], axis=0)
    first = np.argmax(cumulative >= 0.5 * cumulative[-1], axis=0)
    columns = np.arange(predictions.shape[1])
    return predictions[order[first, columns], columns]


class _BaseTrAdaBoost(MetaEstimatorMixin, BaseEstimator):
    """What every TrAdaBoost shares: parameter, data and domain validation,
    the training rows (labelled source rows first, then labelled target
    rows) and their initial weights, the paper's boosting loop, the tags.

    Subclasses set ``_task`` (``"classification"`` / ``"regression"``) and
    ``_default_estimator``; the loop measures each learner through
    ``_row_losses`` (in ``[0, 1]``)."""

    _task = "classification"
    _learner_examples = "DecisionTreeClassifier, LogisticRegression, SVC"

    # ------------------------------------------------------------ checks
    def _base_estimator(self):
        if self.estimator is None:
            return self._default_estimator()
        return self.estimator

    def _check_params(self):
        name = type(self).__name__
        check_number(self.n_estimators, "n_estimators", owner=name, integer=True, low=1)
        check_verbose(self.verbose, owner=name)
        est = self._base_estimator()
        kind = "classifier" if self._task == "classification" else "regressor"
        if not (hasattr(est, "fit") and hasattr(est, "predict")
                and hasattr(est, "get_params")):
            raise ValueError(
                f"{name}: estimator must be a scikit-learn {kind}, got {est!r}."
            )
        is_kind = is_classifier if self._task == "classification" else is_regressor
        if not is_kind(est):
            raise ValueError(
                f"{name}: estimator must be a {kind}, got {type(est).__name__}."
            )
        if not has_fit_parameter(est, "sample_weight"):
            raise ValueError(
                f"{name} trains each learner with the boosting weights, but "
                f"{type(est).__name__}.fit does not accept sample_weight. Use a "
                f"learner that does (e.g. {self._learner_examples})."
            )

    def _allows_nan(self):
        return get_tags(self._base_estimator()).input_tags.allow_nan

    def _check_X(self, X, *, reset):
        X = validate_numeric(
            self, X, accept_sparse="csr", dtype=np.float64, reset=reset,
            ensure_all_finite="allow-nan" if self._allows_nan() else True,
            ensure_min_samples=2 if reset else 1,
        )
        check_magnitude(X, owner=type(self).__name__)
        return X

    def _validate_fit(self, X, y, sample_domain, sample_weight):
        """Training rows, labels and initial weights; raises before any
        learner is trained."""
        name = type(self).__name__
        how = _how_to_mark_target(self._task)
        self._check_params()
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None: pass "
                "the labels of the source rows and of a few target rows."
            )
        if sample_domain is None:
            raise ValueError(
                f"{name} needs sample_domain to tell labelled target rows from "
                f"labelled source rows: {how}"
            )
        X = self._check_X(X, reset=True)
        y = check_masked_labels(y, X.shape[0], task=self._task)
        sample_domain = check_sample_domain(sample_domain, X.shape[0])
        data = DomainData.from_fit(X, y, sample_domain, task=self._task)
        source = np.flatnonzero(data.labelled & data.is_source)
        target = np.flatnonzero(data.labelled & data.is_target)
        if target.shape[0] == 0:
            raise ValueError(
                f"{name}: no labelled target row. TrAdaBoost learns from a few "
                f"labelled target rows besides the source rows: {how}"
            )
        weights = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        weights = np.r_[weights[source], weights[target]]
        if weights[source.shape[0]:].sum() <= 0 or weights.sum() <= 0:
            raise ValueError(
                f"{name}: sample_weight gives the labelled target rows a total "
                "weight of 0; the target error would be undefined. Give them "
                "positive weights."
            )
        return X, y, source, target, weights

    def _training_rows(self, X, y, sample_domain, sample_weight):
        """Validated training set: ``X``, ``y`` of the labelled source rows
        then the labelled target rows, the target mask, the initial weights
        normalised to sum 1; sets ``source_index_`` and ``target_index_``."""
        X, y, source, target, weights = self._validate_fit(
            X, y, sample_domain, sample_weight)
        rows = np.r_[source, target]
        is_target = np.r_[np.zeros(source.shape[0], bool), np.ones(target.shape[0], bool)]
        self.source_index_, self.target_index_ = source, target
        return X[rows], y[rows], is_target, weights / weights.sum()

    # ------------------------------------------------------- the paper
    def _source_correction(self, error):
        """Factor multiplying every source weight after a round of target
        error ``error``: 1, the paper's update."""
        return 1.0

    def _boost(self, X_train, y_train, is_target, weights):
        r"""The paper's rounds: train on :math:`p^t`, target error
        :math:`\epsilon_t` (mean of the row losses over the target rows,
        weighted), then :math:`C_t w_i \beta^{e_i}` on source rows
        (:math:`C_t` from :meth:`_source_correction`, 1 in the paper) and
        :math:`w_i \beta_t^{-e_i}` on target rows, normalised. Sets the
        fitted attributes of the rounds; returns the factors :math:`C_t`."""
        self.source_beta_ = _paper_source_beta(int((~is_target).sum()), self.n_estimators)
        rng = check_random_state(self.random_state)
        self.estimators_, errors, betas, corrections = [], [], [], []
        progress = Progress(self.verbose, type(self).__name__, total=self.n_estimators)
        for t in range(1, self.n_estimators + 1):
            learner = clone(self._base_estimator())
            _set_random_states(learner, rng)
            learner.fit(X_train, y_train, sample_weight=weights * y_train.shape[0])
            losses = self._row_losses(learner.predict(X_train), y_train)
            error = ((weights * losses)[is_target].sum()
                     / weights[is_target].sum())
            beta_t = _learner_beta(error)
            correction = self._source_correction(error)
            factor = np.where(is_target, 1.0 / beta_t, self.source_beta_)
            # times 1.0 (exact) on target rows and, without correction, on all
            weights = weights * factor ** losses * np.where(is_target, 1.0, correction)
            weights = weights / weights.sum()
            self.estimators_.append(learner)
            errors.append(error)
            betas.append(beta_t)
            corrections.append(correction)
            progress.step(t, f"target error {error:.4f}, learner weight "
                             f"{np.log(1.0 / beta_t):.4g}")
        self.estimator_errors_ = np.asarray(errors)
        self.estimator_weights_ = np.log(1.0 / np.asarray(betas))
        self.source_weights_ = weights[~is_target]
        self.target_weights_ = weights[is_target]
        return np.asarray(corrections)

    # ------------------------------------------------------- prediction
    def _validate_predict(self, X, sample_domain):
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        if sample_domain is not None:  # accepted for the contract; unused
            check_sample_domain(sample_domain, X.shape[0])
        return X

    def _score_labelled(self, X, y, sample_domain, sample_weight, metric):
        """``metric`` on the labelled rows of ``(X, y)``."""
        y = column_or_1d(y, warn=True)
        keep = labelled_mask(y, task=self._task)
        if not keep.any():
            raise ValueError(
                "score needs labelled rows, but every label in y is masked; pass "
                "labelled rows."
            )
        X = self._validate_predict(X, sample_domain)
        sw = None if sample_weight is None else np.asarray(sample_weight)[keep]
        return metric(y[keep], self._predict_rows(X[keep]), sample_weight=sw)

    # --------------------------------------------------- sklearn machinery
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.required = True
        return tags


class TrAdaBoostClassifier(ClassifierMixin, _BaseTrAdaBoost):
    r"""TrAdaBoost: boosting that trusts the source rows that agree with the
    target (Dai, Yang, Xue & Yu, ICML 2007).

    The data are :math:`n` labelled source rows and :math:`m` labelled
    target rows (``sample_domain`` tells them apart); each carries a weight
    :math:`w_i`, initially 1 (or ``sample_weight``). At each round
    :math:`t = 1, \dots, N` (``N = n_estimators``):

    1. :math:`p^t = w^t / \sum_i w^t_i`; a learner :math:`h_t` is trained on
       all :math:`n + m` labelled rows with weights :math:`p^t`;
    2. its error on the target rows only,

       .. math::

           \epsilon_t = \frac{\sum_{i=n+1}^{n+m} w^t_i\, |h_t(x_i) - y_i|}
                             {\sum_{i=n+1}^{n+m} w^t_i},
           \qquad \beta_t = \frac{\epsilon_t}{1 - \epsilon_t},
           \qquad \beta = \frac{1}{1 + \sqrt{2 \ln n / N}};

    3. misclassified source rows lose weight, misclassified target rows gain
       weight:

       .. math::

           w^{t+1}_i = \begin{cases}
               w^t_i\, \beta^{|h_t(x_i) - y_i|} & 1 \le i \le n
                   \text{ (source)}\\
               w^t_i\, \beta_t^{-|h_t(x_i) - y_i|} & n < i \le n + m
                   \text{ (target)},
           \end{cases}

       and the weights are normalised to sum 1. With
       ``correction="dynamic"`` (Al-Stouhi & Reddy 2011) the source rows are
       also multiplied by :math:`C_t = 2(1 - \epsilon_t)` (see Notes).

    The output is the vote of the learners of the second half of the rounds,
    :math:`t = \lceil N/2 \rceil, \dots, N`:

    .. math::

        h_f(x) = 1 \iff \prod_{t=\lceil N/2 \rceil}^{N} \beta_t^{-h_t(x)}
        \ge \prod_{t=\lceil N/2 \rceil}^{N} \beta_t^{-1/2}
        \iff \sum_t \alpha_t \big(h_t(x) - \tfrac12\big) \ge 0,
        \qquad \alpha_t = \ln(1/\beta_t).

    Parameters
    ----------
    estimator : classifier, default=None
        Base learner; its ``fit`` must accept ``sample_weight`` (checked).
        ``None``: ``DecisionTreeClassifier(max_depth=3)``.
    n_estimators : int, default=50
        Number of boosting rounds :math:`N`; every round's learner is kept.
    correction : {None, "dynamic"}, default=None
        ``None``: the paper's updates, exactly. ``"dynamic"``: dynamic
        TrAdaBoost (Al-Stouhi & Reddy, ECML-PKDD 2011), which multiplies
        every source weight by :math:`C_t = 2(1 - \epsilon_t)` at each
        round so that the source rows the learner gets right keep their
        weight relative to the target rows (see Notes). The vote is the
        same.
    random_state : int, RandomState instance or None, default=None
        Seeds every ``random_state`` parameter of each clone of the base
        learner (scikit-learn's ``_set_random_states``), for reproducible
        fits.
    verbose : int, default=0
        ``1``: about ten lines per fit (the round, its target error and
        learner weight); ``2``: one per round.

    Attributes
    ----------
    estimators_ : list of classifiers
        The :math:`N` fitted learners :math:`h_1, \dots, h_N`.
    estimator_weights_ : ndarray of shape (n_estimators,)
        Vote weights :math:`\alpha_t = \ln(1 / \beta_t)` (computed with the
        clipped error, so finite and positive); only the last
        ``n_estimators - ceil(n_estimators / 2) + 1`` take part in the vote.
    estimator_errors_ : ndarray of shape (n_estimators,)
        Target errors :math:`\epsilon_t` as measured (not clipped).
    source_beta_ : float
        The source factor :math:`\beta`.
    correction_factors_ : ndarray of shape (n_estimators,)
        The factor :math:`C_t` each round applied to every source weight:
        :math:`2(1 - \epsilon_t)` (clipped error) with
        ``correction="dynamic"``, 1 with ``correction=None``.
    source_index_, target_index_ : ndarray of int
        Positions in the ``X`` passed to ``fit`` of the labelled source and
        labelled target rows (the rows boosting works on).
    source_weights_, target_weights_ : ndarray of float
        Weights :math:`w^{N+1}` of those rows after the last update,
        normalised so that ``source_weights_.sum() + target_weights_.sum()
        == 1``. A source row with a small weight was misclassified by many
        learners that fit the target: it was not trusted.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Notes
    -----
    **Data.** Labelled source rows (positive ``sample_domain``) and labelled
    target rows (negative ``sample_domain``) are the training rows;
    unlabelled rows (``y = -1`` or ``NaN``) of either domain are allowed
    and ignored, since TrAdaBoost uses no unlabelled data. ``sample_domain``
    is required: without it, the contract of :mod:`sktransfer.domain` makes
    every labelled row a source row, and TrAdaBoost needs labelled target
    rows. All source domains are pooled into one source, all target
    domains into one target. At ``predict`` time domains play no part.

    **Loss.** The learners output hard labels, so :math:`|h_t(x) - y|` is
    :math:`\mathbb{1}[h_t(x) \ne y]`, which is the paper's loss for labels
    in :math:`\{0, 1\}` and its extension to several classes.

    **Edge cases of** :math:`\epsilon_t` (the paper assumes
    :math:`0 < \epsilon_t < 1/2`). :math:`\epsilon_t` is clipped to
    :math:`[\delta, 1/2 - \delta]`, :math:`\delta` = ``ERROR_CLIP`` =
    1e-10, before :math:`\beta_t` is formed; boosting never stops early.

    * :math:`\epsilon_t = 0` (the learner fits every target row): no target
      row is misclassified, so the target weights do not change (clipping
      only avoids :math:`0^{-0}`); misclassified source rows still lose
      weight; the learner's vote weight is capped at
      :math:`\ln((1 - \delta)/\delta) \approx 23`, the largest any learner
      can get. Stopping there instead would leave a one-learner vote
      whenever the base learner can fit the few target rows (a deep tree
      always can), which throws away the transfer.
    * :math:`\epsilon_t \ge 1/2` (no better than chance on the target
      rows): :math:`\beta_t \approx 1`, so the target weights do not change
      and the learner's vote weight is :math:`\approx 4\delta`, i.e. it
      counts only to break ties between learners as weak as itself.
      Misclassified source rows still lose weight by :math:`\beta`, which
      shifts the distribution towards the target rows until the learners
      fit them; this happens in the first rounds when the source and target
      concepts differ. The unclipped formula would instead *reduce* the
      weight of misclassified target rows and give the learner a negative
      vote. Limitation: weights then move only through misclassified
      source rows, so when the learner fits every source row and no target
      row, the distribution does not change and the following rounds repeat
      this one (the source and target concepts contradict each other
      wherever the learner can tell).

    **Dynamic correction** (``correction="dynamic"``, dynamic TrAdaBoost of
    Al-Stouhi & Reddy 2011). The source update of step 3 becomes

    .. math::

        w^{t+1}_i = C_t\, w^t_i\, \beta^{|h_t(x_i) - y_i|}
        \quad (1 \le i \le n), \qquad C_t = 2 (1 - \epsilon_t),

    the target update, :math:`\beta`, :math:`\beta_t` and the vote being
    unchanged. Why: the target update multiplies the total target weight
    by :math:`(1 - \epsilon_t) + \epsilon_t / \beta_t = 2(1 -
    \epsilon_t)`, so in the paper's rules every source row, even one the
    learner gets right, loses that factor relative to the target rows at
    every round (the "weight drift" of the source weights, which then
    fall faster than the :math:`\beta` per mistake that the
    weighted-majority analysis intends). :math:`C_t` cancels it: a source
    row keeps its weight relative to the target total unless it is
    misclassified. :math:`\epsilon_t` is the clipped error (as for
    :math:`\beta_t`), so :math:`1 < C_t < 2`; the paper assumes
    :math:`0 < \epsilon_t < 1/2`. Consequences at the edges:
    :math:`\epsilon_t \ge 1/2` gives :math:`C_t \approx 1` (the target
    weights do not move, nothing is corrected), and :math:`\epsilon_t = 0`
    gives :math:`C_t \approx 2` while the target weights do not move (the
    formula taken as the paper states it), so the source rows double
    their weight relative to the target rows at such a round. With
    several classes the same factor is used (the total target weight
    grows by :math:`2(1 - \epsilon_t)` with the 0/1 loss as well).

    **Several classes** (an extension; binary problems follow the paper
    exactly). The loss above and the weighted majority of the last-half
    learners: class :math:`k` gets the vote
    :math:`V_k(x) = \sum_t \alpha_t \mathbb{1}[h_t(x) = k]` and the
    prediction is :math:`\arg\max_k V_k(x)` (ties: the first class in
    ``classes_``). The error bound of the paper is not claimed for this
    case, and :math:`\epsilon_t < 1/2` is still what makes a learner count
    (stricter than SAMME's :math:`1 - 1/K`).

    **Outputs.** ``decision_function``: binary, the log-ratio of the two
    sides of the paper's test, :math:`\sum_t \alpha_t (h_t(x) - 1/2)`
    (:math:`\ge 0` predicts ``classes_[1]``, as the paper's
    :math:`\ge`); several classes, the votes :math:`V_k(x)`.
    ``predict_proba``: the votes normalised to sum 1,
    :math:`V_k(x) / \sum_t \alpha_t` -- vote shares, not calibrated
    probabilities. ``staged_*`` give the vote after each round :math:`t`,
    made of learners :math:`\lceil t/2 \rceil, \dots, t`, so the last stage
    is the final model.

    **Other deviations.** The learner of round :math:`t` is trained with
    ``sample_weight`` :math:`(n + m)\, p^t` (the paper's distribution scaled
    to mean 1, so that a regularised learner sees the usual data scale; a
    tree is unaffected). ``sample_weight`` passed to ``fit`` gives the
    initial weights :math:`w^1` (the paper allows any).

    References
    ----------
    W. Dai, Q. Yang, G.-R. Xue, Y. Yu. Boosting for Transfer Learning.
    ICML 2007.
    S. Al-Stouhi, C. K. Reddy. Adaptive Boosting for Transfer Learning
    using Dynamic Updates. ECML-PKDD 2011 (LNCS 6911), pp. 60-75.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.instance._tradaboost import TrAdaBoostClassifier
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 2)); ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = rng.normal(size=(20, 2)); yt = (Xt[:, 0] + Xt[:, 1] > 0).astype(int)
    >>> X, y = np.vstack([Xs, Xt]), np.r_[ys, yt]
    >>> sd = np.r_[np.ones(200, int), -np.ones(20, int)]
    >>> clf = TrAdaBoostClassifier(n_estimators=10, random_state=0)
    >>> clf.fit(X, y, sample_domain=sd).predict(Xt).shape
    (20,)
    """

    def __init__(self, estimator=None, *, n_estimators=50, correction=None,
                 random_state=None, verbose=0):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.correction = correction
        self.random_state = random_state
        self.verbose = verbose

    def _default_estimator(self):
        return DecisionTreeClassifier(max_depth=3)

    def _check_params(self):
        super()._check_params()
        check_option(self.correction, "correction", CORRECTIONS,
                     owner=type(self).__name__)

    def _source_correction(self, error):
        r""":math:`C_t = 2(1 - \epsilon_t)` with ``correction="dynamic"``,
        else 1."""
        if self.correction == "dynamic":
            return _dynamic_correction(error)
        return 1.0

    def _row_losses(self, pred, y):
        r""":math:`\mathbb{1}[h_t(x_i) \ne y_i]`."""
        return (pred != y).astype(np.float64)

    # --------------------------------------------------------------- fit
    def fit(self, X, y, sample_domain=None, sample_weight=None):
        """Run the :math:`N` boosting rounds.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows stacked. ``NaN`` is accepted when the
            base learner accepts it (the default tree does).
        y : array-like of shape (n_samples,)
            Labels; unlabelled rows (``-1`` or ``NaN``) are ignored.
        sample_domain : array-like of int of shape (n_samples,)
            Required: positive on source rows, negative on target rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Initial weights :math:`w^1` (1 by default).

        Returns
        -------
        self : object
        """
        X_train, y_train, is_target, weights = self._training_rows(
            X, y, sample_domain, sample_weight)
        self.classes_ = np.unique(y_train)
        self.correction_factors_ = self._boost(X_train, y_train, is_target, weights)
        return self

    # ------------------------------------------------------------- votes
    def _learner_votes(self, t, X):
        """``alpha_t`` times the one-hot prediction of learner ``t``."""
        pred = np.searchsorted(self.classes_, self.estimators_[t].predict(X))
        votes = np.zeros((X.shape[0], self.classes_.shape[0]))
        votes[np.arange(X.shape[0]), pred] = self.estimator_weights_[t]
        return votes

    def _final_votes(self, X):
        start = _vote_start(len(self.estimators_))
        votes = sum(self._learner_votes(t, X) for t in range(start, len(self.estimators_)))
        return votes, self.estimator_weights_[start:].sum()

    def _staged_votes(self, X):
        """Votes and total vote weight after each round (learners
        ``ceil(t/2) .. t``); a running window sum."""
        per_learner, votes, start = [], 0.0, 0
        for t in range(len(self.estimators_)):
            per_learner.append(self._learner_votes(t, X))
            votes = votes + per_learner[t]
            new_start = _vote_start(t + 1)
            for s in range(start, new_start):
                votes = votes - per_learner[s]
                per_learner[s] = None
            start = new_start
            yield votes, self.estimator_weights_[start:t + 1].sum()

    def _predict_rows(self, X):
        return self._predict_from(*self._final_votes(X))

    def _decision(self, votes, total):
        if self.classes_.shape[0] == 2:
            return votes[:, 1] - 0.5 * total
        return votes

    def _predict_from(self, votes, total):
        if self.classes_.shape[0] == 2:
            return self.classes_[(votes[:, 1] - 0.5 * total >= 0).astype(int)]
        return self.classes_[np.argmax(votes, axis=1)]

    # ---------------------------------------------------------- predict
    def decision_function(self, X, sample_domain=None):
        r"""Binary: :math:`\sum_t \alpha_t (h_t(x) - 1/2)` over the vote's
        learners (:math:`\ge 0` predicts ``classes_[1]``); several classes:
        the votes :math:`V_k(x)`, shape ``(n_samples, n_classes)``.

        ``sample_domain`` is accepted for the domain data contract and
        checked, but the prediction does not depend on it.
        """
        X = self._validate_predict(X, sample_domain)
        return self._decision(*self._final_votes(X))

    def predict(self, X, sample_domain=None):
        """The weighted vote of the learners of rounds ``ceil(N/2) .. N``."""
        X = self._validate_predict(X, sample_domain)
        return self._predict_from(*self._final_votes(X))

    def predict_proba(self, X, sample_domain=None):
        r"""Vote shares :math:`V_k(x) / \sum_t \alpha_t` (rows sum to 1);
        not calibrated probabilities."""
        X = self._validate_predict(X, sample_domain)
        votes, total = self._final_votes(X)
        return votes / total

    def predict_log_proba(self, X, sample_domain=None):
        """Logarithm of :meth:`predict_proba` (``-inf`` for a class no
        learner of the vote predicts)."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, sample_domain))

    def staged_predict(self, X, sample_domain=None):
        """Prediction of the vote after each round ``t`` (learners
        ``ceil(t/2) .. t``); the last one equals :meth:`predict`.

        Yields
        ------
        y : ndarray of shape (n_samples,)
        """
        X = self._validate_predict(X, sample_domain)
        for votes, total in self._staged_votes(X):
            yield self._predict_from(votes, total)

    def staged_decision_function(self, X, sample_domain=None):
        """:meth:`decision_function` of the vote after each round."""
        X = self._validate_predict(X, sample_domain)
        for votes, total in self._staged_votes(X):
            yield self._decision(votes, total)

    def staged_predict_proba(self, X, sample_domain=None):
        """:meth:`predict_proba` of the vote after each round."""
        X = self._validate_predict(X, sample_domain)
        for votes, total in self._staged_votes(X):
            yield votes / total

    def score(self, X, y, sample_domain=None, sample_weight=None):
        """Accuracy on the labelled rows of ``(X, y)``; rows with a masked
        label (``-1`` or ``NaN``) are left out. In a cross-validation with
        ``y`` holding labelled source and target rows, this is the accuracy
        on both (pass a target scorer, e.g.
        :class:`sktransfer.model_selection.SupervisedTargetScorer`, to score
        target rows only)."""
        return self._score_labelled(X, y, sample_domain, sample_weight,
                                    accuracy_score)


class _BaseTrAdaBoostRegressor(RegressorMixin, _BaseTrAdaBoost):
    """Regression parts shared by TrAdaBoost.R2 and the two-stage version:
    the default tree, the loss, the weighted median, ``score``."""

    _task = "regression"
    _learner_examples = "DecisionTreeRegressor, Ridge, SVR"

    def _default_estimator(self):
        return DecisionTreeRegressor(max_depth=3)

    def _check_params(self):
        super()._check_params()
        check_option(self.loss, "loss", REGRESSION_LOSSES, owner=type(self).__name__)

    def _row_losses(self, pred, y):
        return _adjusted_errors(pred, y, self.loss)

    def _all_predictions(self, X):
        return np.array([est.predict(X) for est in self.estimators_])

    def _median_of(self, predictions, start, stop):
        return _weighted_median(predictions[start:stop],
                                self.estimator_weights_[start:stop])

    def predict(self, X, sample_domain=None):
        """The weighted median of the learners' predictions (see Notes).

        ``sample_domain`` is accepted for the domain data contract and
        checked, but the prediction does not depend on it.
        """
        X = self._validate_predict(X, sample_domain)
        return self._predict_rows(X)

    def score(self, X, y, sample_domain=None, sample_weight=None):
        """:math:`R^2` on the labelled rows of ``(X, y)``; rows with a
        masked label (``NaN``) are left out."""
        return self._score_labelled(X, y, sample_domain, sample_weight, r2_score)


class TrAdaBoostRegressor(_BaseTrAdaBoostRegressor):
    r"""TrAdaBoost.R2: TrAdaBoost for regression (Pardoe & Stone, ICML
    2010), with the adjusted errors of AdaBoost.R2 (Drucker 1997).

    The data are :math:`n` labelled source rows and :math:`m` labelled
    target rows (``sample_domain`` tells them apart), with weights
    :math:`w_i` (1, or ``sample_weight``). At each round
    :math:`t = 1, \dots, N` (``N = n_estimators``):

    1. a learner :math:`h_t` is trained on all :math:`n + m` rows with
       the weights :math:`p^t = w^t / \sum_i w^t_i`;
    2. adjusted errors, with :math:`D_t = \max_{i \le n + m}
       |h_t(x_i) - y_i|` over the source *and* target rows:

       .. math::

           e^t_i = \frac{|h_t(x_i) - y_i|}{D_t} \ (\text{linear}), \quad
           \Big(\frac{|h_t(x_i) - y_i|}{D_t}\Big)^2 \ (\text{square}), \quad
           1 - \exp\Big(-\frac{|h_t(x_i) - y_i|}{D_t}\Big) \
           (\text{exponential});

    3. the error on the target rows and the factors:

       .. math::

           \epsilon_t = \frac{\sum_{i=n+1}^{n+m} w^t_i e^t_i}
                             {\sum_{i=n+1}^{n+m} w^t_i}, \qquad
           \beta_t = \frac{\epsilon_t}{1 - \epsilon_t}, \qquad
           \beta = \frac{1}{1 + \sqrt{2 \ln n / N}};

    4. :math:`w^{t+1}_i = w^t_i \beta^{e^t_i}` on source rows,
       :math:`w^t_i \beta_t^{-e^t_i}` on target rows, normalised to sum 1.

    The output is the weighted median of :math:`h_t(x)`,
    :math:`t = \lceil N/2 \rceil, \dots, N`, with weights
    :math:`\alpha_t = \ln(1/\beta_t)`: the smallest of these predictions
    (sorted increasingly) whose cumulative weight reaches
    :math:`\frac12 \sum_t \alpha_t` (the rule of AdaBoost.R2 and of
    scikit-learn's ``AdaBoostRegressor``).

    Parameters
    ----------
    estimator : regressor, default=None
        Base learner; its ``fit`` must accept ``sample_weight`` (checked).
        ``None``: ``DecisionTreeRegressor(max_depth=3)``.
    n_estimators : int, default=50
        Number of boosting rounds :math:`N`.
    loss : {"linear", "square", "exponential"}, default="linear"
        Adjusted error :math:`e^t_i` above.
    random_state : int, RandomState instance or None, default=None
        Seeds every ``random_state`` parameter of each clone of the base
        learner.
    verbose : int, default=0
        ``1``: about ten lines per fit (the round, its target error and
        learner weight); ``2``: one per round.

    Attributes
    ----------
    estimators_ : list of regressors
        The :math:`N` fitted learners.
    estimator_weights_ : ndarray of shape (n_estimators,)
        :math:`\alpha_t = \ln(1/\beta_t)` (clipped error: finite, positive);
        only the last ``n_estimators - ceil(n_estimators / 2) + 1`` enter
        the median.
    estimator_errors_ : ndarray of shape (n_estimators,)
        Target errors :math:`\epsilon_t` as measured (not clipped).
    source_beta_ : float
        The source factor :math:`\beta`.
    source_index_, target_index_ : ndarray of int
        Positions in the ``X`` passed to ``fit`` of the labelled source and
        target rows.
    source_weights_, target_weights_ : ndarray of float
        Weights :math:`w^{N+1}` after the last update, normalised so that
        together they sum to 1.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Notes
    -----
    **Data** are handled as by :class:`TrAdaBoostClassifier`:
    ``sample_domain`` is required, unlabelled rows (``y = NaN``) are
    ignored, source domains are pooled and so are target domains.

    **Edge cases**, decided as for the classifier: :math:`\epsilon_t` is
    clipped to :math:`[\delta, 1/2 - \delta]` (``ERROR_CLIP``) before
    :math:`\beta_t` is formed and boosting never stops early (the paper
    stops at :math:`\epsilon_t \ge 1/2`). :math:`\epsilon_t = 0`: every
    target row is fitted exactly, the target weights do not change and the
    learner gets the largest weight :math:`\ln((1-\delta)/\delta)`.
    :math:`\epsilon_t \ge 1/2`: :math:`\beta_t \approx 1`, the target
    weights do not change and the learner's median weight is
    :math:`\approx 4\delta`. :math:`D_t = 0` (every row predicted exactly):
    all adjusted errors are 0, so no weight changes.

    **Other deviations.** As the classifier: the learner is trained with
    ``sample_weight`` :math:`(n + m) p^t`.

    **No dynamic correction.** :class:`TrAdaBoostClassifier`'s
    ``correction="dynamic"`` (Al-Stouhi & Reddy 2011) is not offered here:
    its factor :math:`C_t = 2(1 - \epsilon_t)` is the growth of the total
    target weight under 0/1 losses, whereas with adjusted errors
    :math:`e_i \in [0, 1]` the target total grows by
    :math:`\sum_i p_i \beta_t^{-e_i} / \sum_i p_i \le 2(1 - \epsilon_t)`
    (convexity of :math:`\beta_t^{-e}`, equality only for errors in
    :math:`\{0, 1\}`), so the same factor would over-correct, and the
    paper states none for regression.

    References
    ----------
    D. Pardoe, P. Stone. Boosting for Regression Transfer. ICML 2010.
    H. Drucker. Improving Regressors using Boosting Techniques. ICML 1997.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.instance import TrAdaBoostRegressor
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(200, 2)); ys = Xs[:, 0]
    >>> Xt = rng.normal(size=(20, 2)); yt = Xt[:, 0] + Xt[:, 1]
    >>> X, y = np.vstack([Xs, Xt]), np.r_[ys, yt]
    >>> sd = np.r_[np.ones(200, int), -np.ones(20, int)]
    >>> reg = TrAdaBoostRegressor(n_estimators=10, random_state=0)
    >>> reg.fit(X, y, sample_domain=sd).predict(Xt).shape
    (20,)
    """

    def __init__(self, estimator=None, *, n_estimators=50, loss="linear",
                 random_state=None, verbose=0):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.loss = loss
        self.random_state = random_state
        self.verbose = verbose

    def fit(self, X, y, sample_domain=None, sample_weight=None):
        """Run the :math:`N` boosting rounds.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,)
            Targets; unlabelled rows (``NaN``) are ignored.
        sample_domain : array-like of int of shape (n_samples,)
            Required: positive on source rows, negative on target rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Initial weights :math:`w^1` (1 by default).

        Returns
        -------
        self : object
        """
        X_train, y_train, is_target, weights = self._training_rows(
            X, y, sample_domain, sample_weight)
        self._boost(X_train, y_train, is_target, weights)
        return self

    def _predict_rows(self, X):
        n = len(self.estimators_)
        return self._median_of(self._all_predictions(X), _vote_start(n), n)

    def staged_predict(self, X, sample_domain=None):
        """Prediction after each round ``t``: the weighted median of
        learners ``ceil(t/2) .. t``; the last one equals :meth:`predict`.

        Yields
        ------
        y : ndarray of shape (n_samples,)
        """
        X = self._validate_predict(X, sample_domain)
        predictions = self._all_predictions(X)
        for t in range(1, len(self.estimators_) + 1):
            yield self._median_of(predictions, _vote_start(t), t)


def _frozen_source_adaboost_r2(learner, X, y, is_target, weights, *, n_estimators,
                               loss, rng):
    r"""AdaBoost.R2' of Pardoe & Stone: AdaBoost.R2 (Drucker 1997) whose
    source weights never change. Returns the learners and their weights
    :math:`\ln(1/\beta_k)`.

    Round :math:`k`: train on :math:`p = w / \sum w`; adjusted errors
    :math:`e_i` (:func:`_adjusted_errors`, all rows); error
    :math:`\bar L = \sum_i p_i e_i` over all rows;
    :math:`\beta_k = \bar L/(1 - \bar L)` (clipped, :func:`_learner_beta`);
    target rows :math:`w_i \leftarrow w_i \beta_k^{1 - e_i}`, source rows
    unchanged."""
    weights = weights / weights.sum()
    learners, betas = [], []
    for _ in range(n_estimators):
        model = clone(learner)
        _set_random_states(model, rng)
        model.fit(X, y, sample_weight=weights * y.shape[0])
        losses = _adjusted_errors(model.predict(X), y, loss)
        beta = _learner_beta((weights * losses).sum())
        weights = np.where(is_target, weights * beta ** (1.0 - losses), weights)
        weights = weights / weights.sum()
        learners.append(model)
        betas.append(beta)
    return learners, np.log(1.0 / np.asarray(betas))


def _reweight_source(weights, losses, is_target, share):
    r"""Stage 1 of two-stage TrAdaBoost.R2: source weights
    :math:`w_i \beta_s^{e_i}`, :math:`\beta_s \in [0, 1]` found by bisection
    so that the target rows hold the fraction ``share`` of the total weight;
    target weights unchanged; the result normalised to sum 1. Returns the
    weights and :math:`\beta_s`.

    The bisection is closed by a common factor on the source weights that
    hits ``share`` exactly. When even :math:`\beta_s = 0` leaves too much
    source weight (source rows with :math:`e_i = 0` keep theirs), the
    source rows with :math:`e_i > 0` get 0 and the others are scaled down
    by that common factor; ``share = 1`` sets every source weight to 0."""
    target_total = weights[is_target].sum()
    source, errors = weights[~is_target], losses[~is_target]
    wanted = target_total * (1.0 - share) / share

    def source_total(beta):
        return (source * beta ** errors).sum()

    if wanted <= 0:
        beta, new_source = 0.0, np.zeros_like(source)
    else:
        low, high = 0.0, 1.0
        if source_total(0.0) < wanted:
            for _ in range(100):
                middle = 0.5 * (low + high)
                low, high = (middle, high) if source_total(middle) < wanted else (low, middle)
            beta = high
        else:
            beta = 0.0
        new_source = source * beta ** errors
        new_source *= wanted / new_source.sum()
    out = weights.copy()
    out[~is_target] = new_source
    return out / out.sum(), beta


class TwoStageTrAdaBoostRegressor(_BaseTrAdaBoostRegressor):
    r"""Two-stage TrAdaBoost.R2 (Pardoe & Stone, ICML 2010, Algorithm 3).

    :math:`n` labelled source rows, :math:`m` labelled target rows, weights
    :math:`w^1` (uniform, or ``sample_weight``) normalised to sum 1.
    Step :math:`s = 1, \dots, S` (``S = n_steps``) works on weights
    :math:`w^s` whose target rows hold the share

    .. math::

        \rho_s = \frac{m}{n+m} + \frac{s - 1}{S - 1}\Big(1 - \frac{m}{n+m}\Big)

    of the total weight, from the pooled data (:math:`s = 1`, with uniform
    initial weights) to the target rows alone (:math:`s = S`). At step
    :math:`s`:

    1. **stage 2**: the target error of AdaBoost.R2' (AdaBoost.R2 whose
       source weights are frozen, below) started from :math:`w^s` is
       estimated by ``n_folds``-fold cross-validation on the target rows
       (the folds split the target rows only, shuffled with
       ``random_state``; every source row is always in training): the
       weighted mean squared error of the out-of-fold predictions,
       :math:`\mathrm{err}_s = \sum_{i \in T} w_i (\hat y_i - y_i)^2 /
       \sum_{i \in T} w_i` (with the initial target weights, which stage 1
       never changes relative to each other);
    2. **stage 1**: a learner :math:`h_s` is trained on all rows with
       :math:`w^s`; with its adjusted errors :math:`e^s_i` (as
       :class:`TrAdaBoostRegressor`),

       .. math::

           w^{s+1}_i \propto w^s_i\, \beta_s^{e^s_i} \ \text{(source)}, \qquad
           w^{s+1}_i \propto w^s_i \ \text{(target)},

       with :math:`\beta_s \in [0, 1]` found by bisection so that the
       target share of :math:`w^{s+1}` is :math:`\rho_{s+1}`.

    The step :math:`s^\star = \arg\min_s \mathrm{err}_s` is kept and the
    final model is AdaBoost.R2' trained on all rows from
    :math:`w^{s^\star}`.

    **AdaBoost.R2'** (``n_estimators`` rounds :math:`k`), from weights
    :math:`w`: train :math:`h_k` on :math:`p = w/\sum w`; adjusted errors
    :math:`e_i` over all rows; :math:`\bar L_k = \sum_i p_i e_i` (all
    rows, as AdaBoost.R2); :math:`\beta_k = \bar L_k/(1 - \bar L_k)`;
    target rows :math:`w_i \leftarrow w_i \beta_k^{1 - e_i}`, source rows
    unchanged. Output: the weighted median of all :math:`h_k(x)` with
    weights :math:`\ln(1/\beta_k)`, as AdaBoost.R2.

    Parameters
    ----------
    estimator : regressor, default=None
        Base learner (``sample_weight`` required);
        ``None``: ``DecisionTreeRegressor(max_depth=3)``.
    n_steps : int, default=10
        Number of steps :math:`S \ge 2`.
    n_estimators : int, default=50
        Rounds of AdaBoost.R2' (each cross-validation fit and the final
        model).
    n_folds : int, default=5
        Folds of the cross-validation on the target rows (:math:`\ge 2`,
        at most :math:`m`).
    loss : {"linear", "square", "exponential"}, default="linear"
        Adjusted error, in both stages.
    random_state : int, RandomState instance or None, default=None
        Shuffles the folds and seeds every learner.
    verbose : int, default=0
        ``> 0``: one line per step of the first stage (its cross-validated
        target error).

    Attributes
    ----------
    best_step_ : int
        0-based index :math:`s^\star - 1` of the chosen step.
    cv_errors_ : ndarray of shape (n_steps,)
        Cross-validated target mean squared error of each step.
    target_shares_ : ndarray of shape (n_steps,)
        The schedule :math:`\rho_s`.
    step_betas_ : ndarray of shape (n_steps - 1,)
        The factors :math:`\beta_s` found by the search.
    estimators_ : list of regressors
        Learners of the final AdaBoost.R2'.
    estimator_weights_ : ndarray of shape (n_estimators,)
        Their median weights :math:`\ln(1/\beta_k)`.
    source_index_, target_index_ : ndarray of int
        Positions in ``X`` of the labelled source and target rows.
    source_weights_, target_weights_ : ndarray of float
        The weights :math:`w^{s^\star}` of the chosen step (together summing
        to 1), from which the final model was trained.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names.

    Notes
    -----
    Indexing: the paper's update of step :math:`t` targets the share
    :math:`m/(n+m) + t/(S-1)(1 - m/(n+m))` for the *next* weights, which
    is :math:`\rho_{t+1}` here; so the first step uses the initial weights
    and the last one the target rows alone. At :math:`s = S` the source
    weights are exactly 0.

    Edge cases: :math:`\bar L_k` is clipped as in
    :class:`TrAdaBoostRegressor` (no early stop, the paper's AdaBoost.R2
    stops at :math:`\bar L_k \ge 1/2`); when :math:`\beta_s = 0` is not
    enough to reach the share, see :func:`_reweight_source` (source rows
    fitted exactly are scaled down by a common factor). Ties between steps
    go to the earliest.

    Cost: :math:`S (F + 1) N + S - 1` learner fits.

    References
    ----------
    D. Pardoe, P. Stone. Boosting for Regression Transfer. ICML 2010.
    H. Drucker. Improving Regressors using Boosting Techniques. ICML 1997.
    """

    def __init__(self, estimator=None, *, n_steps=10, n_estimators=50, n_folds=5,
                 loss="linear", random_state=None, verbose=0):
        self.estimator = estimator
        self.n_steps = n_steps
        self.n_estimators = n_estimators
        self.n_folds = n_folds
        self.loss = loss
        self.random_state = random_state
        self.verbose = verbose

    def _check_params(self):
        super()._check_params()
        name = type(self).__name__
        check_number(self.n_steps, "n_steps", owner=name, integer=True, low=2)
        check_number(self.n_folds, "n_folds", owner=name, integer=True, low=2)

    def fit(self, X, y, sample_domain=None, sample_weight=None):
        """Run the :math:`S` steps and train the model of the best one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,)
            Targets; unlabelled rows (``NaN``) are ignored.
        sample_domain : array-like of int of shape (n_samples,)
            Required: positive on source rows, negative on target rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Initial weights :math:`w^1` (1 by default).

        Returns
        -------
        self : object
        """
        X_train, y_train, is_target, weights = self._training_rows(
            X, y, sample_domain, sample_weight)
        n_target = int(is_target.sum())
        if n_target < self.n_folds:
            raise ValueError(
                f"{type(self).__name__}: n_folds={self.n_folds} folds of the "
                f"labelled target rows, but there are only {n_target}. Label more "
                "target rows or lower n_folds (>= 2)."
            )
        rng = check_random_state(self.random_state)
        folds = list(KFold(self.n_folds, shuffle=True,
                           random_state=rng.randint(np.iinfo(np.int32).max))
                     .split(np.flatnonzero(is_target)))
        base_share = weights[is_target].sum()
        shares = base_share + np.arange(self.n_steps) / (self.n_steps - 1) * (1 - base_share)
        shares[-1] = 1.0
        errors, betas, step_weights = [], [], []
        progress = Progress(2 if self.verbose else 0, type(self).__name__,
                            total=self.n_steps)
        for s in range(self.n_steps):
            step_weights.append(weights)
            errors.append(self._cv_error(X_train, y_train, is_target, weights,
                                         folds, rng))
            progress.step(s + 1, f"target share {shares[s]:.3f}, cross-validated "
                                 f"target error {errors[-1]:.4g}")
            if s + 1 < self.n_steps:
                weights, beta = self._next_weights(X_train, y_train, is_target,
                                                   weights, shares[s + 1], rng)
                betas.append(beta)
        self.cv_errors_ = np.asarray(errors)
        self.best_step_ = int(np.argmin(self.cv_errors_))
        self.target_shares_ = shares
        self.step_betas_ = np.asarray(betas)
        best = step_weights[self.best_step_]
        self.source_weights_, self.target_weights_ = best[~is_target], best[is_target]
        self.estimators_, self.estimator_weights_ = self._stage_two(
            X_train, y_train, is_target, best, rng)
        return self

    def _stage_two(self, X, y, is_target, weights, rng):
        return _frozen_source_adaboost_r2(
            self._base_estimator(), X, y, is_target, weights,
            n_estimators=self.n_estimators, loss=self.loss, rng=rng)

    def _cv_error(self, X, y, is_target, weights, folds, rng):
        """Weighted MSE of the out-of-fold predictions on the target rows."""
        target = np.flatnonzero(is_target)
        source = np.flatnonzero(~is_target)
        predicted = np.empty(target.shape[0])
        for train, test in folds:
            rows = np.r_[source, target[train]]
            learners, alphas = self._stage_two(X[rows], y[rows], is_target[rows],
                                               weights[rows], rng)
            outputs = np.array([est.predict(X[target[test]]) for est in learners])
            predicted[test] = _weighted_median(outputs, alphas)
        w = weights[target]
        return float((w * (predicted - y[target]) ** 2).sum() / w.sum())

    def _next_weights(self, X, y, is_target, weights, share, rng):
        learner = clone(self._base_estimator())
        _set_random_states(learner, rng)
        learner.fit(X, y, sample_weight=weights * y.shape[0])
        losses = _adjusted_errors(learner.predict(X), y, self.loss)
        return _reweight_source(weights, losses, is_target, share)

    def _predict_rows(self, X):
        return self._median_of(self._all_predictions(X), 0, len(self.estimators_))

    def staged_predict(self, X, sample_domain=None):
        """Prediction of the final AdaBoost.R2' after each round ``k``: the
        weighted median of learners ``1 .. k``; the last equals
        :meth:`predict`.

        Yields
        ------
        y : ndarray of shape (n_samples,)
        """
        X = self._validate_predict(X, sample_domain)
        predictions = self._all_predictions(X)
        for k in range(1, len(self.estimators_) + 1):
            yield self._median_of(predictions, 0, k)
