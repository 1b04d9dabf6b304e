"""Online transfer learning: a fitted source model helps an online learner
on a stream of target rows (Zhao & Hoi 2010; Zhao, Hoi, Wang & Li 2014).

* :class:`OnlineTransferClassifier` -- homogeneous OTL (HomOTL-I/II).
* :class:`HeterogeneousOnlineTransferClassifier` -- heterogeneous OTL
  (HetOTL): the target adds new features to the source's.
* :class:`KernelPassiveAggressiveClassifier` -- the online kernel PA-I
  learner, on a budget, usable on its own.
"""

from ._kernel_pa import KernelPassiveAggressiveClassifier
from ._otl import HeterogeneousOnlineTransferClassifier, OnlineTransferClassifier

__all__ = [
    "HeterogeneousOnlineTransferClassifier",
    "KernelPassiveAggressiveClassifier",
    "OnlineTransferClassifier",
]
