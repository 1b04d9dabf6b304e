"""TrAdaBoost: boosting for transfer learning (Dai, Yang, Xue & Yu, ICML 2007)."""

from __future__ import annotations

from math import ceil, log, sqrt

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    clone,
    is_classifier,
)
from sklearn.ensemble._base import _set_random_states
from sklearn.metrics import accuracy_score
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
    validate_data,
)

from .._validation import check_number
from ..domain import DomainData, check_sample_domain, labelled_mask

__all__ = ["TrAdaBoostClassifier"]

#: Distance from 0 and from 1/2 at which the target error is clipped before
#: ``beta_t = eps_t / (1 - eps_t)`` is formed (see Notes of the class).
ERROR_CLIP = 1e-10

_HOW_TO_MARK_TARGET = (
    "pass fit(X, y, sample_domain=sd) with positive integers on source rows and "
    "negative integers on target rows, and give the few labelled target rows "
    "their true label (unlabelled rows, y = -1, are ignored). In a Pipeline pass "
    "<step>__sample_domain=sd; with metadata routing enabled call "
    "set_fit_request(sample_domain=True)."
)


def _paper_source_beta(n_source, n_estimators):
    r"""The paper's source factor :math:`1 / (1 + \sqrt{2 \ln n / N})`."""
    return 1.0 / (1.0 + sqrt(2.0 * log(n_source) / n_estimators))


def _learner_beta(error):
    r""":math:`\beta_t = \epsilon_t / (1 - \epsilon_t)` with :math:`\epsilon_t`
    clipped to ``[ERROR_CLIP, 1/2 - ERROR_CLIP]``."""
    eps = min(max(error, ERROR_CLIP), 0.5 - ERROR_CLIP)
    return eps / (1.0 - eps)


def _vote_start(n_rounds):
    """0-based index of the first learner of the vote after ``n_rounds``
    rounds: the paper's :math:`t = \\lceil N/2 \\rceil` (1-based)."""
    return ceil(n_rounds / 2) - 1


class TrAdaBoostClassifier(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
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

       and the weights are normalised to sum 1.

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
    random_state : int, RandomState instance or None, default=None
        Seeds every ``random_state`` parameter of each clone of the base
        learner (scikit-learn's ``_set_random_states``), for reproducible
        fits.

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

    def __init__(self, estimator=None, *, n_estimators=50, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.random_state = random_state

    # ------------------------------------------------------------ checks
    def _base_estimator(self):
        if self.estimator is None:
            return DecisionTreeClassifier(max_depth=3)
        return self.estimator

    def _check_params(self):
        name = type(self).__name__
        check_number(self.n_estimators, "n_estimators", owner=name, integer=True, low=1)
        est = self._base_estimator()
        if not (hasattr(est, "fit") and hasattr(est, "predict")
                and hasattr(est, "get_params")):
            raise ValueError(
                f"{name}: estimator must be a scikit-learn classifier, got {est!r}."
            )
        if not is_classifier(est):
            raise ValueError(
                f"{name}: estimator must be a classifier, got {type(est).__name__}."
            )
        if not has_fit_parameter(est, "sample_weight"):
            raise ValueError(
                f"{name} trains each learner with the boosting weights, but "
                f"{type(est).__name__}.fit does not accept sample_weight. Use a "
                "learner that does (e.g. DecisionTreeClassifier, "
                "LogisticRegression, SVC)."
            )

    def _allows_nan(self):
        return get_tags(self._base_estimator()).input_tags.allow_nan

    def _check_X(self, X, *, reset):
        return validate_data(
            self, X, accept_sparse="csr", dtype=np.float64, reset=reset,
            ensure_all_finite="allow-nan" if self._allows_nan() else True,
            ensure_min_samples=2 if reset else 1,
        )

    def _validate_fit(self, X, y, sample_domain, sample_weight):
        """Training rows, labels and initial weights; raises before any
        learner is trained."""
        name = type(self).__name__
        self._check_params()
        if y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None: pass "
                "the labels of the source rows and of a few target rows."
            )
        if sample_domain is None:
            raise ValueError(
                f"{name} needs sample_domain to tell labelled target rows from "
                f"labelled source rows: {_HOW_TO_MARK_TARGET}"
            )
        X = self._check_X(X, reset=True)
        y = column_or_1d(y, warn=True)
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} rows but y has {y.shape[0]} labels; give one "
                "label per row (-1 for unlabelled rows)."
            )
        sample_domain = check_sample_domain(sample_domain, X.shape[0])
        labelled = labelled_mask(y, task="classification")
        check_classification_targets(y[labelled])
        data = DomainData.from_fit(X, y, sample_domain, task="classification")
        source = np.flatnonzero(data.labelled & data.is_source)
        target = np.flatnonzero(data.labelled & data.is_target)
        if target.shape[0] == 0:
            raise ValueError(
                f"{name}: no labelled target row. TrAdaBoost learns from a few "
                f"labelled target rows besides the source rows: {_HOW_TO_MARK_TARGET}"
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
        X, y, source, target, weights = self._validate_fit(
            X, y, sample_domain, sample_weight)
        rows = np.r_[source, target]
        X_train, y_train = X[rows], y[rows]
        is_target = np.r_[np.zeros(source.shape[0], bool), np.ones(target.shape[0], bool)]
        self.classes_ = np.unique(y_train)
        self.source_beta_ = _paper_source_beta(source.shape[0], self.n_estimators)
        rng = check_random_state(self.random_state)
        weights = weights / weights.sum()
        self.estimators_, errors, betas = [], [], []
        for _ in range(self.n_estimators):
            learner = clone(self._base_estimator())
            _set_random_states(learner, rng)
            learner.fit(X_train, y_train, sample_weight=weights * rows.shape[0])
            wrong = learner.predict(X_train) != y_train
            error = weights[is_target & wrong].sum() / weights[is_target].sum()
            beta_t = _learner_beta(error)
            weights = self._update_weights(weights, wrong, is_target, beta_t)
            self.estimators_.append(learner)
            errors.append(error)
            betas.append(beta_t)
        self.estimator_errors_ = np.asarray(errors)
        self.estimator_weights_ = np.log(1.0 / np.asarray(betas))
        self.source_index_, self.target_index_ = source, target
        self.source_weights_ = weights[~is_target]
        self.target_weights_ = weights[is_target]
        return self

    def _update_weights(self, weights, wrong, is_target, beta_t):
        """The paper's update, then normalisation to sum 1."""
        factor = np.where(is_target, 1.0 / beta_t, self.source_beta_)
        new = weights * np.where(wrong, factor, 1.0)
        return new / new.sum()

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

    def _validate_predict(self, X, sample_domain):
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        if sample_domain is not None:  # accepted for the contract; unused
            check_sample_domain(sample_domain, X.shape[0])
        return X

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
        y = column_or_1d(y, warn=True)
        keep = labelled_mask(y, task="classification")
        if not keep.any():
            raise ValueError(
                "score needs labelled rows, but every label in y is masked; pass "
                "labelled rows."
            )
        X = self._validate_predict(X, sample_domain)
        sw = None if sample_weight is None else np.asarray(sample_weight)[keep]
        y_pred = self._predict_from(*self._final_votes(X[keep]))
        return accuracy_score(y[keep], y_pred, sample_weight=sw)

    # --------------------------------------------------- sklearn machinery
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self._base_estimator())
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.required = True
        return tags
