"""Divergence-based deep adapters: Deep CORAL, DAN, and the source-only net."""

from __future__ import annotations

from .._validation import check_number, check_option
from ._base import (
    _COMMON,
    DomainNet,
    DomainNetClassifierMixin,
    DomainNetRegressorMixin,
)
from ._losses import coral_loss, mk_mmd
from ._modules import TabularModule

__all__ = [
    "DeepCORALClassifier",
    "DeepCORALRegressor",
    "DANClassifier",
    "DANRegressor",
    "SourceOnlyClassifier",
    "SourceOnlyRegressor",
]

LAYERS = ("features", "output")


class _LayerAlignment(DomainNet):
    """A divergence between the source and target activations of the chosen
    layers, summed over the layers and weighted by ``adaptation_weight``."""

    #: name of the term in ``history`` (``train_<name>``)
    divergence_name = None

    def _check_method_params(self):
        owner = type(self).__name__
        check_number(self.adaptation_weight, "adaptation_weight", owner=owner, low=0)
        layers = (self.layers,) if isinstance(self.layers, str) else self.layers
        if not layers:
            raise ValueError(f"{owner}: layers must name at least one of {LAYERS}.")
        for layer in layers:
            check_option(layer, "layers", LAYERS, owner=owner)
        if isinstance(self.batch_size, int) and self.batch_size // 2 < 2:
            raise ValueError(
                f"{owner}: batch_size={self.batch_size} gives each batch "
                f"{max(self.batch_size // 2, 1)} source and target row(s); the "
                "divergence between the domains' activations needs at least 2 of each "
                "(a covariance or a kernel bandwidth of one row is undefined). Use "
                "batch_size >= 4.")

    def divergence(self, Z_source, Z_target):
        raise NotImplementedError

    def adaptation_losses(self, batch, features, output):
        named = {"features": features, "output": output}
        layers = (self.layers,) if isinstance(self.layers, str) else self.layers
        ns = batch.n_source
        total = sum(self.divergence(named[layer][:ns], named[layer][ns:])
                    for layer in layers)
        return {self.divergence_name: self.adaptation_weight * total}


class _DeepCORAL(_LayerAlignment):
    __doc__ = r"""Deep CORAL (Sun & Saenko, ECCV 2016 workshops).

    Adds to the task loss the distance between the covariances of the
    source and target activations of the chosen layer(s):

    .. math:: L = L_{task} + \lambda \sum_{l} \frac{1}{4 d_l^2}
              \lVert C_S^{(l)} - C_T^{(l)} \rVert_F^2 .

    Parameters
    ----------
    adaptation_weight : float, default=1.0
        :math:`\lambda`.
    layers : tuple of {"features", "output"}, default=("output",)
        Where the loss acts: the feature extractor's output and/or the task
        output (the paper's choice: the last layer, fc8).
    {_COMMON}
    Attributes
    ----------
    module_ : torch.nn.Module
    history : skorch.History
        Per epoch ``train_loss``, ``train_task``, ``train_coral`` (weighted).
    classes_ : ndarray (classifier)
    n_features_in_, feature_names_in_, device_

    Notes
    -----
    The covariances are the unbiased ones of each batch's source half and
    target half. Deviation: Adam by default (the paper: SGD with momentum);
    the regression form is an extension.

    References
    ----------
    Sun and Saenko. Deep CORAL: correlation alignment for deep domain
    adaptation. ECCV 2016 Workshops (TASK-CV).
    """.replace("{_COMMON}", _COMMON.strip("\n"))

    divergence_name = "coral"

    def __init__(self, module=TabularModule, *, adaptation_weight=1.0,
                 layers=("output",), **kwargs):
        super().__init__(module, **kwargs)
        self.adaptation_weight = adaptation_weight
        self.layers = layers

    def divergence(self, Z_source, Z_target):
        return coral_loss(Z_source, Z_target)


class DeepCORALClassifier(DomainNetClassifierMixin, _DeepCORAL):
    __doc__ = _DeepCORAL.__doc__


class DeepCORALRegressor(DomainNetRegressorMixin, _DeepCORAL):
    __doc__ = _DeepCORAL.__doc__


class _DAN(_LayerAlignment):
    __doc__ = r"""Deep adaptation network (Long, Cao, Wang & Jordan, ICML 2015).

    Adds to the task loss the multi-kernel MMD between the source and target
    activations of the chosen layers:

    .. math:: L = L_{task} + \lambda \sum_l \mathrm{MK\text{-}MMD}^2
              (Z_S^{(l)}, Z_T^{(l)}),

    with the kernel the mean of Gaussian kernels of squared bandwidths
    ``bandwidth_factors`` times the median squared distance of the batch's
    activations (see :func:`~sktransfer.deep.mk_mmd`).

    Parameters
    ----------
    adaptation_weight : float, default=1.0
        :math:`\lambda` (the paper's penalty parameter).
    layers : tuple of {"features", "output"}, default=("features", "output")
        The adapted layers (the paper adapts every task-specific layer,
        fc6-fc8: here the feature layer and the output layer).
    bandwidth_factors : tuple of float, default=(0.25, 0.5, 1, 2, 4)
        The kernel family, as multiples of the median heuristic.
    mmd_estimator : {"quadratic", "linear"}, default="quadratic"
        The unbiased quadratic-time estimate, or the linear-time unbiased
        estimate of the paper (cheaper, noisier).
    {_COMMON}
    Attributes
    ----------
    module_ : torch.nn.Module
    history : skorch.History
        Per epoch ``train_loss``, ``train_task``, ``train_mmd`` (weighted).
    classes_ : ndarray (classifier)
    n_features_in_, feature_names_in_, device_

    Notes
    -----
    Deviations: the kernel weights :math:`\beta_u` are equal (the paper
    optimises them by a quadratic program for test power); the default
    estimate is the quadratic one (``mmd_estimator="linear"`` is the
    paper's); Adam by default; the regression form is an extension.

    References
    ----------
    Long, Cao, Wang and Jordan. Learning transferable features with deep
    adaptation networks. ICML 2015.
    Gretton, Borgwardt, Rasch, Schoelkopf and Smola. A kernel two-sample
    test. JMLR 13, 2012.
    """.replace("{_COMMON}", _COMMON.strip("\n"))

    divergence_name = "mmd"

    def __init__(self, module=TabularModule, *, adaptation_weight=1.0,
                 layers=("features", "output"),
                 bandwidth_factors=(0.25, 0.5, 1.0, 2.0, 4.0),
                 mmd_estimator="quadratic", **kwargs):
        super().__init__(module, **kwargs)
        self.adaptation_weight = adaptation_weight
        self.layers = layers
        self.bandwidth_factors = bandwidth_factors
        self.mmd_estimator = mmd_estimator

    def _check_method_params(self):
        super()._check_method_params()
        owner = type(self).__name__
        check_option(self.mmd_estimator, "mmd_estimator", ("quadratic", "linear"),
                     owner=owner)
        factors = tuple(self.bandwidth_factors)
        if not factors:
            raise ValueError(f"{owner}: bandwidth_factors must not be empty.")
        for factor in factors:
            check_number(factor, "bandwidth_factors", owner=owner, low=0,
                         low_inclusive=False)

    def divergence(self, Z_source, Z_target):
        return mk_mmd(Z_source, Z_target, tuple(self.bandwidth_factors),
                      estimator=self.mmd_estimator)


class DANClassifier(DomainNetClassifierMixin, _DAN):
    __doc__ = _DAN.__doc__


class DANRegressor(DomainNetRegressorMixin, _DAN):
    __doc__ = _DAN.__doc__


class _SourceOnly(DomainNet):
    __doc__ = r"""The same net trained on the labelled rows only: the baseline.

    No adaptation loss; the batches are the same domain-balanced ones as
    the adapters' (the target rows only reach normalisation layers' batch
    statistics), so a comparison isolates the adaptation loss.

    Parameters
    ----------
    {_COMMON}
    Attributes
    ----------
    module_ : torch.nn.Module
    history : skorch.History
    classes_ : ndarray (classifier)
    n_features_in_, feature_names_in_, device_
    """.replace("{_COMMON}", _COMMON.strip("\n"))


class SourceOnlyClassifier(DomainNetClassifierMixin, _SourceOnly):
    __doc__ = _SourceOnly.__doc__


class SourceOnlyRegressor(DomainNetRegressorMixin, _SourceOnly):
    __doc__ = _SourceOnly.__doc__
