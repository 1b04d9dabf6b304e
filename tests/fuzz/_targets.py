"""Every fuzzed public estimator, scorer, splitter and metric, built with
small settings (as ``tests/_harness.py`` and ``tests/test_estimator_checks.py``
do), with the main hyperparameters each is fuzzed over; and the public names
that are not fuzzed, each with its reason. ``tests/test_fuzz_coverage.py``
(not slow) fails when a public name is in neither."""

from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression, Ridge

# absurd values every numeric hyperparameter is also tried with
ABSURD = st.sampled_from([-1, 0, -1e-3, 1e300, float("nan"), float("inf"), "x", None,
                          [1.0], True])


#: id of a strategy made by num() -> its plausible values alone (the clean
#: cases of the fuzz tests draw from these)
PLAUSIBLE = {}


def num(*plausible):
    """A hyperparameter strategy: plausible values, or an absurd one."""
    strategy = st.one_of(st.sampled_from(plausible), ABSURD)
    PLAUSIBLE[id(strategy)] = st.sampled_from(plausible)
    return strategy


def _est(clf):
    return LogisticRegression(max_iter=200) if clf else Ridge()


def adapter(cls, clf=True, **fixed):
    def make(params, task):
        return cls(_est(task == "classification"), **{**fixed, **params})
    return make


# name -> (module, factory(params, task), {param: strategy}, tasks, slow)
def estimators():
    from sktransfer import (
        CORAL,
        KMM,
        TCA,
        AutoAdapter,
        FeatureAugmenter,
        LabelShiftClassifier,
        LinearOTMapping,
        OTMapping,
        RegularTransferClassifier,
        RegularTransferRegressor,
        SparseHeterogeneousMapping,
        SubspaceAlignment,
        TrAdaBoostClassifier,
        TrAdaBoostRegressor,
        TwoStageTrAdaBoostRegressor,
        WeightedPooling,
    )
    from sktransfer.auto import AdapterEnsemble
    from sktransfer.multisource import GradualSelfTraining, MultiSourceAdapter

    both = ("classification", "regression")
    clf = ("classification",)
    reg = ("regression",)
    sh = st.sampled_from(["pool", "per_domain", "bogus"])
    return {
        "CORAL": (adapter(CORAL), {"reg": num(1.0, "auto", 1e-6, 100.0),
                                   "center": st.sampled_from([True, False, "yes"]),
                                   "source_handling": sh}, both, False),
        "KMM": (adapter(KMM, max_iter=100), {
            "B": num(1000.0, 1.0, 10.0), "kernel": st.sampled_from(["rbf", "linear", "nope"]),
            "gamma": num(None, 0.1, 10.0), "eps": num(None, 0.01, 0.5),
            "source_handling": sh}, both, False),
        "TCA": (adapter(TCA), {"n_components": num(1, 2, 5, 50), "mu": num(1.0, 0.1, 1e3),
                               "kernel": st.sampled_from(["linear", "rbf", "nope"])},
                both, False),
        "SubspaceAlignment": (adapter(SubspaceAlignment), {
            "n_components": num(1, 2, 10), "center": st.sampled_from([True, False, 1]),
            "source_handling": sh}, both, False),
        "LinearOTMapping": (adapter(LinearOTMapping), {
            "reg": num(1e-6, 1.0, 1e3), "bias": st.sampled_from([True, False, "no"]),
            "source_handling": sh}, both, False),
        "OTMapping": (adapter(OTMapping, max_iter=3, max_inner_iter=100), {
            "reg_e": num(1.0, 0.1, 10.0), "reg_cl": num(0.1, 0.0, 1.0),
            "norm": st.sampled_from(["median", "max", None, "nope"]),
            "source_handling": sh}, both, False),
        "SparseHeterogeneousMapping": (
            adapter(SparseHeterogeneousMapping, source_features=[0], max_iter=50), {
                "l1": num(0.01, 0.0, 1.0), "group_l1": num(0.0, 0.01),
                "parallel_weight": num(1.0, 0.1), "alignment_weight": num(1.0, 10.0)},
            both, False),
        "LabelShiftClassifier": (adapter(LabelShiftClassifier, cv=2, max_iter=100), {
            "method": st.sampled_from(["em", "bbse", "nope"]), "tol": num(1e-6, 1e-2)},
            clf, False),
        "TrAdaBoostClassifier": (adapter(TrAdaBoostClassifier, n_estimators=3), {
            "n_estimators": num(1, 3, 5), "random_state": st.sampled_from([0, None, "x"])},
            clf, False),
        "TrAdaBoostRegressor": (adapter(TrAdaBoostRegressor, n_estimators=3), {
            "n_estimators": num(1, 3), "loss": st.sampled_from(
                ["linear", "square", "exponential", "nope"])}, reg, False),
        "TwoStageTrAdaBoostRegressor": (
            adapter(TwoStageTrAdaBoostRegressor, n_steps=2, n_estimators=2, n_folds=2), {
                "n_steps": num(1, 2), "n_folds": num(2, 3)}, reg, True),
        "RegularTransferClassifier": (
            lambda p, t: RegularTransferClassifier(**{"max_iter": 100, "cv": 2, **p}), {
                "alpha": num(1.0, "auto", 1e-3, 1e3), "tol": num(1e-6, 1e-2)}, clf, False),
        "RegularTransferRegressor": (
            lambda p, t: RegularTransferRegressor(**{"cv": 2, **p}), {
                "alpha": num(1.0, "auto", 1e-3, 1e3)}, reg, False),
        "WeightedPooling": (adapter(WeightedPooling, cv=2), {
            "target_weight": num("auto", 1.0, 3.0, 1e-3)}, both, False),
        "FeatureAugmenter": (lambda p, t: FeatureAugmenter(), {}, both, False),
        "MultiSourceAdapter": (adapter(MultiSourceAdapter, max_iter=50), {
            "combine": st.sampled_from(["distribution", "weighted", "nope"]),
            "weights": st.sampled_from(["mixture", "uniform", "bad"]),
            "min_weight": num(0.0, 0.2)}, both, False),
        "GradualSelfTraining": (adapter(GradualSelfTraining), {
            "keep_fraction": num(0.9, 0.5, 1.0)}, clf, False),
        "AutoAdapter": (
            lambda p, t: AutoAdapter(_est(t == "classification"),
                                     candidates=[("coral", CORAL(_est(t == "classification")))],
                                     estimator_grid=None, random_state=0, **p),
            {"cv": num(2, 3), "margin": num("auto", 0.0, 0.1),
             "ensemble": st.sampled_from([None, ["coral"], "nope"]),
             "fallback": st.sampled_from(["auto", "ensemble", "source_only", "x"])},
            both, True),
        "AdapterEnsemble": (
            lambda p, t: AdapterEnsemble(_est(t == "classification"), **{
                "adapters": [("coral", CORAL(_est(t == "classification")))], **p}),
            {"weights": st.sampled_from([None, [1.0, 2.0], [0.0, 1.0], [-1.0, 1.0], [1.0],
                                         "x"]),
             "estimator_rows": st.sampled_from(["source", "labelled", "target"])},
            both, False),
    }


def online():
    from sktransfer.online import (
        HeterogeneousOnlineTransferClassifier,
        KernelPassiveAggressiveClassifier,
        OnlineTransferClassifier,
    )
    params = {"C": num(1.0, 0.1, 10.0), "kernel": st.sampled_from(["rbf", "linear", "nope"]),
              "budget": num(None, 5, 50)}
    return {
        "OnlineTransferClassifier": (
            lambda src, p: OnlineTransferClassifier(src, **p),
            {**params, "eta": num(0.5, 0.01, 10.0), "beta": num(0.9, 0.5)}),
        "HeterogeneousOnlineTransferClassifier": (
            lambda src, p: HeterogeneousOnlineTransferClassifier(src, [0], **p),
            {**params, "reg_shared": num(1.0, 0.1), "reg_new": num(1.0, 0.1)}),
        "KernelPassiveAggressiveClassifier": (
            lambda src, p: KernelPassiveAggressiveClassifier(**p), params),
    }


DEEP_FAST = dict(max_epochs=2, batch_size=8, random_state=0, device="cpu",
                 module__hidden=(4,))


def deep():
    from sktransfer import deep as d
    out = {}
    for name in ("DANN", "MCD", "DeepCORAL", "DAN", "SourceOnly", "FineTuning"):
        for task in ("Classifier", "Regressor"):
            cls = getattr(d, name + task)
            extra = {"pretrain_epochs": 1, "valid_fraction": None} if name == "FineTuning" else {}
            params = {"lr": num(0.01, 1e-4, 0.5), "batch_size": num(8, 4, 64)}
            if name not in ("SourceOnly", "FineTuning"):
                params["adaptation_weight"] = num(1.0, 0.0, 10.0)
            out[name + task] = (
                lambda p, t, cls=cls, extra=extra: cls(**{**DEEP_FAST, **extra, **p}),
                params, ("classification",) if task == "Classifier" else ("regression",))
    return out


def scorers():
    from sktransfer import model_selection as ms
    return {
        "CircularValidationScorer": (lambda p: ms.CircularValidationScorer(), {}),
        "DeepEmbeddedValidationScorer": (
            lambda p: ms.DeepEmbeddedValidationScorer(random_state=0, **p), {}),
        "ImportanceWeightedScorer": (
            lambda p: ms.ImportanceWeightedScorer(random_state=0, **p),
            {"normalize": st.sampled_from([True, False, "x"]),
             "ratio": st.sampled_from(["classifier", "nope"])}),
        "PredictionEntropyScorer": (lambda p: ms.PredictionEntropyScorer(), {}),
        "SoftNeighborhoodDensityScorer": (
            lambda p: ms.SoftNeighborhoodDensityScorer(**p),
            {"temperature": num(0.05, 1.0, 1e-4)}),
        "SupervisedTargetScorer": (lambda p: ms.SupervisedTargetScorer(), {}),
    }


def splitters():
    from sktransfer import model_selection as ms
    return {
        "DomainShuffleSplit": (lambda p: ms.DomainShuffleSplit(random_state=0, **p),
                               {"n_splits": num(2, 5), "test_size": num(0.2, 0.5)}),
        "DomainStratifiedKFold": (lambda p: ms.DomainStratifiedKFold(**p),
                                  {"n_splits": num(2, 3)}),
        "LeaveOneDomainOut": (lambda p: ms.LeaveOneDomainOut(), {}),
    }


def metrics():
    from sktransfer import metrics as m
    return {
        "coral_distance": (m.coral_distance, {}),
        "mmd": (m.mmd, {"kernel": st.sampled_from(["rbf", "linear", "nope"]),
                        "gamma": num(None, 0.1, 10.0),
                        "unbiased": st.sampled_from([True, False])}),
        "proxy_a_distance": (m.proxy_a_distance, {"cv": num(2, 3), "random_state": st.just(0)}),
    }


_TORCH_PART = ("a torch building block (module, autograd function or training loss) "
               "that takes tensors inside a training graph, not user data; it is "
               "fuzzed through the deep estimators that use it")
_DATA = "a data set generator or loader, not an estimator, scorer or metric"
EXCLUDED = {
    "sktransfer.domain": "a module (its helpers are fuzzed through every estimator's fit)",
    "sktransfer.make_sample_domain": "a helper that builds sample_domain, not an estimator",
    "sktransfer.mask_target_labels": "a helper that masks y, not an estimator",
    "sktransfer.__version__": "a string",
    "sktransfer.auto.decide_label_free": (
        "AutoAdapter's decision rule on its own cv_results_ records; fuzzed through "
        "AutoAdapter"),
    "sktransfer.auto.decide_with_target_labels": "as decide_label_free",
    "sktransfer.auto.accuracy_margin": (
        "a scalar helper of that rule (numbers in, a number out, no arrays); its "
        "values and input errors are tested in tests/test_adapter_ensemble.py"),
    "sktransfer.deep.PretrainedFeatures": (
        "wraps a fitted deep net; its input checks are the net's, fuzzed with the nets"),
    **{f"sktransfer.deep.{n}": _TORCH_PART for n in (
        "DomainModule", "TabularModule", "DomainDiscriminator", "gradient_reversal",
        "coral_loss", "mk_mmd", "classifier_discrepancy")},
    **{f"sktransfer.datasets.{n}": _DATA for n in (
        "make_heterogeneous_shift", "fetch_amazon_reviews", "fetch_heart_disease",
        "fetch_office_caltech10", "fetch_wine_quality", "get_data_home",
        "make_conditional_shift", "make_covariate_shift", "make_domain_split",
        "make_label_shift", "make_rotating_moons", "make_shifted_moons",
        "make_subspace_shift")},
}
