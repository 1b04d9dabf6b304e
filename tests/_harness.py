"""Estimators as scikit-learn's own checks can exercise them.

scikit-learn's estimator checks fit on fully labelled data and pass no
``sample_domain``. Under the domain data contract such data has no target
rows, which every adapter rejects with a ``ValueError`` (tested in
``test_contract.py``). To run the checks through the real code paths anyway,
each adapter is subclassed here with a ``fit`` that, when no ``sample_domain``
is given, declares every other row a target row (rows 0, 2, 4, ... source;
1, 3, 5, ... target). Everything else -- validation, the adaptation, the
wrapped estimator, prediction, pickling, cloning, tags -- is the adapter's
own code, unchanged.
"""

import numpy as np
from sklearn.utils.validation import _num_samples

from sktransfer import (
    CORAL,
    KMM,
    TCA,
    LabelShiftClassifier,
    LinearOTMapping,
    OTMapping,
    SparseHeterogeneousMapping,
    SubspaceAlignment,
)
from sktransfer.auto import AdapterEnsemble
from sktransfer.multisource import GradualSelfTraining, MultiSourceAdapter
from sktransfer.parameter import (
    FeatureAugmenter,
    RegularTransferClassifier,
    RegularTransferRegressor,
    WeightedPooling,
)


def alternating_domains(n_samples, n_sources=1):
    """Rows 1, 3, 5, ... target (-1); the even rows source, in turn from
    domains 1 .. ``n_sources``."""
    sd = np.ones(n_samples, dtype=np.int64)
    sd[0::2] = 1 + np.arange(sd[0::2].size) % n_sources
    sd[1::2] = -1
    return sd


def _checked_domains(estimator, X):
    # an adapter with one adaptation per source domain, or a multi-source
    # estimator (``_checked_sources``), is checked with two source domains
    per_domain = getattr(estimator, "source_handling", "pool") == "per_domain"
    n_sources = getattr(estimator, "_checked_sources", 2 if per_domain else 1)
    return alternating_domains(_num_samples(X), n_sources)


class _SuppliesDomains:
    def fit(self, X, y=None, sample_domain=None, **fit_params):
        if sample_domain is None:
            sample_domain = _checked_domains(self, X)
        return super().fit(X, y, sample_domain=sample_domain, **fit_params)


class _SuppliesDomainsTransformer(_SuppliesDomains):
    def fit_transform(self, X, y=None, sample_domain=None, **fit_params):
        if sample_domain is None:
            sample_domain = _checked_domains(self, X)
        return super().fit_transform(X, y, sample_domain=sample_domain, **fit_params)


class SuppliesDomainsToPartialFit(_SuppliesDomainsTransformer):
    """Also for ``partial_fit`` (the deep nets)."""

    def partial_fit(self, X, y=None, sample_domain=None, **fit_params):
        if sample_domain is None:
            sample_domain = alternating_domains(_num_samples(X))
        return super().partial_fit(X, y, sample_domain=sample_domain, **fit_params)


class CheckedCORAL(_SuppliesDomainsTransformer, CORAL):
    pass


class CheckedKMM(_SuppliesDomains, KMM):
    pass


class CheckedTCA(_SuppliesDomainsTransformer, TCA):
    pass


class CheckedSparseHeterogeneousMapping(_SuppliesDomainsTransformer,
                                        SparseHeterogeneousMapping):
    pass


class CheckedSubspaceAlignment(_SuppliesDomainsTransformer, SubspaceAlignment):
    pass


class CheckedLinearOTMapping(_SuppliesDomainsTransformer, LinearOTMapping):
    pass


class CheckedOTMapping(_SuppliesDomainsTransformer, OTMapping):
    pass


class CheckedLabelShiftClassifier(_SuppliesDomains, LabelShiftClassifier):
    pass


class _SuppliesDomainsWeighted:
    """As ``_SuppliesDomains``, for a ``fit`` with an explicit
    ``sample_weight`` (which the checks look for in the signature)."""

    def fit(self, X, y=None, sample_domain=None, sample_weight=None):
        if sample_domain is None:
            sample_domain = alternating_domains(_num_samples(X))
        return super().fit(X, y, sample_domain=sample_domain,
                           sample_weight=sample_weight)


class CheckedRegularTransferClassifier(_SuppliesDomainsWeighted,
                                       RegularTransferClassifier):
    pass


class CheckedRegularTransferRegressor(_SuppliesDomainsWeighted,
                                      RegularTransferRegressor):
    pass


class CheckedWeightedPooling(_SuppliesDomains, WeightedPooling):
    pass


class CheckedFeatureAugmenter(_SuppliesDomainsTransformer, FeatureAugmenter):
    pass


class CheckedAdapterEnsemble(_SuppliesDomains, AdapterEnsemble):
    pass


# why scikit-learn checks fail on the skorch nets (their expected failures)
SKORCH_REASONS = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and "
        "virtual_params_ (skorch's design, kept so that skorch's machinery works)"
    ),
}
CLASSES_REASON = {
    "check_classifiers_classes": (
        "uses the labels {-1, 1}; -1 marks an unlabelled row under the contract, "
        "so those rows are (correctly) not trained on"
    ),
}


class CheckedMultiSourceAdapter(_SuppliesDomains, MultiSourceAdapter):
    _checked_sources = 2


class CheckedGradualSelfTraining(_SuppliesDomains, GradualSelfTraining):
    pass
