"""The domain data contract itself (sktransfer.domain)."""

import numpy as np
import pytest

from sktransfer.domain import (
    DomainData,
    check_sample_domain,
    infer_sample_domain,
    labelled_mask,
    make_sample_domain,
    mask_target_labels,
)


@pytest.mark.parametrize(
    "y, task, expected",
    [
        ([0, 1, -1, 2], "classification", [1, 1, 0, 1]),
        ([0.0, 1.0, -1.0, np.nan], "classification", [1, 1, 0, 0]),
        ([0.5, -1.0, np.nan], "regression", [1, 1, 0]),
        ([3, -1, 2], "regression", [1, 1, 1]),
        (["a", "b"], "classification", [1, 1]),
        (np.array(["a", None, -1, np.nan], dtype=object), "classification", [1, 0, 0, 0]),
        ([0, -1], "auto", [1, 0]),
        ([0.5, -1.0, np.nan], "auto", [1, 1, 0]),
    ],
)
def test_labelled_mask(y, task, expected):
    np.testing.assert_array_equal(labelled_mask(y, task=task), np.array(expected, bool))


def test_labelled_mask_rejects_2d_and_unknown_task():
    with pytest.raises(ValueError, match="one-dimensional"):
        labelled_mask(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="task must be one of"):
        labelled_mask([1, 2], task="ranking")


@pytest.mark.parametrize(
    "sd, match",
    [
        ([1, -1], "2 entries but X has 3 rows"),
        ([1, 0, -1], "contains 0"),
        ([1.5, -1, 1], "integers"),
        (["a", "b", "c"], "integers"),
        ([[1, -1, 1]], "1-d array"),
    ],
)
def test_check_sample_domain_errors(sd, match):
    with pytest.raises(ValueError, match=match):
        check_sample_domain(sd, 3)


def test_check_sample_domain_accepts_integral_floats_and_copies():
    sd = np.array([2.0, -1.0, 1.0])
    out = check_sample_domain(sd, 3)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [2, -1, 1])
    out[0] = 5
    assert sd[0] == 2.0


def test_infer_sample_domain_rules():
    y = np.array([0, 1, -1, -1])
    np.testing.assert_array_equal(
        infer_sample_domain(y, n_samples=4, task="classification"), [1, 1, -1, -1]
    )
    # predict: every row is a target row, whatever y says
    np.testing.assert_array_equal(
        infer_sample_domain(y, n_samples=4, purpose="predict"), [-1, -1, -1, -1]
    )
    # score with fully labelled y: target rows (an evaluation set)
    np.testing.assert_array_equal(
        infer_sample_domain([0, 1, 1, 0], n_samples=4, purpose="score",
                            task="classification"),
        [-1, -1, -1, -1],
    )
    # score with masked labels: a held-out fold of training data, as at fit
    np.testing.assert_array_equal(
        infer_sample_domain(y, n_samples=4, purpose="score", task="classification"),
        [1, 1, -1, -1],
    )
    # an explicit sample_domain always wins
    np.testing.assert_array_equal(
        infer_sample_domain(y, [-2, 1, 1, -1], n_samples=4, purpose="predict"),
        [-2, 1, 1, -1],
    )
    with pytest.raises(ValueError, match="Cannot tell source rows from target rows"):
        infer_sample_domain(None, n_samples=4, purpose="fit")


def test_make_and_mask_helpers_never_modify_input():
    sd = make_sample_domain(3, 2)
    np.testing.assert_array_equal(sd, [1, 1, 1, -1, -1])
    y = np.array([0, 1, 2, 1, 0], dtype=np.uint8)
    masked = mask_target_labels(y, sd)
    np.testing.assert_array_equal(masked, [0, 1, 2, -1, -1])
    np.testing.assert_array_equal(y, [0, 1, 2, 1, 0])
    yr = np.array([0.5, 1.5, 2.5, 3.5, 4.5])
    masked_r = mask_target_labels(yr, sd, task="regression")
    assert np.isnan(masked_r[3:]).all() and not np.isnan(yr).any()
    ys = np.array(["a", "b", "a", "b", "a"])
    assert list(mask_target_labels(ys, sd)) == ["a", "b", "a", -1, -1]


def _data(y, sd=None, task="classification", **kw):
    X = np.zeros((len(y), 2))
    return DomainData.from_fit(X, np.asarray(y), sd, task=task, **kw)


def test_domain_data_errors():
    with pytest.raises(ValueError, match="No target rows"):
        _data([0, 1, 0, 1])
    with pytest.raises(ValueError, match="No source rows"):
        _data([0, 1, 0, 1], sd=[-1, -1, -1, -1])
    with pytest.raises(ValueError, match="No labelled source row"):
        _data([-1, -1, 0, 1], sd=[1, 1, -1, -1])
    with pytest.raises(ValueError, match="1 class"):
        _data([0, 0, -1, -1])


def test_domain_data_train_rows_include_labelled_target_rows():
    d = _data([0, 1, -1, 1, -1], sd=[1, 1, 1, -1, -1])
    np.testing.assert_array_equal(d.is_source, [1, 1, 1, 0, 0])
    np.testing.assert_array_equal(d.train, [1, 1, 0, 1, 0])


def test_split_domains_follows_the_fit_rules():
    from scipy import sparse

    from sktransfer.domain import split_domains

    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, -1, 1, -1, -1])
    Xs, Xt = split_domains(X, y)
    np.testing.assert_array_equal(Xs, X[[0, 1, 3]])
    np.testing.assert_array_equal(Xt, X[[2, 4, 5]])
    sd = np.array([1, -1, -1, 2, -3, 1])            # sample_domain wins over y
    Xs, Xt = split_domains(X, y, sample_domain=sd)
    np.testing.assert_array_equal(Xs, X[[0, 3, 5]])
    np.testing.assert_array_equal(Xt, X[[1, 2, 4]])
    Xs_sp, _ = split_domains(sparse.csr_matrix(X), y)
    np.testing.assert_array_equal(Xs_sp.toarray(), X[[0, 1, 3]])
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["a", "b"])
    Xs_df, Xt_df = split_domains(frame, y)
    assert list(Xs_df.index) == [0, 1, 3] and list(Xt_df.columns) == ["a", "b"]
    with pytest.raises(ValueError, match="needs source and target rows"):
        split_domains(X, np.zeros(6, int))
