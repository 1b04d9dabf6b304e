"""Instance reweighting: weight source rows so that they look like target rows
(KMM), or learn which source rows to trust from a few labelled target rows
(TrAdaBoost, TrAdaBoost.R2, two-stage TrAdaBoost.R2), or correct a
classifier for a change of class proportions (label shift: EM, BBSE)."""

from ._kmm import KMM
from ._label_shift import LabelShiftClassifier
from ._tradaboost import (
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
    TwoStageTrAdaBoostRegressor,
)

__all__ = [
    "KMM",
    "LabelShiftClassifier",
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
    "TwoStageTrAdaBoostRegressor",
]
