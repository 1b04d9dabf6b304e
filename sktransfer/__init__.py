"""sktransfer: transfer learning and domain adaptation as scikit-learn estimators.

The domain data contract every estimator follows is in :mod:`sktransfer.domain`.
Subpackages: :mod:`sktransfer.auto` (:class:`AutoAdapter`, which adapts only on
evidence), :mod:`sktransfer.instance` and :mod:`sktransfer.alignment` (the
adapters, re-exported here), :mod:`sktransfer.online` (online transfer on a
target stream, its two OTL classifiers re-exported here),
:mod:`sktransfer.parameter` (a source model and a few target labels:
regularised transfer, feature augmentation, weighted pooling; re-exported
here), :mod:`sktransfer.multisource` (several source domains, and
intermediate domains), :mod:`sktransfer.model_selection` (domain-aware
splitters, label-free scorers), :mod:`sktransfer.metrics` (shift
diagnostics), :mod:`sktransfer.datasets`. Importing this package changes no
global state and does not import torch.
"""

from . import domain
from .alignment import (
    CORAL,
    TCA,
    LinearOTMapping,
    OTMapping,
    SparseHeterogeneousMapping,
    SubspaceAlignment,
)
from .auto import AutoAdapter
from .domain import make_sample_domain, mask_target_labels
from .instance import (
    KMM,
    LabelShiftClassifier,
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
    TwoStageTrAdaBoostRegressor,
)
from .online import HeterogeneousOnlineTransferClassifier, OnlineTransferClassifier
from .parameter import (
    FeatureAugmenter,
    RegularTransferClassifier,
    RegularTransferRegressor,
    WeightedPooling,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "AutoAdapter",
    "CORAL",
    "FeatureAugmenter",
    "HeterogeneousOnlineTransferClassifier",
    "KMM",
    "LabelShiftClassifier",
    "LinearOTMapping",
    "OTMapping",
    "OnlineTransferClassifier",
    "RegularTransferClassifier",
    "RegularTransferRegressor",
    "SparseHeterogeneousMapping",
    "SubspaceAlignment",
    "TCA",
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
    "TwoStageTrAdaBoostRegressor",
    "WeightedPooling",
    "domain",
    "make_sample_domain",
    "mask_target_labels",
    "__version__",
]
