"""The skorch net behind every deep adapter: the domain data contract,
domain-balanced batches, devices, seeds, and the template training step.

A method is a subclass that overrides one small hook,
:meth:`DomainNet.adaptation_losses` (or, for a method with its own
optimisation loop such as MCD, ``train_step``), in the way skorch's
``NeuralNet`` is customised through ``train_step_single``, ``get_loss`` and
``get_iterator``.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import add

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import TransformerTags
from sklearn.utils.metaestimators import available_if
from skorch import NeuralNet
from skorch.dataset import Dataset

from .._validation import check_magnitude, check_number, validate_numeric
from ..base import LabelledScoreMixin
from ..domain import DomainData, check_masked_labels
from ._data import (
    DeviceRows,
    DomainBalancedBatches,
    SequentialBatches,
    resolve_device,
    seed_from,
    seeded,
)
from ._modules import TabularModule

__all__ = ["DomainNet", "DomainNetClassifierMixin", "DomainNetRegressorMixin"]


#: the largest learning rate the float32 optimisers take
_MAX_LR = 1e30


@dataclass
class _FitRows:
    """Validated training rows as the contract sorted them (numpy, float32
    rows, encoded labels: -1 / NaN where unlabelled)."""

    X: np.ndarray
    y: np.ndarray
    is_target: np.ndarray
    labelled: np.ndarray

    def __len__(self):
        return self.X.shape[0]


#: the parameters every net shares, for the methods' docstrings
_COMMON = """
    module : torch.nn.Module class or instance, default=TabularModule
        The network: ``feature_extractor`` and ``head`` submodules (see
        :class:`~sktransfer.deep.DomainModule`); ``module__<name>`` sets the
        arguments of a class (``module__hidden=(128, 64)``).
    criterion, optimizer, lr, max_epochs, batch_size, train_split, callbacks, \
warm_start, verbose
        skorch's ``NeuralNet`` parameters (defaults: task criterion with
        per-row reduction, ``torch.optim.Adam``, 1e-3, 20, 128, None, None,
        False, 0).
    device : {"auto", "cpu", "cuda", "cuda:<i>"}, default="auto"
        CUDA when torch sees one (``"auto"``); asking for CUDA where there is
        none raises.
    random_state : int, RandomState or None, default=None
        Seeds initialisation, dropout and batch order (identical CPU runs);
        the caller's torch generators are left as they were.
"""


def check_module_parts(module):
    """``module``, once checked to have the ``feature_extractor`` and
    ``head`` every net trains (a ``TypeError`` saying how to wrap it if not)."""
    missing = [p for p in ("feature_extractor", "head") if not hasattr(module, p)]
    if missing:
        raise TypeError(
            f"The module must have a feature_extractor and a head (missing: "
            f"{', '.join(missing)}); wrap yours as module=DomainModule, "
            "module__feature_extractor=..., module__head=...."
        )
    return module


def _as_dense32(X):
    return np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float32)


class DomainNet(NeuralNet):
    """Base of the deep adapters (use a concrete class such as
    :class:`~sktransfer.deep.DANNClassifier`).

    Parameters are skorch's ``NeuralNet`` ones with these defaults, plus:

    device : {"auto", "cpu", "cuda", "cuda:<i>"}, default="auto"
        ``"auto"`` trains on CUDA when torch sees a GPU, else on the CPU. A
        CUDA device asked for on a machine without one raises before any
        work. The device trained on is ``device_``.
    random_state : int, RandomState or None, default=None
        Seeds the module's initialisation, dropout and the batch order; the
        caller's torch generators are restored afterwards (nothing global
        changes). The same seed gives identical runs on the CPU.

    Notes
    -----
    Domain contract: ``fit(X, y, sample_domain=None)`` takes the stacked
    rows of every domain with masked labels (``-1`` / ``NaN``), as every
    sktransfer estimator. Every training batch holds ``batch_size // 2``
    source rows and ``batch_size // 2`` target rows; an epoch has
    ``ceil(max(n_source, n_target) / (batch_size // 2))`` batches, so each
    row of the larger domain is drawn once per epoch and the smaller domain
    is cycled through fresh permutations. The task loss is the mean over the
    batch's labelled rows (source rows, and target rows when some are
    labelled); the adaptation losses see all its rows.

    The training rows are moved to the device once per fit and batches are
    indices into them (no ``DataLoader``), so the ``iterator_train``
    parameters do not apply to training. ``train_split`` (e.g.
    ``skorch.dataset.ValidSplit(5)``) holds out part of the *labelled
    source rows* for a validation loss (``valid_loss`` in ``history``, what
    ``EarlyStopping`` watches); the default ``None`` trains on all of them.
    Sparse ``X`` is densified (float32).
    """

    def __init__(self, module=TabularModule, *, criterion=None,
                 optimizer=torch.optim.Adam, lr=1e-3, max_epochs=20,
                 batch_size=128, train_split=None, callbacks=None,
                 warm_start=False, verbose=0, device="auto", random_state=None,
                 **kwargs):
        super().__init__(
            module, criterion, optimizer=optimizer, lr=lr, max_epochs=max_epochs,
            batch_size=batch_size, train_split=train_split, callbacks=callbacks,
            warm_start=warm_start, verbose=verbose, device=device, **kwargs,
        )
        self.random_state = random_state

    # ------------------------------------------------------------ hooks
    def adaptation_losses(self, batch, features, output):
        """The method's losses on one training batch, weighted, by name.

        ``batch`` is a :class:`~sktransfer.deep._data.DomainBatch` whose
        first ``batch.n_source`` rows are source rows and the rest target
        rows; ``features`` and ``output`` are the module's features and task
        output for all of them. The training loss is the task loss plus the
        sum of these terms; each term's epoch mean is recorded in
        ``history`` as ``train_<name>``.
        """
        return {}

    def _check_method_params(self):
        """Check the method's own hyperparameters (before any work)."""

    # ------------------------------------------------------- devices
    @contextmanager
    def _on_device(self, device):
        """Run skorch's machinery with ``self.device`` resolved, restoring
        the parameter (e.g. ``"auto"``) afterwards, so ``get_params`` and
        ``clone`` see what the user passed."""
        requested = self.__dict__.get("device")
        self.__dict__["device"] = device
        try:
            yield
        finally:
            self.__dict__["device"] = requested

    def __setstate__(self, state):
        state = dict(state)
        requested = state["device"]
        # skorch maps the saved tensors to the device trained on, or to the
        # CPU (with a warning) when that device is absent here
        state["device"] = state.get("device_", "cpu")
        super().__setstate__(state)
        if "device_" in self.__dict__:
            self.__dict__["device_"] = str(self.__dict__["device"])
        self.__dict__["device"] = requested

    # --------------------------------------------------- validation
    def _task(self):
        return self._task_kind

    def _get_param_names(self):
        # skorch reports its private set _params_to_validate (the "__" keys
        # given at construction) among the parameters; it is bookkeeping, which
        # __init__ rebuilds from those keys, not a parameter a search may set
        return [k for k in super()._get_param_names() if k != "_params_to_validate"]

    def set_params(self, **params):
        """Set parameters (skorch's ``set_params``), except that before the
        first fit a new ``callbacks`` list is only stored, not initialised:
        validated in ``fit``, as scikit-learn's convention asks (skorch
        initialises the callbacks at once, so a bad value raised here)."""
        if "callbacks" in params and not self.initialized_:
            vars(self)["callbacks"] = params.pop("callbacks")
            if not params:
                return self
        return super().set_params(**params)

    def _check_params(self):
        owner = type(self).__name__
        check_number(self.batch_size, "batch_size", owner=owner, integer=True, low=2)
        check_number(self.max_epochs, "max_epochs", owner=owner, integer=True, low=0)
        check_number(self.lr, "lr", owner=owner, low=0, low_inclusive=False)
        if self.lr > _MAX_LR:
            raise ValueError(
                f"{owner}: lr={self.lr!r} does not fit the optimiser's float32 "
                f"arithmetic (at most {_MAX_LR:g}); learning rates are usually "
                "1e-5 to 1e-1.")
        if self.callbacks is not None and not isinstance(self.callbacks, (list, tuple)):
            raise ValueError(
                f"{owner}: callbacks must be None or a list of skorch callbacks (or "
                f"(name, callback) pairs), got {self.callbacks!r}.")
        if self.train_split is not None and not callable(self.train_split):
            raise ValueError(
                "train_split must be None or a callable such as "
                f"skorch.dataset.ValidSplit(5), got {self.train_split!r}."
            )
        self._check_method_params()
        return resolve_device(self.device)

    def _check_X(self, X, *, reset=False, **kwargs):
        """``X`` finite, float32 or float64, CSR when sparse, with
        ``n_features_in_`` and feature names set (``reset``) or checked."""
        X = validate_numeric(self, X, accept_sparse="csr",
                          dtype=(np.float32, np.float64), reset=reset, **kwargs)
        check_magnitude(X, owner=type(self).__name__)
        return X

    def _validate_fit(self, X, y, sample_domain, *, reset):
        X = self._check_X(X, reset=reset, ensure_min_samples=2)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None: pass the labels with the target rows masked (-1 for "
                "classification, NaN for regression)."
            )
        y = check_masked_labels(y, X.shape[0], task=self._task())
        data = DomainData.from_fit(X, y, sample_domain, task=self._task())
        is_target = data.is_target
        for name, rows in (("source", ~is_target), ("target", is_target)):
            if rows.sum() < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 {name} rows (every "
                    f"batch holds rows of both domains), got {int(rows.sum())}."
                )
        y_enc = self._encode_y(y, data.labelled, reset=reset)
        return _FitRows(_as_dense32(X), y_enc, is_target, data.labelled)

    def __sklearn_is_fitted__(self):
        return getattr(self, "initialized_", False) and hasattr(self, "n_features_in_")

    # ------------------------------------------------------------- fit
    def fit(self, X, y=None, sample_domain=None, **fit_params):
        """Initialise the module (unless ``warm_start``) and train it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows stacked.
        y : array-like of shape (n_samples,)
            Labels; unlabelled rows masked with ``-1`` (classification) or
            ``NaN`` (regression).
        sample_domain : array-like of int of shape (n_samples,), default=None
            Positive for source rows, negative for target rows. Without it,
            labelled rows are source and unlabelled rows target.

        Returns
        -------
        self : object
        """
        return self._train(X, y, sample_domain, fit_params, partial=False)

    def partial_fit(self, X, y=None, sample_domain=None, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initialising
        (initialising on the first call); same arguments as :meth:`fit`."""
        return self._train(X, y, sample_domain, fit_params, partial=True)

    def _train(self, X, y, sample_domain, fit_params, *, partial):
        if fit_params:
            raise TypeError(
                f"{type(self).__name__}.fit got unexpected parameters "
                f"{sorted(fit_params)}; it takes X, y and sample_domain."
            )
        device = self._check_params()
        keep_state = self.__sklearn_is_fitted__() and (partial or self.warm_start)
        rows = self._validate_fit(X, y, sample_domain, reset=not keep_state)
        seed = seed_from(self.random_state)
        self.device_ = device
        self._seed_ = seed
        with self._on_device(device), seeded(seed, device):
            self._run_training(rows, partial=partial)
        self._check_finite_parameters()
        return self

    def _check_finite_parameters(self):
        """A ``ValueError`` when a parameter of the trained module is NaN or
        infinite: the last optimiser step can break them after a finite loss
        (the loss check of :meth:`run_single_epoch` comes before the step)."""
        for name, param in self.module_.named_parameters():
            if not bool(torch.isfinite(param).all()):
                raise ValueError(
                    f"{type(self).__name__}: training diverged: the parameter "
                    f"{name!r} holds NaN or infinity after the last step. Lower lr "
                    f"(now {self.lr!r}) or the adaptation weight, or standardise the "
                    "features; no model is returned from a diverged fit.")

    def _run_training(self, rows, *, partial):
        """Initialise (unless continuing) and train on the validated rows:
        the training schedule, which a method with phases overrides."""
        # NeuralNet.fit's logic, without its call to our partial_fit
        if not (partial or self.warm_start) or not self.initialized_:
            self.initialize()
        NeuralNet.partial_fit(self, rows, _routing_method="partial_fit" if partial
                              else "fit")

    def initialize_module(self):
        kwargs = self.get_params_for("module")
        module = self.module
        if isinstance(module, type) and issubclass(module, TabularModule):
            if not hasattr(self, "n_features_in_"):
                raise RuntimeError(
                    "The default TabularModule takes its sizes from the data: call "
                    "fit (not initialize) first."
                )
            kwargs = {"n_features": self.n_features_in_, "n_outputs": self.n_outputs_,
                      **kwargs}
        self.module_ = check_module_parts(self.initialized_instance(module, kwargs))
        return self

    def initialize_criterion(self):
        criterion = self.criterion or self._default_criterion
        kwargs = self.get_params_for("criterion")
        if criterion is self._default_criterion:
            # per-row losses, so the mean can be taken over the labelled rows
            # without a boolean index (which would sync the device)
            kwargs.setdefault("reduction", "none")
        self.criterion_ = self.initialized_instance(criterion, kwargs)
        return self

    def get_split_datasets(self, X, y=None, **fit_params):
        """Training rows (all domains) and validation rows (held-out labelled
        source rows, by ``train_split``), as tensors on the device."""
        rows = X
        train = np.arange(len(rows))
        valid = None
        if self.train_split is not None:
            source = np.flatnonzero(rows.labelled & ~rows.is_target)
            y_source = rows.y[source]
            part_train, part_valid = self.train_split(
                Dataset(rows.X[source], y_source), y_source)
            valid = source[np.asarray(part_valid.indices)]
            train = np.setdiff1d(train, valid)
        return self._device_rows(rows, train, balanced=True), (
            None if valid is None else self._device_rows(rows, valid, balanced=False))

    def _device_rows(self, rows, index, *, balanced):
        device = self.device
        y_dtype = torch.int64 if self._task() == "classification" else torch.float32
        out = DeviceRows(
            torch.as_tensor(rows.X[index]).to(device),
            torch.as_tensor(rows.y[index], dtype=y_dtype).to(device),
            torch.as_tensor(rows.is_target[index]).to(device),
            torch.as_tensor(rows.labelled[index]).to(device),
        )
        if balanced:
            is_target = rows.is_target[index]
            self._labels_are_source_rows_ = bool(np.all(rows.labelled[index] == ~is_target))
            out.source = torch.as_tensor(np.flatnonzero(~is_target))
            out.target = torch.as_tensor(np.flatnonzero(is_target))
        return out

    def get_iterator(self, dataset, training=False):
        if not isinstance(dataset, DeviceRows):
            return super().get_iterator(dataset, training=training)
        if not training:
            return SequentialBatches(dataset, self.batch_size)
        batches = DomainBalancedBatches(dataset, self.batch_size, self._batch_generator())
        self._batches_per_epoch_ = len(batches)
        return batches

    def _batch_generator(self):
        """The CPU generator of a training call's batch order: seeded from
        ``random_state``, a fresh stream for each call (warm starts continue
        it)."""
        generator = torch.Generator()
        if self._seed_ is None:
            generator.seed()
        else:
            generator.manual_seed(self._seed_ + 7919 * len(self.history))
        return generator

    # ---------------------------------------------------- training step
    def task_loss(self, output, batch):
        """Mean task loss over the labelled rows of the batch.

        When every source row is labelled and no target row is (the usual
        case), those are the batch's first ``n_source`` rows and the loss is
        one criterion call on them; otherwise the per-row losses are
        averaged with the labelled mask as weights (no boolean index, which
        would make the host wait for the device)."""
        if self._labels_are_source_rows_:
            ns = batch.n_source
            loss = self.criterion_(output[:ns], batch.y[:ns])
            return loss.mean() if loss.ndim else loss
        y = batch.y
        if self._task() == "classification":
            y = y.clamp_min(0)
        else:
            y = torch.nan_to_num(y)
        per_row = self.criterion_(output, y)
        if per_row.ndim == 0:  # a criterion that reduces itself
            return self.criterion_(output[batch.labelled], batch.y[batch.labelled])
        if per_row.ndim > 1:
            per_row = per_row.flatten(1).mean(dim=1)
        weight = batch.labelled.to(per_row.dtype)
        return (per_row * weight).sum() / weight.sum().clamp_min(1.0)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        return loss.mean() if loss.ndim else loss

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        features = self.module_.feature_extractor(batch.X)
        output = self.module_.head(features)
        terms = {"task": self.task_loss(output, batch)}
        terms.update(self.adaptation_losses(batch, features, output))
        loss = reduce(add, terms.values())  # (sum() would add a 0 + first)
        loss.backward()
        self._record_terms(terms)
        return {"loss": loss, "y_pred": output}

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        """skorch's epoch loop, without its per-batch ``loss.item()``: each
        batch's loss is recorded in ``history`` as a device scalar and all of
        them are converted in one device-to-host transfer at the end of the
        epoch (before ``on_epoch_end``), so the host never waits for the
        device inside an epoch."""
        if iterator is None:
            return
        key = prefix + "_loss"
        losses = []
        for batch in iterator:
            self.notify("on_batch_begin", batch=batch, training=training)
            step = step_fn(batch, **fit_params)
            losses.append(step["loss"].detach())
            self.history.record_batch(key, losses[-1])
            self.history.record_batch(prefix + "_batch_size", len(batch[0]))
            self.notify("on_batch_end", batch=batch, training=training, **step)
        if losses:
            values = torch.stack(losses).tolist()
            for record, value in zip(self.history[-1]["batches"][-len(values):], values):
                record[key] = value
            if training and not all(math.isfinite(v) for v in values):
                bad = next(v for v in values if not math.isfinite(v))
                raise ValueError(
                    f"{type(self).__name__}: training diverged: a batch loss is {bad} "
                    f"at epoch {len(self.history)}. Lower lr (now {self.lr!r}) or the "
                    "adaptation weight, or standardise the features; no model is "
                    "returned from a diverged fit.")
        self.history.record(prefix + "_batch_count", len(losses))

    def _record_terms(self, terms):
        self._batch_index_ += 1
        for name, value in terms.items():
            total = self._epoch_terms_.get(name)
            value = value.detach()
            self._epoch_terms_[name] = value if total is None else total + value

    def progress(self):
        """Training progress p in [0, 1]: epochs done (fractional, counting
        the batches of the current one) over ``max_epochs``."""
        done = len(self.history) - 1 + self._batch_index_ / max(self._batches_per_epoch_, 1)
        return min(done / max(self.max_epochs, 1), 1.0)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(net, dataset_train=dataset_train,
                               dataset_valid=dataset_valid, **kwargs)
        self._epoch_terms_, self._batch_index_ = {}, 0

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        # one device-to-host transfer per term and epoch
        for name, total in self._epoch_terms_.items():
            self.history.record(f"train_{name}", total.item() / max(self._batch_index_, 1))
        self._epoch_terms_ = {}  # no device tensors left on the net (pickling)
        super().on_epoch_end(net, dataset_train=dataset_train,
                             dataset_valid=dataset_valid, **kwargs)

    # ---------------------------------------------------------- predict
    def _forward_rows(self, X, part):
        """``part(batch)`` for consecutive batches of ``X``, on the device
        trained on, concatenated and returned as one numpy array.

        Every batch has ``batch_size`` rows (the last one padded with zero
        rows, whose outputs are dropped): float32 matrix products round
        differently with the number of rows, and a fixed shape makes a row's
        output independent of the other rows of the call (predicting a
        subset gives the same values as predicting all the rows).
        """
        X = torch.as_tensor(_as_dense32(X))
        n, size = X.shape[0], self.batch_size
        self._set_training(False)
        outs = []
        with torch.inference_mode():
            for start in range(0, n, size):
                xb = X[start:start + size]
                if xb.shape[0] < size:
                    xb = torch.cat([xb, xb.new_zeros(size - xb.shape[0], xb.shape[1])])
                outs.append(part(xb.to(self.device_, non_blocking=True)))
            out = torch.cat(outs)[:n] if outs else torch.empty(0)
        return out.cpu().numpy()

    def forward_iter(self, X, training=False, device="cpu"):
        # skorch's own forward/forward_iter, on the device trained on
        with self._on_device(self.device_):
            yield from super().forward_iter(X, training=training, device=device)

    def _output(self, xb):
        """The task output of a batch (logits for a classifier)."""
        return self.module_(xb)

    def _predict_rows(self, X, sample_domain):
        return self.predict(X, sample_domain)

    def transform(self, X, sample_domain=None):
        """The features the adaptation acts on (``module_.feature_extractor``),
        one row per input row."""
        X, _ = self._validate_predict(X, sample_domain)
        return self._forward_rows(X, self.module_.feature_extractor).astype(np.float64)

    def fit_transform(self, X, y=None, sample_domain=None, **fit_params):
        """``fit``, then the features of every row (they do not depend on
        the rows' domains)."""
        return self.fit(X, y, sample_domain, **fit_params).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True
        tags.non_deterministic = self.random_state is None
        # transform gives the learnt features (the scorers' embedding)
        tags.transformer_tags = TransformerTags(preserves_dtype=[])
        return tags


class DomainNetClassifierMixin(LabelledScoreMixin, ClassifierMixin):
    """Classification form: cross-entropy, ``classes_``, ``predict_proba``."""

    _task_kind = "classification"
    _default_criterion = torch.nn.CrossEntropyLoss

    def _encode_y(self, y, labelled, *, reset, classes=None):
        if reset:
            self._label_encoder_ = LabelEncoder().fit(
                y[labelled] if classes is None else classes)
            self.classes_ = self._label_encoder_.classes_
            self.n_outputs_ = len(self.classes_)
        unknown = np.setdiff1d(y[labelled], self.classes_)
        if unknown.size:
            raise ValueError(
                f"y has labels {unknown.tolist()} unseen at the first fit (classes "
                f"{self.classes_.tolist()}); partial_fit cannot add classes."
            )
        out = np.full(y.shape[0], -1, dtype=np.int64)
        out[labelled] = self._label_encoder_.transform(y[labelled])
        return out

    def _proba(self, xb):
        return torch.softmax(self._output(xb), dim=1)

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities (softmax of the output), one row per row."""
        X, _ = self._validate_predict(X, sample_domain)
        P = self._forward_rows(X, self._proba).astype(np.float64)
        return P / P.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X, sample_domain=None):
        return np.log(self.predict_proba(X, sample_domain))

    def decision_function(self, X, sample_domain=None):
        """The logits (binary: the logit difference of class 1 over class 0)."""
        X, _ = self._validate_predict(X, sample_domain)
        out = self._forward_rows(X, self._logits).astype(np.float64)
        return out[:, 1] - out[:, 0] if out.shape[1] == 2 else out

    def _logits(self, xb):
        return torch.log(self._proba(xb))

    def predict(self, X, sample_domain=None):
        """The most probable class of every row."""
        P = self.predict_proba(X, sample_domain)
        return self.classes_[P.argmax(axis=1)]


def _never(self):
    return False


class DomainNetRegressorMixin(LabelledScoreMixin, RegressorMixin):
    """Regression form: mean squared error, one output."""

    _task_kind = "regression"
    _default_criterion = torch.nn.MSELoss
    # skorch's NeuralNet has these; a regressor must not
    predict_proba = available_if(_never)(NeuralNet.predict_proba)

    def _encode_y(self, y, labelled, *, reset, classes=None):
        self.n_outputs_ = 1
        return y.astype(np.float32).reshape(-1, 1)

    def predict(self, X, sample_domain=None):
        """The predicted targets, one row per row."""
        X, _ = self._validate_predict(X, sample_domain)
        out = self._forward_rows(X, self._output).astype(np.float64)
        return out.ravel()
