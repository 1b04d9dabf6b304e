"""Parameter transfer: a source model and a few target labels.

:class:`RegularTransferRegressor` and :class:`RegularTransferClassifier`
pull a linear target model towards a fitted source model's coefficients
(Chelba & Acero 2006); :class:`FeatureAugmenter` is the feature
augmentation of Daume III (2007); :class:`WeightedPooling` trains on the
source and the labelled target rows with the target rows up-weighted.
Every estimator learns from labelled target rows, marked by a negative
``sample_domain``.
"""

from ._augment import FeatureAugmenter
from ._pooling import WeightedPooling
from ._regular import RegularTransferClassifier, RegularTransferRegressor

__all__ = ["FeatureAugmenter", "RegularTransferClassifier", "RegularTransferRegressor",
           "WeightedPooling"]
