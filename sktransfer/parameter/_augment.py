r"""Feature augmentation (Daume III 2007, "frustratingly easy domain
adaptation")."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import _num_samples, check_is_fitted

from .._validation import validate_numeric
from ..domain import DEFAULT_TARGET, check_sample_domain, infer_sample_domain

__all__ = ["FeatureAugmenter"]


def _domain_name(domain):
    return f"source{domain}" if domain > 0 else f"target{-domain}"


class FeatureAugmenter(TransformerMixin, BaseEstimator):
    r"""Copy every feature into a shared block and one block per domain.

    With the domains :math:`d_1, \dots, d_K` seen at ``fit`` (source domains
    first, then target domains), a row :math:`x` of domain :math:`d_k`
    becomes

    .. math::

        \Phi(x) = (x,\; 0, \dots, 0,\; \underbrace{x}_{\text{block } k},
        \; 0, \dots, 0) \in \mathbb{R}^{(K + 1) d}.

    For one source and one target domain: :math:`(x, x, 0)` for a source
    row and :math:`(x, 0, x)` for a target row (Daume III 2007). A linear
    model on :math:`\Phi` learns a shared weight vector (first block) used
    by every domain and a domain-specific correction (its own block); its
    regularisation decides how much the domains share. Put it before any
    linear estimator and train on the labelled rows of every domain:
    ``make_pipeline(FeatureAugmenter(), LogisticRegression())`` with
    ``fit(X, y, featureaugmenter__sample_domain=sd)``.

    At ``transform`` every row is a target row (domain -1) unless
    ``sample_domain`` says otherwise, as the contract says; so in a pipeline
    ``predict`` sees target rows.

    Parameters
    ----------
    None.

    Attributes
    ----------
    domains_ : ndarray of int
        The domains of the blocks after the shared one, in their order.
    n_features_in_ : int
    feature_names_in_ : ndarray of str (when ``X`` had column names)

    References
    ----------
    H. Daume III. Frustratingly easy domain adaptation. ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.parameter import FeatureAugmenter
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> FeatureAugmenter().fit_transform(X, sample_domain=[1, -1])
    array([[1., 2., 1., 2., 0., 0.],
           [3., 4., 0., 0., 3., 4.]])
    """

    def fit(self, X, y=None, sample_domain=None):
        """Record the domains (and the features) of the training rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Without ``sample_domain``, labelled rows are source rows and
            masked rows target rows (the contract).
        sample_domain : array-like of int of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        X = validate_numeric(self, X, accept_sparse="csr", dtype=np.float64)
        if sample_domain is None and y is None:
            raise ValueError(
                "FeatureAugmenter needs the domain of every training row: pass "
                "sample_domain (positive: source, negative: target) or y with the "
                "target labels masked.")
        sd = infer_sample_domain(y, sample_domain, n_samples=X.shape[0], purpose="fit")
        found = np.unique(sd)
        self.domains_ = np.array(sorted(found, key=lambda d: (d < 0, abs(d))),
                                 dtype=np.int64)
        return self

    def transform(self, X, sample_domain=None):
        """The augmented rows, shape (n_samples, (n_domains + 1) n_features).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        sample_domain : array-like of int of shape (n_samples,), default=None
            Domains of the rows (each one seen at ``fit``); by default every
            row is a target row (-1).
        """
        check_is_fitted(self)
        X = validate_numeric(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        n = X.shape[0]
        sd = (np.full(n, DEFAULT_TARGET, dtype=np.int64) if sample_domain is None
              else check_sample_domain(sample_domain, n))
        unknown = np.setdiff1d(sd, self.domains_)
        if unknown.size:
            raise ValueError(
                f"FeatureAugmenter: domains {unknown.tolist()} were not seen at fit "
                f"(seen: {self.domains_.tolist()}); each domain has its own block of "
                "features. Pass sample_domain with a domain of the training rows "
                "(by default every row is a target row, -1).")
        blocks = [X]
        for domain in self.domains_:
            keep = (sd == domain).astype(np.float64)
            blocks.append(sp.diags(keep) @ X if sp.issparse(X) else X * keep[:, None])
        if sp.issparse(X):
            return sp.hstack(blocks, format="csr")
        return np.hstack(blocks)

    def fit_transform(self, X, y=None, sample_domain=None):
        """Fit, then transform the training rows with their fit-time domains."""
        self.fit(X, y, sample_domain)
        sd = infer_sample_domain(y, sample_domain, n_samples=_num_samples(X),
                                 purpose="fit")
        return self.transform(X, sample_domain=sd)

    def get_feature_names_out(self, input_features=None):
        """The shared names, then ``<domain>__<name>`` per domain block
        (``source1__x0``, ``target1__x0``)."""
        from sklearn.utils.validation import _check_feature_names_in

        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        out = list(names) + [f"{_domain_name(d)}__{name}"
                             for d in self.domains_ for name in names]
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.requires_fit = True
        return tags
