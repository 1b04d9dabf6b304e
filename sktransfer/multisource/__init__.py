"""Several source domains, and transfer through intermediate domains.

:class:`MultiSourceAdapter` weights the source domains by the share of the
target each explains (a domain classifier and EM) and combines per-source
models (Mansour, Mohri & Rostamizadeh 2009) or weights one model's rows.
The adapters that move source rows onto the target also align each source
domain on its own: ``source_handling="per_domain"`` (CORAL,
SubspaceAlignment, LinearOTMapping, OTMapping, KMM).
:class:`GradualSelfTraining` adapts through intermediate domains to the
target by self-training one step at a time (Kumar, Ma & Liang 2020).
"""

from ._gradual import GradualSelfTraining
from ._mixture import MultiSourceAdapter

__all__ = ["GradualSelfTraining", "MultiSourceAdapter"]
