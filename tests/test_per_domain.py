"""Several source domains: ``source_handling="per_domain"`` in the adapters
that move source rows onto the target (CORAL, Subspace Alignment, the OT
mappings, KMM)."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer import CORAL, KMM, LinearOTMapping, OTMapping, SubspaceAlignment
from sktransfer.model_selection import DomainShuffleSplit

ADAPTERS = {
    "coral": lambda **kw: CORAL(**kw),
    "coral_centred": lambda **kw: CORAL(center=True, reg="auto", **kw),
    "subspace": lambda **kw: SubspaceAlignment(n_components=2, **kw),
    "linear_ot": lambda **kw: LinearOTMapping(**kw),
    "ot": lambda **kw: OTMapping(reg_cl=0, **kw),
}


def three_domains(seed=0, n=(80, 70), n_t=60, d=3):
    """Two source domains with different covariances and means, a target."""
    rng = np.random.default_rng(seed)
    scales = (np.array([1.0, 0.5, 2.0]), np.array([2.0, 1.5, 0.5]))
    parts, labels = [], []
    for size, scale, shift in zip(n, scales, (0.0, 1.0)):
        Xk = rng.normal(size=(size, d)) * scale[:d] + shift
        parts.append(Xk)
        labels.append((Xk[:, 0] - shift > 0).astype(int))
    Xt = rng.normal(size=(n_t, d)) * 0.7 - 0.5
    X = np.vstack([*parts, Xt])
    y = np.r_[labels[0], labels[1], -np.ones(n_t, dtype=int)]
    sd = np.r_[np.ones(n[0], int), 2 * np.ones(n[1], int), -np.ones(n_t, int)]
    return X, y, sd


@pytest.mark.parametrize("name", ADAPTERS)
def test_each_source_domain_is_adapted_as_if_alone(name):
    X, y, sd = three_domains()
    multi = ADAPTERS[name](source_handling="per_domain")
    Z = multi.fit_transform(X, y, sample_domain=sd)
    assert multi.source_domains_.tolist() == [1, 2]
    for k in (1, 2):
        rows = (sd == k) | (sd < 0)
        alone = ADAPTERS[name]().fit(X[rows], y[rows], sample_domain=sd[rows])
        np.testing.assert_allclose(Z[rows], alone.fit_transform(X[rows], y[rows],
                                                                sample_domain=sd[rows]))
    # transform with the fit-time domains gives the fit-time rows back
    np.testing.assert_allclose(multi.transform(X, sample_domain=sd), Z)
    # target rows (the default at transform time) as every clone adapts them
    np.testing.assert_allclose(multi.transform(X[sd < 0]), Z[sd < 0])


@pytest.mark.parametrize("name", ADAPTERS)
def test_one_source_domain_per_domain_is_pooling(name):
    X, y, sd = three_domains()
    sd = np.where(sd > 0, 1, sd)
    pooled = ADAPTERS[name]().fit(X, y, sample_domain=sd)
    per = ADAPTERS[name](source_handling="per_domain").fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(per.transform(X, sample_domain=sd),
                               pooled.transform(X, sample_domain=sd))


def test_per_domain_coral_gives_every_source_domain_the_target_covariance():
    X, y, sd = three_domains(n=(400, 400), n_t=400)
    Ct = np.cov(X[sd < 0].T)
    per = CORAL(reg=0.0, source_handling="per_domain").fit(X, y, sample_domain=sd)
    pooled = CORAL(reg=0.0).fit(X, y, sample_domain=sd)
    Zp, Zq = per.transform(X, sample_domain=sd), pooled.transform(X, sample_domain=sd)
    for k in (1, 2):
        # A_k' C_k A_k = C_t exactly with reg=0 (the paper's identity)
        np.testing.assert_allclose(np.cov(Zp[sd == k].T), Ct, atol=1e-10)
        # pooling re-colours the pooled covariance, not each domain's
        assert np.abs(np.cov(Zq[sd == k].T) - Ct).max() > 0.1


def test_per_domain_kmm_weights_each_source_domain_against_the_target():
    X, y, sd = three_domains()
    per = KMM(LogisticRegression(), gamma=0.5, source_handling="per_domain").fit(
        X, y, sample_domain=sd)
    assert per.source_index_.tolist() == np.flatnonzero(sd > 0).tolist()
    for k in (1, 2):
        rows = (sd == k) | (sd < 0)
        alone = KMM(LogisticRegression(), gamma=0.5).fit(X[rows], y[rows],
                                                         sample_domain=sd[rows])
        np.testing.assert_allclose(per.weights_[sd[sd > 0] == k], alone.weights_)
        n_k = int((sd == k).sum())
        eps = (np.sqrt(n_k) - 1) / np.sqrt(n_k)
        # each domain's own constraint: |sum beta - n_k| <= n_k eps
        assert abs(per.weights_[sd[sd > 0] == k].sum() - n_k) <= n_k * eps + 1e-8
    # the estimator is trained on the source rows as they are, with those weights
    src = sd > 0
    direct = LogisticRegression().fit(X[src], y[src], sample_weight=per.weights_)
    np.testing.assert_allclose(per.predict_proba(X[sd < 0]),
                               direct.predict_proba(X[sd < 0]))
    with pytest.raises(ValueError, match="domain_adapters_"):
        per.compute_weights(X[:3])


def test_unknown_source_domain_at_predict_is_an_error():
    X, y, sd = three_domains()
    est = CORAL(LogisticRegression(), source_handling="per_domain").fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match=r"source domains \[1, 2\].*\[3\]"):
        est.predict(X[:4], sample_domain=[3, 3, 1, -1])
    assert est.predict(X[:4], sample_domain=[2, 2, 1, -1]).shape == (4,)


def test_a_domain_that_cannot_be_adapted_is_named_before_any_fit(monkeypatch):
    X, y, sd = three_domains()
    sd = sd.copy()
    sd[np.flatnonzero(sd == 2)[1:]] = 1   # domain 2 keeps one row
    calls = []
    monkeypatch.setattr(CORAL, "_fit_adapter",
                        lambda self, data, fp: calls.append(1) or data.X)
    with pytest.raises(ValueError, match=r"source domain 2 \(1 rows\).*at least 2 source"):
        CORAL(source_handling="per_domain").fit(X, y, sample_domain=sd)
    assert not calls
    with pytest.raises(ValueError, match="source_handling must be one of"):
        CORAL(source_handling="per-domain").fit(X, y, sample_domain=sd)


def test_refit_pooled_forgets_the_domains():
    X, y, sd = three_domains()
    est = CORAL(source_handling="per_domain").fit(X, y, sample_domain=sd)
    est.set_params(source_handling="pool").fit(X, y, sample_domain=sd)
    assert not hasattr(est, "domain_adapters_")
    np.testing.assert_allclose(est.transform(X, sample_domain=sd),
                               CORAL().fit(X, y, sample_domain=sd).transform(
                                   X, sample_domain=sd))


def test_pipeline_grid_search_clone_and_pickle():
    X, y, sd = three_domains()
    pipe = make_pipeline(StandardScaler(), CORAL(LogisticRegression()))
    search = GridSearchCV(
        pipe, {"coral__source_handling": ["pool", "per_domain"]},
        cv=DomainShuffleSplit(n_splits=3, test_size=0.3, random_state=0),
    ).fit(X, y, groups=sd, coral__sample_domain=sd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    fitted = CORAL(LogisticRegression(), source_handling="per_domain").fit(
        X, y, sample_domain=sd)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    assert clone(fitted).get_params()["source_handling"] == "per_domain"
    assert not hasattr(clone(fitted), "domain_adapters_")
