"""Fine-tuning (FineTuningClassifier / Regressor) and PretrainedFeatures."""

import os
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402

from _harness import (  # noqa: E402
    CLASSES_REASON,
    SKORCH_REASONS,
    SuppliesDomainsToPartialFit,
    _SuppliesDomainsTransformer,
)
from sktransfer.datasets import make_shifted_moons  # noqa: E402
from sktransfer.deep import (  # noqa: E402
    FineTuningClassifier,
    FineTuningRegressor,
    PretrainedFeatures,
    SourceOnlyClassifier,
)

DEVICE = os.environ.get("SKTRANSFER_TEST_DEVICE", "cpu")
NET = dict(module__hidden=(16, 16), lr=0.01, random_state=0, device=DEVICE)


def few_labels(seed=0, n=200, n_labelled=20, angle=50.0):
    """Rotated moons with ``n_labelled`` target rows labelled: ``X``, masked
    ``y``, ``sample_domain``, the labelled target rows, the other target
    rows and the true labels."""
    b = make_shifted_moons(n_source=n, n_target=n, angle=angle, random_state=seed)
    target = b.sample_domain == 2
    rows = np.flatnonzero(target)
    labelled = np.random.default_rng(seed).choice(rows, n_labelled, replace=False)
    y = np.where(target, -1, b.y)
    y[labelled] = b.y[labelled]
    return (b.X, y, np.where(target, -1, 1), np.sort(labelled),
            np.setdiff1d(rows, labelled), b.y)


@pytest.fixture(scope="module")
def data():
    return few_labels()


@pytest.fixture(scope="module")
def source_net(data):
    X, y, sd, labelled, _, _ = data
    y_source = y.copy()
    y_source[labelled] = -1  # the source net sees no target label
    return SourceOnlyClassifier(max_epochs=20, **NET).fit(X, y_source, sample_domain=sd)


def weights(module):
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def same(a, b, prefix=""):
    return all(torch.equal(a[k], b[k]) for k in a if k.startswith(prefix))


# --------------------------------------------------------------- phases
def test_pretrains_on_the_source_then_fine_tunes_on_the_target_labels(data):
    X, y, sd, labelled, _, _ = data
    net = FineTuningClassifier(pretrain_epochs=7, max_epochs=9, valid_fraction=None,
                               **NET).fit(X, y, sample_domain=sd)
    phases = [h["phase"] for h in net.history]
    assert phases == ["pretrain"] * 7 + ["finetune"] * 9
    n_source = int(np.sum(sd == 1))
    for h in net.history:
        seen = sum(b["train_batch_size"] for b in h["batches"])
        # pretraining sees each labelled source row once per epoch; fine-tuning
        # each labelled target row
        assert seen == (n_source if h["phase"] == "pretrain" else labelled.size)
    assert net.best_epoch_ is None


def test_fine_tuning_beats_the_source_net_on_a_rotated_target(data, source_net):
    X, y, sd, labelled, test, truth = data
    net = FineTuningClassifier(feature_lr_scale=1.0, **NET).fit(X, y, sample_domain=sd)
    tuned, source = net.score(X[test], truth[test]), source_net.score(X[test], truth[test])
    assert tuned > source + 0.2, (tuned, source)


def test_every_layer_frozen_leaves_the_weights_unchanged(data, source_net):
    X, y, sd, labelled, _, _ = data
    before = weights(source_net.module_)
    net = FineTuningClassifier(pretrained=FrozenEstimator(source_net), freeze="*",
                               max_epochs=5, **NET).fit(X, y, sample_domain=sd)
    assert same(weights(net.module_), before)
    assert not any(p.requires_grad for p in net.module_.parameters())
    assert same(weights(source_net.module_), before)  # the pretrained net untouched


def test_frozen_feature_extractor_or_zero_feature_rate_trains_the_head_only(data,
                                                                           source_net):
    X, y, sd, _, _, _ = data
    before = weights(source_net.module_)
    for params in ({"freeze": "feature_extractor.*"}, {"feature_lr_scale": 0.0}):
        net = FineTuningClassifier(pretrained=FrozenEstimator(source_net),
                                   valid_fraction=None, max_epochs=5, **params, **NET)
        after = weights(net.fit(X, y, sample_domain=sd).module_)
        assert same(after, before, "feature_extractor"), params
        assert not same(after, before, "head"), params


def test_lower_layers_get_the_scaled_learning_rate(data, source_net):
    X, y, sd, _, _, _ = data
    net = FineTuningClassifier(pretrained=FrozenEstimator(source_net), max_epochs=1,
                               finetune_lr=0.02, feature_lr_scale=0.25, **NET)
    net.fit(X, y, sample_domain=sd)
    lrs = sorted(g["lr"] for g in net.optimizer_.param_groups)
    assert lrs == pytest.approx([0.005, 0.02])
    feature = {id(p) for p in net.module_.feature_extractor.parameters()}
    low = min(net.optimizer_.param_groups, key=lambda g: g["lr"])
    assert {id(p) for p in low["params"]} == feature


def test_early_stopping_on_held_out_target_rows_keeps_the_best_epoch():
    X, y, sd, labelled, _, _ = few_labels(n_labelled=30)
    net = FineTuningClassifier(pretrain_epochs=5, max_epochs=300, patience=3,
                               finetune_lr=0.1, feature_lr_scale=1.0, valid_fraction=0.3,
                               **{**NET, "lr": 0.01}).fit(X, y, sample_domain=sd)
    tuning = [h for h in net.history if h["phase"] == "finetune"]
    assert len(tuning) < 300  # stopped
    assert sum(b.get("train_batch_size", 0) for b in tuning[0]["batches"]) == 21  # 9 held out
    valid = {h["epoch"]: h["valid_loss"] for h in tuning}
    assert net.best_epoch_ in valid
    assert valid[net.best_epoch_] <= min(valid.values()) * (1 + 1e-3)
    # stopped 3 (patience) epochs after the best one
    assert tuning[-1]["epoch"] == net.best_epoch_ + 3


def test_partial_fit_continues_the_fine_tuning(data):
    X, y, sd, _, _, _ = data
    net = FineTuningClassifier(pretrain_epochs=2, max_epochs=3, valid_fraction=None,
                               **NET).fit(X, y, sample_domain=sd)
    net.partial_fit(X, y, sample_domain=sd)
    assert [h["phase"] for h in net.history] == ["pretrain"] * 2 + ["finetune"] * 6


def test_same_random_state_same_fit(data):
    X, y, sd, _, test, _ = data
    a = FineTuningClassifier(max_epochs=5, **NET).fit(X, y, sample_domain=sd)
    b = FineTuningClassifier(max_epochs=5, **NET).fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(a.predict_proba(X[test]), b.predict_proba(X[test]))


# ------------------------------------------------------ where it starts
def test_starts_from_a_plain_skorch_net_and_its_classes(data):
    X, y, sd, labelled, test, truth = data
    source = np.flatnonzero(sd == 1)
    module = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(),
                                 torch.nn.Linear(16, 2))
    plain = NeuralNetClassifier(module, max_epochs=5, lr=0.05, train_split=None,
                                criterion=torch.nn.CrossEntropyLoss, verbose=0)
    plain.fit(X[source].astype(np.float32), y[source].astype(np.int64))
    # target rows only: a pretrained net needs no source row
    net = FineTuningClassifier(pretrained=FrozenEstimator(plain), max_epochs=5,
                               **NET).fit(X[labelled], y[labelled],
                                          sample_domain=-np.ones(labelled.size, int))
    assert list(net.classes_) == [0, 1]
    assert isinstance(net.module_.head, torch.nn.Linear)
    assert net.predict(X[test]).shape == (test.size,)


def test_starts_from_a_torch_module_with_weights(data, source_net):
    X, y, sd, labelled, _, _ = data
    module = source_net.module_
    net = FineTuningClassifier(pretrained=module, freeze="*", max_epochs=2, **NET)
    net.fit(X, y, sample_domain=sd)
    assert same(weights(net.module_), weights(module))
    assert net.module_ is not module


def test_clone_and_grid_search_keep_a_frozen_pretrained_net(data, source_net):
    X, y, sd, labelled, _, _ = data
    est = FineTuningClassifier(pretrained=FrozenEstimator(source_net), max_epochs=3,
                               **NET)
    assert clone(est).pretrained.estimator is source_net
    search = GridSearchCV(est, {"feature_lr_scale": [0.0, 1.0]}, cv=2)
    rows = labelled
    search.fit(X[rows], y[rows], sample_domain=-np.ones(rows.size, int))
    assert search.best_params_["feature_lr_scale"] in (0.0, 1.0)


def test_pickle_round_trip(data, source_net):
    X, y, sd, _, test, _ = data
    net = FineTuningClassifier(pretrained=FrozenEstimator(source_net), max_epochs=3,
                               **NET).fit(X, y, sample_domain=sd)
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(again.predict_proba(X[test]), net.predict_proba(X[test]))


def test_regressor_fine_tunes():
    rng = np.random.default_rng(0)
    Xs, Xt = rng.normal(size=(200, 3)), rng.normal(size=(40, 3))
    w_s, w_t = np.array([1.0, -2.0, 0.5]), np.array([1.0, -2.0, 2.5])
    X = np.vstack([Xs, Xt])
    y = np.concatenate([Xs @ w_s, Xt @ w_t])
    sd = np.r_[np.ones(200, int), -np.ones(40, int)]
    y_fit = y.copy()
    y_fit[220:] = np.nan  # 20 labelled target rows
    net = FineTuningRegressor(feature_lr_scale=1.0, finetune_lr=0.05, module__hidden=(16,), lr=0.01,
                              random_state=0, device=DEVICE).fit(X, y_fit, sample_domain=sd)
    source = FineTuningRegressor(max_epochs=0, valid_fraction=None, module__hidden=(16,),
                                 lr=0.01, random_state=0, device=DEVICE)
    source.fit(X, y_fit, sample_domain=sd)
    err = np.mean((net.predict(X[220:]) - y[220:]) ** 2)
    err_source = np.mean((source.predict(X[220:]) - y[220:]) ** 2)
    assert err < 0.5 * err_source, (err, err_source)


# ---------------------------------------------------------------- errors
def test_clear_errors_before_any_work(data, source_net):
    X, y, sd, labelled, _, _ = data
    y_none = np.where(sd == -1, -1, y)
    with pytest.raises(ValueError, match="labelled target rows and there are none"):
        FineTuningClassifier(**NET).fit(X, y_none, sample_domain=sd)
    one = y_none.copy()
    one[labelled[0]] = y[labelled[0]]
    with pytest.raises(ValueError, match="valid_fraction=None"):
        FineTuningClassifier(**NET).fit(X, one, sample_domain=sd)
    with pytest.raises(ValueError, match="FrozenEstimator"):
        FineTuningClassifier(pretrained=clone(source_net), **NET).fit(X, y, sample_domain=sd)
    with pytest.raises(TypeError, match="pretrained must be"):
        FineTuningClassifier(pretrained="model.pt", **NET).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="match no parameter.*head.weight"):
        FineTuningClassifier(freeze="encoder.*", max_epochs=1, **NET).fit(
            X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="valid_fraction must be in"):
        FineTuningClassifier(valid_fraction=1.5, **NET).fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="does not take rows of 3 features"):
        FineTuningClassifier(pretrained=FrozenEstimator(source_net), **NET).fit(
            np.hstack([X, X[:, :1]]), y, sample_domain=sd)
    three = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Linear(4, 3))
    with pytest.raises(ValueError, match="3 output.*2 classes"):
        FineTuningClassifier(pretrained=three, **NET).fit(X, y, sample_domain=sd)


# ------------------------------------------------------- feature-based
def test_pretrained_features_are_the_layer_outputs(data, source_net):
    X, y, sd, labelled, test, truth = data
    feats = PretrainedFeatures(FrozenEstimator(source_net)).fit(X)
    np.testing.assert_allclose(feats.transform(X), source_net.transform(X), rtol=1e-5,
                               atol=1e-6)
    first = PretrainedFeatures(FrozenEstimator(source_net), layer="feature_extractor.0")
    assert first.fit(X).transform(X[:7]).shape == (7, 16)
    pipe = make_pipeline(PretrainedFeatures(FrozenEstimator(source_net)),
                         LogisticRegression()).fit(X[labelled], truth[labelled])
    assert pipe.score(X[test], truth[test]) > source_net.score(X[test], truth[test])
    with pytest.raises(ValueError, match="not a submodule.*feature_extractor"):
        PretrainedFeatures(FrozenEstimator(source_net), layer="body").fit(X)
    with pytest.raises(ValueError, match="not fitted"):
        PretrainedFeatures(NeuralNetClassifier(torch.nn.Linear(2, 2))).fit(X)


def test_pretrained_features_fit_an_unfitted_net_under_the_contract(data):
    X, y, sd, _, _, _ = data
    feats = PretrainedFeatures(SourceOnlyClassifier(max_epochs=2, **NET))
    Z = feats.fit(X, y, sample_domain=sd).transform(X)
    assert Z.shape == (len(X), 16) and feats.net_.initialized_
    assert not getattr(feats.net, "initialized_", False)


# ------------------------------------------------------ estimator checks
class CheckedFineTuningClassifier(SuppliesDomainsToPartialFit, FineTuningClassifier):
    pass


class CheckedFineTuningRegressor(SuppliesDomainsToPartialFit, FineTuningRegressor):
    pass


class CheckedPretrainedFeatures(_SuppliesDomainsTransformer, PretrainedFeatures):
    pass


def _expected_failures(estimator):
    if isinstance(estimator, PretrainedFeatures):
        return {}
    reasons = dict(SKORCH_REASONS)
    if isinstance(estimator, FineTuningClassifier):
        reasons.update(CLASSES_REASON)
    return reasons


CHECK_NET = dict(pretrain_epochs=4, max_epochs=30, batch_size=64, lr=0.05,
                 random_state=0, device=DEVICE, module__hidden=(8,))


@parametrize_with_checks(
    [CheckedFineTuningClassifier(**CHECK_NET), CheckedFineTuningRegressor(**CHECK_NET),
     CheckedPretrainedFeatures(SourceOnlyClassifier(max_epochs=2, random_state=0,
                                                    device=DEVICE, module__hidden=(8,)))],
    expected_failed_checks=_expected_failures, xfail_strict=True,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
