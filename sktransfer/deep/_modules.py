"""Torch modules of the deep adapters: a feature extractor and a task head.

Every net of :mod:`sktransfer.deep` trains a module with two parts, reached
as attributes: ``feature_extractor`` (rows -> features, the representation
the adaptation loss acts on) and ``head`` (features -> task output);
``forward(X)`` returns ``head(feature_extractor(X))``. :class:`TabularModule`
is the default for tabular data; :class:`DomainModule` wraps one's own pair.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["DomainModule", "TabularModule", "DomainDiscriminator", "mlp"]

_NORMS = {"batch": nn.BatchNorm1d, "layer": nn.LayerNorm}
_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "elu": nn.ELU}


def _check_hidden(hidden):
    hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
    if any(not isinstance(h, int) or h < 1 for h in hidden):
        raise ValueError(f"hidden must be a tuple of positive ints, got {hidden!r}.")
    return hidden


def mlp(n_in, hidden, *, dropout=0.0, norm=None, activation="relu"):
    """``Linear -> [norm] -> activation -> [dropout]`` for each width in
    ``hidden``; the identity when ``hidden`` is empty."""
    hidden = _check_hidden(hidden)
    if norm is not None and norm not in _NORMS:
        raise ValueError(f"norm must be None, 'batch' or 'layer', got {norm!r}.")
    if activation not in _ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}."
        )
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    layers = []
    for width in hidden:
        layers.append(nn.Linear(n_in, width))
        if norm is not None:
            layers.append(_NORMS[norm](width))
        layers.append(_ACTIVATIONS[activation]())
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        n_in = width
    return nn.Sequential(*layers) if layers else nn.Identity()


class DomainModule(nn.Module):
    """One's own feature extractor and task head, as the nets expect them.

    Parameters
    ----------
    feature_extractor : torch.nn.Module
        Maps a batch of rows to features (a 2-D tensor).
    head : torch.nn.Module
        Maps features to the task output: one logit per class for a
        classifier, one value per target for a regressor.

    Examples
    --------
    >>> net = DANNClassifier(module=DomainModule,  # doctest: +SKIP
    ...                      module__feature_extractor=my_cnn,
    ...                      module__head=torch.nn.Linear(256, 10))
    """

    def __init__(self, feature_extractor, head):
        super().__init__()
        self.feature_extractor = feature_extractor
        self.head = head

    def forward(self, X):
        return self.head(self.feature_extractor(X))


class TabularModule(DomainModule):
    """The default module: an MLP feature extractor and a linear head.

    Parameters
    ----------
    n_features, n_outputs : int
        Input width and output width; the nets fill them in from the data.
    hidden : tuple of int, default=(64, 64)
        Widths of the feature extractor's layers; the features are the last
        layer's activations (the raw input when ``hidden=()``).
    dropout : float, default=0.0
        Dropout after each hidden layer.
    norm : {None, "batch", "layer"}, default=None
        Normalisation after each hidden linear layer.
    activation : {"relu", "gelu", "tanh", "elu"}, default="relu"
    """

    def __init__(self, n_features, n_outputs, hidden=(64, 64), dropout=0.0,
                 norm=None, activation="relu"):
        hidden = _check_hidden(hidden)
        width = hidden[-1] if hidden else n_features
        super().__init__(
            mlp(n_features, hidden, dropout=dropout, norm=norm, activation=activation),
            nn.Linear(width, n_outputs),
        )


class DomainDiscriminator(nn.Module):
    """DANN's domain classifier: features -> one logit (target vs source).

    Parameters
    ----------
    n_features : int
        Width of the features (filled in by the net).
    hidden : tuple of int, default=(64,)
    dropout : float, default=0.0
    norm : {None, "batch", "layer"}, default=None
    """

    def __init__(self, n_features, hidden=(64,), dropout=0.0, norm=None):
        super().__init__()
        hidden = _check_hidden(hidden)
        width = hidden[-1] if hidden else n_features
        self.body = mlp(n_features, hidden, dropout=dropout, norm=norm)
        self.out = nn.Linear(width, 1)

    def forward(self, Z):
        return self.out(self.body(Z)).squeeze(1)


def feature_width(module, n_features, device):
    """Width of ``module.feature_extractor``'s output, from one dummy row."""
    was_training = module.training
    module.eval()
    with torch.no_grad():
        Z = module.feature_extractor(torch.zeros(2, n_features, device=device))
    module.train(was_training)
    if Z.ndim != 2:
        raise ValueError(
            "The feature extractor must return a 2-D tensor (rows x features), got "
            f"shape {tuple(Z.shape)}; flatten its output."
        )
    return Z.shape[1]
