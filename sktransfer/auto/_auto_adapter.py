"""AutoAdapter: adapt only on evidence, otherwise keep the source model."""

from __future__ import annotations

import time
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import _check_method_params, check_is_fitted

from ..base import DomainContractMixin, LabelledScoreMixin
from ..domain import MASKED_LABEL, labelled_mask
from ..instance._label_shift import (
    LabelShiftAssumptionWarning,
    bbse_class_ratio,
    bbse_upper_bounds,
)
from ..model_selection._folds import labelled_folds
from ..model_selection._scorers import (
    _domain_ratio,
    _entropy,
    _takes_sample_domain,
    soft_neighborhood_density,
)
from ._candidates import (
    ENSEMBLE,
    ENSEMBLE_MEMBERS,
    SOURCE_ONLY,
    Candidate,
    baselines,
    default_candidates,
    estimator_grid,
    labelled_member_settings,
    parameter_transfer_members,
    user_candidates,
)
from ._decision import (
    WITHIN,
    best_per_candidate,
    decide_label_free,
    decide_with_target_labels,
)
from ._ensemble import AdapterEnsemble

__all__ = ["AutoAdapter"]

_MODES = ("auto", "label-free", "target-labels")
_FALLBACKS = ("auto", "ensemble", "source_only")
#: inverse regularisation of the logistic domain classifier of the ``iw``
#: criterion. With C = 1 it separates the domains of the high-dimensional
#: real tasks almost perfectly and a handful of rows carry all the weight
#: (fold values of 0.002 and 99.99 for one model, docs/auto_adapter.md)
DOMAIN_C = 0.01
#: exponent applied to the density ratio (Shimodaira 2000's flattening,
#: between the unweighted 0 and the unbiased 1), for the same reason
FLATTEN = 0.5


def _fitted_has(attr):
    def check(self):
        if hasattr(self, "best_estimator_"):
            return hasattr(self.best_estimator_, attr)
        return attr != "transform" and hasattr(self.estimator, attr)
    return check


def _metric(task, y_true, y_pred, weights=None):
    """Accuracy in points or R^2 (the scale of the margin)."""
    if task == "regression":
        return float(r2_score(np.asarray(y_true, float), y_pred, sample_weight=weights))
    return 100.0 * float(accuracy_score(y_true, y_pred, sample_weight=weights))


def _call(est, kind, method, X, sample_domain):
    """``est.<method>(X)``, with the rows' domains for an adapter."""
    func = getattr(est, method)
    if kind == "adapter" and _takes_sample_domain(func):
        return func(X, sample_domain=sample_domain)
    return func(X)


def _training_rows(kind, data, y, rows):
    """Rows (of ``rows``) a candidate of ``kind`` is trained on, given the
    fold's labels ``y`` (held-out target labels masked)."""
    if kind == "adapter":
        return rows
    labelled = labelled_mask(y, task=data.task)[rows]
    if kind == "source_only":
        keep = labelled & data.is_source[rows]
    elif kind == "target_only":
        keep = labelled & data.is_target[rows]
    else:
        keep = labelled
    return rows[keep]


def _masked(y, rows, task):
    """A copy of ``y`` with the labels of ``rows`` masked as the contract
    says (string labels become an object array with ``None``)."""
    y = np.array(y, copy=True)
    if task == "regression":
        y = y.astype(np.float64)
        y[rows] = np.nan
    elif y.dtype.kind in "USO":
        y = y.astype(object)
        y[rows] = None
    else:
        y[rows] = MASKED_LABEL
    return y


def _fit_one(candidate, params, X, y, data, rows, fit_params):
    est = clone(candidate.estimator).set_params(**params)
    train = _training_rows(candidate.kind, data, y, rows)
    kwargs = _check_method_params(X, fit_params, indices=train)
    if candidate.kind == "adapter":
        est.fit(X[train], y[train], sample_domain=data.sample_domain[train], **kwargs)
    else:
        est.fit(X[train], y[train], **kwargs)
    return est


class _Data:
    """The fit-time rows, as the folds need them."""

    def __init__(self, domain_data, task):
        self.X = domain_data.X
        self.y = domain_data.y
        self.sample_domain = domain_data.sample_domain
        self.is_source = domain_data.is_source
        self.is_target = domain_data.is_target
        self.labelled = domain_data.labelled
        self.task = task


def _evaluate(candidate, params, data, fold, fit_params, scoring):
    """Criteria of one candidate setting on one fold (a dict)."""
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            # the fold's own test of the assumption (iw_label) already
            # accounts for it: one warning per fold fit would only be noise
            warnings.simplefilter("ignore", LabelShiftAssumptionWarning)
            scores = _criteria(candidate, params, data, fold, fit_params, scoring)
    except Exception as exc:  # noqa: BLE001 - a failed setting is reported, not fatal
        return {"error": f"{type(exc).__name__}: {exc}",
                "fit_time": time.perf_counter() - t0}
    scores["fit_time"] = time.perf_counter() - t0
    return scores


def _criteria(candidate, params, data, fold, fit_params, scoring):
    X, sd, task = data.X, data.sample_domain, data.task
    est = _fit_one(candidate, params, X, fold["y"], data, fold["train"], fit_params)
    held, y_held = fold["held"], data.y[fold["held"]]
    scores = {}
    if fold["mode"] == "label-free":
        scores["source"] = _metric(task, y_held, _call(est, candidate.kind, "predict",
                                                       X[held], sd[held]))
        as_target = _call(est, candidate.kind, "predict", X[held],
                          -np.ones(len(held), dtype=np.int64))
        scores["iw"] = _metric(task, y_held, as_target, fold["weights"])
        if task == "classification":
            w = fold["class_weights"]
            scores["iw_label"] = (np.nan if w is None else
                                  _metric(task, y_held, as_target, w))
            if candidate.kind == "source_only":
                scores["class_shift"] = fold["class_shift"]
        target = np.flatnonzero(data.is_target)
        if task == "classification" and hasattr(est, "predict_proba"):
            P = np.asarray(_call(est, candidate.kind, "predict_proba", X[target],
                                 sd[target]), dtype=np.float64)
            scores["entropy"] = -float(np.mean(_entropy(P)))
            scores["snd"] = float(soft_neighborhood_density(P)) if len(P) > 1 else np.nan
        rows = np.r_[held, target]
        y_fold = _masked(data.y[rows], np.arange(len(held), len(rows)), task)
        sd_fold = np.r_[sd[held], sd[target]]
    else:
        pred = _call(est, candidate.kind, "predict", X[held], sd[held])
        scores["target"] = _metric(task, y_held, pred)
        rows, y_fold, sd_fold = held, y_held, sd[held]
    for name, scorer in scoring.items():
        scores[name] = float(scorer(est, X[rows], y_fold, sample_domain=sd_fold))
    return scores


class AutoAdapter(DomainContractMixin, LabelledScoreMixin, MetaEstimatorMixin,
                  BaseEstimator):
    r"""Adapt to the target domain only when the evidence says it helps.

    ``AutoAdapter(estimator)`` cross-validates the wrapped estimator without
    adaptation (*source-only*) and a set of domain adapters built around it
    (each with a small grid of its hyperparameters, searched jointly with
    the estimator's own regularisation), then keeps the source-only model
    unless an adapter is better by a margin. It is a drop-in last step of a
    pipeline: ``make_pipeline(StandardScaler(), AutoAdapter(LogisticRegression()))``.

    **Without target labels** (the label-free mode), on ``cv`` stratified
    folds of the labelled source rows, each candidate setting is trained on
    every row but the held-out source rows and measured on them:

    * ``source``: the score (accuracy in points, or :math:`R^2`) of the
      held-out source rows passed as source rows. It ranks the settings of
      one candidate (its hyperparameters and the estimator's
      regularisation); in the package's selection study it is the label-free
      criterion with the smallest regret within a method.
    * ``iw``: the importance-weighted score of the *deployed* model (the
      held-out source rows passed as target rows, as new target rows are),
      each row weighted by :math:`w(x) = (p_t(x)/p_s(x))^{1/2}`, the density
      ratio from a strongly regularised logistic domain classifier
      (:math:`C = 0.01`) on the input features, fitted on the fold's
      training source rows and the target rows (Sugiyama et al. 2007,
      self-normalised; flattened as Shimodaira 2000 proposes). Under
      covariate shift it estimates the target score; the weights are the
      same for every candidate, so the comparison is paired.
    * ``iw_label`` (classifiers): the same score of the deployed model with
      label-shift weights instead, :math:`w_y = q(y)/p_s(y)` for a held-out
      row of class :math:`y`, estimated by black-box shift estimation
      (Lipton et al. 2018): the estimator as given, trained on the fold's
      training source rows; its joint confusion matrix on the held-out rows
      and the distribution of its predictions of the target rows. It is the
      evidence for label-shift correction, whose correction ``iw`` cannot
      see (the held-out source rows have the source's class proportions;
      measured in ``docs/auto_adapter.md``). NaN when the confusion matrix
      is singular, or when the estimate contradicts label shift: a target
      class proportion negative beyond its bootstrap error (a covariate
      shift on which the estimator is badly wrong looks like a change of
      the classes to BBSE; the test keeps the correction from being chosen
      there). Deviation: the confusion matrix is estimated on the same
      held-out rows that are scored.
    * ``entropy`` and ``snd`` (classifiers with ``predict_proba``): minus
      the mean prediction entropy and the soft neighbourhood density of the
      target predictions (recorded; the default rule does not use them).
    * ``class_shift`` (source-only's row, classifiers): the estimated change
      of the class proportions, the total variation
      :math:`\frac{1}{2}\sum_y |q(y) - p_s(y)|` between BBSE's target
      proportions and the held-out source rows'; NaN where ``iw_label`` is.

    **The ensemble** (``ensemble="auto"`` with the default candidates): once
    every candidate is cross-validated, an
    :class:`~sktransfer.auto.AdapterEnsemble` averaging the class
    probabilities (or predictions) of source-only and of the best settings
    by ``source`` of CORAL and TCA is cross-validated on the same folds as
    one more candidate, ``"ensemble"``.

    The decision (:func:`sktransfer.auto.decide_label_free`): each
    candidate's best setting by ``source``; an adapter replaces source-only
    only when its evidence criterion (``iw_label`` for label-shift
    correction, ``iw`` for every other adapter; the ``evidence`` column of
    ``cv_results_``) beats source-only's by at least ``margin`` on
    average **and is not below it in any fold**; the largest such gain
    wins. When no adapter has that evidence and the fallback is the
    ensemble (the default for classifiers), the ensemble is returned as a
    hedge provided its ``iw`` is not below source-only's by more than
    ``margin`` on average and (classifiers) the class proportions look
    unchanged (``class_shift`` finite in every fold and at most 0.25 on
    average: CORAL and TCA align the feature distributions, which moves the
    classes when their proportions changed); else source-only is kept. The rule, its margin and the hedge
    were chosen from the measurements of ``docs/auto_adapter.md``, which
    also records where the hedge loses.

    **With labelled target rows** (``sample_domain`` marks them; the mode
    ``"target-labels"``, chosen automatically when there are at least
    ``cv`` of them), the folds split the labelled target rows instead:
    every candidate is trained with the held-out target labels masked and
    scored on them. Target-only and pooled training join the candidates,
    and so does the ensemble of pooled training with CORAL and TCA in fixed
    settings (not chosen on the noisy fold scores), weighted pooling and
    regularised transfer towards the source model (a linear estimator). The ensemble is the
    reference (the fallback; source-only with ``fallback="source_only"``
    or when the ensemble failed in a fold): the best mean score wins only
    if it beats the reference's by ``margin``. With a handful of labels the
    best of some fifty settings is often a lucky one, and the ensemble,
    which rests on no single setting, beat source-only, target-only and
    pooled training on most real tasks (``docs/auto_adapter.md``).

    Parameters
    ----------
    estimator : estimator object
        The classifier or regressor to adapt (its clones are the candidates'
        final estimators).
    candidates : list of tuples, default=None
        ``None``: the default adapters (CORAL, Subspace Alignment, the
        linear Gaussian OT map, TCA, KMM when ``estimator`` takes
        ``sample_weight``, the class-regularised OT mapping when POT is
        installed and the coupling has at most 2 million entries, and
        label-shift correction for classifiers with ``predict_proba``), each
        with a small grid. Or a list of ``(name, estimator)`` or ``(name,
        estimator, grid)``; an estimator whose ``fit`` takes
        ``sample_domain`` is trained on every row, any other on the labelled
        rows. Source-only is always a candidate.
    estimator_grid : "auto", dict, list of dict or None, default="auto"
        Settings of the wrapped estimator searched jointly with every
        adapter (as ``estimator__<name>``) and with the target-only and
        pooled baselines. Source-only is always ``estimator`` exactly as
        given (tune it beforehand, e.g. by cross-validation on the source
        rows): kept, it is the model you would have had without
        AutoAdapter. ``"auto"``:
        its ``C`` (else ``alpha``) times 0.1, 1 and 10. An adapter's
        embedding can change the scale of the features, so a regularisation
        chosen on the raw features can be far off on it.
    margin : float or "auto", default="auto"
        Smallest gain of the evidence criterion over source-only for which
        an adapter is chosen, in accuracy points (classifiers) or
        :math:`R^2` (regressors). ``"auto"``: 1.0 point, or 0.01
        :math:`R^2`; with labelled target rows (classifiers) at least two
        standard errors of the difference between the best setting's
        accuracy and the reference's on them,
        :math:`2 \cdot 100 \sqrt{(p (1 - p) + q (1 - q)) / n}` (:math:`p`,
        :math:`q` their cross-validated accuracies, :math:`n` the labelled
        target rows; :func:`~sktransfer.auto.accuracy_margin`): 10 points at
        :math:`p = 0.8`, :math:`q = 0.9`, :math:`n = 100`. The test is made
        only where its normal approximation holds (:math:`n p`,
        :math:`n (1 - p)`, :math:`n q` and :math:`n (1 - q)` at least 5):
        with fewer labelled target rows the reference is kept.
    cv : int, default=3
        Number of folds (of the labelled source rows, or of the labelled
        target rows).
    mode : {"auto", "label-free", "target-labels"}, default="auto"
    ensemble : "auto", None or list of str, default="auto"
        Candidates whose picks join the ``"ensemble"`` candidate: their
        label-free picks averaged with source-only, or with labelled target
        rows their fixed settings averaged with pooled training.
        ``"auto"``: CORAL and TCA with the default candidates (and, with
        labelled target rows, weighted pooling and regularised transfer),
        none with a user's list; ``None``: no ensemble; a list: those
        candidates (adapters) by name.
    fallback : {"auto", "ensemble", "source_only"}, default="auto"
        What is returned when no candidate has evidence: the ensemble (in
        the label-free mode when its guards pass, see above; with labelled
        target rows when it could be fitted in every fold), or always
        source-only (the strict rule: adapt only on evidence). ``"auto"``:
        the ensemble, except for a regressor without target labels
        (source-only: on the one real regression task that ensemble lost
        0.026 :math:`R^2`; ``docs/auto_adapter.md``).
    scoring : dict of callables, default=None
        Further criteria recorded in ``cv_results_`` (``name ->
        scorer(estimator, X, y, sample_domain=...)``, e.g. the scorers of
        :mod:`sktransfer.model_selection`), called on each fold's held-out
        rows (with the target rows, labels masked, in the label-free mode).
        They do not change the decision.
    n_jobs : int, default=None
        Candidate settings x folds fitted in parallel (joblib).
    verbose : int, default=0
        ``> 0``: one line per candidate setting.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the domain classifier and the candidates that draw
        random numbers.

    Attributes
    ----------
    best_estimator_ : estimator
        The chosen candidate refitted on every row (source-only: the
        estimator fitted on the labelled source rows).
    best_name_ : str
    best_params_ : dict
    adapted_ : bool
        False when source-only was kept.
    decision_ : str
        Why, in a sentence.
    mode_ : str
        ``"label-free"`` or ``"target-labels"``.
    cv_results_ : dict of ndarray
        One entry per candidate setting: ``candidate``, ``params``,
        ``evidence`` (its label-free evidence criterion),
        ``mean_<criterion>``, ``std_<criterion>``, ``split<k>_<criterion>``,
        ``mean_fit_time`` and ``verdict``.
    margin_ : float
        The margin applied (``margin="auto"`` with labelled target rows:
        widened by their number, see ``margin``).
    classes_ : ndarray (classifiers)
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Notes
    -----
    Cost: one fit per candidate setting and fold, plus one refit; the
    default set has about 14 settings times the three of
    ``estimator_grid``, and the ensemble adds one setting whose fit is
    those of its members (three, or with labelled target rows five, two of
    which cross-validate their own weight or pull on the labelled target
    rows of the fold). No published method has this decision; it
    is built from the package's scorers (``docs/auto_adapter.md`` gives the
    measurements behind it). The ensemble is soft voting (as in
    scikit-learn's ``VotingClassifier``) over members chosen without target
    labels (or, with target labels, in fixed settings); that it may
    be returned without evidence of its own, as a hedge, is this package's
    rule, not a published one.

    References
    ----------
    M. Sugiyama, M. Krauledat, K.-R. Mueller. Covariate shift adaptation by
    importance weighted cross validation. JMLR 8, 2007.

    Z. Lipton, Y.-X. Wang, A. Smola. Detecting and correcting for label
    shift with black box predictors. ICML 2018.

    H. Shimodaira. Improving predictive inference under covariate shift by
    weighting the log-likelihood function. J. Statistical Planning and
    Inference 90, 2000.

    C. Chelba, A. Acero. Adaptation of maximum entropy capitalizer: little
    data can help a lot. Computer Speech and Language 20, 2006 (regularised
    transfer).

    H. Daume III. Frustratingly easy domain adaptation. ACL 2007 (weighted
    pooling, its WEIGHTED baseline).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer import AutoAdapter, CORAL
    >>> rng = np.random.default_rng(0)
    >>> Xs = rng.normal(size=(100, 3)); ys = (Xs[:, 0] > 0).astype(int)
    >>> Xt = rng.normal(size=(80, 3))
    >>> X = np.vstack([Xs, Xt]); y = np.r_[ys, -np.ones(80, dtype=int)]
    >>> auto = AutoAdapter(LogisticRegression(),
    ...                    candidates=[("coral", CORAL(LogisticRegression()))],
    ...                    random_state=0).fit(X, y)
    >>> auto.best_name_
    'source_only'
    """

    _requires_estimator = True

    def __init__(self, estimator=None, *, candidates=None, estimator_grid="auto",
                 margin="auto", cv=3, mode="auto", ensemble="auto",
                 fallback="auto", scoring=None, n_jobs=None, verbose=0,
                 random_state=None):
        self.estimator = estimator
        self.candidates = candidates
        self.estimator_grid = estimator_grid
        self.margin = margin
        self.cv = cv
        self.mode = mode
        self.ensemble = ensemble
        self.fallback = fallback
        self.scoring = scoring
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    # ---------------------------------------------------------- validation
    def _check_params(self, task):
        if isinstance(self.margin, str):
            if self.margin != "auto":
                raise ValueError(f"margin must be a number >= 0 or 'auto', got "
                                 f"{self.margin!r}.")
            margin = 0.01 if task == "regression" else 1.0
        elif isinstance(self.margin, Real) and not isinstance(self.margin, bool) \
                and np.isfinite(self.margin) and self.margin >= 0:
            margin = float(self.margin)
        else:
            raise ValueError(f"margin must be a number >= 0 or 'auto', got {self.margin!r}.")
        if not (isinstance(self.cv, Integral) and not isinstance(self.cv, bool)
                and self.cv >= 2):
            raise ValueError(f"cv must be an integer >= 2, got {self.cv!r}.")
        if self.mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {self.mode!r}.")
        if not (self.ensemble is None or (isinstance(self.ensemble, str)
                                          and self.ensemble == "auto") or (
                isinstance(self.ensemble, (list, tuple))
                and all(isinstance(n, str) for n in self.ensemble))):
            raise ValueError(f"ensemble must be 'auto', None or a list of candidate "
                             f"names, got {self.ensemble!r}.")
        if self.fallback not in _FALLBACKS:
            raise ValueError(f"fallback must be one of {_FALLBACKS}, got "
                             f"{self.fallback!r}.")
        scoring = {} if self.scoring is None else self.scoring
        if not isinstance(scoring, dict) or not all(
                isinstance(k, str) and callable(v) for k, v in scoring.items()):
            raise ValueError("scoring must be None or a dict of name -> callable "
                             f"scorer(estimator, X, y, sample_domain=...), got "
                             f"{self.scoring!r}.")
        clash = set(scoring) & {"source", "iw", "iw_label", "class_shift", "entropy",
                                "snd", "target", "fit_time"}
        if clash:
            raise ValueError(f"scoring names {sorted(clash)} are AutoAdapter's own "
                             "criteria; rename them.")
        return margin, scoring

    def _mode(self, data):
        n_lab_t = int((data.is_target & data.labelled).sum())
        if self.mode == "target-labels":
            if n_lab_t < self.cv:
                raise ValueError(
                    f"mode='target-labels' cross-validates on the labelled target "
                    f"rows, and there are {n_lab_t} (cv={self.cv} needs at least "
                    f"{self.cv}). Label more target rows, mark them with a negative "
                    "sample_domain, or use mode='label-free'.")
            return "target-labels"
        if self.mode == "label-free" or n_lab_t < self.cv:
            return "label-free"
        return "target-labels"

    def _folds(self, data, mode, task, rng):
        """``[{"mode", "train", "held", "y", "weights"}]``, one per fold."""
        lab = data.labelled & (data.is_source if mode == "label-free" else data.is_target)
        pool = np.flatnonzero(lab)
        y_pool = data.y[pool]
        seed = rng.randint(np.iinfo(np.int32).max)
        splits = labelled_folds(
            y_pool, self.cv, task=task, random_state=seed,
            what="labelled " + ("source" if mode == "label-free" else "target"))
        folds = []
        everything = np.arange(data.X.shape[0])
        for _, held_pos in splits:
            held = pool[held_pos]
            fold = {"mode": mode, "held": held, "weights": None, "class_weights": None,
                    "class_shift": np.nan}
            if mode == "label-free":
                fold["train"] = np.setdiff1d(everything, held)
                fold["y"] = data.y
                fold["weights"] = self._importance_weights(data, fold["train"], held, rng)
                if task == "classification":
                    # the bootstrap's seed does not draw from rng: the other
                    # criteria's random streams stay those of earlier versions
                    fold["class_weights"], fold["class_shift"] = \
                        self._class_ratio_weights(data, fold["train"], held,
                                                  seed + len(folds))
            else:
                fold["train"] = everything
                fold["y"] = _masked(data.y, held, task)
            folds.append(fold)
        return folds

    @staticmethod
    def _importance_weights(data, train, held, rng):
        """Flattened density ratio ``(p_t / p_s)^FLATTEN`` at the held-out
        source rows, from a strongly regularised logistic domain classifier
        (``C = DOMAIN_C``) on the fold's training source rows and the target
        rows."""
        src = train[data.is_source[train]]
        tgt = np.flatnonzero(data.is_target)
        Z = np.asarray(data.X[np.r_[src, tgt]])
        is_target = np.r_[np.zeros(len(src), bool), np.ones(len(tgt), bool)]
        ratio = _domain_ratio(Z, is_target, LogisticRegression(C=DOMAIN_C, max_iter=1000),
                              rng.randint(np.iinfo(np.int32).max),
                              at=np.asarray(data.X[held]))
        return ratio ** FLATTEN

    def _class_ratio_weights(self, data, train, held, seed):
        r"""Label-shift importance weights ``w_y = q(y) / p_s(y)`` of the
        held-out source rows, by black-box shift estimation: the estimator
        as given, trained on the fold's training source rows, its confusion
        matrix on the held-out rows and its predictions of the target rows;
        and the estimated change of the class proportions, the total
        variation :math:`\frac12 \sum_y |q(y) - p_s(y)|`. ``(None, nan)``
        when the ratio is not identified (singular confusion matrix), when
        the estimate contradicts label shift (a class proportion negative
        beyond its bootstrap error,
        ``sktransfer.instance._label_shift.bbse_upper_bounds``) or when the
        estimator cannot be fitted on those rows."""
        src = train[data.is_source[train] & data.labelled[train]]
        try:
            est = clone(self.estimator).fit(data.X[src], data.y[src])
        except ValueError:
            return None, np.nan
        classes = np.unique(data.y[np.r_[src, held]])
        pred_held = est.predict(data.X[held])
        pred_target = est.predict(data.X[data.is_target])
        upper = bbse_upper_bounds(pred_held, data.y[held], pred_target, classes,
                                  random_state=seed)
        if upper is None or np.any(upper < 0):
            return None, np.nan
        w = bbse_class_ratio(pred_held, data.y[held], pred_target, classes)
        if w is None:
            return None, np.nan
        p_s = np.mean(data.y[held][:, None] == classes, axis=0)
        q = w * p_s
        # (q sums to 0 only when every class BBSE gives weight to is absent
        # from the held-out rows: no estimate then)
        shift = (0.5 * float(np.abs(q / q.sum() - p_s).sum()) if q.sum() > 0
                 else np.nan)
        return w[np.searchsorted(classes, data.y[held])], shift

    def _resolve_candidates(self, data, task, mode, est_grid, rng):
        seed = rng.randint(np.iinfo(np.int32).max)
        out = baselines(self.estimator, est_grid, mode == "target-labels")
        if self.candidates is None:
            out += default_candidates(self.estimator, data, est_grid, seed)
        else:
            out += user_candidates(self.candidates, est_grid)
        return out

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, sample_domain=None, **fit_params):
        """Cross-validate the candidates, decide, refit the chosen one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,)
            Labels; unlabelled rows masked (``-1`` for classification, ``NaN``
            for regression).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Positive for source rows, negative for target rows; needed to
            mark labelled target rows.
        **fit_params : dict
            Passed to every candidate's ``fit`` (sliced to its rows), e.g.
            ``sample_weight``.

        Returns
        -------
        self : object
        """
        domain_data = self._validate_fit(X, y, sample_domain)
        fit_params = self._route_fit_params(fit_params)
        task = self._task()
        if task == "auto":
            raise ValueError("AutoAdapter needs a classifier or a regressor as "
                             f"estimator, got {self.estimator!r}.")
        margin, scoring = self._check_params(task)
        rng = check_random_state(self.random_state)
        data = _Data(domain_data, task)
        mode = self._mode(data)
        est_grid = estimator_grid(self.estimator, self.estimator_grid)
        candidates = self._resolve_candidates(data, task, mode, est_grid, rng)
        ensemble_names = self._ensemble_names(candidates)
        folds = self._folds(data, mode, task, rng)
        jobs = [(c, params) for c in candidates for params in c.grid]
        records = self._cross_validate(jobs, data, folds, fit_params, scoring)
        ensemble = self._ensemble_candidate(records, candidates, ensemble_names, data,
                                            mode, task, rng)
        if ensemble is not None:
            candidates.append(ensemble)
            records += self._cross_validate([(ensemble, ensemble.grid[0])], data, folds,
                                            fit_params, scoring)
        self._check_records(records, mode)
        fallback = self.fallback
        if fallback == "auto":
            fallback = ("source_only" if mode == "label-free" and task == "regression"
                        else "ensemble")
        if mode == "label-free":
            decision = decide_label_free(records, margin, fallback=fallback)
        else:
            # margin="auto" (classifiers): widened to two standard errors of
            # the difference of the best setting's and the reference's
            # accuracies on the labelled target rows
            n_lab = (int((data.is_target & data.labelled).sum())
                     if self.margin == "auto" and task == "classification" else None)
            decision = decide_with_target_labels(records, margin, fallback=fallback,
                                                 n_labelled=n_lab)
            margin = decision.margin
        self.cv_results_ = self._table(records, decision, len(folds))
        if self.verbose:
            self._report(records, decision)
        chosen = records[decision.best]
        candidate = next(c for c in candidates if c.name == chosen["name"])
        self.best_estimator_ = _fit_one(candidate, chosen["params"], data.X, data.y, data,
                                        np.arange(data.X.shape[0]), fit_params)
        self._best_kind = candidate.kind
        self.best_name_ = chosen["name"]
        self.best_params_ = dict(chosen["params"])
        self.adapted_ = candidate.kind == "adapter"
        self.decision_ = decision.text
        self.mode_ = mode
        self.margin_ = margin
        return self

    def _cross_validate(self, jobs, data, folds, fit_params, scoring):
        """One record per candidate setting of ``jobs``; a setting that
        failed in a fold scores NaN there (and is never chosen)."""
        results = Parallel(n_jobs=self.n_jobs)(
            delayed(_evaluate)(c, params, data, fold, fit_params, scoring)
            for c, params in jobs for fold in folds)
        k, records = len(folds), []
        for j, (c, params) in enumerate(jobs):
            per_fold = results[j * k:(j + 1) * k]
            names = list(dict.fromkeys(n for r in per_fold for n in r if n != "error"))
            records.append(dict(name=c.name, kind=c.kind, evidence=c.evidence,
                                params=params,
                                errors=[r["error"] for r in per_fold if "error" in r],
                                scores={n: np.array([r.get(n, np.nan) for r in per_fold],
                                                    dtype=float) for n in names}))
        return records

    def _ensemble_names(self, candidates):
        """The candidates whose picks join the ensemble (checked)."""
        if self.ensemble is None:
            return ()
        if self.ensemble == "auto":
            return ENSEMBLE_MEMBERS if self.candidates is None else ()
        kinds = {c.name: c.kind for c in candidates}
        for name in self.ensemble:
            if kinds.get(name) != "adapter":
                raise ValueError(
                    f"ensemble names {name!r}, which is not an adapter among the "
                    f"candidates {[n for n, k in kinds.items() if k == 'adapter']}; "
                    "name adapters (estimators whose fit takes sample_domain).")
        return tuple(dict.fromkeys(self.ensemble))

    def _ensemble_candidate(self, records, candidates, names, data, mode, task, rng):
        """The :class:`AdapterEnsemble` candidate, or ``None`` (no members,
        or a classifier without ``predict_proba``).

        Label-free: source-only and the best setting by ``source`` of each
        candidate of ``names`` (members that failed in a fold are left out).
        With labelled target rows: pooled training (the estimator as given)
        and each candidate of ``names`` in a fixed setting (a default
        member's :func:`labelled_member_settings`, a user's candidate as
        given), not chosen on the fold scores, and with the default ensemble
        weighted pooling and regularised transfer."""
        if not names or (task == "classification"
                         and not hasattr(self.estimator, "predict_proba")):
            return None
        by_name = {c.name: c for c in candidates}
        if mode == "label-free":
            # each member's pick is the one the decision ranks it by
            best = best_per_candidate(records, WITHIN)
            members = [(name, clone(by_name[name].estimator).set_params(
                            **records[best[name]]["params"]))
                       for name in names
                       # (a default member may not be offered for this data)
                       if name in best and not records[best[name]]["errors"]]
            if not members:
                return None
            return Candidate(ENSEMBLE, AdapterEnsemble(self.estimator),
                             ({"adapters": members},), evidence="iw")
        default = self.ensemble == "auto"
        members = [(name, clone(by_name[name].estimator).set_params(
                        **(labelled_member_settings(name, data) if default else {})))
                   for name in names if name in by_name]
        if default:
            seed = rng.randint(np.iinfo(np.int32).max)
            members += parameter_transfer_members(self.estimator, seed)
        if not members:
            return None
        return Candidate(ENSEMBLE, AdapterEnsemble(self.estimator, estimator_rows="labelled"),
                         ({"adapters": members},), evidence="iw")

    @staticmethod
    def _check_records(records, mode):
        """Raise when source-only failed in every setting (label-free mode)
        or every setting failed; warn about the settings that failed."""
        failures = [f"{r['name']} {r['params']}: {r['errors'][0]}"
                    for r in records if r["errors"]]
        base = [r for r in records if r["name"] == SOURCE_ONLY]
        if all(r["errors"] for r in (base if mode == "label-free" else records)):
            raise ValueError(
                "AutoAdapter could not cross-validate the source-only model in "
                f"every fold: {base[0]['errors'][0]}. With few labelled rows per "
                "class, lower cv.")
        if failures:
            warnings.warn(
                f"{len(failures)} candidate setting(s) failed in at least one fold "
                f"and cannot be chosen (first: {failures[0]}).", UserWarning)

    @staticmethod
    def _table(records, decision, k):
        crits = list(dict.fromkeys(n for r in records for n in r["scores"]))
        table = {"candidate": np.array([r["name"] for r in records], dtype=object),
                 "params": np.array([r["params"] for r in records], dtype=object),
                 "evidence": np.array([r["evidence"] for r in records], dtype=object)}
        for n in crits:
            values = np.array([r["scores"].get(n, np.full(k, np.nan)) for r in records])
            if n == "fit_time":
                table["mean_fit_time"] = values.mean(axis=1)
                continue
            table[f"mean_{n}"] = values.mean(axis=1)
            table[f"std_{n}"] = values.std(axis=1)
            for f in range(k):
                table[f"split{f}_{n}"] = values[:, f]
        table["verdict"] = np.array(decision.verdicts, dtype=object)
        return table

    @staticmethod
    def _report(records, decision):
        for rec, verdict in zip(records, decision.verdicts):
            crits = ", ".join(f"{n}={np.mean(v):.4g}" for n, v in rec["scores"].items()
                              if n != "fit_time")
            print(f"[AutoAdapter] {rec['name']} {rec['params']}: {crits} "
                  f"({np.sum(rec['scores']['fit_time']):.2f} s) -> {verdict}")
        print(f"[AutoAdapter] {decision.text}")

    # -------------------------------------------------------------- predict
    def _best_call(self, method, X, sample_domain):
        X, sd = self._validate_predict(X, sample_domain)
        return _call(self.best_estimator_, self._best_kind, method, X, sd)

    @available_if(_fitted_has("predict"))
    def predict(self, X, sample_domain=None):
        """Predict with the chosen candidate (every row a target row unless
        ``sample_domain`` says otherwise)."""
        return self._best_call("predict", X, sample_domain)

    @available_if(_fitted_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of the chosen candidate."""
        return self._best_call("predict_proba", X, sample_domain)

    @available_if(_fitted_has("predict_log_proba"))
    def predict_log_proba(self, X, sample_domain=None):
        """Log class probabilities of the chosen candidate."""
        return self._best_call("predict_log_proba", X, sample_domain)

    @available_if(_fitted_has("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function of the chosen candidate."""
        return self._best_call("decision_function", X, sample_domain)

    @available_if(_fitted_has("transform"))
    def transform(self, X, sample_domain=None):
        """The chosen adapter's ``transform`` (only when it has one)."""
        return self._best_call("transform", X, sample_domain)

    score = available_if(_fitted_has("predict"))(LabelledScoreMixin.score)

    def _predict_rows(self, X, sample_domain):
        return _call(self.best_estimator_, self._best_kind, "predict", X, sample_domain)

    @property
    def classes_(self):
        """Class labels of the chosen classifier."""
        check_is_fitted(self)
        return self.best_estimator_.classes_

    def __sklearn_is_fitted__(self):
        return hasattr(self, "best_estimator_")

    def __sklearn_tags__(self):
        return self._sklearn_tags_from_estimator(super().__sklearn_tags__())

