"""Deep domain adaptation on skorch and torch (the ``deep`` extra).

``pip install "sktransfer[deep]"`` installs torch and skorch. Importing this
subpackage imports torch; ``import sktransfer`` alone does not.
"""

try:
    import skorch  # noqa: F401
    import torch  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised without torch
    raise ImportError(
        "sktransfer.deep needs torch and skorch, which are not installed: "
        'pip install "sktransfer[deep]" (or pip install torch skorch).'
    ) from exc

from ._adversarial import DANNClassifier, DANNRegressor, MCDClassifier, MCDRegressor
from ._divergence import (
    DANClassifier,
    DANRegressor,
    DeepCORALClassifier,
    DeepCORALRegressor,
    SourceOnlyClassifier,
    SourceOnlyRegressor,
)
from ._features import PretrainedFeatures
from ._finetune import FineTuningClassifier, FineTuningRegressor
from ._losses import classifier_discrepancy, coral_loss, gradient_reversal, mk_mmd
from ._modules import DomainDiscriminator, DomainModule, TabularModule

__all__ = [
    "DANNClassifier",
    "DANNRegressor",
    "MCDClassifier",
    "MCDRegressor",
    "DeepCORALClassifier",
    "DeepCORALRegressor",
    "DANClassifier",
    "DANRegressor",
    "SourceOnlyClassifier",
    "SourceOnlyRegressor",
    "FineTuningClassifier",
    "FineTuningRegressor",
    "PretrainedFeatures",
    "DomainModule",
    "TabularModule",
    "DomainDiscriminator",
    "gradient_reversal",
    "coral_loss",
    "mk_mmd",
    "classifier_discrepancy",
]
