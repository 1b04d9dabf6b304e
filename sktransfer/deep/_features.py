"""A net's hidden layer as features for any scikit-learn estimator (the
feature-based way of transferring a pretrained net)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_is_fitted

from .._validation import validate_numeric
from ._base import DomainNet, _as_dense32
from ._finetune import pretrained_net

__all__ = ["PretrainedFeatures"]


class PretrainedFeatures(TransformerMixin, BaseEstimator):
    """The activations of one layer of a (pre)trained net, as features.

    ``make_pipeline(PretrainedFeatures(FrozenEstimator(net)),
    LogisticRegression()).fit(X_target, y_target)`` trains a scikit-learn
    model on a source-trained net's representation of the few labelled
    target rows: the feature-based counterpart of fine-tuning
    (:class:`FineTuningClassifier`), where the net's weights do not change.

    Parameters
    ----------
    net : skorch net or FrozenEstimator of one
        A fitted net (any sktransfer.deep net or skorch's own) is used as it
        is; wrap it in :class:`sklearn.frozen.FrozenEstimator` so that
        ``clone`` (and ``GridSearchCV``) keep its weights. An unfitted
        sktransfer.deep net is cloned and fitted in :meth:`fit` under the
        domain data contract (``fit(X, y, sample_domain)``).
    layer : str, default="feature_extractor"
        The submodule of ``net.module_`` whose output is returned, by its
        name in ``module_.named_modules()`` (``"feature_extractor"``,
        ``"feature_extractor.1"``, ...); outputs are flattened to one row
        per input row.

    Attributes
    ----------
    net_ : skorch net
        The net the features come from.
    n_features_in_, feature_names_in_
    n_features_out_ : int
        Width of the features.

    Notes
    -----
    The features are computed in evaluation mode (no dropout; normalisation
    layers use their running statistics), in skorch's ``forward`` batches,
    on the device the net was trained on. Yosinski et al. (NIPS 2014)
    compare this use of transferred layers (frozen) with fine-tuning them.
    """

    def __init__(self, net, *, layer="feature_extractor"):
        self.net = net
        self.layer = layer

    def fit(self, X, y=None, sample_domain=None):
        """Take the fitted net, or fit a clone of an unfitted one.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Only to fit an unfitted net (masked labels, as the net takes).
        sample_domain : array-like of shape (n_samples,), default=None
            Only to fit an unfitted net.

        Returns
        -------
        self : object
        """
        owner = type(self).__name__
        validate_numeric(self, X, accept_sparse="csr", dtype=(np.float64, np.float32))
        net = self.net
        if isinstance(net, FrozenEstimator) or getattr(net, "initialized_", False):
            self.net_ = pretrained_net(net, owner)
            if self.net_ is None:
                raise TypeError(f"{owner}: net must be a skorch net, got a torch "
                                "module; pass it as FineTuningClassifier's pretrained.")
        elif isinstance(net, DomainNet):
            self.net_ = clone(net).fit(X, y, sample_domain=sample_domain)
        else:
            self.net_ = pretrained_net(net, owner)  # raises: not fitted / not a net
        width = getattr(self.net_, "n_features_in_", self.n_features_in_)
        if width != self.n_features_in_:
            raise ValueError(f"{owner}: X has {self.n_features_in_} features, the net "
                             f"was trained on {width}.")
        self.n_features_out_ = self._features(np.zeros((2, self.n_features_in_))).shape[1]
        return self

    def _submodule(self):
        module = self.net_.module_
        names = [name for name, _ in module.named_modules() if name]
        if not isinstance(self.layer, str) or self.layer not in names:
            raise ValueError(f"{type(self).__name__}: layer={self.layer!r} is not a "
                             f"submodule of the net's module; its submodules are "
                             f"{names}.")
        return module.get_submodule(self.layer)

    def transform(self, X):
        """The layer's output for every row, as float64."""
        check_is_fitted(self, "net_")
        X = validate_numeric(self, X, accept_sparse="csr", dtype=(np.float64, np.float32),
                          reset=False)
        return self._features(X)

    def _features(self, X):
        outputs = []

        def keep(module, inputs, output):
            outputs.append(output.detach().flatten(1).cpu())

        hook = self._submodule().register_forward_hook(keep)
        try:
            self.net_.forward(_as_dense32(X))
        finally:
            hook.remove()
        return torch.cat(outputs).numpy().astype(np.float64)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "n_features_out_")
        return np.asarray([f"pretrainedfeatures{i}" for i in range(self.n_features_out_)],
                          dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = []
        tags.non_deterministic = True
        return tags
