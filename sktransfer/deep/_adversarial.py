"""Adversarial deep adapters: DANN and MCD."""

from __future__ import annotations

import copy
from itertools import chain
from math import exp

import torch
import torch.nn.functional as F

from .._validation import check_number, check_option
from ._base import (
    _COMMON,
    DomainNet,
    DomainNetClassifierMixin,
    DomainNetRegressorMixin,
)
from ._losses import classifier_discrepancy, gradient_reversal
from ._modules import DomainDiscriminator, TabularModule, feature_width

__all__ = ["DANNClassifier", "DANNRegressor", "MCDClassifier", "MCDRegressor"]

def ganin_lambda(p):
    """DANN's adaptation factor ``2 / (1 + exp(-10 p)) - 1`` (Ganin et al.,
    JMLR 2016, sec. 5.2.2), from 0 at the start of training to ~1."""
    return 2.0 / (1.0 + exp(-10.0 * p)) - 1.0


class _DANN(DomainNet):
    __doc__ = r"""Domain-adversarial neural network (Ganin et al., JMLR 2016).

    A domain discriminator :math:`D` learns to tell target features from
    source features; a gradient reversal layer between the feature extractor
    :math:`G` and :math:`D` makes :math:`G` learn features that fool it:

    .. math:: \min_{G, H} \max_D \; L_y(H(G(x_s)), y_s)
              - \lambda_p \, L_d(D(G(x)), d),

    with :math:`L_d` the binary cross-entropy of the domain label (target =
    1). In one backward pass, :math:`D` descends :math:`L_d` and :math:`G`
    receives :math:`-\lambda_p \nabla L_d`.

    Parameters
    ----------
    adaptation_weight : float, default=1.0
        Scale of the reversed gradient (the paper's :math:`\lambda`); with
        ``schedule="ganin"`` it multiplies the schedule.
    schedule : {"ganin", "constant"}, default="ganin"
        ``"ganin"``: :math:`\lambda_p = 2 / (1 + e^{-10 p}) - 1` with
        :math:`p \in [0, 1]` the training progress (batches done over
        ``max_epochs`` epochs; 1 from then on, e.g. on a warm start).
        ``"constant"``: the fixed ``adaptation_weight``.
    discriminator : torch.nn.Module class or instance, default=DomainDiscriminator
        Features -> one logit; a class gets ``n_features`` (the feature
        width) and the ``discriminator__<name>`` parameters.
    {_COMMON}
    Attributes
    ----------
    module_, discriminator_ : torch.nn.Module
    history : skorch.History
        Per epoch: ``train_loss``, ``train_task``, ``train_domain`` (the
        discriminator's cross-entropy), ``valid_loss`` with a ``train_split``.
    classes_ : ndarray (classifier)
    n_features_in_, feature_names_in_, device_

    Notes
    -----
    Deviations from the paper: the optimiser is Adam with a fixed learning
    rate by default (the paper used SGD with momentum and an annealed rate
    :math:`\mu_p = \mu_0 / (1 + 10 p)^{0.75}`, which
    ``optimizer=torch.optim.SGD`` with an ``LRScheduler`` callback
    reproduces); the regression form (task loss MSE) is an extension.

    References
    ----------
    Ganin, Ustinova, Ajakan, Germain, Larochelle, Laviolette, Marchand and
    Lempitsky. Domain-adversarial training of neural networks. JMLR 17(59),
    2016.
    """.replace("{_COMMON}", _COMMON.strip("\n"))

    def __init__(self, module=TabularModule, *, adaptation_weight=1.0,
                 schedule="ganin", discriminator=DomainDiscriminator, **kwargs):
        super().__init__(module, **kwargs)
        self.adaptation_weight = adaptation_weight
        self.schedule = schedule
        self.discriminator = discriminator

    def _check_method_params(self):
        owner = type(self).__name__
        check_number(self.adaptation_weight, "adaptation_weight", owner=owner, low=0)
        check_option(self.schedule, "schedule", ("ganin", "constant"), owner=owner)
        disc = self.discriminator
        if not (isinstance(disc, torch.nn.Module)
                or (isinstance(disc, type) and issubclass(disc, torch.nn.Module))):
            raise ValueError(
                f"{owner}: discriminator must be a torch.nn.Module class or instance "
                f"(default DomainDiscriminator), got {disc!r}.")

    def initialize_module(self):
        super().initialize_module()
        device = next(self.module_.parameters()).device
        width = feature_width(self.module_, self.n_features_in_, device)
        if isinstance(self.discriminator, torch.nn.Module):
            self.discriminator_ = self.discriminator
        else:
            self.discriminator_ = self.discriminator(
                n_features=width, **self.get_params_for("discriminator"))
        return self

    def reversal_scale(self):
        """The current :math:`\\lambda` of the gradient reversal layer."""
        if self.schedule == "constant":
            return self.adaptation_weight
        return self.adaptation_weight * ganin_lambda(self.progress())

    def adaptation_losses(self, batch, features, output):
        logits = self.discriminator_(gradient_reversal(features, self.reversal_scale()))
        is_target = batch.is_target.to(logits.dtype)
        return {"domain": F.binary_cross_entropy_with_logits(logits, is_target)}


class DANNClassifier(DomainNetClassifierMixin, _DANN):
    __doc__ = _DANN.__doc__


class DANNRegressor(DomainNetRegressorMixin, _DANN):
    __doc__ = _DANN.__doc__


def _reinitialised_copy(module):
    """A copy of ``module`` with every parameter drawn afresh."""
    twin = copy.deepcopy(module)
    for sub in twin.modules():
        if hasattr(sub, "reset_parameters"):
            sub.reset_parameters()
    return twin


class _MCD(DomainNet):
    __doc__ = r"""Maximum classifier discrepancy (Saito et al., CVPR 2018).

    A feature generator :math:`G` and two task heads :math:`F_1, F_2`
    (the second a freshly initialised copy of the module's ``head``). Each
    training batch runs the paper's three steps:

    A. :math:`G, F_1, F_2` minimise the task loss
       :math:`L(F_1(G(x_s)), y_s) + L(F_2(G(x_s)), y_s)`;
    B. with :math:`G` fixed, :math:`F_1, F_2` minimise the task loss minus
       the discrepancy on the target rows,
       :math:`d(p_1, p_2) = \frac{1}{K}\sum_k |p_{1k} - p_{2k}|`;
    C. with :math:`F_1, F_2` fixed, :math:`G` minimises the discrepancy,
       ``num_k`` times.

    Parameters
    ----------
    num_k : int, default=4
        Generator steps (C) per batch (the paper's :math:`n`).
    {_COMMON}
    Attributes
    ----------
    module_ : torch.nn.Module
        Generator (``module_.feature_extractor``) and first head.
    second_head_ : torch.nn.Module
    optimizer_, optimizer_heads_ : torch.optim.Optimizer
        The generator's and the two heads' optimisers (step A steps both).
    history : skorch.History
        Per epoch: ``train_loss`` (step A), ``train_task``,
        ``train_discrepancy`` (step C's target discrepancy).
    classes_ : ndarray (classifier)
    n_features_in_, feature_names_in_, device_

    Notes
    -----
    Predictions average the two heads (probabilities for a classifier); the
    paper reports each head and their ensemble. The regression form (task
    loss MSE, discrepancy the mean absolute difference of the two outputs)
    is an extension. ``LRScheduler`` callbacks act on ``optimizer_`` only.

    References
    ----------
    Saito, Watanabe, Ushiku and Harada. Maximum classifier discrepancy for
    unsupervised domain adaptation. CVPR 2018.
    """.replace("{_COMMON}", _COMMON.strip("\n"))

    def __init__(self, module=TabularModule, *, num_k=4, **kwargs):
        super().__init__(module, **kwargs)
        self.num_k = num_k

    def _check_method_params(self):
        check_number(self.num_k, "num_k", owner=type(self).__name__, integer=True, low=1)

    def initialize_module(self):
        super().initialize_module()
        self.second_head_ = _reinitialised_copy(self.module_.head)
        return self

    def initialize_optimizer(self, *args, **kwargs):
        if not any(True for _ in self.module_.feature_extractor.parameters()):
            raise ValueError(
                f"{type(self).__name__} trains a feature extractor against two heads, "
                "but the module's feature extractor has no parameters (a module with "
                "no hidden layer, e.g. module__hidden=()); give it at least one hidden "
                "layer.")
        generator = self.module_.feature_extractor.named_parameters()
        opt_args, opt_kwargs = self.get_params_for_optimizer("optimizer", generator)
        self.optimizer_ = self.optimizer(*opt_args, **opt_kwargs)
        heads = chain(self.module_.head.named_parameters(prefix="head"),
                      self.second_head_.named_parameters(prefix="second_head"))
        opt_args, opt_kwargs = self.get_params_for_optimizer("optimizer", heads)
        self.optimizer_heads_ = self.optimizer(*opt_args, **opt_kwargs)
        return self

    def _discrepancy(self, out_1, out_2):
        return classifier_discrepancy(
            out_1, out_2, classification=self._task() == "classification")

    def _heads(self, features):
        return self.module_.head(features), self.second_head_(features)

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        ns = batch.n_source
        generator, heads = self.optimizer_, self.optimizer_heads_
        # A: generator and heads on the task
        self._zero_grad_optimizer()
        out_1, out_2 = self._heads(self.module_.feature_extractor(batch.X))
        task = self.task_loss(out_1, batch) + self.task_loss(out_2, batch)
        task.backward()
        generator.step()
        heads.step()
        # B: heads only; task loss minus target discrepancy
        self._zero_grad_optimizer()
        with torch.no_grad():
            features = self.module_.feature_extractor(batch.X)
        b_1, b_2 = self._heads(features)
        loss_b = (self.task_loss(b_1, batch) + self.task_loss(b_2, batch)
                  - self._discrepancy(b_1[ns:], b_2[ns:]))
        loss_b.backward()
        heads.step()
        # C: generator only; target discrepancy, num_k times
        for _ in range(self.num_k):
            self._zero_grad_optimizer()
            c_1, c_2 = self._heads(self.module_.feature_extractor(batch.X[ns:]))
            discrepancy = self._discrepancy(c_1, c_2)
            discrepancy.backward()
            generator.step()
        self._zero_grad_optimizer()
        self._record_terms({"task": task.detach() / 2,
                            "discrepancy": discrepancy.detach()})
        return {"loss": task.detach(), "y_pred": out_1.detach()}

    def _output(self, xb):
        out_1, out_2 = self._heads(self.module_.feature_extractor(xb))
        if self._task() == "classification":
            # log of the mean probability: a softmax of it is that mean
            return torch.log((torch.softmax(out_1, 1) + torch.softmax(out_2, 1)) / 2)
        return (out_1 + out_2) / 2


class MCDClassifier(DomainNetClassifierMixin, _MCD):
    __doc__ = _MCD.__doc__


class MCDRegressor(DomainNetRegressorMixin, _MCD):
    __doc__ = _MCD.__doc__
