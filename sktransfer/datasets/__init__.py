"""Real data sets with a natural domain shift, and the helper that turns one
into a source -> target adaptation problem.

The ``fetch_*`` loaders read local copies of the original files from a data
folder (see :func:`get_data_home`); they do not download anything yet. Each
returns a :class:`~sklearn.utils.Bunch` whose ``sample_domain`` gives the
i-th loaded domain the id ``i + 1``; :func:`make_domain_split` picks source
and target domains by name and masks the target labels.
"""

from ._base import get_data_home
from ._real import (
    fetch_amazon_reviews,
    fetch_heart_disease,
    fetch_office_caltech10,
    fetch_wine_quality,
)
from ._split import make_domain_split

__all__ = [
    "fetch_amazon_reviews",
    "fetch_heart_disease",
    "fetch_office_caltech10",
    "fetch_wine_quality",
    "get_data_home",
    "make_domain_split",
]
