"""Several source domains, each adapted to the target on its own.

The contract (:mod:`sktransfer.domain`) lets ``sample_domain`` name several
source domains (several positive ids). An adapter that moves source rows
onto the target (a map, a re-colouring, a reweighting) pools them into one
source by default, as its paper does; :class:`PerSourceDomainMixin` gives
it the parameter ``source_handling="per_domain"``, which fits the
adaptation once per source domain, on that domain's rows and every target
row, and adapts each source row with its own domain's adaptation.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from .domain import DomainData

__all__ = ["PerSourceDomainMixin", "SOURCE_HANDLING", "source_domain_ids"]

#: the values of ``source_handling``
SOURCE_HANDLING = ("pool", "per_domain")


def source_domain_ids(sample_domain):
    """The sorted source domain ids (the positive values) of ``sample_domain``."""
    sd = np.asarray(sample_domain)
    return np.unique(sd[sd > 0])


def _domain_rows(data, domain):
    """Indices of the rows of ``data`` in source domain ``domain`` or in a
    target domain, and the :class:`DomainData` of those rows."""
    rows = np.flatnonzero((data.sample_domain == domain) | data.is_target)
    sub = DomainData(
        X=data.X[rows], y=None if data.y is None else data.y[rows],
        sample_domain=data.sample_domain[rows], labelled=data.labelled[rows],
        has_source=None if data.has_source is None else data.has_source[rows],
        has_target=None if data.has_target is None else data.has_target[rows],
    )
    return rows, sub


class PerSourceDomainMixin:
    """``source_handling`` for an adapter whose target rows are treated from
    the target rows alone (CORAL, Subspace Alignment, the OT mappings, KMM).

    With ``source_handling="per_domain"`` the adapter's own hooks run once
    per source domain ``k`` on a clone with no estimator, over the rows of
    domain ``k`` and every target row; the clones are ``domain_adapters_``
    (``{k: adapter}``), their ids ``source_domains_``. A source row is
    adapted by its domain's clone, a target row by the first clone (the
    adaptation of target rows depends on the target rows only, so every
    clone gives the same). Training weights (KMM) are each clone's weights
    on its own rows; ``n_iter_`` (where the adapter has one) is the largest
    of the clones'. A row of a source domain not seen in ``fit`` is an
    error at predict time. With one source domain the two modes are the
    same adapter.

    The class overrides the four methods through which
    :class:`~sktransfer.base.BaseAdapter`'s template calls the hooks (so it
    must come before it in the bases); the adapter must have a
    ``source_handling`` parameter;
    an adapter that only reweights rows (its ``_fit_adapter`` returns them
    as they are) sets ``_adapts_rows = False``.
    """

    _adapts_rows = True

    def _per_domain_requested(self):
        value = self.source_handling
        if not isinstance(value, str) or value not in SOURCE_HANDLING:
            raise ValueError(
                f"{type(self).__name__}: source_handling must be one of "
                f"{list(SOURCE_HANDLING)}, got {value!r}."
            )
        return value == "per_domain"

    def _domain_adapter(self):
        return clone(self).set_params(estimator=None, source_handling="pool")

    def _check_adaptation(self, data):
        self._domain_parts = None
        if not self._per_domain_requested():
            return self._check_adapter(data)
        parts = []
        for k in source_domain_ids(data.sample_domain):
            rows, sub_data = _domain_rows(data, k)
            sub = self._domain_adapter()
            try:
                sub._check_adapter(sub_data)
            except ValueError as exc:
                raise ValueError(
                    f"{type(self).__name__}(source_handling='per_domain'), source "
                    f"domain {int(k)} ({rows.size - int(sub_data.is_target.sum())} "
                    f"rows): {exc} Each source domain is adapted on its own rows; "
                    "use source_handling='pool' to pool the source domains."
                ) from None
            parts.append((int(k), rows, sub_data, sub))
        # the require-an-estimator checks (e.g. sample_weight support) stay
        # with the adapter itself
        self._check_per_domain_estimator()
        self._domain_parts = parts

    def _check_per_domain_estimator(self):
        """Checks of the wrapped estimator that the clones (with no
        estimator) cannot make; by default none."""

    def _fit_adaptation(self, data, fit_params):
        parts = getattr(self, "_domain_parts", None)
        self._domain_parts = None
        if parts is None:
            for name in ("domain_adapters_", "source_domains_", "_domain_weights", "n_iter_"):
                self.__dict__.pop(name, None)
            return self._fit_adapter(data, fit_params)
        out = data.X if not self._adapts_rows else None
        weights = None
        adapters = {}
        for i, (k, rows, sub_data, sub) in enumerate(parts):
            adapted = sub._fit_adapter(sub_data, {})
            keep = sub_data.is_source if i else np.ones(rows.size, dtype=bool)
            if self._adapts_rows:
                if out is None:
                    out = np.empty((data.X.shape[0], adapted.shape[1]), dtype=np.float64)
                out[rows[keep]] = _dense(adapted[keep])
            w = sub._training_weights(sub_data)
            if w is not None:
                if weights is None:
                    weights = np.ones(data.X.shape[0])
                weights[rows[keep]] = np.asarray(w, dtype=np.float64)[keep]
            adapters[k] = sub
        self.domain_adapters_ = adapters
        self.source_domains_ = np.array(sorted(adapters))
        self._domain_weights = weights
        if all(hasattr(sub, "n_iter_") for sub in adapters.values()):
            # the iterations of the longest of the per-domain solves
            self.n_iter_ = max(int(sub.n_iter_) for sub in adapters.values())
        self._merge_domain_fits([(rows, sub) for _, rows, _, sub in parts])
        return out

    def _merge_domain_fits(self, parts):
        """Set the adapter's own fitted attributes from the per-domain fits
        ``parts`` (``(rows, adapter)``, ``rows`` the indices of the fit data
        each adapter saw); by default none."""

    def _adaptation_weights(self, data):
        if not hasattr(self, "domain_adapters_"):
            return self._training_weights(data)
        return self._domain_weights

    def _apply_adaptation(self, X, sample_domain):
        adapters = getattr(self, "domain_adapters_", None)
        if adapters is None:
            return self._adapt(X, sample_domain)
        if not self._adapts_rows:
            return X
        sd = np.asarray(sample_domain)
        unknown = np.setdiff1d(source_domain_ids(sd), self.source_domains_)
        if unknown.size:
            raise ValueError(
                f"{type(self).__name__} was fitted with source_handling='per_domain' "
                f"on the source domains {self.source_domains_.tolist()}; the rows of "
                f"source domain(s) {unknown.tolist()} have no adaptation. Pass them "
                "as target rows (negative sample_domain) or refit with them."
            )
        first = adapters[int(self.source_domains_[0])]
        groups = [(sd <= 0, first)] + [(sd == k, adapters[k]) for k in adapters]
        out = None
        for rows, adapter in groups:
            if rows.any():
                part = _dense(adapter._adapt(X[rows], sd[rows]))
                if out is None:
                    out = np.empty((X.shape[0], part.shape[1]), dtype=np.float64)
                out[rows] = part
        if out is None:  # no rows
            return first._adapt(X, sd)
        return out


def _dense(X):
    return X.toarray() if hasattr(X, "toarray") else np.asarray(X)
