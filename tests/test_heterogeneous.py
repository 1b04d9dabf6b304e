"""SparseHeterogeneousMapping, its solver and the block layout of the contract."""

import pickle
import warnings

import numpy as np
import pytest
from scipy import sparse
from scipy.optimize import minimize
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer import SparseHeterogeneousMapping
from sktransfer.alignment._heterogeneous import _CovarianceFactor, _SmoothObjective
from sktransfer.alignment._proximal import (
    _combine,
    inner,
    monotone_fista,
    sparse_group_penalty,
    sparse_group_prox,
    sparse_group_prox_compact,
)
from sktransfer.datasets import make_heterogeneous_shift
from sktransfer.domain import FeatureBlocks, infer_sample_domain

NAN = np.nan


def problem(**kwargs):
    """The planted problem with the target labels masked (parallel pairs
    unlabelled) and its blocks."""
    params = dict(random_state=0)
    params.update(kwargs)
    b = make_heterogeneous_shift(**params)
    y = np.where(b.sample_domain == 1, b.y, -1)
    return b, y


def fitted(b, y, **params):
    params.setdefault("target_features", b.target_features)
    return SparseHeterogeneousMapping(**params).fit(b.X, y)


# ------------------------------------------------------------- the layout
class TestFeatureBlocks:
    def test_indices_masks_and_complement(self):
        b = FeatureBlocks.resolve([0, 2], None, n_features=4)
        assert b.source.tolist() == [0, 2] and b.target.tolist() == [1, 3]
        b = FeatureBlocks.resolve(None, np.array([False, True, True, False]),
                                  n_features=4)
        assert b.source.tolist() == [0, 3] and b.target.tolist() == [1, 2]
        b = FeatureBlocks.resolve([-1], [0, 1, 2], n_features=4)
        assert b.source.tolist() == [3]

    def test_names(self):
        names = np.array(["a", "b", "c"], dtype=object)
        b = FeatureBlocks.resolve(["c"], None, n_features=3, feature_names=names)
        assert b.source.tolist() == [2] and b.target.tolist() == [0, 1]

    @pytest.mark.parametrize("source, target, n, match", [
        (None, None, 3, "give source_features or target_features"),
        ([0, 1], [1, 2], 3, r"columns \[1\] are in both"),
        ([0], [1], 3, r"columns \[2\] are in neither"),
        ([0, 1, 2], None, 3, "target_features selects no column"),
        ([0, 0], None, 3, "more than once"),
        ([5], None, 3, "outside"),
        (["a"], None, 3, "no column names"),
        (np.array([True, False]), None, 3, "mask source_features has 2 entries"),
        ([0.5], None, 3, "must hold column indices"),
    ])
    def test_bad_blocks(self, source, target, n, match):
        with pytest.raises(ValueError, match=match):
            FeatureBlocks.resolve(source, target, n_features=n)

    def test_unknown_names(self):
        with pytest.raises(ValueError, match=r"does not have: \['z'\]"):
            FeatureBlocks.resolve(["z"], None, n_features=2,
                                  feature_names=np.array(["a", "b"], dtype=object))

    def test_presence_dense(self):
        blocks = FeatureBlocks(np.array([0, 1]), np.array([2]))
        X = np.array([[1, 2, NAN], [NAN, NAN, 3], [1, 2, 3.0]])
        has_s, has_t = blocks.presence(X)
        assert has_s.tolist() == [True, False, True]
        assert has_t.tolist() == [False, True, True]

    def test_presence_errors(self):
        blocks = FeatureBlocks(np.array([0, 1]), np.array([2]))
        with pytest.raises(ValueError, match=r"1 row\(s\) \(0\) fill only part of the "
                                             "source block"):
            blocks.presence(np.array([[1, NAN, 3.0]]))
        with pytest.raises(ValueError, match=r"1 row\(s\) \(1\) fill neither"):
            blocks.presence(np.array([[1, 2, 3.0], [NAN, NAN, NAN]]))
        with pytest.raises(ValueError, match="stores NaN"):
            blocks.presence(sparse.csr_matrix(np.array([[1, NAN, 0.0]])))

    def test_presence_sparse_uses_stored_entries(self):
        blocks = FeatureBlocks(np.array([0, 1]), np.array([2]))
        X = sparse.csr_matrix(np.array([[1, 0, 0], [0, 0, 3], [0, 2, 3.0]]))
        has_s, has_t = blocks.presence(X)
        assert has_s.tolist() == [True, False, True]
        assert has_t.tolist() == [False, True, True]

    def test_labelled_row_without_source_block_is_a_target_row(self):
        y = np.array([1, 0, 1, -1])
        absent = np.array([False, False, True, False])
        sd = infer_sample_domain(y, n_samples=4, source_absent=absent)
        assert sd.tolist() == [1, 1, -1, -1]
        # an explicit sample_domain wins; without the layout, the old rule holds
        assert infer_sample_domain(y, [1, 1, 1, -1], n_samples=4,
                                   source_absent=absent).tolist() == [1, 1, 1, -1]
        assert infer_sample_domain(y, n_samples=4).tolist() == [1, 1, 1, -1]


# ------------------------------------------------------------------ solver
def test_sparse_group_prox_is_the_minimiser():
    rng = np.random.default_rng(0)
    V = rng.normal(size=(3, 2))
    a, g = 0.3, 0.4

    def objective(w):
        W = w.reshape(V.shape)
        return 0.5 * np.sum((W - V) ** 2) + sparse_group_penalty(W, a, g)

    P = sparse_group_prox(V, a, g)
    best = minimize(objective, V.ravel(), method="Powell",
                    options={"xtol": 1e-10, "ftol": 1e-14, "maxiter": 20000})
    assert objective(P.ravel()) <= best.fun + 1e-9
    # a row whose soft-thresholded norm is below g is zeroed as a group
    V2 = np.array([[0.5, -0.4], [2.0, 0.1]])
    P2 = sparse_group_prox(V2, 0.2, 0.4)
    np.testing.assert_array_equal(P2[0], 0.0)
    # row 1: soft threshold (1.8, 0), norm 1.8, shrunk by 1 - 0.4 / 1.8
    np.testing.assert_allclose(P2[1], [1.4, 0.0])


@pytest.mark.parametrize("l1", [0.0, 0.5, 2.5])  # dense, dense, sparse result
@pytest.mark.parametrize("group", [0.0, 0.3])
def test_compact_prox_equals_the_dense_prox(l1, group):
    V = np.random.default_rng(5).normal(size=(40, 30))
    compact = sparse_group_prox_compact(V.copy(), l1, group)
    assert sparse.issparse(compact) == (l1 == 2.5)
    dense = compact.toarray() if sparse.issparse(compact) else compact
    np.testing.assert_allclose(dense, sparse_group_prox(V, l1, group), atol=1e-15)
    assert sparse_group_penalty(compact, l1, group) == pytest.approx(
        sparse_group_penalty(dense, l1, group), rel=1e-12)


def test_iterate_helpers_mix_dense_and_sparse():
    rng = np.random.default_rng(6)
    A = rng.normal(size=(5, 4))
    B = sparse.random(5, 4, density=0.4, random_state=0, format="csr")
    C = sparse.random(5, 4, density=0.4, random_state=1, format="csr")
    Bd, Cd = B.toarray(), C.toarray()
    assert inner(A, B) == pytest.approx(np.vdot(A, Bd))
    assert inner(B, A) == pytest.approx(np.vdot(A, Bd))
    assert inner(B, C) == pytest.approx(np.vdot(Bd, Cd))
    mixed = _combine((2.0, A), (-0.5, B), (3.0, C))
    np.testing.assert_allclose(mixed, 2 * A - 0.5 * Bd + 3 * Cd)
    both = _combine((1.5, B), (-1.0, C))
    assert sparse.issparse(both)
    np.testing.assert_allclose(both.toarray(), 1.5 * Bd - Cd)
    np.testing.assert_array_equal(A, np.random.default_rng(6).normal(size=(5, 4)))


def test_sparse_iterates_follow_the_dense_path():
    """The compact prox changes the storage of the iterates, not the maths:
    the same iterates, objective and result as with dense iterates."""
    b, y = problem(n_source_features=40, n_target_features=15)
    model = fitted(b, y, l1=0.05)
    X = b.X
    sf, tf = b.source_features, b.target_features
    rs = np.random.RandomState(0)
    source, target = b.sample_domain == 1, (b.sample_domain == 2)
    smooth = _SmoothObjective(X[b.parallel][:, sf], X[b.parallel][:, tf],
                              _CovarianceFactor(X[source][:, sf], None, rs),
                              _CovarianceFactor(X[target][:, tf], None, rs), 1.0, 1.0)
    runs = [monotone_fista(smooth, lambda W: sparse_group_penalty(W, 0.05, 0.0), prox,
                           np.zeros((40, 15)), lipschitz=1.0, max_iter=300, tol=1e-5)
            for prox in (lambda V, s: sparse_group_prox(V, 0.05 * s, 0.0),
                         lambda V, s: sparse_group_prox_compact(V, 0.05 * s, 0.0))]
    dense, compact = runs
    assert sparse.issparse(compact.x) and not sparse.issparse(dense.x)
    assert compact.n_iter == dense.n_iter
    np.testing.assert_allclose(compact.objective, dense.objective, rtol=1e-10)
    np.testing.assert_allclose(compact.x.toarray(), dense.x, atol=1e-10)
    # the estimator solves the same problem (from another first step size)
    np.testing.assert_allclose(model.map_, dense.x, atol=1e-4)


def test_fista_matches_lasso_on_a_convex_problem():
    """With only the parallel term, each column of W is a lasso
    (1/2n)||P_s w - p_t||^2 + l1 ||w||_1: compare with sklearn's Lasso."""
    rng = np.random.default_rng(1)
    P_s, P_t = rng.normal(size=(60, 8)), rng.normal(size=(60, 3))
    smooth = _SmoothObjective(P_s, P_t, None, None, 1.0, 0.0)
    res = monotone_fista(smooth, lambda W: sparse_group_penalty(W, 0.05, 0.0),
                         lambda V, s: sparse_group_prox(V, 0.05 * s, 0.0),
                         np.zeros((8, 3)), lipschitz=1.0, max_iter=5000, tol=1e-10)
    assert res.converged
    ref = np.column_stack([
        Lasso(alpha=0.05, fit_intercept=False, tol=1e-12, max_iter=100000)
        .fit(P_s, P_t[:, j]).coef_ for j in range(3)
    ])
    np.testing.assert_allclose(res.x, ref, atol=1e-6)
    assert np.all(np.diff(res.objective) <= 0)


def _factor_cases():
    rng = np.random.default_rng(2)
    tall = rng.normal(size=(40, 5)) @ rng.normal(size=(5, 5))
    wide = rng.normal(size=(6, 9))
    sp = sparse.random(30, 7, density=0.3, random_state=0, format="csr")
    return {"dense d<=n": tall, "dense d>n": wide, "sparse": sp}


@pytest.mark.parametrize("case", ["dense d<=n", "dense d>n", "sparse"])
def test_covariance_factor_is_exact(case):
    X = _factor_cases()[case]
    Xd = X.toarray() if sparse.issparse(X) else X
    cov = _CovarianceFactor(X, None, np.random.RandomState(0))
    np.testing.assert_allclose(cov.dense(), np.cov(Xd, rowvar=False), atol=1e-12)
    assert cov.trace() == pytest.approx(np.trace(np.cov(Xd, rowvar=False)))


def test_low_rank_covariance_is_the_principal_part():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 6)) * np.array([5, 4, 3, 0.1, 0.1, 0.1])
    cov = _CovarianceFactor(X, 3, np.random.RandomState(0))
    vals, vecs = np.linalg.eigh(np.cov(X, rowvar=False))
    top = (vecs[:, 3:] * vals[3:]) @ vecs[:, 3:].T
    np.testing.assert_allclose(cov.dense(), top, atol=1e-6 * vals[-1])


@pytest.mark.parametrize("target_rows", [50, 3])  # d_t x d_t form / Gram form
@pytest.mark.parametrize("sparse_source", [False, True])
@pytest.mark.parametrize("sparse_map", [False, True])  # products with a CSC map
@pytest.mark.parametrize("n_pairs", [9, 5])  # parallel term: Gram / residual form
def test_gradient_matches_finite_differences(target_rows, sparse_source, sparse_map,
                                             n_pairs):
    rng = np.random.default_rng(4)
    d_s, d_t = 7, 12
    Xs = rng.normal(size=(5, d_s)) if not sparse_source else sparse.random(
        5, d_s, density=0.5, random_state=1, format="csr")
    Xt = rng.normal(size=(target_rows, d_t))
    P_s, P_t = rng.normal(size=(n_pairs, d_s)), rng.normal(size=(n_pairs, d_t))
    rs = np.random.RandomState(0)
    smooth = _SmoothObjective(P_s, P_t, _CovarianceFactor(Xs, None, rs),
                              _CovarianceFactor(Xt, None, rs), 0.7, 1.3)
    assert smooth.gram_form == (target_rows == 3)
    assert smooth.gram_fit == (n_pairs == 9)
    W = rng.normal(size=(d_s, d_t))
    if sparse_map:
        W[rng.random(W.shape) < 0.95] = 0.0
        W[0, 0] = 1.0
    value, grad = smooth(W, True)
    Xsd = Xs.toarray() if sparse.issparse(Xs) else Xs
    D = W.T @ np.cov(Xsd, rowvar=False) @ W - np.cov(Xt, rowvar=False)
    by_hand = (0.35 / n_pairs * np.sum((P_s @ W - P_t) ** 2) + 1.3 / (4 * d_t) * np.sum(D**2))
    assert value == pytest.approx(by_hand, rel=1e-10)
    E = rng.normal(size=W.shape)
    h = 1e-6
    numeric = (smooth(W + h * E, False)[0] - smooth(W - h * E, False)[0]) / (2 * h)
    assert np.vdot(grad, E) == pytest.approx(numeric, rel=1e-6)


# ---------------------------------------------------------------- estimator
def test_planted_map_is_recovered():
    b, y = problem(n_parallel=200, noise=0.05, shift=0.0)
    model = fitted(b, y, l1=0.02, alignment_weight=0.0)
    truth = b.coef
    assert np.array_equal(model.map_ != 0, truth != 0)
    np.testing.assert_allclose(model.map_, truth, atol=0.05)
    assert model.mode_ == "parallel" and model.n_parallel_ == 200
    assert model.sparsity_ == pytest.approx(np.mean(truth == 0))


def test_planted_map_is_recovered_with_the_alignment_term():
    b, y = problem(n_source=2000, n_target=2000, n_parallel=200, noise=0.05,
                   shift=0.0)
    model = fitted(b, y, l1=0.02, alignment_weight=1.0)
    # the support of every target column is found, with small values off it
    off = np.abs(model.map_[b.coef == 0])
    on = np.abs(model.map_[b.coef != 0])
    assert on.min() > 5 * off.max()
    np.testing.assert_allclose(model.map_, b.coef, atol=0.1)


def test_objective_is_monotone_and_recorded():
    b, y = problem()
    model = fitted(b, y, alignment_weight=1.0, l1=0.02, group_l1=0.01)
    obj = model.objective_
    assert obj.shape == (model.n_iter_ + 1,)
    assert np.all(np.diff(obj) <= 1e-12 * abs(obj[0]))
    assert obj[-1] < obj[0]
    terms = model.objective_terms_
    assert sum(terms.values()) == pytest.approx(obj[-1], rel=1e-10)
    assert model.converged_


def test_group_penalty_drops_whole_source_features():
    b, y = problem(n_source_features=30, n_active=2)
    model = fitted(b, y, l1=0.0, group_l1=0.05, alignment_weight=0.0)
    used = np.abs(b.coef).sum(axis=1) > 0
    dropped = np.all(model.map_ == 0, axis=1)
    assert dropped.sum() >= 0.8 * (~used).sum()
    assert not dropped[used].any()


def _scores(b, n_target_labels, seed):
    """Target accuracy of the mapping, of a target-only model with a few
    labels, and of a source-only model on the shared features."""
    rng = np.random.default_rng(seed)
    target = np.flatnonzero((b.sample_domain == 2) & ~b.parallel)
    labelled = rng.choice(target, n_target_labels, replace=False)
    test = np.setdiff1d(target, labelled)
    y = np.where(b.sample_domain == 1, b.y, -1)
    y[labelled] = b.y[labelled]
    tf = b.target_features
    model = SparseHeterogeneousMapping(LogisticRegression(), target_features=tf)
    model.fit(b.X, y)
    ours = model.score(b.X[test], b.y[test])
    target_only = LogisticRegression().fit(b.X[labelled][:, tf], b.y[labelled])
    src_cols = [s for s, _ in b.shared_features]
    tgt_cols = [t for _, t in b.shared_features]
    source = np.flatnonzero(b.sample_domain == 1)
    shared = LogisticRegression().fit(b.X[source][:, src_cols], b.y[source])
    return (ours, target_only.score(b.X[test][:, tf], b.y[test]),
            shared.score(b.X[test][:, tgt_cols], b.y[test]))


def test_beats_target_only_with_few_labels_and_source_only_on_shared_features():
    results = np.array([
        _scores(make_heterogeneous_shift(n_parallel=50, random_state=s), 10, s)
        for s in range(3)
    ]).mean(axis=0)
    ours, target_only, shared = results
    assert ours > target_only + 0.05
    assert ours > shared + 0.05
    assert ours > 0.9


def test_labelled_target_rows_are_trained_on_as_target_rows():
    b, y = problem()
    target = np.flatnonzero((b.sample_domain == 2) & ~b.parallel)[:20]
    y = y.copy()
    y[target] = b.y[target]
    model = fitted(b, y, estimator=LogisticRegression())
    # the labelled target rows (target block only) are target rows: the
    # covariance and the training set see their target block unchanged
    Xt = model.fit_transform(b.X, y)
    np.testing.assert_array_equal(Xt[target], b.X[target][:, b.target_features])


def test_transform_and_predict_rows():
    b, y = problem()
    model = fitted(b, y, estimator=LogisticRegression())
    tf, sf = b.target_features, b.source_features
    source = np.flatnonzero(b.sample_domain == 1)[:5]
    target = np.flatnonzero(b.sample_domain == 2)[:5]
    out = model.transform(b.X[np.r_[source, target]])
    # rows with only the source block are mapped; target rows kept
    np.testing.assert_allclose(out[:5], b.X[source][:, sf] @ model.map_)
    np.testing.assert_array_equal(out[5:], b.X[target][:, tf])
    # a parallel pair is a target row unless sample_domain says otherwise
    pair = np.flatnonzero(b.parallel)[:1]
    np.testing.assert_array_equal(model.transform(b.X[pair]), b.X[pair][:, tf])
    np.testing.assert_allclose(model.transform(b.X[pair], sample_domain=[1]),
                               b.X[pair][:, sf] @ model.map_)
    with pytest.raises(ValueError, match="source rows .* leave the source block"):
        model.predict(b.X[target[:1]], sample_domain=[1])
    assert model.predict(b.X).shape == (b.X.shape[0],)
    assert model.get_feature_names_out().tolist() == [f"x{j}" for j in tf]


def test_sparse_input_gives_the_dense_result():
    b = make_heterogeneous_shift(density=0.5, noise=0.0, random_state=0)
    assert sparse.issparse(b.X)
    y = np.where(b.sample_domain == 1, b.y, -1)
    # the same rows, dense, with NaN for the absent blocks
    dense = b.X.toarray()
    has_s = np.asarray(b.X[:, b.source_features].getnnz(axis=1)) > 0
    has_t = np.asarray(b.X[:, b.target_features].getnnz(axis=1)) > 0
    dense[np.ix_(~has_s, b.source_features)] = NAN
    dense[np.ix_(~has_t, b.target_features)] = NAN
    params = dict(target_features=b.target_features, l1=0.02)
    m_sparse = SparseHeterogeneousMapping(**params).fit(b.X, y)
    m_dense = SparseHeterogeneousMapping(**params).fit(dense, y)
    np.testing.assert_allclose(m_sparse.map_, m_dense.map_, atol=1e-8)
    np.testing.assert_allclose(m_sparse.transform(b.X), m_dense.transform(dense),
                               atol=1e-8)


def test_pipeline_with_scaler_dataframe_and_grid_search():
    pd = pytest.importorskip("pandas")
    b, y = problem()
    names = [f"s{j}" for j in b.source_features] + [f"t{j}" for j in range(10)]
    X = pd.DataFrame(b.X, columns=names)
    pipe = make_pipeline(
        StandardScaler(),
        SparseHeterogeneousMapping(LogisticRegression(),
                                   target_features=[f"t{j}" for j in range(10)]),
    ).set_output(transform="pandas")  # the scaler keeps the column names
    search = GridSearchCV(pipe, {"sparseheterogeneousmapping__l1": [0.01, 0.1],
                                 "sparseheterogeneousmapping__alignment_weight":
                                     [0.0, 1.0]},
                          cv=StratifiedKFold(3, shuffle=True, random_state=0))
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_
    assert best[-1].get_feature_names_out().tolist() == [f"t{j}" for j in range(10)]
    # the scaler standardised each block over the rows that fill it
    scaled = best[0].transform(X).to_numpy()
    block = scaled[:, 20:][~np.isnan(scaled[:, 20])]
    np.testing.assert_allclose(block.mean(axis=0), 0, atol=1e-10)
    target = (b.sample_domain == 2) & ~b.parallel
    assert best.score(X[target], b.y[target]) > 0.85


def test_clone_pickle_and_no_writes_into_input():
    b, y = problem()
    X = b.X.copy()
    model = fitted(b, y, estimator=LogisticRegression())
    np.testing.assert_array_equal(X, b.X)
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(b.X), model.predict(b.X))
    np.testing.assert_array_equal(clone(model).get_params()["target_features"],
                                  b.target_features)


def test_alignment_only_mode_warns_and_follows_init():
    b, y = problem(n_parallel=0)
    init = b.coef + 0.05 * np.random.default_rng(0).normal(size=b.coef.shape)
    with pytest.warns(UserWarning, match="weakly identified"):
        model = fitted(b, y, init=init, l1=0.0)
    assert model.mode_ == "alignment" and model.n_parallel_ == 0
    # started near the planted map, it stays near it
    assert np.abs(model.map_ - b.coef).max() < 0.3
    with pytest.warns(UserWarning, match="weakly identified"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            rand = fitted(b, y, random_state=0, max_iter=50)
    assert rand.objective_[-1] < rand.objective_[0]


def test_init_array_is_not_written_into():
    b, y = problem()
    init = np.zeros_like(b.coef)
    fitted(b, y, init=init)
    assert not init.any()


@pytest.mark.parametrize("params, match", [
    (dict(mode="parallel", n_parallel=1), "at least 2 parallel pairs"),
    (dict(mode="auto", n_parallel=1, alignment_weight=0.0), "needs alignment_weight > 0"),
    (dict(mode="parallel", parallel_weight=0.0), "parallel_weight=0 ignores"),
    (dict(mode="alignment", alignment_weight=0.0), "needs alignment_weight > 0"),
    (dict(l1=-1.0), "l1 must be a finite float >= 0"),
    (dict(mode="other"), "mode must be one of"),
    (dict(init="eye"), "init must be one of"),
    (dict(init=np.zeros((2, 2))), "init has shape"),
    (dict(covariance_rank=0), "covariance_rank must be a positive integer"),
])
def test_bad_parameters(params, match):
    b, y = problem(n_parallel=params.pop("n_parallel", 5))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(ValueError, match=match):
            fitted(b, y, **params)


def test_bad_input():
    b, y = problem()
    X = b.X.copy()
    X[0, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        fitted(b, y, estimator=None).fit(X, y)
    X = b.X.copy()
    X[0, 1] = NAN      # a source row with a partly filled source block
    with pytest.raises(ValueError, match="fill only part of the source block"):
        SparseHeterogeneousMapping(target_features=b.target_features).fit(X, y)
    # a source row (by sample_domain) without its source block
    sd = np.where(b.sample_domain == 1, 1, -1)
    target_row = np.flatnonzero((b.sample_domain == 2) & ~b.parallel)[0]
    sd[target_row] = 1
    with pytest.raises(ValueError, match=r"are source rows .* leave the source block"):
        SparseHeterogeneousMapping(target_features=b.target_features).fit(
            b.X, y, sample_domain=sd)
    model = fitted(b, y)
    with pytest.raises(ValueError, match="features"):
        model.transform(b.X[:, :-1])


def test_convergence_warning():
    b, y = problem()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = fitted(b, y, max_iter=2)
    assert not model.converged_ and model.n_iter_ == 2


# --------------------------------------------------------------- generator
@pytest.mark.parametrize("density", [1.0, 0.05])
def test_make_heterogeneous_shift_layout(density):
    b = make_heterogeneous_shift(n_source=40, n_target=30, n_parallel=10,
                                 n_source_features=30, n_target_features=8,
                                 n_active=2, n_shared=3, density=density,
                                 noise=0.0, random_state=0)
    assert b.X.shape == (80, 38) and sparse.issparse(b.X) == (density < 1)
    has_s, has_t = FeatureBlocks(b.source_features, b.target_features).presence(b.X)
    assert has_s.tolist() == [True] * 40 + [False] * 30 + [True] * 10
    assert has_t.tolist() == [False] * 40 + [True] * 40
    assert b.parallel.tolist() == [False] * 70 + [True] * 10
    assert b.sample_domain.tolist() == [1] * 40 + [2] * 40
    # the planted map: shared features copied, n_active source features otherwise
    np.testing.assert_array_equal(b.coef[:3, :3], np.eye(3))
    assert (np.count_nonzero(b.coef[:, 3:], axis=0) == 2).all()
    X = b.X.toarray() if sparse.issparse(b.X) else np.nan_to_num(b.X)
    pairs = X[70:]
    np.testing.assert_allclose(pairs[:, 30:], pairs[:, :30] @ b.coef, atol=1e-12)
    np.testing.assert_array_equal(b.y[70:], (pairs[:, :30] @ b.coef).sum(axis=1) > 0)


@pytest.mark.parametrize("params, match", [
    (dict(n_active=40), "n_active=40 exceeds"),
    (dict(n_shared=11), "n_shared=11 exceeds"),
    (dict(density=1.5), r"density must be in \(0, 1\]"),
    (dict(n_source=1), "n_source must be"),
])
def test_make_heterogeneous_shift_errors(params, match):
    with pytest.raises(ValueError, match=match):
        make_heterogeneous_shift(**params)


def test_an_all_zero_map_is_flagged():
    b, y = problem()
    with pytest.warns(UserWarning, match=r"map is all zero.*l1 >= max \|gradient"):
        model = fitted(b, y, l1=100.0)
    assert model.sparsity_ == 1.0


# ------------------------------------------------------- scale and progress
@pytest.mark.parametrize("exponent", [40, 160, 300])
def test_large_values_are_solved_at_unit_scale(exponent):
    """X times 2**e multiplies the parallel term by 2**(2e) and the
    alignment term by 2**(4e); with the parallel weight times 2**(2e) (and no
    penalty) the objective is 2**(4e) times the original, so the fit gives the
    same map -- and returns (on
    values near 1e50 the quartic term overflowed and the solve never ended)."""
    b, y = problem(n_parallel=50)
    Xd = b.X.toarray() if sparse.issparse(b.X) else b.X
    base = fitted(b, y, alignment_weight=1.0, l1=0.0)
    big = SparseHeterogeneousMapping(target_features=b.target_features,
                                     alignment_weight=1.0, l1=0.0,
                                     parallel_weight=2.0 ** (2 * exponent))
    big.fit(np.ldexp(Xd, exponent), y)
    np.testing.assert_allclose(big.map_, base.map_, rtol=1e-9, atol=1e-12)
    assert big.n_iter_ == base.n_iter_
    # the recorded objective is in the data's units: 2**(4e) times (inf past float64)
    expected = np.ldexp(base.objective_, 4 * exponent) if 4 * exponent < 1000 else np.inf
    np.testing.assert_allclose(big.objective_[-1], np.atleast_1d(expected)[-1], rtol=1e-9)


def test_values_near_1e50_fit_quickly_and_finite():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3)) * 1e50
    sd = np.where(np.arange(30) < 15, 1, -1)
    y = np.where(sd > 0, (X[:, 1] > 0).astype(int), -1)
    model = SparseHeterogeneousMapping(LogisticRegression(), source_features=[0],
                                       max_iter=50).fit(X, y, sample_domain=sd)
    assert np.isfinite(model.map_).all() and model.predict(X).shape == (30,)


def test_solver_stops_when_no_step_is_accepted():
    """A smooth part that is not finite away from x0: the backtracking gives up
    (L past MAX_LIPSCHITZ) instead of looping on a step of length zero."""
    from sktransfer.alignment._proximal import MAX_LIPSCHITZ

    def smooth(x, with_grad):
        value = 0.0 if not np.any(x) else np.nan
        return value, (np.ones_like(x) if with_grad else None)

    res = monotone_fista(smooth, lambda x: 0.0, lambda v, step: v, np.zeros(3),
                         lipschitz=1.0, max_iter=10, tol=0.0)
    assert res.stalled and not res.converged and res.n_iter == 0
    assert res.lipschitz > MAX_LIPSCHITZ
    np.testing.assert_array_equal(res.x, np.zeros(3))
    with pytest.raises(ValueError, match="lipschitz must be finite"):
        monotone_fista(smooth, lambda x: 0.0, lambda v, step: v, np.ones(3),
                       lipschitz=np.inf, max_iter=10, tol=0.0)


def test_verbose_reports_the_iterations(capsys):
    b, y = problem()
    quiet = fitted(b, y)
    assert capsys.readouterr().out == ""
    model = fitted(b, y, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == model.n_iter_ + 1
    assert lines[0].startswith(f"[SparseHeterogeneousMapping] 1/{model.max_iter}: objective ")
    assert "converged after" in lines[-1]
    np.testing.assert_array_equal(model.map_, quiet.map_)
    fitted(b, y, verbose=1)
    assert 2 <= len(capsys.readouterr().out.splitlines()) <= 12
    with pytest.raises(ValueError, match="verbose must be an integer >= 0"):
        fitted(b, y, verbose=-1)
