"""Real data sets with a natural domain shift, synthetic generators of each
kind of shift, and the helper that turns one into a source -> target
adaptation problem.

The ``fetch_*`` loaders read local copies of the original files from a data
folder (see :func:`get_data_home`); the UCI data sets (wine quality, heart
disease) are downloaded there when missing and checked against their
sha256, the others must be put there by hand. Each returns a
:class:`~sklearn.utils.Bunch` whose ``sample_domain`` gives the i-th loaded
domain the id ``i + 1``; :func:`make_domain_split` picks source and target
domains by name and masks the target labels.

The ``make_*`` generators (:func:`make_covariate_shift`,
:func:`make_label_shift`, :func:`make_conditional_shift`,
:func:`make_subspace_shift`, :func:`make_shifted_moons`) draw a source and a
target sample from a documented model that differs between the domains in
one controlled way; they return the same ``Bunch`` with the domains
``"source"`` (id 1) and ``"target"`` (id 2). :func:`make_rotating_moons`
draws a sequence of ever more rotated domains (source, intermediate,
target) for gradual adaptation.

:func:`make_heterogeneous_shift` draws source and target rows described by
different features, related by a planted sparse map, in the block layout of
:class:`sktransfer.domain.FeatureBlocks`.
"""

from ._base import get_data_home
from ._heterogeneous import make_heterogeneous_shift
from ._real import (
    fetch_amazon_reviews,
    fetch_heart_disease,
    fetch_office_caltech10,
    fetch_wine_quality,
)
from ._split import make_domain_split
from ._synthetic import (
    make_conditional_shift,
    make_covariate_shift,
    make_label_shift,
    make_rotating_moons,
    make_shifted_moons,
    make_subspace_shift,
)

__all__ = [
    "make_heterogeneous_shift",
    "fetch_amazon_reviews",
    "fetch_heart_disease",
    "fetch_office_caltech10",
    "fetch_wine_quality",
    "get_data_home",
    "make_conditional_shift",
    "make_covariate_shift",
    "make_domain_split",
    "make_label_shift",
    "make_rotating_moons",
    "make_shifted_moons",
    "make_subspace_shift",
]
