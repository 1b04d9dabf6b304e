"""Model selection for domain adaptation: domain-aware cross-validation
splitters and scorers that estimate target performance without target
labels."""

from ._scorers import (
    CircularValidationScorer,
    DeepEmbeddedValidationScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    SoftNeighborhoodDensityScorer,
    SupervisedTargetScorer,
)
from ._split import DomainShuffleSplit, DomainStratifiedKFold, LeaveOneDomainOut

__all__ = [
    "CircularValidationScorer",
    "DeepEmbeddedValidationScorer",
    "DomainShuffleSplit",
    "DomainStratifiedKFold",
    "ImportanceWeightedScorer",
    "LeaveOneDomainOut",
    "PredictionEntropyScorer",
    "SoftNeighborhoodDensityScorer",
    "SupervisedTargetScorer",
]
