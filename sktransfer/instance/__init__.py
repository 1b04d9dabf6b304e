"""Instance reweighting: weight source rows so that they look like target rows
(KMM), or learn which source rows to trust from a few labelled target rows
(TrAdaBoost)."""

from ._kmm import KMM
from ._tradaboost import TrAdaBoostClassifier

__all__ = ["KMM", "TrAdaBoostClassifier"]
