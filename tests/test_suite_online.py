"""The online track of the benchmark suite (benchmarks/suite_online.py):
its streams are fixed permutations of the target rows, its source side
never reads a target row, its curves have one point per streamed row, and
its smoke run writes sane rows, the page and the plots."""

import csv
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils import Bunch

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import suite_online as so  # noqa: E402

SWISS = "heart cleveland->switzerland"
WINE = "wine red->white"
HOMOGENEOUS = {"source", "majority", "pa", "homotl1", "homotl2"}


def quiet(msg):
    pass


@pytest.fixture(scope="module")
def smoke(shared_data, tmp_path_factory):
    """The --quick track (Switzerland and wine cut to 300 rows, seeds 0 and 1),
    run once into a folder whose page already has a hand-written reading."""
    out = tmp_path_factory.mktemp("online")
    (out / "suite_online.md").write_text("old page\n\n## Reading\n\nby hand.\n")
    rows = so.run_online_track(shared_data, 2, out, quick=True, log=quiet)
    return rows, out


@pytest.fixture(scope="module")
def swiss_split(shared_data):
    return so.load_split(so.task_by_name(SWISS), shared_data)


@pytest.fixture(scope="module")
def swiss(swiss_split):
    return so.prepare(so.task_by_name(SWISS), swiss_split)


# ------------------------------------------------------------------ streams
def test_stream_order_is_a_fixed_permutation_per_seed():
    order = so.stream_order(50, 3)
    assert np.array_equal(np.sort(order), np.arange(50))
    assert np.array_equal(order, so.stream_order(50, 3))
    assert np.array_equal(order, np.random.RandomState(3).permutation(50))
    assert not np.array_equal(order, so.stream_order(50, 4))
    assert np.array_equal(so.stream_order(50, 3, max_rows=10), order[:10])


def test_source_side_never_reads_a_target_row(swiss_split, swiss):
    """Target rows and labels replaced by garbage: the preprocessing and
    both source models are unchanged, only the stream differs."""
    task = so.task_by_name(SWISS)
    X = swiss_split.X.copy()
    X[swiss_split.target_index] = np.random.default_rng(0).normal(
        50.0, 30.0, size=(len(swiss_split.target_index), X.shape[1]))
    garbage = Bunch(**{**swiss_split, "X": X,
                       "y_target_true": 1 - swiss_split.y_target_true})
    other = so.prepare(task, garbage)
    assert not np.allclose(other.X, swiss.X)
    imputer, scaler = swiss.preprocessing[0], swiss.preprocessing[1]
    source_rows = swiss_split.sample_domain > 0
    assert np.allclose(imputer.statistics_,
                       np.nanmedian(swiss_split.X[source_rows], axis=0))
    for a, b in ((imputer.statistics_, other.preprocessing[0].statistics_),
                 (scaler.mean_, other.preprocessing[1].mean_),
                 (scaler.scale_, other.preprocessing[1].scale_),
                 (swiss.source_model.coef_, other.source_model.coef_),
                 (swiss.shared_model.coef_, other.shared_model.coef_)):
        assert np.array_equal(a, b)
    assert swiss.source_model.C == other.source_model.C


def test_stream_is_every_target_row_preprocessed_by_the_source_side(swiss_split, swiss):
    rows = swiss_split.X[swiss_split.target_index]
    assert swiss.X.shape == rows.shape == (123, 13)
    assert not np.isnan(swiss.X).any()
    assert np.allclose(swiss.X, swiss.preprocessing.transform(rows))
    assert [swiss.feature_names[i] for i in swiss.shared] == list(so.HEART_SHARED_VIEW)


def test_majority_predicts_the_most_frequent_label_so_far():
    # predictions: 0 (first row), 1, 1, 1, 0 (tie 2-2)
    assert so.majority_mistakes(np.array([1, 1, 0, 0, 0]), np.array([0, 1])).tolist() == [
        True, False, True, True, False]


def test_run_seed_streams_the_seed_order_one_curve_point_per_row(swiss):
    config = so.Config(tasks=(SWISS,), seeds=(7,), C_values=(1.0,), budgets=(20,),
                       max_rows=60)
    checks = []
    rows, curves = so.run_seed(swiss, 7, config, measure_memory=False, checks=checks,
                               log=quiet)
    order = so.stream_order(len(swiss.y), 7, 60)
    X, y = swiss.X[order], swiss.y[order]
    expected = so.cumulative_rate(swiss.source_model.predict(X) != y)
    assert np.array_equal(curves[("source", "", "")], expected)
    assert {r["method"] for r in rows} == HOMOGENEOUS | {"source_shared", "hetotl"}
    for row in rows:
        key = (row["method"], row["C"], row["budget"])
        assert curves[key].shape == (60,) and row["n_rows"] == 60
        assert curves[key][-1] == pytest.approx(row["mistake_rate"])
        if row["method"] in so.ONLINE_METHODS:
            assert 0 < row["n_support"] <= 20 and row["peak_mib"] == ""
    assert checks and all(ok for ok, _ in checks)


# -------------------------------------------------------------- smoke run
def test_smoke_rows_are_sane(smoke):
    rows, _ = smoke
    assert {r["task"] for r in rows} == {SWISS, WINE}
    methods = {t: {r["method"] for r in rows if r["task"] == t} for t in (SWISS, WINE)}
    assert methods[WINE] == HOMOGENEOUS
    assert methods[SWISS] == HOMOGENEOUS | {"source_shared", "hetotl"}
    assert {r["seed"] for r in rows} == {0, 1}
    for r in rows:
        assert r["n_rows"] == (123 if r["task"] == SWISS else 300)
        assert 0 <= r["mistake_rate"] <= 1
        assert r["n_mistakes"] == round(r["mistake_rate"] * r["n_rows"])
        if r["method"] in so.ONLINE_METHODS:
            assert r["rows_per_s"] > 0 and r["C"] == 1.0
            assert 0 < r["n_support"] <= (r["n_rows"] if r["budget"] == "none" else 50)
            assert (r["peak_mib"] != "") == (r["seed"] == 0)
            assert r["peak_mib"] == "" or r["peak_mib"] > 0
    # the source is fixed: over the whole stream (Switzerland is not cut),
    # its final rate does not depend on the order
    source = {r["mistake_rate"] for r in rows if r["task"] == SWISS
              and r["method"] == "source"}
    assert len(source) == 1 and 0.2 < source.pop() < 0.6
    # a budget that binds leaves exactly `budget` support vectors
    wine_budget = [r for r in rows if r["task"] == WINE and r["budget"] == 50]
    assert {r["n_support"] for r in wine_budget} == {50}


def test_smoke_writes_csv_page_and_plots(smoke):
    rows, out = smoke
    with open(out / "suite_online.csv") as f:
        table = list(csv.DictReader(f))
    assert len(table) == len(rows) and set(table[0]) == set(so.FIELDS)
    page = (out / "suite_online.md").read_text()
    assert "## Protocol" in page and f"### {SWISS}" in page and f"### {WINE}" in page
    assert "OTL minus best of source and pa" in page and "HetOTL" in page
    assert "passed." in page and "failed" not in page
    assert page.rstrip().endswith("## Reading\n\nby hand.")
    for task in (SWISS, WINE):
        png = out / "img" / f"online_{so.task_by_name(task).slug}.png"
        assert png.read_bytes()[:4] == b"\x89PNG"
        assert f"(img/{png.name})" in page


def test_verdict_compares_otl_with_the_better_of_source_and_pa_per_order():
    per_seed = {"source": {0: 0.30, 1: 0.30}, "pa": {0: 0.20, 1: 0.26},
                "homotl1": {0: 0.19, 1: 0.27}, "homotl2": {0: 0.25, 1: 0.25}}
    # best mean: pa 23%; I is below both on order 0 only, II on order 1 only
    assert so._verdict(per_seed) == ("I: +0.0 (below both 1/2), "
                                     "II: +2.0 (below both 1/2)")
    assert so._verdict({**per_seed, "pa": {}}) == ""


def test_seed_and_task_arguments():
    assert so._seed_tuple(3) == (0, 1, 2)
    assert so._seed_tuple([4, 2]) == (4, 2)
    with pytest.raises(ValueError, match="positive count"):
        so._seed_tuple(0)
    assert so._task_names(["heart"]) == tuple(f"heart cleveland->{s}" for s in
                                              ("hungary", "switzerland", "va"))
    with pytest.raises(ValueError, match="unknown online task"):
        so._task_names(["amazon X->Y"])
