"""The benchmark suite (benchmarks/suite*.py): its selection rules, its
protocol's separation of target labels, and a tiny end-to-end run."""

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import suite  # noqa: E402
import suite_report  # noqa: E402
import suite_run  # noqa: E402
from suite_methods import Method, choose_regularised  # noqa: E402
from suite_tasks import problem_from_split, select_tasks  # noqa: E402

from sktransfer.datasets import make_covariate_shift, make_domain_split  # noqa: E402


def _problem(seed=0, n=80):
    split = make_domain_split(make_covariate_shift(n_source=n, n_target=n, random_state=seed),
                              "source", "target")
    return problem_from_split(split, seed, "classification")


# --------------------------------------------------------------- protocol
def test_target_halves_are_disjoint_and_cover_the_target():
    p = _problem()
    target = np.flatnonzero(p.sample_domain < 0)
    assert np.intersect1d(p.eval_index, p.lab_index).size == 0
    np.testing.assert_array_equal(np.sort(np.r_[p.eval_index, p.lab_index]), target)
    # stratified halves
    assert abs(p.y_eval.mean() - p.y_lab.mean()) < 0.05
    # no target label in the training labels
    assert np.all(p.y[target] == -1)


class _Recorder:
    """A fake adapter that records what it is trained on and predicts a
    constant that depends on its parameter (so each candidate has a known
    target and source-validation score)."""

    seen = []

    def __init__(self, answer_target, answer_source):
        self.answer_target, self.answer_source = answer_target, answer_source

    def fit(self, X, y, sample_domain=None):
        _Recorder.seen.append((X.shape[0], y.copy(), None if sample_domain is None
                               else sample_domain.copy()))
        return self

    def predict(self, X, sample_domain=None):
        source = sample_domain is not None and np.all(sample_domain > 0)
        return np.full(len(X), self.answer_source if source else self.answer_target)


def _recorder_method(candidates, **kw):
    return Method("fake", "sktransfer",
                  build=lambda base, params: _Recorder(**params),
                  grid=lambda problem: candidates, **kw)


def test_label_free_and_oracle_pick_their_own_best_candidate():
    p = _problem()
    majority_t = int(np.mean(p.y_eval) > 0.5)
    majority_s = int(np.mean(p.y[p.source_index]) > 0.5)
    candidates = [
        {"answer_target": 1 - majority_t, "answer_source": majority_s},   # best on source
        {"answer_target": majority_t, "answer_source": 1 - majority_s},   # best on target
    ]
    rows = {r["selection"]: r for r in
            suite_run.evaluate(_recorder_method(candidates), p, base=None, seed=0,
                               study=False)}
    assert rows["label-free"]["params"] == suite_run._format_params(candidates[0])
    assert rows["oracle"]["params"] == suite_run._format_params(candidates[1])
    assert rows["oracle"]["score"] == pytest.approx(100 * np.mean(p.y_eval == majority_t))
    assert rows["label-free"]["score"] < rows["oracle"]["score"]


def test_no_fit_of_an_adapter_sees_a_target_label():
    p = _problem()
    _Recorder.seen = []
    candidates = [{"answer_target": 0, "answer_source": 0},
                  {"answer_target": 1, "answer_source": 1}]
    suite_run.evaluate(_recorder_method(candidates), p, base=None, seed=0, study=False)
    # a full and a validation fit per candidate, and a memory-tracing refit
    assert len(_Recorder.seen) >= 2 * len(candidates) + 1
    for n_rows, y, sd in _Recorder.seen:
        assert np.all(y[sd < 0] == -1)           # target rows masked
        assert np.all(y[sd > 0] >= 0)            # source rows labelled
        assert np.sum(sd < 0) == p.eval_index.size + p.lab_index.size
    # the validation fits leave a quarter of the source rows out
    sizes = sorted({n for n, _, _ in _Recorder.seen})
    _, held_out = suite_run._source_validation_split(p, 0)
    assert held_out.size == pytest.approx(suite_run.SOURCE_VALIDATION_SHARE
                                          * p.source_index.size, abs=1)
    assert sizes == [len(p.y) - held_out.size, len(p.y)]


def test_a_failing_method_is_reported_not_dropped():
    def broken(base, params):
        raise RuntimeError("boom")
    method = Method("broken", "sktransfer", build=broken, grid=lambda p: [{}])
    (row,) = suite_run.evaluate_safely(method, _problem(), base=None, seed=0)
    assert row["status"] == "error: RuntimeError: boom" and row["score"] is None
    missing = Method("absent", "peer", build=broken, grid=lambda p: [{}],
                     requires="a_module_that_does_not_exist")
    (row,) = suite_run.evaluate_safely(missing, _problem(), base=None, seed=0)
    assert row["status"].startswith("skipped: a_module_that_does_not_exist")


def test_deep_nets_run_only_when_asked():
    from suite_methods import select_methods
    assert not any(m.deep for m in select_methods())
    deep = {m.name for m in select_methods(deep=True) if m.deep}
    assert deep == {"deep_source_only", "dann", "deep_coral", "dan", "mcd"}
    assert {m.name for m in select_methods(["dann"])} == {"source_only", "target_only",
                                                         "dann"}


def test_a_deep_net_runs_through_the_suite(monkeypatch):
    pytest.importorskip("skorch")
    import suite_methods
    monkeypatch.setitem(suite_methods.DEEP_FIXED, "max_epochs", 2)
    monkeypatch.setitem(suite_methods.DEEP_FIXED, "device", "cpu")
    (method,) = [m for m in suite_methods.METHODS if m.name == "dann"]
    from sklearn.linear_model import LogisticRegression
    rows = suite_run.evaluate(method, _problem(), base=LogisticRegression(), seed=0,
                              study=False)
    assert {r["selection"] for r in rows} == {"label-free", "oracle"}
    assert all(0 <= r["score"] <= 100 and r["fit_s"] > 0 for r in rows)
    assert {r["params"] for r in rows} <= {"adaptation_weight=0.1", "adaptation_weight=1"}


def test_real_tasks_are_skipped_when_their_data_are_absent(tmp_path):
    tasks, missing = select_tasks(("wine", "heart"), tmp_path)
    assert tasks == [] and missing == ["wine", "heart"]


# -------------------------------------------------------------- end to end
def test_tiny_run_writes_the_csv_the_page_and_the_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    rows = suite.main(["--families", "synthetic", "--tasks", "covariate", "--seeds", "1",
                       "--synthetic-n", "60",
                       "--methods", "coral", "kmm", "--no-peers", "--no-scaling",
                       "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert "[1/2 covariate shift seed=0] kmm" in out   # progress lines
    with open(tmp_path / "suite_results.csv") as f:
        written = list(csv.DictReader(f))
    # per task: the two baselines ("fixed"), and for each method label-free,
    # oracle and one row per scorer of the selection study (6 for
    # classification, 4 for regression: no entropy or snd)
    assert len(written) == len(rows) == (2 + 2 * (2 + 6)) + (2 + 2 * (2 + 4))
    assert {r["method"] for r in written} == {"source_only", "target_only", "coral", "kmm"}
    for r in written:
        assert r["status"].startswith("ok")
        blank = {k for k, v in r.items() if v == ""}
        # target only is never validated on source labels; the study's rows
        # report the target score of each pick, not its time or memory
        expected = ({"source_val", "params"} if r["method"] == "target_only"
                    else {"params"} if r["method"] == "source_only"
                    else {"fit_s", "peak_mib"} if r["selection"].startswith("scorer:")
                    else set())
        assert blank == expected, r
    import sklearn
    assert not sklearn.get_config()["enable_metadata_routing"]  # left as it was
    page = (tmp_path / "suite_results.md").read_text()
    assert "## Means per family" in page and "| covariate shift (reg) |" in page
    assert "## Selection without target labels" in page and "| iwcv_kmm |" in page
    assert "python benchmarks/suite.py --families synthetic" in page
    for kind in ("classification", "regression"):
        assert (tmp_path / "img" / f"suite_scores_synthetic_{kind}.png").stat().st_size > 0
    # the page rebuilt from the CSV alone is the same page
    rebuilt_dir = tmp_path / "rebuilt"
    suite.main(["--from-csv", str(tmp_path), "--out-dir", str(rebuilt_dir)])
    rebuilt = (rebuilt_dir / "suite_results.md").read_text()
    assert rebuilt.splitlines()[3:] == page.splitlines()[3:]


def test_scaling_outputs(tmp_path):
    pytest.importorskip("matplotlib")
    scaling = [{"case": c, "n": n, "fit_s": 0.01 * n / 100, "peak_mib": 1.0, "acc": 0.8,
                "error": None} for c in ("kmm", "skada_kmm") for n in (100, 200)]
    assert suite_report.plot_scaling(scaling, tmp_path).stat().st_size > 0
    table = suite_report.scaling_table(scaling)
    assert "| kmm | 200 | 0.02 | 1 | 0.800 |  |" in table


def test_few_labels_benchmark_end_to_end(tmp_path, shared_data):
    import few_labels

    out = tmp_path / "few.md"
    rows = few_labels.main(["--quick", "--tasks", "cleveland->hungary", "quality",
                            "--data-home", str(shared_data), "--out", str(out)])
    methods = {r["method"] for r in rows}
    assert methods == {"source only", "target only", "pooled", "AdaBoost (pooled)",
                       "TrAdaBoost", "dynamic TrAdaBoost", "TrAdaBoost.R2", "two-stage"}
    # 2 tasks x 3 fractions x 1 seed; 4 baselines + 2 boosted (TrAdaBoost and
    # its dynamic variant; TrAdaBoost.R2 and two-stage)
    assert len(rows) == 3 * 6 + 3 * 6
    for r in rows:
        assert np.isfinite(r["score"]) and r["status"] == "ok"
        if r["method"] not in ("source only", "target only", "pooled"):  # boosted
            assert r["learner_s"] > 0 and np.isfinite(r["overhead"])
    page = out.read_text()
    assert page.count("| heart cleveland->hungary |") == 3
    assert (tmp_path / "few.csv").exists()


def test_few_labels_scores_only_unlabelled_target_rows():
    import few_labels

    split = make_domain_split(make_covariate_shift(n_source=50, n_target=200,
                                                   random_state=0), "source", "target")
    y, sd, scored, y_scored, lab = few_labels.label_some(split, 0.05, 0, "classification")
    target = np.flatnonzero(sd < 0)
    assert len(lab) == 10 and np.intersect1d(scored, lab).size == 0
    np.testing.assert_array_equal(np.sort(np.r_[scored, lab]), target)
    assert np.all(y[lab] >= 0) and np.all(y[scored] == -1)   # scored rows stay masked
    truth = dict(zip(split.target_index, split.y_target_true))
    assert all(truth[i] == v for i, v in zip(scored, y_scored))


def test_joint_base_grid_leaves_the_shared_base_unchanged():
    # building an adapter with estimator__C must not change the task's base
    # estimator, which the later methods (AutoAdapter among them) reuse
    from sklearn.linear_model import LogisticRegression
    from suite_methods import METHODS

    base = LogisticRegression(C=0.01)
    (coral,) = [m for m in METHODS if m.name == "coral"]
    model = coral.build(base, {"reg": 1.0, "estimator__C": 10.0})
    assert model.estimator.C == 10.0
    assert base.C == 0.01


def test_auto_track_labelled_report_counts_wins_against_every_baseline():
    import pandas as pd
    import suite_auto

    res = pd.DataFrame(dict(
        task=["a", "a", "b", "b", "c", "c"], kind="classification",
        seed=[0, 1, 0, 1, 0, 1], labelled_fraction=0.05,
        n_labelled_target=[7, 7, 20, 20, 9, 9],
        source_only=[70.0, 72.0, 50.0, 50.0, 50.0, 50.0],
        target_only=[60.0, 60.0, 55.0, 57.0, 40.0, 40.0],
        pooled=[71.0, 71.0, 54.0, 54.0, 0.3, 0.3],
        auto=[73.0, 73.0, 55.0, 55.0, 0.1 + 0.2, 0.3],
        adapted=[True, False, True, True, True, True],
        best=["ensemble", "source_only", "ensemble", "tca", "ensemble", "ensemble"]))
    lines = suite_auto.summarize_labelled(res)
    text = "\n".join(lines)
    # a: auto 73 > max(71, 60, 71) -> win (+2); b: 55 < target-only 56 -> loss
    # (-1); c: source-only is best (50) -> loss (-49.7), and auto only ties
    # pooled (0.1 + 0.2 against 0.3, a last-bit difference, is no win)
    assert "beats all three baselines on 1 of 3 tasks" in text
    assert "pooled on 2)" in text
    assert "| a | 71 | 60 | 71 | 73 | +2 | 50% |" in text
    assert "mean gain over the best baseline -16.23 points" in text
    assert "Chosen (task x seed fits): ensemble 4, source_only 1, tca 1." in text


# ------------------------------------------------------ few-labels track
def _few_labels_cell(methods, monkeypatch=None):
    import suite_few_labels as fl
    from suite_methods import choose_base
    from suite_tasks import Task

    problem = _problem(n=120)
    task = Task("covariate", "synthetic", "classification", None)
    base, _ = choose_base(problem)
    return fl, problem, fl.run_cell(task, problem, 0, 0.1, methods, base, None,
                                    log=lambda m: None)


def test_few_labels_track_chooses_the_best_cross_validated_method():
    methods = ("pooled", "weighted_pooling", "regular_transfer", "feature_augmentation",
               "tradaboost", "coral", "target_only", "source_only")
    fl, problem, rows = _few_labels_cell(methods)
    assert [r["method"] for r in rows] == [*methods, "best_by_cv"]
    assert all(r["status"] == "ok" for r in rows), [r["status"] for r in rows]
    best = rows[-1]
    cv = {r["method"]: r["cv_score"] for r in rows[:-1]}
    top = max(cv.values())
    # the first method (in METHODS order) with the top cross-validated score
    assert best["chosen"] == min((m for m in cv if cv[m] == top), key=fl.METHODS.index)
    assert best["score"] == next(r["score"] for r in rows if r["method"] == best["chosen"])
    assert rows[0]["n_labelled"] == 12  # 10% of 120 target rows


def test_few_labels_cv_never_trains_on_the_rows_it_scores(monkeypatch):
    import suite_few_labels as fl

    problem = _problem(n=120)
    y, lab = fl.label_target_rows(problem, 0.1, 0)
    calls = []

    def spy(method, problem_, base, net, y_, lab_train, X_pred):
        held = [i for i in lab if any(np.array_equal(problem.X[i], x) for x in X_pred)]
        calls.append((set(lab_train), set(held)))
        return np.zeros(len(X_pred), dtype=int)

    monkeypatch.setattr(fl, "fit_predict", spy)
    fl.cv_score("pooled", problem, None, None, y, lab, 0)
    assert len(calls) == fl.CV_FOLDS
    assert set().union(*(h for _, h in calls)) == set(lab)   # every label held out once
    for train, held in calls:
        assert held and not train & held
        # no scored (evaluation) row is ever given as a labelled row
        assert not train & set(problem.eval_index)


def test_few_labels_summary_counts_cells_against_the_best_baseline():
    import suite_few_labels as fl

    def row(task, method, score, seed=0, fraction=0.05, kind="classification"):
        return dict(task=task, family="f", kind=kind, fraction=fraction, n_labelled=7,
                    seed=seed, method=method, score=score, cv_score=0.0, chosen="pooled")

    rows = [row("a", "source_only", 70), row("a", "target_only", 60), row("a", "pooled", 72),
            row("a", "best_by_cv", 75),
            row("b", "source_only", 50), row("b", "target_only", 56), row("b", "pooled", 54),
            row("b", "best_by_cv", 55)]
    text = "\n".join(fl.summary(rows))
    # a: 75 vs 72 -> +3; b: 55 vs 56 -> -1: one win of two, mean +1
    assert "on **1 of 2** task x fraction cells (50%" in text
    assert "mean gain **+1.00** points" in text
    assert "| a | 5% (7) | 70.0 | 60.0 | 72.0 | 75.0 | 72.0 | +3.0 |" in text


def test_few_labels_fair_comparison_uses_the_cross_validated_baseline():
    import suite_few_labels as fl

    def row(method, score, cv, seed):
        return dict(task="a", family="f", kind="classification", fraction=0.05,
                    n_labelled=7, seed=seed, method=method, score=score, cv_score=cv,
                    chosen="")

    rows = [  # seed 0: pooled and source_only tie on cv -> pooled (METHODS order)
        row("source_only", 70, 80, 0), row("target_only", 60, 70, 0), row("pooled", 72, 80, 0),
        row("regular_transfer", 74, 90, 0), row("best_by_cv", 74, 90, 0),
        # seed 1: target-only's cv is the best of the three baselines
        row("source_only", 70, 60, 1), row("target_only", 58, 75, 1), row("pooled", 71, 65, 1),
        row("regular_transfer", 73, 70, 1), row("best_by_cv", 58, 75, 1)]
    assert fl.cv_chosen_baseline(rows) == {("a", 0.05): (72 + 58) / 2}
    table = fl.cells(rows)
    text = " ".join(fl.fair_comparison(rows, table))
    # best_by_cv (74 + 58) / 2 = 66 against 65: +1.00; ceiling 73.5 - 71.5 = +2.00
    assert "wins **1 of 1** cells, mean **+1.00** points" in text
    assert "1 of 1 cells, mean +2.00 points" in text
    assert "With `auto`" not in text
    rows += [row("auto", 76, None, 0), row("auto", 74, None, 1)]
    text = " ".join(fl.fair_comparison(rows, fl.cells(rows)))
    # auto's mean 75 against the best baseline 71.5: +3.50 with auto among them
    assert "With `auto` among the methods (on the 1 cells where it ran): 1 of 1 cells, " \
        "mean +3.50 points." in text
    lines = fl.by_label_count(rows, table, ["regular_transfer", "best_by_cv"])
    # 7 labelled rows: the 5-10 bucket; 73.5 - 71.5 = +2, 73.5 - 65 = +8.5
    assert "| regular_transfer | +2.00 / +8.50 |  |  |  |" in lines


def test_regularisation_is_not_chosen_blindly_with_a_singleton_class():
    """One labelled row of a class: no fold without it can be fitted, so no
    cross-validation (the default C) rather than an all-NaN grid's first C;
    two rows of each: two folds, every one fitted."""
    import warnings

    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est, params = choose_regularised(X, np.r_[0, np.ones(11, int)])
        assert params == {} and est.C == 1.0
        est, params = choose_regularised(X, np.r_[0, 0, np.ones(10, int)])
        assert set(params) == {"C"}


def test_few_labels_cell_with_auto_alone_has_no_choice_among_methods(monkeypatch):
    import suite_few_labels as fl
    from suite_tasks import Task

    problem = _problem(n=120)
    monkeypatch.setattr(fl, "fit_predict", lambda *a: np.zeros(len(a[-1]), dtype=int))
    task = Task("covariate", "synthetic", "classification", None)
    rows = fl.run_cell(task, problem, 0, 0.1, ["auto"], None, None, log=lambda m: None)
    # AutoAdapter is no candidate of best_by_cv: alone, there is nothing to choose
    assert [r["method"] for r in rows] == ["auto"]
    assert rows[0]["status"] == "ok" and rows[0]["cv_score"] is None


def test_few_labels_page_reads_a_labelled_auto_track_csv(tmp_path):
    import suite_few_labels as fl
    import suite_report as report

    # the columns suite_auto.py writes for a labelled run (same labelled rows)
    path = tmp_path / "auto_results_labelled5.csv"
    report.write_csv([dict(task="a", family="f", kind="classification", seed=1,
                           labelled_fraction=0.05, n_labelled_target=7, source_only=70,
                           target_only=60, pooled=72, fit_s=3.0, auto=74.5,
                           best="ensemble")], path,
                     fields=("task", "family", "kind", "seed", "labelled_fraction",
                             "n_labelled_target", "source_only", "target_only", "pooled",
                             "fit_s", "auto", "best"))
    (row,) = fl.read_csv(path)
    assert row == dict(task="a", family="f", kind="classification", fraction=0.05,
                       n_labelled=7, seed=1, method="auto", score=74.5, cv_score=None,
                       fit_s=3.0, chosen="", status="ok")


def test_few_labels_page_from_csvs_keeps_the_first_row_of_a_cell(tmp_path):
    import suite_few_labels as fl

    def row(method, score, seed=0):
        return dict(task="a", family="f", kind="classification", fraction=0.05,
                    n_labelled=7, seed=seed, method=method, score=score, cv_score=1.0,
                    fit_s=0.0, chosen="pooled" if method == "best_by_cv" else "",
                    status="ok")

    first, rerun = tmp_path / "first.csv", tmp_path / "rerun.csv"
    fl.write_csv([row(m, s) for m, s in (("source_only", 70), ("target_only", 60),
                                         ("pooled", 72), ("best_by_cv", 72),
                                         ("auto", 50))], first)
    fl.write_csv([row("auto", 74)], rerun)
    # the first CSV that has a cell gives it: the rerun first, then the track
    fl.main(["--from-csv", str(rerun), str(first), "--out-dir", str(tmp_path / "out")])
    rows = fl.read_csv(tmp_path / "out" / "few_labels_track.csv")
    assert [r["score"] for r in rows if r["method"] == "auto"] == [74.0]
    assert len(rows) == 5


def test_few_labels_page_needs_the_baselines(tmp_path, capsys):
    import suite_few_labels as fl

    rows = [dict(task="a", family="f", kind="classification", fraction=0.05, n_labelled=7,
                 seed=0, method="auto", score=70.0, cv_score=None, chosen="")]
    assert fl.write_page(rows, tmp_path, "cmd", 1.0) is None
    assert not (tmp_path / "few_labels_track.md").exists()
    assert "assemble it" in capsys.readouterr().out
