"""Base class of every domain adapter: the template method that applies the
domain data contract (:mod:`sktransfer.domain`), fits the adaptation and
trains the wrapped scikit-learn estimator on the adapted labelled rows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    TransformerMixin,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import get_tags
from sklearn.utils._metadata_requests import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_method_params,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
)

from ._validation import check_magnitude, check_sample_weight, validate_numeric
from .domain import DomainData, check_masked_labels, infer_sample_domain, labelled_mask

__all__ = ["BaseAdapter", "AlignmentTransformerMixin", "DomainContractMixin",
           "LabelledScoreMixin"]


def _estimator_has(attr):
    """``available_if`` check: the wrapped (fitted, else unfitted) estimator
    has ``attr``."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return self.estimator is not None and hasattr(self.estimator, attr)

    return check


class LabelledScoreMixin:
    """``score`` on the labelled rows, with the contract's score-time domains.

    The class provides ``_check_X(X)`` (``X`` validated against the fitted
    features), ``_task()`` and ``_predict_rows(X, sample_domain)``.
    """

    def _validate_predict(self, X, sample_domain, y=None, purpose="predict"):
        check_is_fitted(self)
        X = self._check_X(X)
        return X, self._infer_domains(X, y, sample_domain, purpose)

    def _infer_domains(self, X, y, sample_domain, purpose):
        """Domains of the rows of validated ``X`` at predict or score time."""
        return infer_sample_domain(y, sample_domain, n_samples=X.shape[0],
                                   purpose=purpose, task=self._task())

    def score(self, X, y, sample_domain=None, sample_weight=None):
        """Accuracy (classifier) or R^2 (regressor) on the labelled rows.

        Rows with masked labels are left out of the score. When ``y`` has
        masked labels and no ``sample_domain`` is given, ``(X, y)`` is taken
        to be a held-out part of a training set (a cross-validation fold):
        domains are inferred as at fit, so the score is the validation score
        on the held-out labelled source rows. This is the default score of
        ``GridSearchCV`` on masked labels. In the benchmark suite's
        selection study (``docs/suite_results.md``) it chose hyperparameters
        on the real tasks with the smallest regret against the target-label
        oracle (0.31 accuracy points on average), ahead of every scorer of
        :mod:`sktransfer.model_selection`, which remain the alternatives
        (and did better on synthetic shifts built to mislead it).
        """
        y = column_or_1d(y, warn=True)
        X, sd = self._validate_predict(X, sample_domain, y=y, purpose="score")
        task = self._task()
        keep = labelled_mask(y, task=task)
        if not keep.any():
            raise ValueError(
                "score needs labelled rows, but every label in y is masked; score "
                "with a label-free criterion instead, or pass labelled rows."
            )
        y_pred = self._predict_rows(X[keep], sd[keep])
        sw = None if sample_weight is None else np.asarray(sample_weight)[keep]
        y_true = y[keep]
        if task == "regression":
            return r2_score(y_true.astype(np.float64), y_pred, sample_weight=sw)
        return accuracy_score(y_true, y_pred, sample_weight=sw)


class DomainContractMixin:
    """Fit-time validation under the domain data contract, shared by the
    adapters and the meta-estimators of the package.

    The class has an ``estimator`` parameter (or ``None``) and sets
    ``_requires_estimator`` and ``_accept_sparse``.
    """

    _requires_estimator = True
    _accept_sparse = False

    def _task(self):
        if self.estimator is not None:
            if is_classifier(self.estimator):
                return "classification"
            if is_regressor(self.estimator):
                return "regression"
        return "auto"

    def _check_X(self, X, *, reset=False, **kwargs):
        """``X`` as every method of the adapter takes it (float64, CSR where
        the method accepts sparse input, finite, no entry beyond
        :data:`~sktransfer._validation.MAX_ABS_VALUE`), with
        ``n_features_in_`` and feature names set (``reset``) or checked."""
        X = validate_numeric(self, X, accept_sparse=self._accept_sparse and "csr",
                          dtype=np.float64, reset=reset, **kwargs)
        check_magnitude(X, owner=type(self).__name__)
        return X

    def _check_fit_params(self, data, fit_params):
        """The routed fit parameters with ``sample_weight`` checked against
        the rows of ``data`` (length, finite, non-negative), before any
        heavy work."""
        if fit_params.get("sample_weight") is not None:
            fit_params = dict(fit_params)
            fit_params["sample_weight"] = check_sample_weight(
                fit_params["sample_weight"], data.X.shape[0], owner=type(self).__name__)
        return fit_params

    def _validate_X_y(self, X, y):
        X = self._check_X(X, reset=True, ensure_min_samples=2)
        if y is None:
            return X, None
        return X, check_masked_labels(y, X.shape[0], task=self._task())

    def _validate_fit(self, X, y, sample_domain):
        name = type(self).__name__
        if self.estimator is None and self._requires_estimator:
            raise ValueError(
                f"{name} needs an estimator to train on the adapted rows, e.g. "
                f"{name}(LogisticRegression())."
            )
        if self.estimator is not None and not (
            hasattr(self.estimator, "fit") and hasattr(self.estimator, "get_params")
        ):
            raise ValueError(
                f"estimator must be a scikit-learn estimator, got {self.estimator!r}."
            )
        X, y = self._validate_X_y(X, y)
        if self.estimator is not None and y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None: pass the "
                "labels, with the target rows masked (-1 for classification, NaN for "
                "regression)."
            )
        return self._domain_data(X, y, sample_domain)

    def _domain_data(self, X, y, sample_domain, **kwargs):
        """The fit-time :class:`DomainData` of validated ``X`` and ``y``."""
        return DomainData.from_fit(
            X, y, sample_domain, task=self._task(),
            require_labels=self.estimator is not None, **kwargs,
        )

    def _route_fit_params(self, fit_params):
        if _routing_enabled():
            return dict(process_routing(self, "fit", **fit_params).estimator.fit)
        return fit_params

    def get_metadata_routing(self):
        """Route ``fit``/``predict``/``score`` metadata to the estimator."""
        router = MetadataRouter(owner=self).add_self_request(self)
        if self.estimator is not None:
            router.add(
                estimator=self.estimator,
                method_mapping=MethodMapping()
                .add(caller="fit", callee="fit")
                .add(caller="predict", callee="predict")
                .add(caller="score", callee="score"),
            )
        return router

    def _sklearn_tags_from_estimator(self, tags):
        """Input and target tags of a wrapper of ``estimator``."""
        tags.input_tags.sparse = self._accept_sparse
        tags.input_tags.allow_nan = False
        if self.estimator is not None:
            inner = get_tags(self.estimator)
            tags.estimator_type = inner.estimator_type
            tags.classifier_tags = inner.classifier_tags
            if tags.classifier_tags is not None:  # one label per row (the contract)
                tags.classifier_tags = replace(tags.classifier_tags, multi_label=False)
            tags.regressor_tags = inner.regressor_tags
            tags.target_tags.required = True
            tags.target_tags.single_output = True
            tags.target_tags.multi_output = False
        return tags


class BaseAdapter(DomainContractMixin, LabelledScoreMixin, MetaEstimatorMixin, BaseEstimator):
    """Template for domain adapters wrapping a scikit-learn estimator.

    ``fit`` runs, in order:

    1. input validation (``X`` finite, ``y`` and ``sample_domain`` checked,
       domains inferred as :mod:`sktransfer.domain` says), raising before
       any heavy work;
    2. :meth:`_check_adapter` -- the subclass's own checks (kernel memory,
       ``sample_weight`` support, hyperparameters), still before heavy work;
    3. :meth:`_fit_adapter` -- the adaptation itself (weights, a map, an
       embedding) learnt from source and target rows (it gets the routed fit
       parameters too); it returns the adapted
       training rows, so that no embedding is computed twice;
    4. a clone of ``estimator`` is fitted on the adapted labelled rows
       (labelled source rows and any labelled target rows), weighted by
       :meth:`_training_weights`.

    Prediction methods adapt ``X`` (every row is a target row unless
    ``sample_domain`` says otherwise) and delegate to the fitted estimator.

    Subclasses set ``_requires_estimator``, ``_accept_sparse`` and implement
    the three hooks.
    """

    # ----------------------------------------------------------------- hooks
    def _check_adapter(self, data):
        """Validate hyperparameters and data-dependent limits; no heavy work."""

    def _fit_adapter(self, data, fit_params):
        """Learn the adaptation from ``data`` (a :class:`DomainData`) and
        return the adapted rows of ``data.X`` (all of them, in order).
        ``fit_params`` are the estimator's routed fit parameters (for an
        adaptation that fits the estimator itself, e.g. a search)."""
        raise NotImplementedError

    def _adapt(self, X, sample_domain):
        """Rows of ``X`` as the downstream estimator sees them."""
        return X

    def _training_weights(self, data):
        """Per-row weights of the training rows of ``data`` (or ``None``)."""
        return None

    # The template calls the hooks through these four; a mixin that runs
    # the hooks differently (one adaptation per source domain,
    # :class:`sktransfer._per_domain.PerSourceDomainMixin`) overrides them.
    def _check_adaptation(self, data):
        self._check_adapter(data)

    def _fit_adaptation(self, data, fit_params):
        return self._fit_adapter(data, fit_params)

    def _adaptation_weights(self, data):
        return self._training_weights(data)

    def _apply_adaptation(self, X, sample_domain):
        return self._adapt(X, sample_domain)

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None, sample_domain=None, **fit_params):
        """Fit the adaptation and the wrapped estimator.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,)
            Labels; unlabelled rows masked with ``-1`` (classification) or
            ``NaN`` (regression).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domain of each row: positive for source, negative for target.
            Without it, labelled rows are source and unlabelled rows target.
        **fit_params : dict
            Passed to the wrapped estimator's ``fit`` (sliced to its training
            rows); with metadata routing enabled, routed as requested.
            ``sample_weight`` is multiplied into the adaptation's weights.

        Returns
        -------
        self : object
        """
        self._fit(X, y, sample_domain, fit_params)
        return self

    def _fit(self, X, y, sample_domain, fit_params):
        """Fit and return the :class:`DomainData` and its adapted rows."""
        data = self._validate_fit(X, y, sample_domain)
        fit_params = self._check_fit_params(data, self._route_fit_params(fit_params))
        self._check_adaptation(data)
        X_adapted = self._fit_adaptation(data, fit_params)
        if self.estimator is None:
            if fit_params:
                raise ValueError(
                    f"{type(self).__name__} has no estimator, so the fit parameters "
                    f"{sorted(fit_params)} would be ignored; remove them or pass an "
                    "estimator."
                )
            self.__dict__.pop("estimator_", None)  # from an earlier fit
        else:
            rows = np.flatnonzero(data.train)
            params = _check_method_params(data.X, fit_params, indices=rows)
            weights = self._adaptation_weights(data)
            if weights is not None:
                weights = np.asarray(weights, dtype=np.float64)[rows]
                if params.get("sample_weight") is not None:
                    weights = weights * np.asarray(params["sample_weight"], np.float64)
                params["sample_weight"] = weights
            if params.get("sample_weight") is not None:
                self._check_weighted_classes(data.y[rows], params["sample_weight"])
            self.estimator_ = clone(self.estimator).fit(
                X_adapted[rows], data.y[rows], **params
            )
        return data, X_adapted

    def _check_weighted_classes(self, y, weights):
        if self._task() == "classification":
            classes = np.unique(y[np.asarray(weights) > 0])
            if classes.shape[0] < 2:
                raise ValueError(
                    f"After sample_weight, the rows with a positive weight hold "
                    f"{classes.shape[0]} class(es); a classifier needs at least 2. "
                    "Check the sample_weight passed to fit."
                )

    def _require_sample_weight(self):
        """Raise if the wrapped estimator cannot take ``sample_weight``."""
        est = self.estimator
        if est is None:
            return
        if not has_fit_parameter(est, "sample_weight"):
            raise ValueError(
                f"{type(self).__name__} trains the estimator with per-row weights, "
                f"but {type(est).__name__}.fit does not accept sample_weight. Use an "
                "estimator that does (e.g. LogisticRegression, SVC, Ridge, "
                "DecisionTreeClassifier) or put the weighted step last in a Pipeline "
                "and wrap that step."
            )

    # ------------------------------------------------------------- predict
    def _delegate(self, method, X, sample_domain):
        X, sd = self._validate_predict(X, sample_domain)
        return getattr(self.estimator_, method)(self._apply_adaptation(X, sd))

    @available_if(_estimator_has("predict"))
    def predict(self, X, sample_domain=None):
        """Predict with the fitted estimator on the adapted rows.

        Every row is a target row unless ``sample_domain`` says otherwise; one
        prediction is returned per row.
        """
        return self._delegate("predict", X, sample_domain)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of the fitted estimator on the adapted rows."""
        return self._delegate("predict_proba", X, sample_domain)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, sample_domain=None):
        """Log class probabilities of the fitted estimator on the adapted rows."""
        return self._delegate("predict_log_proba", X, sample_domain)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function of the fitted estimator on the adapted rows."""
        return self._delegate("decision_function", X, sample_domain)

    score = available_if(_estimator_has("predict"))(LabelledScoreMixin.score)

    def _predict_rows(self, X, sample_domain):
        return self.estimator_.predict(self._apply_adaptation(X, sample_domain))

    @property
    def classes_(self):
        """Class labels of the fitted classifier."""
        check_is_fitted(self)
        return self.estimator_.classes_

    # --------------------------------------------------- sklearn machinery
    def __sklearn_is_fitted__(self):
        return hasattr(self, "n_features_in_") and (
            self.estimator is None or hasattr(self, "estimator_")
        )

    def __sklearn_tags__(self):
        return self._sklearn_tags_from_estimator(super().__sklearn_tags__())


def map_source_rows(X, sample_domain, mapping):
    """A float64 copy of ``X`` with its source rows (``sample_domain > 0``)
    replaced by ``mapping(X[source])``: the ``_adapt`` of the adapters that
    move the source rows onto the target and leave target rows as they are."""
    source = sample_domain > 0
    out = np.array(X, dtype=np.float64, copy=True)
    if source.any():
        out[source] = mapping(X[source])
    return out


class AlignmentTransformerMixin(TransformerMixin):
    """``transform``/``fit_transform`` for the feature-alignment adapters.

    A feature-alignment adapter is a transformer too: ``transform`` returns the
    adapted rows (every row a target row unless ``sample_domain`` says
    otherwise) and ``fit_transform`` the adapted training rows with their
    fit-time domains.
    """

    def transform(self, X, sample_domain=None):
        """Adapted rows, one per row of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domains of the rows; by default all rows are target rows.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
        """
        X, sd = self._validate_predict(X, sample_domain)
        return self._apply_adaptation(X, sd)

    def fit_transform(self, X, y=None, sample_domain=None, **fit_params):
        """Fit, then return the adapted training rows (source rows adapted as
        source rows)."""
        _, X_adapted = self._fit(X, y, sample_domain, fit_params)
        return X_adapted
