"""Feature alignment: map source and target rows into a common space (CORAL,
TCA), or the source feature space into a different target feature space
(SparseHeterogeneousMapping)."""

from ._coral import CORAL
from ._heterogeneous import SparseHeterogeneousMapping
from ._tca import TCA

__all__ = ["CORAL", "SparseHeterogeneousMapping", "TCA"]
