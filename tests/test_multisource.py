"""MultiSourceAdapter: source domains weighted by the share of the target
each explains, combined per row or pooled with weights."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

from sktransfer import CORAL
from sktransfer.datasets import make_domain_split
from sktransfer.model_selection import DomainShuffleSplit
from sktransfer.multisource import MultiSourceAdapter


def mixture_problem(lam=(0.25, 0.75), n=400, n_t=800, seed=0, regression=False):
    """Two source domains at x0 = -3 and +3 (a different labelling rule
    each); a target drawn from the mixture ``lam`` of the two."""
    rng = np.random.default_rng(seed)
    centres = (-3.0, 3.0)
    parts, labels = [], []
    for c, sign in zip(centres, (1, -1)):
        Xk = np.c_[rng.normal(c, 1.0, n), rng.normal(0, 1.0, n)]
        parts.append(Xk)
        labels.append(sign * Xk[:, 1] + 0.1 * rng.normal(size=n) if regression
                      else (sign * Xk[:, 1] > 0).astype(int))
    which = rng.random(n_t) < lam[1]
    Xt = np.c_[np.where(which, centres[1], centres[0]) + rng.normal(0, 1.0, n_t),
               rng.normal(0, 1.0, n_t)]
    yt = np.where(which, -Xt[:, 1], Xt[:, 1])
    yt = yt if regression else (yt > 0).astype(int)
    X = np.vstack([*parts, Xt])
    mask = np.full(n_t, np.nan) if regression else -np.ones(n_t, dtype=int)
    y = np.r_[labels[0], labels[1], mask]
    sd = np.r_[np.ones(n, int), 2 * np.ones(n, int), -np.ones(n_t, int)]
    return X, y, sd, Xt, yt


def test_mixture_weights_recover_the_target_mixture():
    X, y, sd, _, _ = mixture_problem(lam=(0.25, 0.75))
    model = MultiSourceAdapter(LogisticRegression()).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(model.source_priors_, [0.5, 0.5])
    np.testing.assert_allclose(model.mixture_weights_, [0.25, 0.75], atol=0.04)
    assert model.n_iter_ >= 1
    np.testing.assert_allclose(model.source_weights_, model.mixture_weights_)


def test_distribution_combination_is_the_formula():
    X, y, sd, Xt, yt = mixture_problem()
    model = MultiSourceAdapter(LogisticRegression()).fit(X, y, sample_domain=sd)
    # w_k(x) = lam_k p(k|x) / pi_k, normalised; P(x) = sum_k w_k(x) P_k(x)
    post = model.domain_classifier_.predict_proba(Xt)
    R = post * model.source_weights_ / model.source_priors_
    W = R / R.sum(axis=1, keepdims=True)
    P = sum(W[:, [j]] * model.estimators_[k].predict_proba(Xt)
            for j, k in enumerate((1, 2)))
    np.testing.assert_allclose(model.predict_proba(Xt), P)
    np.testing.assert_array_equal(model.predict(Xt), model.classes_[P.argmax(axis=1)])
    # each source's rule is right on its own region: the combination is
    # right on the target, while pooling the two opposite rules is not
    pooled = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    assert (model.predict(Xt) == yt).mean() > 0.9
    assert (pooled.predict(Xt) == yt).mean() < 0.8


def test_weighted_combination_trains_one_model_with_the_domain_weights():
    X, y, sd, Xt, _ = mixture_problem()
    model = MultiSourceAdapter(LogisticRegression(), combine="weighted").fit(
        X, y, sample_domain=sd)
    lam, n_k = model.source_weights_, np.array([400.0, 400.0])
    w = np.where(sd[sd > 0] == 1, lam[0] * 800 / n_k[0], lam[1] * 800 / n_k[1])
    direct = LogisticRegression().fit(X[sd > 0], y[sd > 0], sample_weight=w)
    np.testing.assert_allclose(model.predict_proba(Xt), direct.predict_proba(Xt))
    assert not hasattr(model, "estimators_")


def test_min_weight_drops_the_sources_that_explain_little():
    X, y, sd, Xt, _ = mixture_problem(lam=(0.05, 0.95))
    model = MultiSourceAdapter(LogisticRegression(), min_weight=0.2).fit(
        X, y, sample_domain=sd)
    assert model.source_weights_[0] == 0.0 and model.source_weights_[1] == 1.0
    assert list(model.estimators_) == [2]
    alone = LogisticRegression().fit(X[sd == 2], y[sd == 2])
    np.testing.assert_allclose(model.predict_proba(Xt), alone.predict_proba(Xt))


def test_given_and_uniform_weights():
    X, y, sd, _, _ = mixture_problem()
    given = MultiSourceAdapter(LogisticRegression(), weights=[1, 3]).fit(
        X, y, sample_domain=sd)
    np.testing.assert_allclose(given.source_weights_, [0.25, 0.75])
    assert given.n_iter_ == 0
    uniform = MultiSourceAdapter(LogisticRegression(), weights="uniform").fit(
        X, y, sample_domain=sd)
    np.testing.assert_allclose(uniform.source_weights_, [0.5, 0.5])


def test_regression_combination_lies_between_the_source_models():
    X, y, sd, Xt, yt = mixture_problem(regression=True)
    model = MultiSourceAdapter(Ridge()).fit(X, y, sample_domain=sd)
    per = np.c_[model.estimators_[1].predict(Xt), model.estimators_[2].predict(Xt)]
    pred = model.predict(Xt)
    assert np.all(pred >= per.min(axis=1) - 1e-12) and np.all(pred <= per.max(axis=1) + 1e-12)
    assert model.score(Xt, yt) > 0.8


def test_one_source_domain_is_the_estimator_on_it():
    X, y, sd, Xt, _ = mixture_problem()
    sd = np.where(sd > 0, 1, sd)
    model = MultiSourceAdapter(LogisticRegression()).fit(X, y, sample_domain=sd)
    assert model.domain_classifier_ is None
    np.testing.assert_allclose(model.source_weights_, [1.0])
    direct = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    np.testing.assert_allclose(model.predict_proba(Xt), direct.predict_proba(Xt))


def test_an_adapter_is_fitted_per_source_domain_with_the_target_rows():
    X, y, sd, Xt, _ = mixture_problem()
    model = MultiSourceAdapter(CORAL(LogisticRegression(), center=True)).fit(
        X, y, sample_domain=sd)
    for k in (1, 2):
        np.testing.assert_allclose(model.estimators_[k].source_mean_, X[sd == k].mean(0))
        np.testing.assert_allclose(model.estimators_[k].target_mean_, X[sd < 0].mean(0))


def same_inputs_problem(follows, n=300, n_t=300, n_lab=20, seed=0, regression=False):
    """Two source domains with the same inputs and opposite labelling rules;
    the target follows domain ``follows``'s rule, and ``n_lab`` of its rows
    are labelled. Nothing in the inputs tells the sources apart."""
    rng = np.random.default_rng(seed)
    X1, X2, Xt = (rng.normal(size=(m, 2)) for m in (n, n, n_t))
    if regression:
        def rule(Z, s):
            return s * Z[:, 0] + 0.1 * rng.normal(size=len(Z))
    else:
        def rule(Z, s):
            return (s * Z[:, 0] > 0).astype(int)
    yt = rule(Xt, 1 if follows == 1 else -1)
    y_t = np.full(n_t, np.nan) if regression else -np.ones(n_t, dtype=int)
    y_t[:n_lab] = yt[:n_lab]
    X = np.vstack([X1, X2, Xt])
    y = np.r_[rule(X1, 1), rule(X2, -1), y_t]
    sd = np.r_[np.ones(n, int), 2 * np.ones(n, int), -np.ones(n_t, int)]
    return X, y, sd, Xt[n_lab:], yt[n_lab:]


@pytest.mark.parametrize("regression", [False, True])
@pytest.mark.parametrize("follows", [1, 2])
def test_target_labels_weights_the_source_whose_rule_the_labels_follow(follows,
                                                                         regression):
    X, y, sd, Xt, yt = same_inputs_problem(follows, regression=regression)
    est = Ridge() if regression else LogisticRegression()
    model = MultiSourceAdapter(est, weights="target_labels").fit(X, y, sample_domain=sd)
    # 20 labelled rows of 300 say which labelling rule the target follows
    # (the inputs cannot: the sources' rows are drawn alike)
    assert model.mixture_weights_[follows - 1] > 0.9 and model.n_iter_ >= 1
    assert model.score(Xt, yt) > 0.9
    # and the choice matters: the other source's rule is the opposite one
    wrong = [0.0, 1.0] if follows == 1 else [1.0, 0.0]
    other = MultiSourceAdapter(est, weights=wrong).fit(X, y, sample_domain=sd)
    assert other.score(Xt, yt) < 0.1


def test_target_labels_with_a_one_class_source_domain():
    X, y, sd, _, _ = same_inputs_problem(2)
    y = y.copy()
    y[sd == 1] = 1            # domain 1 holds one class: it predicts that class
    lab = np.flatnonzero(sd < 0)[:20]
    y[lab] = 0                # and every labelled target row is the other one
    model = MultiSourceAdapter(LogisticRegression(), weights="target_labels").fit(
        X, y, sample_domain=sd)
    assert model.mixture_weights_[0] < 0.01


def _labelled_mixture_problem(regression=False):
    X, y, sd, _, _ = mixture_problem(n=200, n_t=300, regression=regression)
    _, _, _, _, yt = mixture_problem(n=200, n_t=300, regression=regression)  # same draw
    lab = np.flatnonzero(sd < 0)[np.random.default_rng(1).permutation(300)[:30]]
    y = y.copy()
    y[lab] = yt[lab - 400]
    return X, y, sd, lab


@pytest.mark.parametrize("regression", [False, True])
def test_target_labels_weights_minimise_the_rules_loss_on_the_labelled_rows(regression):
    X, y, sd, lab = _labelled_mixture_problem(regression)
    est = Ridge() if regression else LogisticRegression()
    model = MultiSourceAdapter(est, weights="target_labels").fit(X, y, sample_domain=sd)
    # by hand: r_k = p(k|x)/pi_k from the domain classifier; each domain's
    # model fitted on its own rows (no target label); the rule's loss on the
    # labelled target rows for lambda = (t, 1 - t) on a fine grid
    dom = LogisticRegression(max_iter=1000).fit(X[sd > 0], sd[sd > 0])
    R = dom.predict_proba(X[lab]) / 0.5
    models = [clone(est).fit(X[sd == k], y[sd == k]) for k in (1, 2)]
    if regression:
        H = np.column_stack([m.predict(X[lab]) for m in models])
    else:
        H = np.column_stack([m.predict_proba(X[lab])[np.arange(30), y[lab]]
                             for m in models])

    def loss(t):
        W = R * [t, 1 - t]
        W = W / W.sum(axis=1, keepdims=True)
        c = (W * H).sum(axis=1)
        return np.mean((c - y[lab]) ** 2) if regression else -np.mean(np.log(c))

    grid = np.linspace(0, 1, 2001)
    t_best = grid[np.argmin([loss(t) for t in grid])]
    assert abs(model.mixture_weights_[0] - t_best) < 2e-3
    assert loss(model.mixture_weights_[0]) <= loss(t_best) + 1e-9


@pytest.mark.parametrize("regression", [False, True])
def test_rule_loss_gradients_match_finite_differences(regression):
    from sktransfer.multisource._mixture import _log_loss_of_rule, _squared_error_of_rule

    rng = np.random.default_rng(0)
    R, H = rng.uniform(0.1, 3, (40, 3)), rng.uniform(0.05, 1, (40, 3))
    y = rng.normal(size=40)
    f = _squared_error_of_rule if regression else _log_loss_of_rule
    lam = np.array([0.2, 0.5, 0.3])
    _, grad = f(lam, R, H, y)
    eps = 1e-6
    fd = [(f(lam + eps * e, R, H, y)[0] - f(lam - eps * e, R, H, y)[0]) / (2 * eps)
          for e in np.eye(3)]
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-8)


def test_target_labels_needs_labelled_target_rows_and_probabilities():
    X, y, sd, _, _ = mixture_problem(n=50, n_t=50)
    with pytest.raises(ValueError, match="every target label is masked"):
        MultiSourceAdapter(LogisticRegression(), weights="target_labels").fit(
            X, y, sample_domain=sd)
    y = y.copy()
    y[sd < 0] = 0
    with pytest.raises(ValueError, match="target_labels.*no predict_proba"):
        MultiSourceAdapter(SVC(), combine="weighted", weights="target_labels").fit(
            X, y, sample_domain=sd)


@pytest.mark.parametrize("params, match", [
    ({"combine": "mean"}, "combine must be one of"),
    ({"weights": [1.0]}, "2 non-negative numbers"),
    ({"weights": [1.0, -1.0]}, "2 non-negative numbers"),
    ({"weights": "equal"}, "weights must be one of"),
    ({"min_weight": 1.0}, "min_weight must be < 1"),
    ({"domain_classifier": Ridge()}, "domain_classifier must be a classifier"),
])
def test_bad_parameters_are_named(params, match):
    X, y, sd, _, _ = mixture_problem(n=50, n_t=50)
    with pytest.raises(ValueError, match=match):
        MultiSourceAdapter(LogisticRegression(), **params).fit(X, y, sample_domain=sd)


def test_estimators_that_cannot_be_combined_are_refused():
    X, y, sd, _, _ = mixture_problem(n=50, n_t=50)
    with pytest.raises(ValueError, match="no predict_proba"):
        MultiSourceAdapter(SVC()).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="takes no sample_weight"):
        MultiSourceAdapter(KNeighborsClassifier(), combine="weighted").fit(
            X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="No target rows"):
        MultiSourceAdapter(LogisticRegression()).fit(X[sd > 0], y[sd > 0],
                                                     sample_domain=sd[sd > 0])


def test_grid_search_pickle_and_clone():
    X, y, sd, Xt, yt = mixture_problem(n=150, n_t=200)
    search = GridSearchCV(
        MultiSourceAdapter(LogisticRegression()),
        {"combine": ["distribution", "weighted"]},
        cv=DomainShuffleSplit(n_splits=3, test_size=0.3, random_state=0),
    ).fit(X, y, groups=sd, sample_domain=sd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    model = MultiSourceAdapter(LogisticRegression()).fit(X, y, sample_domain=sd)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(Xt), model.predict(Xt))
    assert not hasattr(clone(model), "source_weights_")


def test_make_domain_split_keeps_source_domains_apart():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = np.arange(12) % 2
    domain = np.repeat([1, 2, 3, 4], 3)
    split = make_domain_split((X, y, domain), [3, 1], 2, separate_sources=True)
    # sources in the order named: domain 3 -> id 1, domain 1 -> id 2
    np.testing.assert_array_equal(split.sample_domain, [1, 1, 1, 2, 2, 2, -1, -1, -1])
    np.testing.assert_array_equal(split.dataset_domain, [3, 3, 3, 1, 1, 1, 2, 2, 2])
    merged = make_domain_split((X, y, domain), [3, 1], 2)
    np.testing.assert_array_equal(merged.sample_domain, [1] * 6 + [-1] * 3)
    with pytest.raises(ValueError, match="separate_sources must be True or False"):
        make_domain_split((X, y, domain), [3, 1], 2, separate_sources="yes")


def test_in_a_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y, sd, Xt, yt = mixture_problem(n=100, n_t=100)
    pipe = make_pipeline(StandardScaler(), MultiSourceAdapter(LogisticRegression()))
    pipe.fit(X, y, multisourceadapter__sample_domain=sd)
    assert pipe[-1].source_domains_.tolist() == [1, 2]
    assert pipe.score(Xt, yt) > 0.85
