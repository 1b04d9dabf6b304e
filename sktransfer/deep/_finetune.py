r"""Fine-tuning: a net pretrained on the source rows (or elsewhere), then
trained further on the few labelled target rows, with chosen layers frozen,
a smaller learning rate for the feature extractor and early stopping on
held-out target labels."""

from __future__ import annotations

import copy
from fnmatch import fnmatch

import numpy as np
import torch
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import StratifiedShuffleSplit
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, Freezer
from skorch.dataset import Dataset

from .._validation import check_number
from ..domain import DomainData, check_masked_labels
from ..parameter._source_model import labelled_target_rows
from ._base import (
    _COMMON,
    DomainNet,
    DomainNetClassifierMixin,
    DomainNetRegressorMixin,
    _as_dense32,
    _FitRows,
    check_module_parts,
)
from ._data import ShuffledBatches
from ._modules import DomainModule, TabularModule

__all__ = ["FineTuningClassifier", "FineTuningRegressor", "pretrained_net"]

PHASES = ("pretrain", "finetune")


def pretrained_net(pretrained, owner):
    """The fitted skorch net inside ``pretrained`` (a ``FrozenEstimator`` is
    unwrapped), or ``None`` when ``pretrained`` is a torch module."""
    net = pretrained.estimator if isinstance(pretrained, FrozenEstimator) else pretrained
    if isinstance(net, torch.nn.Module):
        return None
    if not isinstance(net, NeuralNet):
        raise TypeError(
            f"{owner}: pretrained must be None, a fitted skorch net (any "
            "sktransfer.deep net, skorch's NeuralNetClassifier, ...), a "
            "FrozenEstimator of one, or a torch.nn.Module with its weights; got "
            f"{type(pretrained).__name__}.")
    if not getattr(net, "initialized_", False) or not hasattr(net, "module_"):
        raise ValueError(
            f"{owner}: the pretrained net {type(net).__name__} is not fitted. Fit "
            "it first; note that clone (and so GridSearchCV) refits an estimator "
            "given as a parameter from scratch: wrap a fitted net in "
            "sklearn.frozen.FrozenEstimator to keep its weights.")
    return net


def as_domain_module(module):
    """``module`` itself when it has a ``feature_extractor`` and a ``head``;
    a ``torch.nn.Sequential`` split into its last layer (the head) and the
    layers before it (the feature extractor); otherwise a ``TypeError``."""
    if (isinstance(module, torch.nn.Sequential) and len(module) >= 2
            and not hasattr(module, "feature_extractor")):
        layers = list(module.children())
        return DomainModule(torch.nn.Sequential(*layers[:-1]), layers[-1])
    return check_module_parts(module)


def _in_finetune(net):
    # the Freezer's ``at``: every epoch of the fine-tuning phase
    return net.history[-1, "phase"] == "finetune"


class _FineTuning(DomainNet):
    __doc__ = r"""Fine-tuning a pretrained net on the labelled target rows.

    Two phases, recorded per epoch in ``history`` (key ``phase``):

    1. ``"pretrain"``: without ``pretrained``, the module is trained on the
       labelled source rows for ``pretrain_epochs`` epochs (skorch's
       ``train_split`` holds out part of them for a ``valid_loss``).
       With ``pretrained`` (a fitted net, or a torch module with weights),
       this phase is skipped and a copy of its module is the start.
    2. ``"finetune"``: the module is trained on the labelled target rows for
       at most ``max_epochs`` epochs, minimising
       :math:`\frac{1}{n_t}\sum_{i \in T} \ell(f_\theta(x_i), y_i)` from the
       pretrained :math:`\theta`: the parameters matching ``freeze`` stay
       fixed (skorch's ``Freezer``; when all of them match, the phase is
       skipped and the net is the pretrained one); the feature extractor's
       learning rate is ``feature_lr_scale`` times the head's (``finetune_lr``); a
       fraction ``valid_fraction`` of the labelled target rows is held out,
       and training stops when their loss has not improved for ``patience``
       epochs, restoring the weights of the best epoch (skorch's
       ``EarlyStopping``).

    Parameters
    ----------
    pretrained : None, fitted skorch net, FrozenEstimator or torch.nn.Module, default=None
        Where fine-tuning starts. ``None``: pretrain ``module`` on the
        labelled source rows. A fitted skorch net (any sktransfer.deep net,
        or skorch's own, e.g. ``NeuralNetClassifier``): a copy of its
        ``module_``; its ``classes_`` (when it has them) are the classes.
        ``clone`` -- and so ``GridSearchCV`` -- refits an estimator given as
        a parameter from scratch: wrap a fitted net in
        :class:`sklearn.frozen.FrozenEstimator` to keep its weights. A torch
        module: a copy of it, with its weights. A module needs a
        ``feature_extractor`` and a ``head``; an ``nn.Sequential`` is split
        into its last layer (head) and the layers before it. The source rows
        are not used when ``pretrained`` is given.
    pretrain_epochs : int, default=20
        Epochs of the pretraining phase.
    freeze : str, list of str or None, default=None
        Parameters not trained while fine-tuning: glob patterns on the
        module's parameter names (``"feature_extractor.*"``: every layer
        but the head; ``"feature_extractor.0.*"``: the first layer). A
        pattern that matches no parameter is an error.
    finetune_lr : float or None, default=None
        Learning rate of the head while fine-tuning (``None``: ``lr``).
    feature_lr_scale : float, default=0.1
        The feature extractor's learning rate while fine-tuning, as a
        fraction of ``finetune_lr`` (the lower layers, which hold what
        transfers, move less); 1 trains every layer alike.
    valid_fraction : float or None, default=0.2
        Fraction of the labelled target rows held out for early stopping
        (stratified by class where every class has two rows; at least one
        row); they are not trained on. ``None``: train on all of them for
        ``max_epochs`` epochs.
    patience : int, default=20
        Epochs without improvement of the held-out loss before stopping.
    max_epochs : int, default=100
        Most epochs of the fine-tuning phase.
    {_COMMON}
    Attributes
    ----------
    module_ : torch.nn.Module
        The fine-tuned module (frozen parameters have ``requires_grad``
        False).
    history : skorch.History
        Per epoch ``phase``, ``train_loss``, and ``valid_loss`` (held-out
        target rows while fine-tuning; ``train_split``'s source rows while
        pretraining).
    best_epoch_ : int or None
        The epoch (of ``history``) whose weights were kept by early
        stopping; ``None`` without ``valid_fraction``.
    classes_ : ndarray (classifier)
    n_features_in_, feature_names_in_, device_

    Notes
    -----
    Fine-tuning as in Yosinski, Clune, Bengio & Lipson (NIPS 2014): the
    transferred layers are either frozen or trained further on the target
    task; the smaller learning rate of the lower layers is the
    "discriminative fine-tuning" of Howard & Ruder (ACL 2018), here with one
    factor for the whole feature extractor. Batches hold rows of one domain
    (a fine-tuning step sees only labelled target rows), so ``batch_size``
    rows are drawn without the domain balancing of the adapters.
    ``partial_fit`` (and ``warm_start``) continue the fine-tuning phase for
    ``max_epochs`` more epochs. User ``callbacks`` run in both phases.

    References
    ----------
    Yosinski, Clune, Bengio and Lipson. How transferable are features in
    deep neural networks? NIPS 2014.
    Howard and Ruder. Universal language model fine-tuning for text
    classification. ACL 2018.
    """.replace("{_COMMON}", _COMMON.strip("\n"))

    # a torch module given as ``pretrained`` is a parameter, not a component
    # that skorch's __setattr__ would have us set in an initialize method
    prefixes_ = [*NeuralNet.prefixes_, "pretrained"]

    def __init__(self, module=TabularModule, *, pretrained=None, pretrain_epochs=20,
                 freeze=None, finetune_lr=None, feature_lr_scale=0.1,
                 valid_fraction=0.2, patience=20, max_epochs=100, **kwargs):
        super().__init__(module, max_epochs=max_epochs, **kwargs)
        self.pretrained = pretrained
        self.pretrain_epochs = pretrain_epochs
        self.freeze = freeze
        self.finetune_lr = finetune_lr
        self.feature_lr_scale = feature_lr_scale
        self.valid_fraction = valid_fraction
        self.patience = patience

    # --------------------------------------------------- validation
    def _check_method_params(self):
        owner = type(self).__name__
        check_number(self.pretrain_epochs, "pretrain_epochs", owner=owner,
                     integer=True, low=0)
        check_number(self.finetune_lr, "finetune_lr", owner=owner, low=0,
                     low_inclusive=False, allow_none=True)
        check_number(self.feature_lr_scale, "feature_lr_scale", owner=owner, low=0)
        check_number(self.patience, "patience", owner=owner, integer=True, low=1)
        if self.valid_fraction is not None:
            check_number(self.valid_fraction, "valid_fraction", owner=owner, low=0,
                         low_inclusive=False)
            if self.valid_fraction >= 1:
                raise ValueError(f"{owner}: valid_fraction must be in (0, 1) or None, "
                                 f"got {self.valid_fraction!r}.")
        self._freeze_patterns()
        if self.pretrained is not None:
            pretrained_net(self.pretrained, owner)

    def _freeze_patterns(self):
        freeze = self.freeze
        patterns = [] if freeze is None else [freeze] if isinstance(freeze, str) \
            else list(freeze)
        if not all(isinstance(p, str) for p in patterns):
            raise ValueError(f"{type(self).__name__}: freeze must be None, a glob "
                             f"pattern or a list of them, got {freeze!r}.")
        return patterns

    def _validate_fit(self, X, y, sample_domain, *, reset):
        owner = type(self).__name__
        X = self._check_X(X, reset=reset, ensure_min_samples=2)
        if y is None:
            raise ValueError(
                f"{owner} requires y to be passed, but the target y is None: pass the "
                "labels with the unlabelled rows masked (-1 for classification, NaN "
                "for regression).")
        y = check_masked_labels(y, X.shape[0], task=self._task())
        pretrain = self.pretrained is None and reset
        data = DomainData.from_fit(X, y, sample_domain, task=self._task(),
                                   require_source=pretrain,
                                   n_classes_min=2 if pretrain else 1)
        target = labelled_target_rows(data, owner)
        if self.valid_fraction is not None and target.size < 2:
            raise ValueError(
                f"{owner} holds out valid_fraction={self.valid_fraction} of the "
                f"labelled target rows for early stopping and there is "
                f"{target.size}: label at least 2 target rows, or pass "
                "valid_fraction=None to fine-tune on all of them for max_epochs.")
        if pretrain and np.count_nonzero(data.labelled & data.is_source) < 2:
            raise ValueError(f"{owner} pretrains on the labelled source rows and "
                             "needs at least 2 of them (or pass a pretrained net).")
        classes = None
        if reset and self.pretrained is not None:
            classes = getattr(pretrained_net(self.pretrained, owner), "classes_", None)
        y_enc = self._encode_y(y, data.labelled, reset=reset, classes=classes)
        return _FitRows(_as_dense32(X), y_enc, data.is_target, data.labelled)

    # ------------------------------------------------------ modules
    def initialize_module(self):
        if self.pretrained is None:
            return super().initialize_module()
        net = pretrained_net(self.pretrained, type(self).__name__)
        start = self.pretrained if net is None else net.module_
        if isinstance(start, FrozenEstimator):
            start = start.estimator
        self.module_ = as_domain_module(copy.deepcopy(start))
        return self

    def _check_start(self):
        """The pretrained module fits the data: ``n_features_in_`` inputs,
        ``n_outputs_`` outputs (one dummy forward pass, before training)."""
        owner = type(self).__name__
        was_training = self.module_.training
        self.module_.eval()
        try:
            with torch.no_grad():
                out = self.module_(torch.zeros(2, self.n_features_in_,
                                               device=self.device))
        except RuntimeError as exc:
            raise ValueError(
                f"{owner}: the pretrained module does not take rows of "
                f"{self.n_features_in_} features ({exc}).") from None
        finally:
            self.module_.train(was_training)
        width = out.shape[1] if out.ndim == 2 else 1
        if width != self.n_outputs_:
            what = (f"{self.n_outputs_} classes {self.classes_.tolist()}"
                    if self._task() == "classification" else "1 target")
            raise ValueError(
                f"{owner}: the pretrained module gives {width} output(s) per row and "
                f"the data have {what}. Pretrain on the same classes (a pretrained "
                "net's classes_ are used when it has them).")

    def initialize_optimizer(self, *args, **kwargs):
        """skorch's optimizer, and while fine-tuning two parameter groups:
        the feature extractor at ``feature_lr_scale * finetune_lr``, the
        rest at ``finetune_lr``."""
        if getattr(self, "_phase_", None) != "finetune":
            return super().initialize_optimizer(*args, **kwargs)
        lr = self.lr if self.finetune_lr is None else self.finetune_lr
        lower = {id(p) for p in self.module_.feature_extractor.parameters()}
        params = [p for _, p in self.get_all_learnable_params()]
        groups = [
            {"params": [p for p in params if id(p) in lower],
             "lr": lr * self.feature_lr_scale},
            {"params": [p for p in params if id(p) not in lower], "lr": lr},
        ]
        _, kwargs = self.get_params_for_optimizer("optimizer", [])
        kwargs.pop("param_groups", None)
        kwargs["lr"] = lr
        self.optimizer_ = self.optimizer([g for g in groups if g["params"]], **kwargs)
        return self

    # ----------------------------------------------------- training
    def _run_training(self, rows, *, partial):
        continuing = self.initialized_ and (partial or self.warm_start) \
            and getattr(self, "_phase_", None) == "finetune"
        if not continuing:
            self._phase_ = None
            self.initialize()
            self._check_start()
            self.best_epoch_ = None
            if self.pretrained is None and self.pretrain_epochs > 0:
                source = np.flatnonzero(rows.labelled & ~rows.is_target)
                self._run_phase(rows, "pretrain", source, self.pretrain_epochs)
        self._run_phase(rows, "finetune", np.flatnonzero(rows.labelled & rows.is_target),
                        self.max_epochs)

    def _run_phase(self, rows, phase, index, epochs):
        """skorch's training call (``on_train_begin``, ``fit_loop``,
        ``on_train_end``) on the rows ``index``, with the phase's optimizer
        and callbacks."""
        self._phase_ = phase
        extra = []
        if phase == "finetune":
            patterns = self._freeze_patterns()
            every = patterns and self._check_patterns_match(patterns)
            for p in self.module_.parameters():
                p.requires_grad_(not every)
            if every:
                return  # every parameter frozen: nothing to fine-tune
            if patterns:
                extra.append(("finetune_freezer", Freezer(patterns, at=_in_finetune)))
        train, valid = self._phase_split(rows, phase, index)
        self._phase_rows_ = (train, valid)
        self.initialize_optimizer()
        if phase == "finetune" and valid is not None:
            stopper = EarlyStopping(monitor="valid_loss", patience=self.patience,
                                    load_best=True, sink=self._sink)
            extra.append(("finetune_early_stopping", stopper))
        callbacks = self.callbacks_
        self.callbacks_ = callbacks + [(name, cb.initialize()) for name, cb in extra]
        try:
            self.notify("on_train_begin", X=rows, y=None)
            try:
                self.fit_loop(rows, epochs=epochs)
            except KeyboardInterrupt:
                pass
            self.notify("on_train_end", X=rows, y=None)
        finally:
            self.callbacks_ = callbacks
            del self._phase_rows_
        if phase == "finetune" and valid is not None:
            self.best_epoch_ = int(stopper.best_epoch_)

    def _sink(self, text):
        if self.verbose:
            print(text)

    def _check_patterns_match(self, patterns):
        """Raise for a pattern that matches no parameter; whether every
        parameter is matched."""
        names = [name for name, _ in self.get_all_learnable_params()]
        unmatched = [p for p in patterns if not any(fnmatch(n, p) for n in names)]
        if unmatched:
            raise ValueError(
                f"{type(self).__name__}: freeze patterns {unmatched} match no "
                f"parameter of the module; its parameters are {names}.")
        return all(any(fnmatch(n, p) for p in patterns) for n in names)

    def _phase_split(self, rows, phase, index):
        """``(train, valid)`` positions of the phase's rows: held-out source
        rows by ``train_split`` while pretraining, ``valid_fraction`` of the
        target rows while fine-tuning (``valid`` None without them)."""
        if phase == "pretrain":
            if self.train_split is None:
                return index, None
            _, part_valid = self.train_split(Dataset(rows.X[index], rows.y[index]),
                                             rows.y[index])
            valid = index[np.asarray(part_valid.indices)]
            return np.setdiff1d(index, valid), valid
        if self.valid_fraction is None:
            return index, None
        n = index.size
        n_valid = min(max(1, int(round(self.valid_fraction * n))), n - 1)
        rng = np.random.default_rng(self._seed_)
        y = rows.y[index]
        if self._task() == "classification":
            counts = np.unique(y, return_counts=True)[1]
            if counts.min() >= 2 and counts.size <= min(n_valid, n - n_valid):
                split = StratifiedShuffleSplit(
                    1, test_size=n_valid, random_state=int(rng.integers(2**31 - 1)))
                tr, va = next(split.split(np.zeros((n, 1)), y))
                return index[np.sort(tr)], index[np.sort(va)]
        perm = rng.permutation(n)
        return np.sort(index[perm[n_valid:]]), np.sort(index[perm[:n_valid]])

    def get_split_datasets(self, X, y=None, **fit_params):
        train, valid = self._phase_rows_
        # every row of a phase is labelled and ShuffledBatches counts all of
        # a batch's rows as its labelled ones
        self._labels_are_source_rows_ = True
        return self._device_rows(X, train, balanced=False), (
            None if valid is None else self._device_rows(X, valid, balanced=False))

    def get_iterator(self, dataset, training=False):
        if not training or not hasattr(self, "_phase_rows_"):
            return super().get_iterator(dataset, training=training)
        batches = ShuffledBatches(dataset, self.batch_size, self._batch_generator())
        self._batches_per_epoch_ = len(batches)
        return batches

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train=dataset_train,
                               dataset_valid=dataset_valid, **kwargs)
        self.history.record("phase", self._phase_)


class FineTuningClassifier(DomainNetClassifierMixin, _FineTuning):
    __doc__ = _FineTuning.__doc__


class FineTuningRegressor(DomainNetRegressorMixin, _FineTuning):
    __doc__ = _FineTuning.__doc__
