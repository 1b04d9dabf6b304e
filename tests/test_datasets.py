"""Real-data loaders and the source/target split helper."""

import shutil

import numpy as np
import pytest
from sklearn.utils import Bunch

from sktransfer.datasets import (
    fetch_amazon_reviews,
    fetch_heart_disease,
    fetch_office_caltech10,
    fetch_wine_quality,
    get_data_home,
    make_domain_split,
)

# (loader, {domain: rows}, n_features, label set), from shared/data/README.md
EXPECTED = [
    (fetch_wine_quality, {"red": 1599, "white": 4898}, 11, {0, 1}),
    (fetch_heart_disease,
     {"cleveland": 303, "hungary": 294, "switzerland": 123, "va": 200}, 13, {0, 1}),
    (fetch_office_caltech10,
     {"amazon": 958, "webcam": 295, "dslr": 157, "caltech": 1123}, 800, set(range(10))),
    (fetch_amazon_reviews,
     {"books": 2000, "dvd": 1999, "elec": 1998, "kitchen": 1999}, 400, {0, 1}),
]


# ----------------------------------------------------------------- loaders
@pytest.mark.parametrize("loader, sizes, n_features, labels", EXPECTED,
                         ids=lambda v: getattr(v, "__name__", ""))
def test_shapes_domains_and_labels(shared_data, loader, sizes, n_features, labels):
    data = loader(data_home=shared_data)
    n = sum(sizes.values())
    assert data.X.shape == (n, n_features) and data.X.dtype == np.float64
    assert data.y.shape == (n,) and data.y.dtype == np.int64
    assert data.sample_domain.dtype == np.int64
    assert data.domain_names == list(sizes)
    assert len(data.feature_names) == n_features
    assert len(data.target_names) == len(labels)
    assert data.DESCR
    for i, (name, rows) in enumerate(sizes.items()):
        in_domain = data.sample_domain == i + 1
        assert in_domain.sum() == rows, name
        assert set(np.unique(data.y[in_domain])) == labels, name  # every class in every domain
    assert set(np.unique(data.sample_domain)) == set(range(1, len(sizes) + 1))


def test_domain_subset_keeps_the_order_given(shared_data):
    both = fetch_wine_quality(data_home=shared_data)
    white_red = fetch_wine_quality(data_home=shared_data, domains=["white", "red"])
    assert white_red.domain_names == ["white", "red"]
    np.testing.assert_array_equal(white_red.X[white_red.sample_domain == 1],
                                  both.X[both.sample_domain == 2])
    white = fetch_wine_quality(data_home=shared_data, domains="white")
    assert white.domain_names == ["white"] and (white.sample_domain == 1).all()
    assert white.X.shape == (4898, 11)


@pytest.mark.parametrize("domains, match", [
    (["red", "rose"], r"Unknown Wine Quality domain\(s\) \['rose'\]"),
    (["red", "red"], "twice"),
    ([], "empty"),
])
def test_bad_domains_are_rejected_before_reading(tmp_path, domains, match):
    # tmp_path holds no file: the domain check comes before the file check
    with pytest.raises(ValueError, match=match):
        fetch_wine_quality(data_home=tmp_path, domains=domains)


def test_wine_binary_is_quality_at_least_6(shared_data):
    binary = fetch_wine_quality(data_home=shared_data)
    quality = fetch_wine_quality(data_home=shared_data, target="regression")
    assert quality.y.dtype == np.float64
    assert set(np.unique(quality.y)) <= set(range(3, 10))
    np.testing.assert_array_equal(binary.y, (quality.y >= 6).astype(int))
    # first data row of the red file: 7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5
    np.testing.assert_array_equal(
        quality.X[0], [7.4, 0.7, 0, 1.9, 0.076, 11, 34, 0.9978, 3.51, 0.56, 9.4])
    assert quality.y[0] == 5 and binary.y[0] == 0
    assert binary.feature_names[0] == "fixed acidity"
    with pytest.raises(ValueError, match="target must be"):
        fetch_wine_quality(data_home=shared_data, target="ordinal")


def _raw_heart_column(path, column):
    return [line.split(",")[column] for line in path.read_text().splitlines() if line]


def test_heart_missing_values_and_zero_cholesterol(shared_data):
    data = fetch_heart_disease(data_home=shared_data)
    chol = data.feature_names.index("chol")
    files = ["processed.cleveland.data", "processed.hungarian.data",
             "processed.switzerland.data", "processed.va.data"]
    for i, name in enumerate(files):
        X = data.X[data.sample_domain == i + 1]
        raw = np.array([line.split(",") for line in
                        (shared_data / "heart_disease" / name).read_text().splitlines()
                        if line])[:, :13]
        raw_chol = raw[:, chol]
        # NaN exactly where the file has "?", or 0 in the chol column
        expected_nan = raw == "?"
        expected_nan[:, chol] |= np.array([v != "?" and float(v) == 0 for v in raw_chol])
        np.testing.assert_array_equal(np.isnan(X), expected_nan, err_msg=name)
        known = ~expected_nan
        np.testing.assert_array_equal(X[known], raw[known].astype(float))
    # the README's counts: chol is 0 in all 123 Switzerland rows, 49 of 200 VA rows
    swiss, va = data.sample_domain == 3, data.sample_domain == 4
    assert np.isnan(data.X[swiss, chol]).all()
    raw_va = _raw_heart_column(shared_data / "heart_disease" / "processed.va.data", chol)
    assert sum(v == "0" for v in raw_va) == 49
    assert np.isnan(data.X[va, chol]).sum() == 49 + sum(v == "?" for v in raw_va)
    assert not (data.X[:, chol] == 0).any()
    assert data.y[swiss].mean() == pytest.approx(0.935, abs=1e-3)


def test_heart_as_frame_keeps_nan(shared_data):
    data = fetch_heart_disease(data_home=shared_data, domains="switzerland", as_frame=True)
    assert list(data.frame.columns) == data.feature_names + ["disease"]
    assert data.X.shape == (123, 13) and data.y.name == "disease"
    assert data.X["chol"].isna().all()
    np.testing.assert_array_equal(data.y.to_numpy(), data.frame["disease"].to_numpy())


def test_office_published_preprocessing(shared_data):
    raw = fetch_office_caltech10(data_home=shared_data)
    pub = fetch_office_caltech10(data_home=shared_data, preprocessing="published")
    np.testing.assert_array_equal(raw.y, pub.y)
    assert raw.X.min() >= 0 and (raw.X == np.round(raw.X)).all()  # counts
    for d in range(1, 5):
        rows = raw.sample_domain == d
        P = raw.X[rows] / raw.X[rows].sum(axis=1, keepdims=True)
        mean, std = P.mean(axis=0), P.std(axis=0)
        constant = std == 0
        expected = (P - mean) / np.where(constant, 1.0, std)
        np.testing.assert_allclose(pub.X[rows], expected, atol=1e-12)
        np.testing.assert_allclose(pub.X[rows].mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(pub.X[rows][:, ~constant].std(axis=0), 1, atol=1e-12)
    # each domain is z-scored on its own: loading it alone changes nothing
    dslr = fetch_office_caltech10(data_home=shared_data, domains="dslr",
                                  preprocessing="published")
    np.testing.assert_allclose(dslr.X, pub.X[pub.sample_domain == 3], atol=1e-12)
    assert raw.target_names[0] == "back_pack" and len(raw.target_names) == 10
    with pytest.raises(ValueError, match="preprocessing must be"):
        fetch_office_caltech10(data_home=shared_data, preprocessing="zscore")


def test_amazon_rows_are_word_frequencies(shared_data):
    data = fetch_amazon_reviews(data_home=shared_data, domains=["kitchen", "dvd"])
    assert data.domain_names == ["kitchen", "dvd"]
    np.testing.assert_allclose(data.X.sum(axis=1), 1.0, atol=1e-12)
    assert data.X.min() >= 0
    assert abs(data.y.mean() - 0.5) < 0.01


# ------------------------------------------------------- the data folder
def test_missing_file_error_names_file_folder_and_origin(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        fetch_wine_quality(data_home=tmp_path)
    msg = str(err.value)
    assert "winequality-red.csv" in msg and "winequality-white.csv" in msg
    assert str(tmp_path / "wine_quality") in msg
    assert "data_home argument" in msg
    assert "https://archive.ics.uci.edu/static/public/186/wine+quality.zip" in msg
    with pytest.raises(FileNotFoundError, match="Caltech10_SURF_L10.mat.*GFK"):
        fetch_office_caltech10(data_home=tmp_path, domains="caltech")
    with pytest.raises(FileNotFoundError, match=r"processed\.va\.data.*heart\+disease\.zip"):
        fetch_heart_disease(data_home=tmp_path, domains="va")
    with pytest.raises(FileNotFoundError, match="books_400.mat.*mSDA"):
        fetch_amazon_reviews(data_home=tmp_path)


def test_only_the_requested_domains_need_files(shared_data, tmp_path):
    (tmp_path / "wine_quality").mkdir()
    shutil.copy(shared_data / "wine_quality" / "winequality-red.csv",
                tmp_path / "wine_quality")
    red = fetch_wine_quality(data_home=tmp_path, domains="red")
    assert red.X.shape == (1599, 11)
    with pytest.raises(FileNotFoundError) as err:
        fetch_wine_quality(data_home=tmp_path)
    assert "['winequality-white.csv']" in str(err.value)


def test_data_home_precedence(monkeypatch, tmp_path):
    env_home, user_home = tmp_path / "from_env", tmp_path / "home"
    monkeypatch.setenv("HOME", str(user_home))
    monkeypatch.delenv("SKTRANSFER_DATA", raising=False)
    assert get_data_home() == user_home / "sktransfer_data"
    with pytest.raises(FileNotFoundError, match="default ~/sktransfer_data"):
        fetch_heart_disease()
    monkeypatch.setenv("SKTRANSFER_DATA", str(env_home))
    assert get_data_home() == env_home
    with pytest.raises(FileNotFoundError) as err:
        fetch_heart_disease()
    assert str(env_home / "heart_disease") in str(err.value)
    assert "SKTRANSFER_DATA environment variable" in str(err.value)
    # the argument wins over the environment variable; "~" is expanded
    assert get_data_home("~/elsewhere") == user_home / "elsewhere"
    with pytest.raises(FileNotFoundError, match="data_home argument"):
        fetch_heart_disease(data_home=tmp_path / "arg")
    assert not (tmp_path / "arg").exists()  # nothing is created


def test_file_with_wrong_layout_is_rejected(tmp_path):
    folder = tmp_path / "wine_quality"
    folder.mkdir()
    (folder / "winequality-red.csv").write_text('"a";"b";"quality"\n1;2;5\n3;4;6\n')
    with pytest.raises(ValueError, match="12 columns were expected"):
        fetch_wine_quality(data_home=tmp_path, domains="red")


# ------------------------------------------------------ make_domain_split
def toy_dataset(y_dtype=np.int64):
    rng = np.random.default_rng(0)
    sample_domain = np.repeat([1, 2, 3], [5, 4, 3])
    X = rng.normal(size=(12, 2))
    y = np.array([0, 1, 2, 0, 1, 2, 2, 1, 0, 1, 1, 2], dtype=y_dtype)
    return Bunch(X=X, y=y, sample_domain=sample_domain,
                 domain_names=["a", "b", "c"], feature_names=["f0", "f1"],
                 target_names=["x", "y", "z"])


def test_split_masks_every_target_label_and_keeps_the_rest():
    data = toy_dataset()
    before = {k: np.copy(data[k]) for k in ("X", "y", "sample_domain")}
    split = make_domain_split(data, source="c", target=["a", "b"])
    # source rows (domain c) first, then the targets in the order named
    np.testing.assert_array_equal(split.X, data.X[[9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7, 8]])
    np.testing.assert_array_equal(split.sample_domain, [1] * 3 + [-1] * 9)
    np.testing.assert_array_equal(split.y, [1, 1, 2] + [-1] * 9)
    np.testing.assert_array_equal(split.y_target_true, data.y[:9])
    np.testing.assert_array_equal(split.target_index, np.arange(3, 12))
    np.testing.assert_array_equal(split.X[split.target_index], data.X[:9])
    np.testing.assert_array_equal(split.dataset_domain, [3] * 3 + [1] * 5 + [2] * 4)
    assert split.source_domains == ["c"] and split.target_domains == ["a", "b"]
    assert split.task == "classification" and split.target_names == ["x", "y", "z"]
    for key, value in before.items():  # the input is untouched
        np.testing.assert_array_equal(data[key], value)
    split.y_target_true[:] = 7  # and shares no memory with the output
    split.X[:] = 0
    np.testing.assert_array_equal(data.y, before["y"])
    np.testing.assert_array_equal(data.X, before["X"])


def test_split_regression_masks_with_nan():
    data = toy_dataset(np.float64)
    split = make_domain_split(data, "a", "b")
    assert split.task == "regression"
    assert np.isnan(split.y[split.sample_domain < 0]).all()
    np.testing.assert_array_equal(split.y[split.sample_domain > 0], data.y[:5])
    np.testing.assert_array_equal(split.y_target_true, data.y[5:9])
    # forced classification on float labels masks with -1
    split = make_domain_split(data, "a", "b", task="classification")
    np.testing.assert_array_equal(split.y[5:], -1)


def test_split_from_arrays_by_id_and_from_a_frame(shared_data):
    data = toy_dataset()
    split = make_domain_split((data.X, data.y, data.sample_domain), source=[1, 2], target=3)
    np.testing.assert_array_equal(split.y, np.r_[data.y[:9], [-1, -1, -1]])
    assert split.source_domains == [1, 2] and split.target_domains == [3]
    wine = fetch_wine_quality(data_home=shared_data, as_frame=True)
    split = make_domain_split(wine, "red", "white")
    assert list(split.X.index) == list(range(6497))
    assert (split.y[split.target_index] == -1).all()
    np.testing.assert_array_equal(split.y_target_true, wine.y.to_numpy()[1599:])
    np.testing.assert_array_equal(split.y[:1599], wine.y.to_numpy()[:1599])


def test_real_split_leaks_no_target_label(shared_data):
    office = fetch_office_caltech10(data_home=shared_data)
    split = make_domain_split(office, "caltech", "amazon")
    target = split.sample_domain < 0
    assert target.sum() == 958 and (~target).sum() == 1123
    assert (split.y[target] == -1).all()
    np.testing.assert_array_equal(split.y[~target], office.y[office.sample_domain == 4])
    np.testing.assert_array_equal(split.y_target_true, office.y[office.sample_domain == 1])


@pytest.mark.parametrize("kwargs, match", [
    (dict(source="a", target="a"), "share domain"),
    (dict(source="a", target="d"), r"Unknown target domain 'd'"),
    (dict(source=9, target="a"), "id 9 does not occur"),
    (dict(source=["a", "a"], target="b"), "twice"),
    (dict(source=[], target="b"), "source is empty"),
    (dict(source=1.5, target="b"), "must be a domain name"),
])
def test_split_rejects_bad_domains(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_domain_split(toy_dataset(), **kwargs)


def test_split_rejects_names_without_domain_names_and_reserved_labels():
    data = toy_dataset()
    with pytest.raises(ValueError, match="no domain_names"):
        make_domain_split((data.X, data.y, data.sample_domain), "a", "b")
    data.y[0] = -1
    with pytest.raises(ValueError, match="reserves for masked labels"):
        make_domain_split(data, "a", "b")
    with pytest.raises(ValueError, match="tuple"):
        make_domain_split(data.X, "a", "b")
