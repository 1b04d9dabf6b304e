"""The deep adapters of sktransfer.deep.

CI runs these on the CPU. ``SKTRANSFER_TEST_DEVICE=cuda`` runs them on a GPU
(what docs/deep.md records); the tests that only hold on the CPU say so.
"""

import os
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skorch.callbacks import (  # noqa: E402
    Checkpoint,
    EarlyStopping,
    LRScheduler,
    ProgressBar,
)
from skorch.dataset import ValidSplit  # noqa: E402
from sklearn import config_context  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sktransfer.datasets import make_shifted_moons  # noqa: E402
from sktransfer.deep import (  # noqa: E402
    DANClassifier,
    DANNClassifier,
    DANNRegressor,
    DANRegressor,
    DeepCORALClassifier,
    DeepCORALRegressor,
    DomainModule,
    MCDClassifier,
    MCDRegressor,
    SourceOnlyClassifier,
    SourceOnlyRegressor,
    classifier_discrepancy,
    coral_loss,
    gradient_reversal,
    mk_mmd,
)
from sktransfer.deep._adversarial import ganin_lambda  # noqa: E402
from sktransfer.deep._data import (  # noqa: E402
    DeviceRows,
    DomainBalancedBatches,
    resolve_device,
)
from sktransfer.deep._losses import gaussian_bandwidths  # noqa: E402
from sktransfer.model_selection import (  # noqa: E402
    DeepEmbeddedValidationScorer,
    PredictionEntropyScorer,
)

CLASSIFIERS = [SourceOnlyClassifier, DANNClassifier, MCDClassifier,
               DeepCORALClassifier, DANClassifier]
REGRESSORS = [SourceOnlyRegressor, DANNRegressor, MCDRegressor,
              DeepCORALRegressor, DANRegressor]
DEVICE = os.environ.get("SKTRANSFER_TEST_DEVICE", "cpu")
FAST = dict(max_epochs=3, batch_size=32, random_state=0, device=DEVICE,
            module__hidden=(16,))


def moons(seed, n=300, angle=35.0):
    """Rotated two moons: ``X``, masked ``y``, ``sample_domain``, and the
    target rows and their true labels."""
    b = make_shifted_moons(n_source=n, n_target=n, angle=angle, random_state=seed)
    target = b.sample_domain == 2
    sd = np.where(target, -1, 1)
    return b.X, np.where(target, -1, b.y), sd, target, b.y[target]


@pytest.fixture(scope="module")
def small():
    X, y, sd, target, y_target = moons(0, n=60)
    return X, y, sd


# ------------------------------------------------------------------ losses
def test_gradient_reversal_is_identity_forward_and_flips_scaled_gradient():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    out = gradient_reversal(x, 0.25)
    np.testing.assert_array_equal(out.detach().numpy(), [1.0, -2.0, 3.0])
    (out * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-0.25, -0.5, -0.75])


def test_coral_loss_matches_hand_computation():
    rng = np.random.RandomState(0)
    S, T = rng.randn(20, 3), 2 * rng.randn(15, 3) + 1
    expected = ((np.cov(S, rowvar=False) - np.cov(T, rowvar=False)) ** 2).sum() / (4 * 9)
    got = coral_loss(torch.tensor(S), torch.tensor(T)).item()
    assert got == pytest.approx(expected, rel=1e-12)
    assert coral_loss(torch.tensor(S), torch.tensor(S + 5.0)).item() == pytest.approx(0, abs=1e-12)


def _np_kernel(A, B, bandwidths):
    D = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
    return np.mean([np.exp(-D / s) for s in bandwidths], axis=0)


def test_mk_mmd_quadratic_and_linear_match_hand_computation():
    rng = np.random.RandomState(1)
    S, T = rng.randn(8, 2), rng.randn(6, 2) + 0.5
    factors = (0.5, 1.0, 2.0)
    Z = np.vstack([S, T])
    D = ((Z[:, None] - Z[None]) ** 2).sum(-1)
    median = np.median(D[np.triu_indices(len(Z), 1)])
    bw = median * np.array(factors)
    np.testing.assert_allclose(
        gaussian_bandwidths(torch.tensor(Z), factors).numpy(), bw, rtol=1e-12)
    Kss, Ktt, Kst = _np_kernel(S, S, bw), _np_kernel(T, T, bw), _np_kernel(S, T, bw)
    n, m = len(S), len(T)
    quadratic = ((Kss.sum() - np.trace(Kss)) / (n * (n - 1))
                 + (Ktt.sum() - np.trace(Ktt)) / (m * (m - 1)) - 2 * Kst.mean())
    got = mk_mmd(torch.tensor(S), torch.tensor(T), factors).item()
    assert got == pytest.approx(quadratic, rel=1e-10)
    # linear: quadruples (s1, s2, t1, t2) over the first 6 rows of each
    k = lambda a, b: _np_kernel(a[None], b[None], bw)[0, 0]  # noqa: E731
    linear = np.mean([k(S[i], S[i + 1]) + k(T[i], T[i + 1]) - k(S[i], T[i + 1])
                      - k(S[i + 1], T[i]) for i in range(0, 6, 2)])
    got = mk_mmd(torch.tensor(S), torch.tensor(T), factors, estimator="linear").item()
    assert got == pytest.approx(linear, rel=1e-10)


def test_mk_mmd_has_a_finite_gradient_at_coincident_rows():
    Z = torch.zeros(4, 3, requires_grad=True)
    mk_mmd(Z[:2], Z[2:] + 0.0).backward()
    assert torch.isfinite(Z.grad).all()


def test_classifier_discrepancy_is_mean_absolute_probability_difference():
    a = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    b = torch.tensor([[0.0, 0.0], [0.0, 2.0]])
    p = 1 / (1 + np.exp(-2.0))
    expected = np.mean([0, 0, 2 * p - 1, 2 * p - 1])
    assert classifier_discrepancy(a, b).item() == pytest.approx(expected, rel=1e-6)
    assert classifier_discrepancy(a, b, classification=False).item() == pytest.approx(1.0)


def test_ganin_lambda_schedule():
    assert ganin_lambda(0.0) == 0.0
    assert ganin_lambda(0.5) == pytest.approx(2 / (1 + np.exp(-5)) - 1)
    assert ganin_lambda(1.0) == pytest.approx(0.9999092, abs=1e-7)


# ------------------------------------------------------------------ batches
def test_domain_balanced_batches_hold_both_domains_and_cover_the_larger_one():
    n_s, n_t = 10, 23
    rows = DeviceRows(torch.arange(n_s + n_t, dtype=torch.float32)[:, None],
                      torch.zeros(n_s + n_t), torch.arange(n_s + n_t) >= n_s,
                      torch.ones(n_s + n_t, dtype=torch.bool))
    rows.source, rows.target = torch.arange(n_s), torch.arange(n_s, n_s + n_t)
    batches = DomainBalancedBatches(rows, 8, torch.Generator().manual_seed(0))
    assert len(batches) == 6  # ceil(23 / 4)
    seen_target = []
    for batch in batches:
        assert batch.n_source == 4 and batch.X.shape[0] == 8
        assert not batch.is_target[:4].any() and batch.is_target[4:].all()
        seen_target += batch.X[4:, 0].int().tolist()
    # every target row once, then one extra pass begins
    assert set(seen_target) == set(range(n_s, n_s + n_t))
    assert len(seen_target) == 24


def test_resolve_device():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_asked_for_without_cuda_is_a_clear_error_before_any_work(small):
    X, y, sd = small
    net = DANNClassifier(**{**FAST, "device": "cuda"})
    with pytest.raises(RuntimeError, match="torch sees no CUDA device"):
        net.fit(X, y)
    assert not hasattr(net, "n_features_in_")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_keeps_rows_and_modules_on_the_gpu(small):
    X, y, sd = small
    cuda_state = torch.cuda.get_rng_state()
    net = DANNClassifier(**{**FAST, "device": "auto"}).fit(X, y)
    assert net.device_ == "cuda" and net.get_params()["device"] == "auto"
    for module in (net.module_, net.discriminator_):
        assert all(p.device.type == "cuda" for p in module.parameters())
    assert torch.equal(torch.cuda.get_rng_state(), cuda_state)
    cpu = DANNClassifier(**{**FAST, "device": "cpu"}).fit(X, y)
    # same seed, other device: different kernels, close accuracy on the rows
    assert abs(np.mean(net.predict(X) == cpu.predict(X)) - 1) < 0.25


# ---------------------------------------------------------------- contract
@pytest.mark.parametrize("Net", CLASSIFIERS)
def test_classifiers_fit_predict_one_row_per_row(Net, small):
    X, y, sd = small
    X0, y0 = X.copy(), y.copy()
    net = Net(**FAST).fit(X, y)
    np.testing.assert_array_equal(X, X0)  # user arrays untouched
    np.testing.assert_array_equal(y, y0)
    assert net.predict(X).shape == (len(X),)
    P = net.predict_proba(X)
    assert P.shape == (len(X), 2)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    assert set(net.predict(X)) <= {0, 1}
    assert net.transform(X).shape[0] == len(X)
    assert net.device_ == DEVICE
    assert next(net.module_.parameters()).device.type == DEVICE
    assert len(net.history) == 3


@pytest.mark.parametrize("Net", REGRESSORS)
def test_regressors_fit_predict(Net):
    rng = np.random.RandomState(0)
    X = rng.randn(80, 3)
    y = X @ [1.0, -2.0, 0.5]
    y_masked = np.where(np.arange(80) >= 40, np.nan, y)
    net = Net(**{**FAST, "max_epochs": 60, "lr": 0.01}).fit(X, y_masked)
    pred = net.predict(X)
    assert pred.shape == (80,) and np.isfinite(pred).all()
    assert not hasattr(net, "predict_proba")
    assert net.score(X[:40], y[:40]) > 0.5


def test_labels_are_any_hashable_classes(small):
    X, y, sd = small
    labels = np.where(y == -1, None, np.where(y == 1, "b", "a")).astype(object)
    net = DANNClassifier(**FAST).fit(X, labels)
    assert list(net.classes_) == ["a", "b"]
    assert set(net.predict(X)) <= {"a", "b"}


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda X, y, sd: (X, np.where(y == -1, 0, y), None), "No target rows"),
        (lambda X, y, sd: (X, np.where(y == 1, 0, y), None), "1 class"),
        (lambda X, y, sd: (X, y, sd[:-1]), "sample_domain"),
        (lambda X, y, sd: (np.where(np.arange(len(X))[:, None] == 3, np.nan, X), y, None),
         "NaN"),
        (lambda X, y, sd: (X, None, None), "requires y to be passed"),
        (lambda X, y, sd: (X, y, np.where(sd > 0, 1, 0)), "0"),
    ],
)
def test_bad_input_is_a_clear_error(small, change, match):
    X, y, sd = change(*small)
    with pytest.raises(ValueError, match=match):
        DANNClassifier(**FAST).fit(X, y, sample_domain=sd)


def test_bad_hyperparameters_and_fit_params(small):
    X, y, sd = small
    with pytest.raises(ValueError, match="schedule"):
        DANNClassifier(**FAST, schedule="linear").fit(X, y)
    with pytest.raises(ValueError, match="layers"):
        DeepCORALClassifier(**FAST, layers=("hidden",)).fit(X, y)
    with pytest.raises(ValueError, match="num_k"):
        MCDClassifier(**FAST, num_k=0).fit(X, y)
    with pytest.raises(ValueError, match="mmd_estimator"):
        DANClassifier(**FAST, mmd_estimator="cubic").fit(X, y)
    with pytest.raises(TypeError, match="unexpected parameters"):
        DANNClassifier(**FAST).fit(X, y, sample_weight=np.ones(len(X)))
    with pytest.raises(ValueError, match="at least 2 target rows"):
        DANNClassifier(**FAST).fit(X, y, sample_domain=np.r_[-1, np.ones(len(X) - 1, int)])


def test_a_row_is_predicted_the_same_whatever_rows_come_with_it(small):
    X, y, sd = small
    net = DANNClassifier(**FAST).fit(X, y)
    full = net.predict_proba(X)
    np.testing.assert_array_equal(net.predict_proba(X[7:12]), full[7:12])
    np.testing.assert_array_equal(net.transform(X[::-1])[::-1], net.transform(X))


def test_predict_checks_features(small):
    X, y, sd = small
    net = DANNClassifier(**FAST).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        net.predict(X[:, :1])


def test_sample_domain_gives_the_same_fit_as_masked_labels(small):
    X, y, sd = small
    a = DeepCORALClassifier(**FAST).fit(X, y)
    b = DeepCORALClassifier(**FAST).fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_labelled_target_rows_enter_the_task_loss(small):
    X, y, sd = small
    y_true = make_shifted_moons(n_source=60, n_target=60, angle=35.0, random_state=0).y
    semi = np.where(np.arange(len(X)) % 4 == 1, y_true, y)  # some target labels
    a = SourceOnlyClassifier(**FAST).fit(X, y, sample_domain=sd)
    b = SourceOnlyClassifier(**FAST).fit(X, semi, sample_domain=sd)
    assert not np.allclose(a.predict_proba(X), b.predict_proba(X))


# --------------------------------------------------- seeds and global state
def test_same_random_state_gives_identical_runs_and_leaves_global_rng(small):
    X, y, sd = small
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    a = DANNClassifier(**{**FAST, "module__dropout": 0.3}).fit(X, y)
    b = DANNClassifier(**{**FAST, "module__dropout": 0.3}).fit(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    assert a.history[:, "train_loss"] == b.history[:, "train_loss"]
    c = DANNClassifier(**{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


# ------------------------------------------------------- skorch machinery
def test_history_records_each_loss_term(small):
    X, y, sd = small
    net = DANNClassifier(**FAST).fit(X, y)
    row = net.history[-1]
    assert {"train_loss", "train_task", "train_domain"} <= set(row)
    assert row["train_loss"] > 0
    mcd = MCDClassifier(**FAST).fit(X, y)
    assert "train_discrepancy" in mcd.history[-1]


def test_validation_split_on_source_labels_and_early_stopping(small):
    X, y, sd = small
    net = DANNClassifier(**{**FAST, "max_epochs": 200}, train_split=ValidSplit(4),
                         callbacks=[EarlyStopping(patience=2, threshold=10.0)])
    net.fit(X, y)
    assert "valid_loss" in net.history[-1]
    assert len(net.history) < 200  # stopped early
    assert net.history[-1, "valid_batch_count"] == 1  # 15 of the 60 source rows


def test_lr_scheduler_and_checkpoint_callbacks(small, tmp_path):
    X, y, sd = small
    net = DeepCORALClassifier(
        **FAST, lr=0.1, train_split=ValidSplit(4),
        callbacks=[LRScheduler("StepLR", step_size=1, gamma=0.5),
                   Checkpoint(dirname=str(tmp_path), monitor="valid_loss_best"),
                   ProgressBar()])
    net.fit(X, y)
    # batch losses are plain floats once the epoch is over
    assert all(isinstance(b["train_loss"], float) for b in net.history[-1, "batches"]
               if "train_loss" in b)
    assert net.history[-1, "train_loss"] == pytest.approx(np.average(
        [b["train_loss"] for b in net.history[-1, "batches"] if "train_loss" in b],
        weights=[b["train_batch_size"] for b in net.history[-1, "batches"]
                 if "train_loss" in b]))
    assert net.optimizer_.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 3)
    assert (tmp_path / "params.pt").exists()


def test_warm_start_and_partial_fit_continue_training(small):
    X, y, sd = small
    net = DANNClassifier(**FAST, warm_start=True).fit(X, y)
    first = [p.detach().clone() for p in net.module_.parameters()]
    net.fit(X, y)
    assert len(net.history) == 6
    assert any(not torch.equal(a, b) for a, b in zip(first, net.module_.parameters()))
    other = DANNClassifier(**FAST)
    other.partial_fit(X, y)
    other.partial_fit(X, y)
    assert len(other.history) == 6
    cold = DANNClassifier(**FAST).fit(X, y).fit(X, y)
    assert len(cold.history) == 3


@pytest.mark.parametrize("Net", [DANNClassifier, MCDClassifier])
def test_pickle_and_save_params_round_trip(Net, small, tmp_path):
    X, y, sd = small
    net = Net(**FAST).fit(X, y)
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(net.predict_proba(X), again.predict_proba(X))
    assert again.device == DEVICE and again.device_ == DEVICE
    # skorch saves each extra module under f_<name>: DANN's discriminator,
    # MCD's second head
    extra = {f"f_{name}": tmp_path / f"{name}.pt" for name in net._modules
             if name != "module"}
    assert set(extra) == {"f_discriminator"} if Net is DANNClassifier else {"f_second_head"}
    net.save_params(f_params=tmp_path / "p.pt", **extra)
    fresh = Net(**{**FAST, "random_state": 5}).fit(X, y)
    assert not np.allclose(fresh.predict_proba(X), net.predict_proba(X))
    fresh.load_params(f_params=tmp_path / "p.pt", **extra)
    np.testing.assert_allclose(fresh.predict_proba(X), net.predict_proba(X), rtol=1e-6)


def test_nested_set_params_and_clone(small):
    X, y, sd = small
    net = DANNClassifier(**FAST)
    net.set_params(module__hidden=(8, 4), optimizer__lr=0.05, discriminator__hidden=(5,))
    net.fit(X, y)
    assert net.transform(X).shape == (len(X), 4)
    assert net.optimizer_.param_groups[0]["lr"] == 0.05
    assert net.discriminator_.out.in_features == 5
    params = clone(net).get_params()
    assert params["module__hidden"] == (8, 4) and params["device"] == DEVICE
    assert clone(DANNClassifier()).get_params()["device"] == "auto"


def test_own_feature_extractor_and_head(small):
    X, y, sd = small
    fe = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.Tanh())
    net = DANNClassifier(**{k: v for k, v in FAST.items() if k != "module__hidden"},
                         module=DomainModule, module__feature_extractor=fe,
                         module__head=torch.nn.Linear(6, 2))
    net.fit(X, y)
    assert net.transform(X).shape == (len(X), 6)
    bad = DANNClassifier(**{k: v for k, v in FAST.items() if k != "module__hidden"},
                         module=torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="feature_extractor and a head"):
        bad.fit(X, y)


# ----------------------------------------------------------- the methods
def test_dann_discriminator_is_trained_with_the_module(small):
    X, y, sd = small
    net = DANNClassifier(**{**FAST, "random_state": 3}).fit(X, y)
    assert "discriminator" in net._modules
    optimised = {id(p) for group in net.optimizer_.param_groups for p in group["params"]}
    assert all(id(p) in optimised for p in net.discriminator_.parameters())
    start = [p.detach().clone() for p in
             DANNClassifier(**{**FAST, "random_state": 3, "max_epochs": 0})
             .fit(X, y).discriminator_.parameters()]
    assert any(not torch.equal(a.cpu(), b.detach().cpu())
               for a, b in zip(start, net.discriminator_.parameters()))


def test_dann_reversal_scale_follows_the_schedule(small):
    X, y, sd = small
    net = DANNClassifier(**FAST, adaptation_weight=2.0).fit(X, y)
    assert net.reversal_scale() == pytest.approx(2.0 * ganin_lambda(1.0))
    net.set_params(schedule="constant")
    assert net.reversal_scale() == 2.0


def test_mcd_discrepancy_falls_on_the_target(small):
    X, y, sd, target, y_target = moons(0, n=150)
    net = MCDClassifier(max_epochs=40, batch_size=64, random_state=0, device=DEVICE,
                        lr=1e-3).fit(X, y)
    disc = net.history[:, "train_discrepancy"]
    assert np.mean(disc[-5:]) < 0.5 * np.max(disc[:10])


def test_dann_and_deep_coral_beat_source_only_on_rotated_moons():
    """Averaged over 3 seeds (35 degree rotation, 300 + 300 rows)."""
    accuracy = {}
    for seed in range(3):
        X, y, sd, target, y_target = moons(seed)
        common = dict(max_epochs=60, batch_size=64, random_state=seed, device=DEVICE)
        nets = {"source": SourceOnlyClassifier(**common),
                "dann": DANNClassifier(**common, module__norm="batch"),
                "coral": DeepCORALClassifier(**common, adaptation_weight=100.0)}
        for name, net in nets.items():
            net.fit(X, y)
            acc = np.mean(net.predict(X[target]) == y_target)
            accuracy.setdefault(name, []).append(acc)
    mean = {k: np.mean(v) for k, v in accuracy.items()}
    assert mean["dann"] > mean["source"] + 0.03, accuracy
    assert mean["coral"] > mean["source"] + 0.03, accuracy


# ------------------------------------------- pipelines and grid search
def test_pipeline_with_scaler_and_sample_domain(small):
    X, y, sd = small
    pipe = make_pipeline(StandardScaler(), DeepCORALClassifier(**FAST))
    pipe.fit(X * 100 + 7, y, deepcoralclassifier__sample_domain=sd)
    assert pipe.predict(X).shape == (len(X),)


def test_pipeline_under_metadata_routing(small):
    X, y, sd = small
    with config_context(enable_metadata_routing=True):
        net = DANNClassifier(**FAST).set_fit_request(sample_domain=True)
        pipe = make_pipeline(StandardScaler(), net)
        pipe.fit(X, y, sample_domain=sd)
        assert pipe.predict(X).shape == (len(X),)


@pytest.mark.parametrize("scorer", [PredictionEntropyScorer(),
                                    DeepEmbeddedValidationScorer(random_state=0)])
def test_grid_search_over_the_adaptation_weight_with_a_label_free_scorer(small, scorer):
    X, y, sd = small
    search = GridSearchCV(DeepCORALClassifier(**FAST),
                          {"adaptation_weight": [0.0, 1.0, 10.0]}, cv=2,
                          scoring=scorer)
    search.fit(X, y, sample_domain=sd)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and len(set(np.round(scores, 12))) > 1
    assert search.best_params_["adaptation_weight"] in (0.0, 1.0, 10.0)


def test_default_score_is_the_source_validation_accuracy(small):
    X, y, sd = small
    search = GridSearchCV(DANNClassifier(**FAST), {"adaptation_weight": [0.1, 1.0]},
                          cv=2)
    search.fit(X, y)
    assert np.all((search.cv_results_["mean_test_score"] >= 0)
                  & (search.cv_results_["mean_test_score"] <= 1))


# ------------------------------------------------------ estimator checks
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from _harness import (  # noqa: E402
    CLASSES_REASON,
    SKORCH_REASONS,
    SuppliesDomainsToPartialFit,
)

# module-level names, so that pickle finds the classes
CHECKED = []
for _Net in CLASSIFIERS + REGRESSORS:
    _name = f"Checked{_Net.__name__}"
    globals()[_name] = type(_name, (SuppliesDomainsToPartialFit, _Net),
                            {"__module__": __name__})
    CHECKED.append(globals()[_name])


def _expected_failures(estimator):
    from sklearn.base import is_classifier
    reasons = {**SKORCH_REASONS, **(CLASSES_REASON if is_classifier(estimator) else {})}
    return reasons


@parametrize_with_checks(
    [Net(max_epochs=4, batch_size=64, lr=0.05, random_state=0, device=DEVICE,
         module__hidden=(8,)) for Net in CHECKED],
    expected_failed_checks=_expected_failures, xfail_strict=True,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
