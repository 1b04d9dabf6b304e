"""Feature alignment: map source and target rows into a common space
(CORAL, Subspace Alignment, the linear Gaussian OT map, the class-regularised
OT mapping, TCA), or the source feature space into a different target
feature space (SparseHeterogeneousMapping)."""

from ._coral import CORAL
from ._heterogeneous import SparseHeterogeneousMapping
from ._linear_ot import LinearOTMapping
from ._ot import OTMapping
from ._subspace import SubspaceAlignment
from ._tca import TCA

__all__ = ["CORAL", "LinearOTMapping", "OTMapping", "SparseHeterogeneousMapping",
           "SubspaceAlignment", "TCA"]
