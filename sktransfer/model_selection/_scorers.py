r"""Scorers that estimate an adapter's target performance without target
labels (and one that uses a few of them).

Every scorer is a callable ``scorer(estimator, X, y=None,
sample_domain=None)`` returning a float, higher is better, as scikit-learn's
``scoring=`` expects; it keeps no state between calls. ``(X, y)`` is a
held-out fold of a training set, source rows labelled and target rows masked
(or domains given by ``sample_domain``, routed to the scorer when scikit-
learn's metadata routing is enabled: the scorers request it by default).

How the scorers query the estimator: for a :class:`~sklearn.pipeline.Pipeline`
the rows go through every step but the last (``transform``), then the last
step's method is called with ``sample_domain`` when it takes one (an adapter
of this package), so that source rows are adapted as source rows whatever the
routing setting. Other estimators are called without it.
"""

from __future__ import annotations

import numbers
from inspect import signature

import numpy as np
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils._metadata_requests import MetadataRequest, _MetadataRequester
from sklearn.utils.metadata_routing import _routing_enabled

from ..domain import infer_sample_domain, labelled_mask

__all__ = [
    "CircularValidationScorer",
    "DeepEmbeddedValidationScorer",
    "ImportanceWeightedScorer",
    "PredictionEntropyScorer",
    "SoftNeighborhoodDensityScorer",
    "SupervisedTargetScorer",
]

_EPS = 1e-12
# rows of the similarity blocks of the soft neighbourhood density
_SND_BLOCK = 1024


# ------------------------------------------------------------------ helpers
def _task(estimator):
    if is_classifier(estimator):
        return "classification"
    if is_regressor(estimator):
        return "regression"
    return "auto"


def _split_final(estimator):
    """``(preprocess, final)``: the rows as the last step sees them come from
    ``preprocess(X)``."""
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        head = estimator[:-1]
        return head.transform, estimator[-1]
    if isinstance(estimator, Pipeline):
        return (lambda X: X), estimator[-1]
    return (lambda X: X), estimator


def _takes_sample_domain(method):
    try:
        return "sample_domain" in signature(method).parameters
    except (TypeError, ValueError):
        return False


def domain_call(estimator, method, X, sample_domain):
    """``estimator.<method>(X)`` with the rows' domains passed to the step
    that takes them (see the module docstring)."""
    preprocess, final = _split_final(estimator)
    func = getattr(final, method)
    Xp = preprocess(X)
    if _takes_sample_domain(func):
        return func(Xp, sample_domain=sample_domain)
    return func(Xp)


def domain_fit(estimator, X, y, sample_domain, *, task, **fit_params):
    """Fit ``estimator`` under the contract: ``sample_domain`` goes to the
    estimator (or a pipeline's last step) when it takes one (an adapter of
    this package); any other estimator is fitted on the labelled rows
    only. ``fit_params`` (one entry per row, such as ``sample_weight``) are
    sliced alike; with metadata routing enabled they are passed by name, to
    be routed as the steps request. Returns the fitted estimator."""
    _, final = _split_final(estimator)
    if _takes_sample_domain(final.fit):
        if isinstance(estimator, Pipeline) and not _routing_enabled():
            name = estimator.steps[-1][0]
            fit_params = {f"{name}__{k}": v for k, v in fit_params.items()}
            return estimator.fit(X, y, **{f"{name}__sample_domain": sample_domain},
                                 **fit_params)
        return estimator.fit(X, y, sample_domain=sample_domain, **fit_params)
    keep = labelled_mask(y, task=task)
    fit_params = {k: np.asarray(v)[keep] for k, v in fit_params.items()}
    if isinstance(estimator, Pipeline) and not _routing_enabled():
        name = estimator.steps[-1][0]
        fit_params = {f"{name}__{k}": v for k, v in fit_params.items()}
    return estimator.fit(X[keep], np.asarray(y)[keep], **fit_params)


def embedded_features(estimator, X, sample_domain):
    """The features the final estimator is trained on: the adapter's
    ``transform`` (its embedding) when it has one, else the rows after the
    pipeline's preprocessing."""
    preprocess, final = _split_final(estimator)
    Xp = preprocess(X)
    if hasattr(final, "transform"):
        if _takes_sample_domain(final.transform):
            return final.transform(Xp, sample_domain=sample_domain)
        return final.transform(Xp)
    return Xp


def _dense(X):
    return X.toarray() if hasattr(X, "toarray") else np.asarray(X, dtype=np.float64)


def _entropy(P):
    P = np.clip(P, _EPS, 1.0)
    return -np.sum(P * np.log(P), axis=1)


def soft_neighborhood_density(F, temperature=0.05):
    """Mean entropy of the soft neighbourhoods of the rows of ``F`` (class
    probabilities, one row per target row): the criterion of
    :class:`SoftNeighborhoodDensityScorer`, computed in row blocks."""
    n = F.shape[0]
    F = F / np.maximum(np.linalg.norm(F, axis=1, keepdims=True), _EPS)
    total = 0.0
    for start in range(0, n, _SND_BLOCK):
        rows = slice(start, min(start + _SND_BLOCK, n))
        S = (F[rows] @ F.T) / temperature
        S[np.arange(S.shape[0]), np.arange(rows.start, rows.stop)] = -np.inf
        S -= S.max(axis=1, keepdims=True)
        P = np.exp(S)
        P /= P.sum(axis=1, keepdims=True)
        total += _entropy(P).sum()
    return total / n


def _domain_ratio(Z, is_target, classifier, random_state, at=None):
    """Density ratio ``p_t(z) / p_s(z)`` at every row of ``Z`` (or of ``at``
    when given: rows the classifier was not fitted on) from a probabilistic
    domain classifier fitted on ``Z``: ``(n_s / n_t) P(t|z) / P(s|z)``.
    ``classifier=None``: ``LogisticRegression``; its seed (when it takes
    one) is drawn from ``random_state``."""
    clf = LogisticRegression(max_iter=1000) if classifier is None else clone(classifier)
    if "random_state" in clf.get_params():
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        clf.set_params(random_state=seed)
    clf.fit(Z, is_target.astype(int))
    rows = Z if at is None else at
    p_t = np.clip(clf.predict_proba(rows)[:, list(clf.classes_).index(1)], _EPS, 1 - _EPS)
    n_t, n_s = is_target.sum(), (~is_target).sum()
    return (n_s / n_t) * p_t / (1.0 - p_t)


def _losses(loss, estimator, X, y, sd, task):
    """Per-row loss of ``estimator`` on labelled source rows ``X``."""
    if loss == "log":
        proba = domain_call(estimator, "predict_proba", X, sd)
        classes = list(_classes(estimator))
        idx = np.array([classes.index(v) for v in y])
        return -np.log(np.clip(proba[np.arange(len(y)), idx], _EPS, 1.0))
    pred = domain_call(estimator, "predict", X, sd)
    if loss == "squared":
        return (np.asarray(pred, float) - y.astype(float)) ** 2
    return (pred != y).astype(float)


def _classes(estimator):
    _, final = _split_final(estimator)
    return final.classes_


def _default_loss(loss, task, owner):
    if loss is None:
        return "squared" if task == "regression" else "zero_one"
    valid = ("zero_one", "log") if task != "regression" else ("squared",)
    if loss not in valid:
        raise ValueError(f"{owner}: loss must be one of {valid} for this estimator, "
                         f"got {loss!r}.")
    return loss


# --------------------------------------------------------------- the base
class DomainScorer(_MetadataRequester):
    """Template of the scorers: validation of the fold, then :meth:`_score`.

    ``sample_domain`` is requested by default for the ``score`` method of
    metadata routing, so that a search with routing enabled hands it to the
    scorer; :meth:`set_score_request` changes that.
    """

    #: which domains the scorer needs in the fold: "source" (labelled source
    #: rows), "target" (target rows), "labelled_target"
    _needs = ("target",)

    def __call__(self, estimator, X, y=None, sample_domain=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected argument(s) "
                            f"{sorted(kwargs)}; it takes only sample_domain.")
        task = _task(estimator)
        if not hasattr(X, "shape"):          # a list of rows: as the estimator takes it
            X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"{type(self).__name__}: X must be 2-d (rows x features), "
                             f"got an array of shape {X.shape}.")
        n = X.shape[0]
        if y is None and sample_domain is None:
            raise ValueError(
                f"{type(self).__name__} cannot tell source rows from target rows: "
                "pass y with the target labels masked (-1 for classification, NaN "
                "for regression) or sample_domain.")
        if y is not None:
            y = np.asarray(y)
            if y.shape[0] != n:
                raise ValueError(f"X has {n} rows but y has {y.shape[0]} labels.")
        sd = infer_sample_domain(y, sample_domain, n_samples=n, purpose="fit", task=task)
        labelled = (np.zeros(n, bool) if y is None else labelled_mask(y, task=task))
        source = (sd > 0) & labelled
        target = sd < 0
        needs = {"source": ("labelled source", source),
                 "target": ("target", target),
                 "labelled_target": ("labelled target", target & labelled)}
        for need in self._needs:
            what, mask = needs[need]
            if not mask.any():
                raise ValueError(
                    f"{type(self).__name__} needs {what} rows in the scored fold, "
                    "and it has none. Use a domain-aware splitter "
                    "(sktransfer.model_selection.DomainStratifiedKFold) so that every "
                    "fold holds every domain" + (
                        ", and pass sample_domain to tell labelled target rows from "
                        "source rows" if need == "labelled_target" else "") + ".")
        return float(self._score(estimator, X, y, sd, source, target, task))

    def _score(self, estimator, X, y, sd, source, target, task):
        raise NotImplementedError

    def _get_metadata_request(self):
        # scikit-learn reads default requests off a ``score`` method's
        # signature; a scorer is called instead, so its default is set here
        if hasattr(self, "_metadata_request"):
            return super()._get_metadata_request()
        requests = MetadataRequest(owner=type(self).__name__)
        requests.score.add_request(param="sample_domain", alias=True)
        return requests

    def set_score_request(self, **kwargs):
        """Request metadata (``sample_domain``) for the ``score`` call of a
        search with metadata routing enabled."""
        if not _routing_enabled():
            raise RuntimeError(
                "set_score_request is only available with metadata routing "
                "enabled: sklearn.set_config(enable_metadata_routing=True).")
        self._metadata_request = MetadataRequest(owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.score.add_request(param=param, alias=alias)
        return self

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                           if not k.startswith("_"))
        return f"{type(self).__name__}({params})"


# --------------------------------------------------------------- scorers
class PredictionEntropyScorer(DomainScorer):
    r"""Minus the mean prediction entropy on the target rows.

    .. math:: s = -\frac{1}{n_t} \sum_{x \in T} H(p(\cdot | x)),
              \quad H(p) = -\sum_c p_c \log p_c

    Confident target predictions score higher. Cheap and label-free, but a
    model that collapses onto one class is maximally confident: use it to
    rank models that are all reasonable, or with the neighbourhood density
    (Saito et al. 2021 discuss this failure). Classifiers with
    ``predict_proba`` only.

    References
    ----------
    M. Long, H. Zhu, J. Wang, M. I. Jordan. Unsupervised domain adaptation
    with residual transfer networks. NeurIPS 2016 (entropy as a criterion).
    """

    def _score(self, estimator, X, y, sd, source, target, task):
        P = domain_call(estimator, "predict_proba", X[target], sd[target])
        return -float(np.mean(_entropy(P)))


class SoftNeighborhoodDensityScorer(DomainScorer):
    r"""Soft neighbourhood density of the target predictions (Saito et al.
    ICCV 2021).

    With :math:`f_i` the class-probability vector of target row :math:`i`,
    L2-normalised, :math:`S_{ij} = f_i^\top f_j / \tau` for :math:`j \ne i`,
    :math:`P_{ij} = \mathrm{softmax}_j(S_{ij})` and

    .. math:: s = \frac{1}{n_t} \sum_i H(P_{i\cdot}),

    the mean entropy of each target row's soft neighbourhood: high when the
    target predictions form dense clusters (many close neighbours), which
    the paper finds to track target accuracy. ``temperature`` is the
    paper's :math:`\tau = 0.05`. The similarity is computed in row blocks
    (memory :math:`O(\text{block} \cdot n_t)`, time :math:`O(n_t^2 c)`).

    Parameters
    ----------
    temperature : float, default=0.05

    References
    ----------
    K. Saito, D. Kim, P. Teterwak, S. Sclaroff, T. Darrell, K. Saenko. Tune
    it the right way: unsupervised validation of domain adaptation via soft
    neighborhood density. ICCV 2021.
    """

    def __init__(self, temperature=0.05):
        self.temperature = temperature

    def _score(self, estimator, X, y, sd, source, target, task):
        if not (isinstance(self.temperature, numbers.Real) and self.temperature > 0):
            raise ValueError(f"temperature must be a positive number, got "
                             f"{self.temperature!r}.")
        F = np.asarray(domain_call(estimator, "predict_proba", X[target], sd[target]),
                       dtype=np.float64)
        if F.shape[0] < 2:
            raise ValueError("SoftNeighborhoodDensityScorer needs at least 2 target "
                             "rows in the scored fold.")
        return soft_neighborhood_density(F, self.temperature)


class ImportanceWeightedScorer(DomainScorer):
    r"""Importance-weighted validation (Sugiyama, Krauledat & Mueller, JMLR
    2007): the loss on the held-out labelled source rows, each weighted by
    the density ratio :math:`w(x) = p_t(x) / p_s(x)`, which makes it an
    unbiased estimate of the target loss under covariate shift.

    .. math:: s = -\frac{\sum_{i \in S} w(x_i)\, \ell(f(x_i), y_i)}
                         {\sum_{i \in S} w(x_i)}

    (negated so that higher is better; with the zero-one loss, :math:`s + 1`
    is the weighted accuracy). The ratio is estimated on the scored fold's
    input rows:

    * ``ratio="classifier"`` (default): a probabilistic domain classifier
      (``LogisticRegression``; or ``domain_classifier``),
      :math:`w = (n_s / n_t)\, P(t|x) / P(s|x)`;
    * ``ratio="kmm"``: the weights of Kernel Mean Matching
      (:class:`sktransfer.KMM`, default parameters, fitted on the fold).

    **Deviation from the paper**: the weighted mean is self-normalised
    (divided by :math:`\sum w` instead of :math:`n_s`), which has a far
    smaller variance when a few weights are large; the paper's estimator is
    ``normalize=False``.

    Parameters
    ----------
    ratio : {"classifier", "kmm"}, default="classifier"
    domain_classifier : classifier with ``predict_proba``, default=None
        ``LogisticRegression()`` when ``None``.
    loss : {"zero_one", "log", "squared"}, default=None
        ``None``: zero-one for classifiers, squared error for regressors.
    normalize : bool, default=True
    random_state : int, RandomState instance or None, default=None
        Seeds the domain classifier (when it takes one) and KMM.

    References
    ----------
    M. Sugiyama, M. Krauledat, K.-R. Mueller. Covariate shift adaptation by
    importance weighted cross validation. JMLR 8, 2007.
    """

    _needs = ("source", "target")

    def __init__(self, ratio="classifier", *, domain_classifier=None, loss=None,
                 normalize=True, random_state=None):
        self.ratio = ratio
        self.domain_classifier = domain_classifier
        self.loss = loss
        self.normalize = normalize
        self.random_state = random_state

    def _weights(self, X, y, sd, source, target, task):
        if self.ratio == "kmm":
            from ..instance import KMM

            # KMM's weights do not depend on its estimator: a dummy keeps it cheap
            dummy = DummyRegressor() if task == "regression" else DummyClassifier()
            rows = source | target
            y_fit = np.where(source, y, np.nan if task == "regression" else -1)[rows]
            sd_fit = np.where(source, 1, -1)[rows]
            kmm = KMM(dummy, random_state=self.random_state).fit(
                X[rows], y_fit, sample_domain=sd_fit)
            return kmm.weights_
        if self.ratio != "classifier":
            raise ValueError(f"ratio must be 'classifier' or 'kmm', got {self.ratio!r}.")
        rows = source | target
        w = _domain_ratio(_dense(X[rows]), target[rows], self.domain_classifier,
                          self.random_state)
        return w[source[rows]]

    def _score(self, estimator, X, y, sd, source, target, task):
        loss = _default_loss(self.loss, task, type(self).__name__)
        w = self._weights(X, y, sd, source, target, task)
        ell = _losses(loss, estimator, X[source], y[source], sd[source], task)
        if self.normalize:
            return -float(np.sum(w * ell) / max(np.sum(w), _EPS))
        return -float(np.mean(w * ell))


class DeepEmbeddedValidationScorer(DomainScorer):
    r"""Deep embedded validation (You, Wang, Chen, Wang & Long, ICML 2019):
    importance-weighted validation in the adapted feature space, with a
    control variate.

    With :math:`w_i` the density ratio of the held-out labelled source rows
    estimated by a domain classifier on the *embedded* features (the
    adapter's ``transform`` when it has one: TCA's components, CORAL's
    re-coloured rows; else the rows as the final estimator sees them),
    :math:`L_i = w_i \ell_i`,
    :math:`\eta = -\widehat{\mathrm{Cov}}(L, w) / \widehat{\mathrm{Var}}(w)`
    and

    .. math:: R_{DEV} = \bar L + \eta \bar w - \eta, \qquad s = -R_{DEV}.

    The control variate uses that :math:`E[w] = 1`; it lowers the variance
    of the weighted estimate. When all weights are equal :math:`\eta = 0`.

    Parameters
    ----------
    domain_classifier : classifier with ``predict_proba``, default=None
        ``LogisticRegression()`` when ``None`` (the paper uses a neural
        network on deep features).
    loss : {"zero_one", "log", "squared"}, default=None
        ``None``: zero-one for classifiers, squared error for regressors
        (the paper uses the training loss, e.g. cross-entropy: ``"log"``).
    random_state : int, RandomState instance or None, default=None

    References
    ----------
    K. You, X. Wang, M. Long, M. I. Jordan. Towards accurate model selection
    in deep unsupervised domain adaptation. ICML 2019.
    """

    _needs = ("source", "target")

    def __init__(self, *, domain_classifier=None, loss=None, random_state=None):
        self.domain_classifier = domain_classifier
        self.loss = loss
        self.random_state = random_state

    def _score(self, estimator, X, y, sd, source, target, task):
        loss = _default_loss(self.loss, task, type(self).__name__)
        rows = source | target
        Z = _dense(embedded_features(estimator, X[rows], sd[rows]))
        w = _domain_ratio(Z, target[rows], self.domain_classifier,
                          self.random_state)[source[rows]]
        L = w * _losses(loss, estimator, X[source], y[source], sd[source], task)
        var_w = np.var(w, ddof=1) if w.size > 1 else 0.0
        eta = 0.0 if var_w <= _EPS else -np.cov(L, w, ddof=1)[0, 1] / var_w
        return -float(L.mean() + eta * w.mean() - eta)


class CircularValidationScorer(DomainScorer):
    r"""Reverse (circular) validation (Zhong et al., ECML PKDD 2010).

    The fitted model labels the fold's target rows; a clone of it is then
    fitted with the roles swapped (the pseudo-labelled target rows as its
    labelled source, the source rows, labels masked, as its target) and
    scored on the true labels of the source rows: accuracy for classifiers,
    :math:`R^2` for regressors. A model whose target predictions are
    consistent with the source labels transfers back well. One extra fit
    per call. When the pseudo-labels hold one class only, the reverse model
    can only predict that class, and its accuracy is that of predicting it.

    References
    ----------
    E. Zhong, W. Fan, Q. Yang, O. Verscheure, J. Ren. Cross validation
    framework to choose amongst models and datasets for transfer learning.
    ECML PKDD 2010.
    """

    _needs = ("source", "target")

    def _score(self, estimator, X, y, sd, source, target, task):
        _, final = _split_final(estimator)
        if not _takes_sample_domain(final.fit):
            raise ValueError(
                "CircularValidationScorer refits the estimator with the source "
                "labels masked; it needs a domain adapter (an estimator, or last "
                f"Pipeline step, whose fit takes sample_domain), got "
                f"{type(final).__name__}.")
        pseudo = domain_call(estimator, "predict", X[target], sd[target])
        rows = source | target
        masked = np.nan if task == "regression" else -1
        y_rev = np.empty(len(y), dtype=np.float64 if task == "regression" else
                         np.result_type(y.dtype, np.asarray(pseudo).dtype))
        y_rev[source] = masked
        y_rev[target] = pseudo
        y_true = y[source]
        if task != "regression" and np.unique(pseudo).size < 2:
            return accuracy_score(y_true, np.full(len(y_true), pseudo[0]))
        # labelled = the pseudo-labelled target rows: the contract makes them
        # the reverse model's source, the masked source rows its target
        reverse = clone(estimator).fit(X[rows], y_rev[rows])
        pred = reverse.predict(X[source])
        if task == "regression":
            return r2_score(y_true.astype(float), pred)
        return accuracy_score(y_true, pred)


class SupervisedTargetScorer(DomainScorer):
    """Accuracy (classifier) or :math:`R^2` (regressor) on the labelled
    target rows of the fold: for the case where a few target rows carry a
    label. Needs ``sample_domain`` (with masked labels alone, every labelled
    row is a source row); with metadata routing it is routed to the scorer.
    """

    _needs = ("labelled_target",)

    def _score(self, estimator, X, y, sd, source, target, task):
        rows = target & labelled_mask(y, task=task)
        pred = domain_call(estimator, "predict", X[rows], sd[rows])
        if task == "regression":
            return r2_score(y[rows].astype(float), pred)
        return accuracy_score(y[rows], pred)
