"""Label-free scorers: values against hand computations, behaviour on a
real covariate shift, the domain handling and their use in searches."""

import copy

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sktransfer.model_selection._scorers as scorers_module
from sktransfer import CORAL, KMM
from sktransfer.datasets import make_covariate_shift, make_domain_split
from sktransfer.model_selection._scorers import (
    CircularValidationScorer,
    DeepEmbeddedValidationScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    SoftNeighborhoodDensityScorer,
    SupervisedTargetScorer,
    domain_call,
)


class FixedProba(ClassifierMixin, BaseEstimator):
    """A fitted classifier whose probabilities are the first column(s) of X."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p = np.clip(np.asarray(X)[:, 0], 0, 1)
        return np.c_[1 - p, p]

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] > 0.5).astype(int)


class ConstantDomainClassifier(ClassifierMixin, BaseEstimator):
    """Domain classifier answering P(target | x) = x[:, 1]."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p = np.asarray(X)[:, 1]
        return np.c_[1 - p, p]


def _fold():
    # column 0: P(class 1) of the model; column 1: P(target) of the domain clf
    X = np.array([[0.9, 0.2], [0.2, 0.5], [0.6, 0.25],      # source rows
                  [0.7, 0.8], [0.5, 0.6], [0.99, 0.75]])    # target rows
    y = np.array([1, 1, 0, -1, -1, -1])
    return X, y, FixedProba().fit(X, y)


def _entropy(p):
    return -(p * np.log(p) + (1 - p) * np.log(1 - p))


# ------------------------------------------------------------ hand values
def test_entropy_is_minus_the_mean_target_entropy():
    X, y, model = _fold()
    expected = -np.mean([_entropy(0.7), _entropy(0.5), _entropy(0.99)])
    assert PredictionEntropyScorer()(model, X, y) == pytest.approx(expected)


def test_soft_neighbourhood_density_matches_the_dense_formula(monkeypatch):
    rng = np.random.default_rng(0)
    X = np.c_[rng.random(40), rng.random(40)]
    y = np.r_[rng.integers(0, 2, 10), -np.ones(30, int)]
    model = FixedProba().fit(X, y)
    F = model.predict_proba(X[10:])
    F /= np.linalg.norm(F, axis=1, keepdims=True)
    S = F @ F.T / 0.05
    np.fill_diagonal(S, -np.inf)
    P = np.exp(S - S.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    expected = np.mean(-np.sum(np.where(P > 0, P * np.log(np.clip(P, 1e-300, 1)), 0), axis=1))
    monkeypatch.setattr(scorers_module, "_SND_BLOCK", 7)  # several blocks
    got = SoftNeighborhoodDensityScorer()(model, X, y)
    assert got == pytest.approx(expected, rel=1e-9)


def test_importance_weighted_score_by_hand():
    X, y, model = _fold()
    p_t = np.array([0.2, 0.5, 0.25])
    w = (3 / 3) * p_t / (1 - p_t)
    errors = np.array([0.0, 1.0, 1.0])  # predictions 1, 0, 1 against 1, 1, 0
    scorer = ImportanceWeightedScorer(domain_classifier=ConstantDomainClassifier())
    assert scorer(model, X, y) == pytest.approx(-np.sum(w * errors) / np.sum(w))
    raw = ImportanceWeightedScorer(domain_classifier=ConstantDomainClassifier(),
                                   normalize=False)
    assert raw(model, X, y) == pytest.approx(-np.mean(w * errors))


def test_importance_weighted_log_loss_by_hand():
    X, y, model = _fold()
    p_t = np.array([0.2, 0.5, 0.25])
    w = p_t / (1 - p_t)
    p_true = np.array([0.9, 0.2, 1 - 0.6])
    scorer = ImportanceWeightedScorer(domain_classifier=ConstantDomainClassifier(),
                                      loss="log")
    expected = -np.sum(w * -np.log(p_true)) / np.sum(w)
    assert scorer(model, X, y) == pytest.approx(expected)


def test_deep_embedded_validation_by_hand():
    X, y, model = _fold()
    p_t = np.array([0.2, 0.5, 0.25])
    w = p_t / (1 - p_t)
    L = w * np.array([0.0, 1.0, 1.0])
    eta = -np.cov(L, w, ddof=1)[0, 1] / np.var(w, ddof=1)
    scorer = DeepEmbeddedValidationScorer(domain_classifier=ConstantDomainClassifier())
    assert scorer(model, X, y) == pytest.approx(-(L.mean() + eta * w.mean() - eta))


# --------------------------------------------------------- behaviour
@pytest.fixture(scope="module")
def shifted():
    data = make_covariate_shift(n_source=300, n_target=300, random_state=0)
    return make_domain_split(data, "source", "target")


def test_importance_weighting_tracks_the_target_accuracy(shifted):
    # a linear model under covariate shift: good on the source, poor on the
    # target; the weighted source score says so, the plain one does not
    X, y, sd = shifted.X, shifted.y, shifted.sample_domain
    model = CORAL(LogisticRegression(), reg=1.0).fit(X, y)
    target_acc = np.mean(model.predict(X[sd < 0]) == shifted.y_target_true)
    source_acc = model.score(X, y)
    iw = 1 + ImportanceWeightedScorer(random_state=0)(model, X, y)
    assert abs(iw - target_acc) < 0.5 * abs(source_acc - target_acc)
    kmm_iw = 1 + ImportanceWeightedScorer(ratio="kmm", random_state=0)(model, X, y)
    assert abs(kmm_iw - target_acc) < 0.5 * abs(source_acc - target_acc)


def test_circular_validation_scores_the_reverse_model(shifted):
    X, y = shifted.X, shifted.y
    model = make_pipeline(StandardScaler(), CORAL(LogisticRegression())).fit(X, y)
    score = CircularValidationScorer()(model, X, y)
    # by hand: pseudo-label, swap, refit, score on the source labels
    source = y != -1
    y_rev = np.where(source, -1, model.predict(X))
    reverse = sklearn.clone(model).fit(X, y_rev)
    assert score == pytest.approx(np.mean(reverse.predict(X[source]) == y[source]))
    with pytest.raises(ValueError, match="needs a domain adapter"):
        CircularValidationScorer()(LogisticRegression().fit(X[source], y[source]), X, y)


def test_supervised_target_scorer_needs_labelled_target_rows(shifted):
    X, sd = shifted.X, shifted.sample_domain
    y = shifted.y.copy()
    y[shifted.target_index[:20]] = shifted.y_target_true[:20]   # 20 labelled target rows
    model = KMM(LogisticRegression(), random_state=0).fit(X, y, sample_domain=sd)
    got = SupervisedTargetScorer()(model, X, y, sample_domain=sd)
    rows = shifted.target_index[:20]
    assert got == pytest.approx(np.mean(model.predict(X[rows]) == y[rows]))
    with pytest.raises(ValueError, match="needs labelled target rows.*sample_domain"):
        SupervisedTargetScorer()(model, X, y)   # masked labels only: no labelled target


def test_pipeline_rows_reach_the_adapter_with_their_domains(shifted):
    X, y, sd = shifted.X, shifted.y, shifted.sample_domain
    pipe = make_pipeline(StandardScaler(), CORAL(LogisticRegression(), reg=1.0)).fit(X, y)
    src = X[sd > 0]
    as_source = domain_call(pipe, "predict_proba", src, np.ones(len(src), int))
    as_target = domain_call(pipe, "predict_proba", src, -np.ones(len(src), int))
    assert not np.allclose(as_source, as_target)   # CORAL maps source rows
    np.testing.assert_allclose(as_target, pipe.predict_proba(src))


# ------------------------------------------------------------ contract
ALL = [PredictionEntropyScorer(), SoftNeighborhoodDensityScorer(),
       ImportanceWeightedScorer(random_state=0), DeepEmbeddedValidationScorer(random_state=0),
       CircularValidationScorer()]


@pytest.mark.parametrize("scorer", ALL, ids=lambda s: type(s).__name__)
def test_scorers_are_stateless_and_agree_with_sample_domain(scorer, shifted):
    X, y, sd = shifted.X, shifted.y, shifted.sample_domain
    model = make_pipeline(StandardScaler(), CORAL(LogisticRegression())).fit(X, y)
    before = copy.deepcopy(vars(scorer))
    first = scorer(model, X, y)
    assert np.isfinite(first)
    assert scorer(model, X, y) == first
    assert scorer(model, X, y, sample_domain=sd) == first
    assert vars(scorer) == before


@pytest.mark.parametrize("scorer", ALL, ids=lambda s: type(s).__name__)
def test_a_fold_without_target_rows_is_an_error(scorer, shifted):
    X, y, sd = shifted.X, shifted.y, shifted.sample_domain
    model = CORAL(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="needs target rows|needs labelled source"):
        scorer(model, X[sd > 0], y[sd > 0], sample_domain=sd[sd > 0])


@pytest.mark.parametrize("scorer", ALL, ids=lambda s: type(s).__name__)
def test_grid_search_with_masked_labels(scorer, shifted):
    X, y = shifted.X, shifted.y
    search = GridSearchCV(make_pipeline(StandardScaler(), CORAL(LogisticRegression())),
                          {"coral__reg": [0.1, 10.0]}, scoring=scorer,
                          cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_grid_search_routes_sample_domain_to_the_scorer(shifted):
    X, sd = shifted.X, shifted.sample_domain
    y = shifted.y.copy()
    y[shifted.target_index[::3]] = shifted.y_target_true[::3]   # some labelled target rows
    seen = []

    class Spy(SupervisedTargetScorer):
        def _score(self, estimator, X, y, sd, source, target, task):
            seen.append(sd.copy())
            return super()._score(estimator, X, y, sd, source, target, task)

    with sklearn.config_context(enable_metadata_routing=True):
        model = CORAL(LogisticRegression()).set_fit_request(sample_domain=True)
        search = GridSearchCV(model, {"reg": [0.1, 10.0]}, scoring=Spy(),
                              cv=StratifiedKFold(3, shuffle=True, random_state=0))
        search.fit(X, y, sample_domain=sd)
    assert seen and all(np.any(s < 0) for s in seen)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_set_score_request_needs_routing():
    with pytest.raises(RuntimeError, match="enable_metadata_routing"):
        PredictionEntropyScorer().set_score_request(sample_domain=False)


def test_regression_scorers(shifted):
    data = make_covariate_shift(n_source=150, n_target=150, task="regression",
                                random_state=1)
    split = make_domain_split(data, "source", "target")
    model = CORAL(Ridge()).fit(split.X, split.y)
    for scorer in (ImportanceWeightedScorer(random_state=0),
                   DeepEmbeddedValidationScorer(random_state=0),
                   CircularValidationScorer()):
        assert np.isfinite(scorer(model, split.X, split.y))
    with pytest.raises(ValueError, match="loss must be one of"):
        ImportanceWeightedScorer(loss="zero_one")(model, split.X, split.y)


def test_an_ensemble_domain_classifier_is_used_as_given(shifted):
    # an unfitted ensemble has no length: the default must be chosen by
    # "is None", not by truth
    from sklearn.ensemble import RandomForestClassifier

    X, y = shifted.X, shifted.y
    model = CORAL(LogisticRegression()).fit(X, y)
    forest = RandomForestClassifier(n_estimators=10, random_state=0)
    for scorer in (ImportanceWeightedScorer(domain_classifier=forest),
                   DeepEmbeddedValidationScorer(domain_classifier=forest)):
        assert np.isfinite(scorer(model, X, y))
