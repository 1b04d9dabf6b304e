"""AdapterEnsemble: the weighted mean of its members, by hand; errors; and
AutoAdapter's ensemble candidate and its fallback rule."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier

from sktransfer import CORAL, TCA, AutoAdapter, make_sample_domain
from sktransfer.auto import (
    AdapterEnsemble,
    accuracy_margin,
    decide_label_free,
    decide_with_target_labels,
)
from sktransfer.parameter import RegularTransferClassifier, WeightedPooling


def shifted(seed=0, n_s=120, n_t=100, regression=False):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, 3))
    Xt = rng.normal(size=(n_t, 3)) @ np.diag([1.5, 0.7, 1.0]) + 0.4
    f = lambda X: X[:, 0] - 0.5 * X[:, 1]  # noqa: E731
    if regression:
        ys, yt = f(Xs) + 0.1 * rng.normal(size=n_s), f(Xt)
        y = np.r_[ys, np.full(n_t, np.nan)]
    else:
        ys, yt = (f(Xs) > 0).astype(int), (f(Xt) > 0).astype(int)
        y = np.r_[ys, -np.ones(n_t, int)]
    return np.vstack([Xs, Xt]), y, make_sample_domain(n_s, n_t), Xt, yt


def members(est):
    return [("coral", CORAL(clone(est))),
            ("tca", TCA(clone(est), n_components=2, random_state=0))]


def test_probabilities_are_the_weighted_mean_of_the_members():
    X, y, sd, Xt, yt = shifted()
    ens = AdapterEnsemble(LogisticRegression(), members(LogisticRegression()),
                          weights=[2, 1, 1]).fit(X, y, sample_domain=sd)
    so = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    coral = CORAL(LogisticRegression()).fit(X, y, sample_domain=sd)
    tca = TCA(LogisticRegression(), n_components=2, random_state=0).fit(
        X, y, sample_domain=sd)
    expected = (0.5 * so.predict_proba(Xt) + 0.25 * coral.predict_proba(Xt)
                + 0.25 * tca.predict_proba(Xt))
    np.testing.assert_allclose(ens.predict_proba(Xt), expected)
    np.testing.assert_array_equal(ens.predict(Xt), np.argmax(expected, axis=1))
    np.testing.assert_allclose(ens.weights_, [0.5, 0.25, 0.25])
    np.testing.assert_allclose(np.exp(ens.predict_log_proba(Xt)), expected)
    # source rows are passed to the adapters as source rows
    Xs = X[sd > 0][:5]
    np.testing.assert_allclose(
        ens.predict_proba(Xs, sample_domain=np.ones(5, int)),
        0.5 * so.predict_proba(Xs) + 0.25 * coral.predict_proba(
            Xs, sample_domain=np.ones(5, int)) + 0.25 * tca.predict_proba(
            Xs, sample_domain=np.ones(5, int)))
    np.testing.assert_array_equal(ens.classes_, [0, 1])
    assert ens.n_features_in_ == 3


def test_regression_is_the_mean_prediction():
    X, y, sd, Xt, yt = shifted(regression=True)
    ens = AdapterEnsemble(Ridge(), [("coral", CORAL(Ridge()))]).fit(X, y, sample_domain=sd)
    so = Ridge().fit(X[sd > 0], y[sd > 0])
    coral = CORAL(Ridge()).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(ens.predict(Xt),
                               (so.predict(Xt) + coral.predict(Xt)) / 2)
    assert not hasattr(ens, "predict_proba")


def test_no_adapters_is_the_source_only_model():
    X, y, sd, Xt, yt = shifted()
    ens = AdapterEnsemble(LogisticRegression()).fit(X, y, sample_domain=sd)
    so = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    np.testing.assert_allclose(ens.predict_proba(Xt), so.predict_proba(Xt))


def with_target_labels(seed=0, k=30, regression=False):
    X, y, sd, Xt, yt = shifted(seed, regression=regression)
    y = y.copy()
    target = np.flatnonzero(sd < 0)
    y[target[:k]] = yt[:k]
    return X, y, sd, Xt, yt


def test_labelled_estimator_rows_is_pooled_training():
    X, y, sd, Xt, yt = with_target_labels()
    ens = AdapterEnsemble(LogisticRegression(), [("coral", CORAL(LogisticRegression()))],
                          estimator_rows="labelled").fit(X, y, sample_domain=sd)
    lab = y >= 0
    pooled = LogisticRegression().fit(X[lab], y[lab])
    so = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    coral = CORAL(LogisticRegression()).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(ens.estimator_.coef_, pooled.coef_)
    assert not np.allclose(pooled.coef_, so.coef_)  # the target labels matter here
    np.testing.assert_allclose(ens.predict_proba(Xt),
                               (pooled.predict_proba(Xt) + coral.predict_proba(Xt)) / 2)
    # the default trains it on the labelled source rows only
    default = AdapterEnsemble(LogisticRegression()).fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(default.estimator_.coef_, so.coef_)
    with pytest.raises(ValueError, match="estimator_rows must be one of"):
        AdapterEnsemble(LogisticRegression(), estimator_rows="target").fit(
            X, y, sample_domain=sd)
    sw = np.where(y == 1, 0.0, 1.0)
    with pytest.raises(ValueError, match="trained on the labelled rows with a positive "
                                         "sample_weight, and they hold one class"):
        AdapterEnsemble(LogisticRegression(), estimator_rows="labelled").fit(
            X, y, sample_domain=sd, sample_weight=sw)


def test_pickle_clone_pipeline_gridsearch():
    X, y, sd, Xt, yt = shifted()
    ens = AdapterEnsemble(LogisticRegression(), members(LogisticRegression()))
    pipe = make_pipeline(StandardScaler(), ens).fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_allclose(again.predict_proba(Xt), pipe.predict_proba(Xt))
    assert clone(ens).get_params()["adapters"][0][0] == "coral"
    search = GridSearchCV(ens, {"weights": [None, [1, 0, 0]]}, cv=2).fit(X, y)
    assert search.best_params_["weights"] in (None, [1, 0, 0])


@pytest.mark.parametrize("kw, match", [
    (dict(adapters="coral"), "adapters must be a list"),
    (dict(adapters=[CORAL()]), r"each adapter must be a \(name, estimator\)"),
    (dict(adapters=[("lr", LogisticRegression())]), "does not take sample_domain"),
    (dict(estimator=SVC()), "has no predict_proba"),
    (dict(adapters=[("coral", CORAL(Ridge()))]), "all be classifiers or all regressors"),
    (dict(weights=[1, -1, 1]), "weights must be None or 3 non-negative"),
    (dict(weights=[1, 1]), "weights must be None or 3 non-negative"),
    (dict(weights=[0, 0, 0]), "positive sum"),
])
def test_errors(kw, match):
    X, y, sd, Xt, yt = shifted(n_s=40, n_t=30)
    params = dict(estimator=LogisticRegression(), adapters=members(LogisticRegression()))
    params.update(kw)
    with pytest.raises(ValueError, match=match):
        AdapterEnsemble(**params).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="needs an estimator"):
        AdapterEnsemble().fit(X, y, sample_domain=sd)


def test_one_source_class_is_an_error_before_fitting():
    X, y, sd, Xt, yt = shifted(n_s=40, n_t=30)
    y1 = np.where(y == 1, 0, y)
    ens = AdapterEnsemble(LogisticRegression(), members(LogisticRegression()))
    with pytest.raises(ValueError, match="labelled rows hold 1 class"):
        ens.fit(X, y1, sample_domain=sd)
    sw = np.where(y == 1, 0.0, 1.0)
    with pytest.raises(ValueError, match="positive sample_weight.*check the sample_weight"):
        ens.fit(X, y, sample_domain=sd, sample_weight=sw)
    assert not hasattr(ens, "adapters_")


def test_does_not_write_into_inputs():
    X, y, sd, Xt, yt = shifted(n_s=40, n_t=30)
    X0, y0 = X.copy(), y.copy()
    AdapterEnsemble(LogisticRegression(), members(LogisticRegression())).fit(
        X, y, sample_domain=sd).predict(X)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


# ----------------------------------------------- the fallback rule, by hand
def rec(name, source, iw, kind="adapter", **extra):
    scores = {"source": np.asarray(source, float), "iw": np.asarray(iw, float)}
    scores.update({k: np.asarray(v, float) for k, v in extra.items()})
    return dict(name=name, kind=kind, params={}, scores=scores)


def table(ens_iw, shift=(0.1, 0.1, 0.1), coral_iw=(70.5,) * 3):
    return [rec("source_only", [90] * 3, [70] * 3, "source_only",
                iw_label=[70] * 3, class_shift=shift),
            rec("coral", [89] * 3, coral_iw),
            rec("ensemble", [89] * 3, ens_iw)]


def test_fallback_is_the_ensemble_when_its_guards_pass():
    d = decide_label_free(table([69.5] * 3), margin=1.0, fallback="ensemble")
    assert d.best == 2 and d.verdicts[2].startswith("chosen: the fallback")
    assert "averaged source-only" in d.text
    # the strict rule keeps source-only on the same table
    assert decide_label_free(table([69.5] * 3), margin=1.0).best == 0


def test_fallback_guards():
    # iw below source-only's by more than the margin
    d = decide_label_free(table([68.9] * 3), margin=1.0, fallback="ensemble")
    assert d.best == 0 and "below source-only's by more than the margin" in d.verdicts[2]
    # the class proportions changed (0.3 on average > 0.25)
    d = decide_label_free(table([70] * 3, shift=(0.2, 0.3, 0.4)), margin=1.0,
                          fallback="ensemble")
    assert d.best == 0 and "class proportions changed" in d.verdicts[2]
    assert "the ensemble was not the fallback: the class proportions changed" in d.text
    assert decide_label_free(table([70] * 3, shift=(0.2, 0.3, 0.4)), margin=1.0,
                             fallback="ensemble", max_class_shift=0.35).best == 2
    # not estimated in a fold (BBSE's test failed there)
    d = decide_label_free(table([70] * 3, shift=(0.1, np.nan, 0.1)), margin=1.0,
                          fallback="ensemble")
    assert d.best == 0 and "could not be estimated" in d.verdicts[2]


def test_rule_rejects_an_unknown_fallback():
    with pytest.raises(ValueError, match="fallback must be 'source_only' or 'ensemble'"):
        decide_label_free(table([70] * 3), margin=1.0, fallback="auto")


def test_an_adapter_with_evidence_wins_over_the_fallback():
    d = decide_label_free(table([75] * 3, coral_iw=[72] * 3), margin=1.0,
                          fallback="ensemble")
    # the ensemble itself has evidence (+5, every fold) and is chosen on it
    assert d.best == 2 and "evidence" in d.verdicts[2]
    d = decide_label_free(table([70] * 3, coral_iw=[72] * 3), margin=1.0,
                          fallback="ensemble")
    assert d.best == 1 and d.text.startswith("adapted with coral")


# ------------------------------------------ AutoAdapter's ensemble candidate
SMALL = [("coral", CORAL(LogisticRegression()), {"reg": ["auto", 1.0]}),
         ("tca", TCA(LogisticRegression(), random_state=0), {"n_components": [1, 2]})]


def test_auto_adapter_ensembles_the_picks_by_source():
    X, y, sd, Xt, yt = shifted()
    auto = AutoAdapter(LogisticRegression(), candidates=SMALL, ensemble=["coral", "tca"],
                       random_state=0).fit(X, y)
    res = auto.cv_results_
    assert list(res["candidate"]).count("ensemble") == 1
    i = int(np.flatnonzero(res["candidate"] == "ensemble")[0])
    picked = res["params"][i]["adapters"]
    assert [n for n, _ in picked] == ["coral", "tca"]
    for name, est in picked:
        rows = np.flatnonzero(res["candidate"] == name)
        best = rows[np.argmax(res["mean_source"][rows])]
        assert {k: est.get_params()[k] for k in res["params"][best]} == res["params"][best]
    assert np.isfinite(res["mean_iw"][i])
    # class_shift is recorded on source-only's row only
    assert np.isfinite(res["mean_class_shift"][0])
    assert np.all(np.isnan(res["mean_class_shift"][1:]))
    # the ensemble's fold criteria are those of an AdapterEnsemble fitted there
    fixed = AutoAdapter(LogisticRegression(), random_state=0,
                        candidates=[("ens", AdapterEnsemble(LogisticRegression(), picked))],
                        ensemble=None, fallback="source_only").fit(X, y)
    np.testing.assert_allclose(fixed.cv_results_["mean_iw"][1], res["mean_iw"][i])
    np.testing.assert_allclose(fixed.cv_results_["mean_source"][1], res["mean_source"][i])


def test_auto_adapter_returns_the_ensemble_as_fallback():
    X, y, sd, Xt, yt = shifted()
    kw = dict(candidates=SMALL, ensemble=["coral", "tca"], margin=50.0, random_state=0)
    auto = AutoAdapter(LogisticRegression(), **kw).fit(X, y)
    assert auto.best_name_ == "ensemble" and auto.adapted_
    assert isinstance(auto.best_estimator_, AdapterEnsemble)
    assert "averaged source-only" in auto.decision_
    ref = AdapterEnsemble(LogisticRegression(), auto.best_params_["adapters"]).fit(X, y)
    np.testing.assert_allclose(auto.predict_proba(Xt), ref.predict_proba(Xt))
    strict = AutoAdapter(LogisticRegression(), fallback="source_only", **kw).fit(X, y)
    assert strict.best_name_ == "source_only"
    none = AutoAdapter(LogisticRegression(), candidates=SMALL, ensemble=None,
                       margin=50.0, random_state=0).fit(X, y)
    assert "ensemble" not in set(none.cv_results_["candidate"])


def test_default_ensemble_only_with_the_default_candidates():
    X, y, sd, Xt, yt = shifted(n_s=60, n_t=50)
    auto = AutoAdapter(LogisticRegression(), candidates=SMALL, random_state=0).fit(X, y)
    assert "ensemble" not in set(auto.cv_results_["candidate"])
    auto = AutoAdapter(LogisticRegression(), estimator_grid=None,
                       random_state=0).fit(X, y)
    i = int(np.flatnonzero(auto.cv_results_["candidate"] == "ensemble")[0])
    assert [n for n, _ in auto.cv_results_["params"][i]["adapters"]] == ["coral", "tca"]


def test_regression_ensemble_has_no_class_shift_guard():
    X, y, sd, Xt, yt = shifted(regression=True)
    kw = dict(candidates=[("coral", CORAL(Ridge()))], ensemble=["coral"], margin=50.0,
              random_state=0)
    auto = AutoAdapter(Ridge(), fallback="ensemble", **kw).fit(X, y)
    assert auto.best_name_ == "ensemble"
    assert "mean_class_shift" not in auto.cv_results_
    # the default fallback of a regressor is source-only
    assert AutoAdapter(Ridge(), **kw).fit(X, y).best_name_ == "source_only"


@pytest.mark.parametrize("kw, match", [
    (dict(ensemble="yes"), "ensemble must be 'auto', None or a list"),
    (dict(ensemble=np.array(["coral"])), "ensemble must be 'auto', None or a list"),
    (dict(ensemble=["kmm"]), "ensemble names 'kmm'"),
    (dict(fallback="coral"), "fallback must be one of"),
    (dict(candidates=[("ensemble", CORAL(LogisticRegression()))]), "reserved"),
])
def test_bad_parameters(kw, match):
    X, y, sd, Xt, yt = shifted(n_s=40, n_t=30)
    params = dict(candidates=SMALL, random_state=0)
    params.update(kw)
    with pytest.raises(ValueError, match=match):
        AutoAdapter(LogisticRegression(), **params).fit(X, y)


def test_classifier_without_predict_proba_has_no_ensemble():
    X, y, sd, Xt, yt = shifted(n_s=60, n_t=50)
    cands = [("coral", CORAL(SVC()))]
    auto = AutoAdapter(SVC(), candidates=cands, ensemble=["coral"], estimator_grid=None,
                       random_state=0).fit(X, y)
    assert "ensemble" not in set(auto.cv_results_["candidate"])


# ------------------------------------ with labelled target rows: the rule
def trec(name, target, kind="adapter"):
    return dict(name=name, kind=kind, params={}, scores={"target": np.asarray(target, float)})


def labelled_table(ensemble=(80, 80, 80)):
    return [trec("source_only", [70] * 3, "source_only"), trec("target_only", [80.5] * 3),
            trec("pooled", [79] * 3, "labelled"), trec("ensemble", ensemble)]


def test_labelled_rule_keeps_the_ensemble_unless_beaten_by_the_margin():
    d = decide_with_target_labels(labelled_table(), margin=1.0, fallback="ensemble")
    assert d.best == 3 and d.text.startswith("kept ensemble")
    d = decide_with_target_labels(labelled_table(), margin=0.5, fallback="ensemble")
    assert d.best == 1 and "against ensemble's 80 " in d.text
    # the strict rule compares with source-only
    assert decide_with_target_labels(labelled_table(), margin=1.0).best == 1
    # an ensemble that failed in a fold is no reference: source-only is
    d = decide_with_target_labels(labelled_table((80, np.nan, 80)), margin=20.0,
                                  fallback="ensemble")
    assert d.best == 0 and d.text.startswith("kept source_only")
    # the ensemble may also lose to source-only by the margin
    table = [trec("source_only", [70] * 3, "source_only"), trec("ensemble", [60] * 3)]
    assert decide_with_target_labels(table, margin=15.0, fallback="ensemble").best == 1
    assert decide_with_target_labels(table, margin=5.0, fallback="ensemble").best == 0
    with pytest.raises(ValueError, match="fallback must be 'source_only' or 'ensemble'"):
        decide_with_target_labels(table, margin=1.0, fallback="auto")


def test_auto_adapter_labelled_ensemble_members():
    X, y, sd, Xt, yt = with_target_labels()
    auto = AutoAdapter(LogisticRegression(), candidates=SMALL, ensemble=["coral", "tca"],
                       random_state=0).fit(X, y, sample_domain=sd)
    assert auto.mode_ == "target-labels"
    res = auto.cv_results_
    i = int(np.flatnonzero(res["candidate"] == "ensemble")[0])
    picked = res["params"][i]["adapters"]
    # a user's list: exactly those members, each as given (not chosen on
    # the fold scores), around the estimator as given
    assert [n for n, _ in picked] == ["coral", "tca"]
    for (name, est), (_, given, _) in zip(picked, SMALL):
        assert repr(est) == repr(given) and est is not given
    # the fold criteria are those of AdapterEnsemble(pooled, members) there
    fixed = AutoAdapter(LogisticRegression(), random_state=0, ensemble=None,
                        candidates=[("ens", AdapterEnsemble(
                            LogisticRegression(), picked, estimator_rows="labelled"))],
                        fallback="source_only").fit(X, y, sample_domain=sd)
    j = int(np.flatnonzero(fixed.cv_results_["candidate"] == "ens")[0])
    np.testing.assert_allclose(fixed.cv_results_["mean_target"][j], res["mean_target"][i])
    # forced the reference by a large margin: the refit is that ensemble
    big = AutoAdapter(LogisticRegression(), candidates=SMALL, ensemble=["coral", "tca"],
                      margin=100.0, random_state=0).fit(X, y, sample_domain=sd)
    assert big.best_name_ == "ensemble" and big.decision_.startswith("kept ensemble")
    assert big.margin_ == 100.0  # a margin given as a number is used as it is
    ref = AdapterEnsemble(LogisticRegression(), picked, estimator_rows="labelled").fit(
        X, y, sample_domain=sd)
    np.testing.assert_allclose(big.predict_proba(Xt), ref.predict_proba(Xt))
    strict = AutoAdapter(LogisticRegression(), candidates=SMALL, ensemble=["coral", "tca"],
                         margin=100.0, fallback="source_only",
                         random_state=0).fit(X, y, sample_domain=sd)
    assert strict.best_name_ == "source_only"


@pytest.mark.parametrize("kwargs, match", [
    ({"margin": -1.0, "accuracy": 80.0, "n": 10}, "margin must be a finite number >= 0"),
    ({"margin": np.nan, "accuracy": 80.0, "n": 10}, "margin must be a finite number"),
    ({"margin": 1.0, "accuracy": "80", "n": 10}, "accuracy must be a number"),
    ({"margin": 1.0, "accuracy": 80.0, "n": -3}, "n must be a finite number >= 0"),
    ({"margin": 1.0, "accuracy": 80.0, "n": 10, "other": "x"}, "other must be a number"),
    ({"margin": 1.0, "accuracy": 80.0, "n": 10, "standard_errors": -2},
     "standard_errors must be"),
])
def test_accuracy_margin_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        accuracy_margin(**kwargs)


def test_decide_with_target_labels_keeps_the_reference_when_too_few_rows_to_test():
    # 8 labelled rows (office ->D at 5%): the ensemble at 11.1, a lucky
    # setting at 55.6 clears the two-sample margin (41.6) but n*p = 0.9 < 5,
    # so the normal test is not trusted and the ensemble is kept
    def record(name, score):
        return dict(name=name, kind="adapter", evidence="iw", params={}, errors=[],
                    scores={"target": np.array([score] * 3)})

    records = [record("source_only", 20.0), record("ensemble", 11.1),
               record("subspace_alignment", 55.6)]
    decision = decide_with_target_labels(records, 1.0, fallback="ensemble", n_labelled=8)
    assert 55.6 - 11.1 >= decision.margin
    assert decision.best == 1
    assert "8 rows are too few to test" in decision.text
    # 60 rows (n*p = 6.7): tested, and the gain is evidence
    assert decide_with_target_labels(records, 1.0, fallback="ensemble",
                                     n_labelled=60).best == 2
    # without n_labelled (a margin given by the user) there is no such test
    assert decide_with_target_labels(records, 1.0, fallback="ensemble").best == 2
    # a reference that could not be fitted (-inf) is no reference to test against
    records[0]["scores"]["target"] = np.full(3, -np.inf)
    assert decide_with_target_labels(records[:1] + records[2:], 1.0,
                                     n_labelled=8).best == 1


def test_accuracy_margin_values():
    # 2 * 100 * sqrt(0.5 * 0.5 / 25) = 20; never below the margin; no rows
    # or a non-finite accuracy leave the margin as given
    assert accuracy_margin(1.0, 50.0, 25) == pytest.approx(20.0)
    assert accuracy_margin(30.0, 50.0, 25) == 30.0
    assert accuracy_margin(1.0, 50.0, 0) == 1.0
    assert accuracy_margin(1.0, np.nan, 25) == 1.0
    assert accuracy_margin(1.0, 50.0, 25, standard_errors=1) == pytest.approx(10.0)
    # of a difference: the two variances add; a non-finite other is left out
    assert accuracy_margin(1.0, 50.0, 25, other=50.0) == pytest.approx(20.0 * np.sqrt(2))
    assert accuracy_margin(1.0, 50.0, 25, other=np.nan) == pytest.approx(20.0)
    assert accuracy_margin(1.0, 100.0, 10, other=100.0) == 1.0


def _two_sample_margin(p, q, n):
    return max(1.0, 200 * np.sqrt((p * (1 - p) + q * (1 - q)) / n))


def test_auto_margin_with_target_labels_is_two_standard_errors_of_the_difference():
    X, y, sd, Xt, yt = with_target_labels(k=30)
    auto = AutoAdapter(LogisticRegression(), candidates=SMALL, ensemble=["coral", "tca"],
                       random_state=0).fit(X, y, sample_domain=sd)
    res = auto.cv_results_
    means = np.asarray(res["mean_target"], dtype=float) / 100
    p = means[int(np.flatnonzero(res["candidate"] == "ensemble")[0])]
    q = np.nanmax(means)  # the best setting's, which is the one tested
    np.testing.assert_allclose(auto.margin_, _two_sample_margin(p, q, 30))
    assert f"margin {auto.margin_:.3g}" in auto.decision_
    # with the strict rule the reference is source-only
    strict = AutoAdapter(LogisticRegression(), candidates=SMALL, fallback="source_only",
                         random_state=0).fit(X, y, sample_domain=sd)
    means = np.asarray(strict.cv_results_["mean_target"], dtype=float) / 100
    np.testing.assert_allclose(strict.margin_,
                               _two_sample_margin(means[0], np.nanmax(means), 30))


def test_decide_with_target_labels_tests_the_difference_of_two_accuracies():
    # 20 held-out rows: the ensemble at 50, a candidate at 75. One standard
    # error of the reference alone is 11.2 points (a margin of 22.4, which
    # 25 points beat); of the difference 14.8 (a margin of 29.6, which
    # they do not)
    def record(name, score):
        return dict(name=name, kind="adapter", evidence="iw", params={}, errors=[],
                    scores={"target": np.array([score] * 3)})

    records = [record("source_only", 40.0), record("ensemble", 50.0), record("tca", 75.0)]
    decision = decide_with_target_labels(records, 1.0, fallback="ensemble", n_labelled=20)
    assert decision.best == 1
    np.testing.assert_allclose(decision.margin, 200 * np.sqrt((0.25 + 0.1875) / 20))
    assert accuracy_margin(1.0, 50.0, 20) < 25.0 < decision.margin
    # with more rows the same gain is evidence
    assert decide_with_target_labels(records, 1.0, fallback="ensemble",
                                     n_labelled=200).best == 2


@pytest.mark.parametrize("estimator, expected", [
    (LogisticRegression(), ["coral", "tca", "weighted_pooling", "regular_transfer"]),
    # regularised transfer pulls a linear model's coefficients
    (DecisionTreeClassifier(max_depth=2, random_state=0),
     ["coral", "tca", "weighted_pooling"]),
])
def test_default_labelled_ensemble_adds_parameter_transfer(estimator, expected):
    X, y, sd, Xt, yt = with_target_labels()
    auto = AutoAdapter(estimator, estimator_grid=None, random_state=0).fit(
        X, y, sample_domain=sd)
    res = auto.cv_results_
    i = int(np.flatnonzero(res["candidate"] == "ensemble")[0])
    picked = dict(res["params"][i]["adapters"])
    assert list(picked) == expected
    assert isinstance(picked["weighted_pooling"], WeightedPooling)
    # fixed settings, around the estimator as given
    assert picked["coral"].reg == "auto"
    assert (picked["tca"].n_components, picked["tca"].mu) == (1, 1.0)  # 3 features
    assert repr(picked["weighted_pooling"].estimator) == repr(estimator)
    assert np.all(np.isfinite([res[f"split{k}_target"][i] for k in range(3)]))
    if "regular_transfer" in picked:
        assert isinstance(picked["regular_transfer"], RegularTransferClassifier)
        assert picked["regular_transfer"].alpha == "auto"


def test_default_labelled_ensemble_of_a_regressor():
    X, y, sd, Xt, yt = with_target_labels(regression=True)
    auto = AutoAdapter(Ridge(), estimator_grid=None, random_state=0).fit(
        X, y, sample_domain=sd)
    res = auto.cv_results_
    i = int(np.flatnonzero(res["candidate"] == "ensemble")[0])
    assert [n for n, _ in res["params"][i]["adapters"]] == [
        "coral", "tca", "weighted_pooling", "regular_transfer"]
    assert np.isfinite(res["mean_target"][i])
