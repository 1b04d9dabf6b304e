"""Shift diagnostics: MMD, proxy A-distance and CORAL distance, by hand."""

import numpy as np
import pytest
from scipy import sparse
from scipy.spatial.distance import cdist
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeClassifier

from sktransfer import CORAL, _kernels, make_sample_domain
from sktransfer._kernels import RBF_SINGLE_EXP_ATOL, Kernel, median_heuristic_gamma
from sktransfer.metrics import coral_distance, mmd, proxy_a_distance
from sktransfer.metrics._shift import MMD_RBF_ATOL


def gaussian_pair(m=60, n=50, d=3, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, d)), rng.normal(size=(n, d)) + shift


def read_only(*arrays):
    """Copies that raise on any write: a function that writes into its
    inputs fails on them."""
    out = []
    for a in arrays:
        a = np.array(a)
        a.flags.writeable = False
        out.append(a)
    return out


def mmd_by_hand(K_ss, K_tt, K_st, unbiased):
    """The two estimators of Gretton et al. (2012), eq. 3 and eq. 5, from
    full kernel matrices."""
    m, n = K_st.shape
    if unbiased:
        within_s = (K_ss.sum() - np.trace(K_ss)) / (m * (m - 1))
        within_t = (K_tt.sum() - np.trace(K_tt)) / (n * (n - 1))
    else:
        within_s, within_t = K_ss.mean(), K_tt.mean()
    return within_s + within_t - 2 * K_st.mean()


# --------------------------------------------------------------------- MMD
def test_linear_biased_mmd_is_squared_mean_gap():
    Xs, Xt = gaussian_pair(shift=0.7)
    expected = np.sum((Xs.mean(axis=0) - Xt.mean(axis=0)) ** 2)
    assert mmd(Xs, Xt, kernel="linear", unbiased=False) == pytest.approx(expected, rel=1e-12)


def test_tiny_linear_unbiased_mmd_by_hand():
    # 1-d, k(x, y) = x y: source {0, 2}, target {1, 3}
    # within source (i != j): 2 * 0 * 2 / 2 = 0; within target: 2 * 3 / 2 = 3
    # cross: (0 + 0 + 2 + 6) / 4 = 2  ->  0 + 3 - 2 * 2 = -1
    Xs, Xt = np.array([[0.0], [2.0]]), np.array([[1.0], [3.0]])
    assert mmd(Xs, Xt, kernel="linear") == pytest.approx(-1.0, abs=1e-12)
    # biased: mean(K_ss) = 1, mean(K_tt) = 4, cross 2 -> 1 (= (1 - 2)^2)
    assert mmd(Xs, Xt, kernel="linear", unbiased=False) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("unbiased, bound", [(True, MMD_RBF_ATOL),
                                             (False, 4 * RBF_SINGLE_EXP_ATOL)])
def test_rbf_mmd_matches_direct_computation_within_documented_accuracy(unbiased, bound):
    Xs, Xt = gaussian_pair(m=70, n=40, d=4, shift=0.5, seed=1)
    # far from the origin: without centring, ||x||^2 + ||y||^2 - 2 x'y would
    # lose more than 1e-5 to cancellation here
    Xs = Xs + 1e6
    Xt = Xt + 1e6
    gamma = 0.3

    def K(A, B):
        return np.exp(-gamma * cdist(A, B, "sqeuclidean"))

    expected = mmd_by_hand(K(Xs, Xs), K(Xt, Xt), K(Xs, Xt), unbiased)
    got = mmd(Xs, Xt, gamma=gamma, unbiased=unbiased)
    assert abs(got - expected) <= bound
    assert MMD_RBF_ATOL == pytest.approx(1.2e-6)


@pytest.mark.parametrize("kernel", ["laplacian", "poly", "sigmoid"])
def test_other_named_kernels_match_direct_computation(kernel):
    Xs, Xt = gaussian_pair(m=30, n=25, shift=0.4, seed=2)
    kern = Kernel(kernel, 0.2, 2, 0.5)
    expected = mmd_by_hand(kern(Xs, Xs), kern(Xt, Xt), kern(Xs, Xt), True)
    got = mmd(Xs, Xt, kernel=kernel, gamma=0.2, degree=2, coef0=0.5)
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-12)


def test_callable_kernel_is_used():
    Xs, Xt = gaussian_pair(shift=0.3)
    got = mmd(Xs, Xt, kernel=lambda A, B: A @ B.T, unbiased=False)
    assert got == pytest.approx(mmd(Xs, Xt, kernel="linear", unbiased=False), rel=1e-12)


def test_same_distribution_near_zero_and_grows_with_shift():
    values = [mmd(*gaussian_pair(m=150, n=150, shift=s, seed=3), gamma=0.5)
              for s in (0.0, 0.5, 1.0, 2.0)]
    assert abs(values[0]) < 0.02
    assert values[0] < values[1] < values[2] < values[3]
    assert values[3] > 0.3


def test_unbiased_can_be_negative_biased_cannot():
    Xs, Xt = gaussian_pair(m=40, n=40, seed=4)
    unbiased = mmd(Xs, Xt, gamma=0.5)
    biased = mmd(Xs, Xt, gamma=0.5, unbiased=False)
    assert biased > 0
    assert unbiased < biased  # the diagonal ones are removed
    assert abs(unbiased) < 0.03


def test_mmd_is_symmetric():
    Xs, Xt = gaussian_pair(m=60, n=35, shift=0.8)
    for unbiased in (True, False):
        assert mmd(Xs, Xt, unbiased=unbiased) == pytest.approx(
            mmd(Xt, Xs, unbiased=unbiased), abs=1e-12)


def test_gamma_none_is_median_heuristic_on_pooled_rows():
    Xs, Xt = gaussian_pair(shift=1.0)
    gamma = median_heuristic_gamma(np.vstack([Xs, Xt]))
    assert mmd(Xs, Xt) == pytest.approx(mmd(Xs, Xt, gamma=gamma), abs=1e-12)
    # the heuristic must depend on both samples: a wider target changes it
    assert mmd(Xs, 3 * Xt) != pytest.approx(
        mmd(Xs, 3 * Xt, gamma=median_heuristic_gamma(Xs)), abs=1e-6)


def test_max_rows_subsamples_each_domain_reproducibly():
    Xs, Xt = gaussian_pair(m=300, n=200, shift=0.5)
    full = mmd(Xs, Xt, gamma=0.5)
    assert mmd(Xs, Xt, gamma=0.5, max_rows=300) == full
    a = mmd(Xs, Xt, gamma=0.5, max_rows=80, random_state=0)
    assert a == mmd(Xs, Xt, gamma=0.5, max_rows=80, random_state=0)
    assert a != mmd(Xs, Xt, gamma=0.5, max_rows=80, random_state=1)
    assert a != full and abs(a - full) < 0.1


def test_blocked_sums_never_hold_the_kernel_whole(monkeypatch):
    Xs, Xt = gaussian_pair(m=120, n=90, shift=0.5)
    expected = mmd(Xs, Xt, kernel="laplacian", gamma=0.3)
    largest = []
    original = Kernel.__call__

    def recording_call(self, X, Y=None):
        K = original(self, X, Y)
        largest.append(K.size)
        return K

    monkeypatch.setattr(_kernels, "CHUNK_ENTRIES", 1024)
    monkeypatch.setattr(Kernel, "__call__", recording_call)
    got = mmd(Xs, Xt, kernel="laplacian", gamma=0.3)
    assert max(largest) <= 1024
    assert got == pytest.approx(expected, rel=1e-10)


def test_sparse_input_matches_dense():
    Xs, Xt = gaussian_pair(m=40, n=30, shift=0.6)
    Xs[Xs < 0.3] = 0.0
    Xt[Xt < 0.3] = 0.0
    for kernel, atol in (("rbf", MMD_RBF_ATOL), ("linear", 1e-12)):
        dense = mmd(Xs, Xt, kernel=kernel, gamma=0.4)
        assert mmd(sparse.csr_matrix(Xs), sparse.csc_matrix(Xt), kernel=kernel,
                   gamma=0.4) == pytest.approx(dense, abs=atol)
        assert mmd(sparse.csr_matrix(Xs), Xt, kernel=kernel,
                   gamma=0.4) == pytest.approx(dense, abs=atol)


def test_values_are_python_floats():
    Xs, Xt = gaussian_pair(shift=0.5)
    for value in (mmd(Xs, Xt), proxy_a_distance(Xs, Xt, random_state=0),
                  coral_distance(Xs, Xt)):
        assert type(value) is float


def test_mmd_leaves_inputs_untouched():
    Xs, Xt = read_only(*gaussian_pair(shift=0.5))
    before = Xs.copy(), Xt.copy()
    mmd(Xs, Xt, max_rows=30, random_state=0)
    mmd(Xs, Xt, kernel="linear")
    np.testing.assert_array_equal(Xs, before[0])
    np.testing.assert_array_equal(Xt, before[1])


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("func", [mmd, proxy_a_distance, coral_distance])
def test_data_errors(func):
    Xs, Xt = gaussian_pair()
    bad = Xs.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X_source contains NaN"):
        func(bad, Xt)
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="X_source contains infinity"):
        func(bad, Xt)
    with pytest.raises(ValueError, match="X_source has 3 features but X_target has 2"):
        func(Xs, Xt[:, :2])
    with pytest.raises(ValueError, match="X_target has 1 row.*at least"):
        func(Xs, Xt[:1])


@pytest.mark.parametrize("kwargs, message", [
    ({"kernel": "gaussian"}, "mmd: kernel must be one of"),
    ({"gamma": 0.0}, "mmd: gamma must be a finite float > 0"),
    ({"gamma": np.nan}, "mmd: gamma must be"),
    ({"degree": 0}, "mmd: degree must be a positive integer"),
    ({"unbiased": "yes"}, "mmd: unbiased must be True or False"),
    ({"max_rows": 1}, "mmd: max_rows must be an integer >= 2"),
    ({"max_rows": 2.5}, "mmd: max_rows must be an integer"),
])
def test_mmd_parameter_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mmd(*gaussian_pair(), **kwargs)


def test_parameter_errors_come_before_data_checks():
    # a bad parameter is reported even when the data would also fail
    with pytest.raises(ValueError, match="kernel must be"):
        mmd(np.ones((1, 2)), np.ones((3, 5)), kernel="nope")
    with pytest.raises(ValueError, match="cv must be"):
        proxy_a_distance(np.ones((1, 2)), np.ones((3, 5)), cv=1)


# -------------------------------------------------------- proxy A-distance
def test_proxy_a_distance_near_zero_for_same_distribution():
    Xs, Xt = gaussian_pair(m=200, n=200, seed=5)
    assert proxy_a_distance(Xs, Xt, random_state=0) < 0.3


def test_proxy_a_distance_near_two_for_separated_domains():
    Xs, Xt = gaussian_pair(m=100, n=100, shift=6.0)
    assert proxy_a_distance(Xs, Xt, random_state=0) == 2.0
    middle = proxy_a_distance(*gaussian_pair(m=100, n=100, shift=1.0), random_state=0)
    assert 0.3 < middle < 1.9


def test_proxy_a_distance_by_hand_with_majority_classifier():
    # stratified folds keep the 30/70 proportion, so "most frequent" always
    # answers "target": error 30 / 100, d_A = 2 (1 - 2 * 0.3) = 0.8
    Xs, Xt = gaussian_pair(m=30, n=70)
    got = proxy_a_distance(Xs, Xt, estimator=DummyClassifier(), random_state=0)
    assert got == pytest.approx(0.8, abs=1e-12)


def test_proxy_a_distance_is_clipped_at_zero():
    # a stratified random guesser errs about half the time; over seeds some
    # out-of-fold errors exceed 1/2, which must give 0, never a negative value
    Xs, Xt = gaussian_pair(m=20, n=20)
    values = [proxy_a_distance(Xs, Xt, cv=4, random_state=seed,
                               estimator=DummyClassifier(strategy="uniform",
                                                         random_state=seed))
              for seed in range(8)]
    assert min(values) == 0.0
    assert all(0.0 <= v <= 2.0 for v in values)


def test_proxy_a_distance_reproducible_and_sparse():
    Xs, Xt = gaussian_pair(m=60, n=60, shift=0.7)
    tree = DecisionTreeClassifier(random_state=0)
    a = proxy_a_distance(Xs, Xt, estimator=tree, random_state=3)
    assert a == proxy_a_distance(Xs, Xt, estimator=tree, random_state=3)
    dense = proxy_a_distance(Xs, Xt, random_state=3)
    sparse_value = proxy_a_distance(sparse.csr_matrix(Xs), sparse.csr_matrix(Xt),
                                     random_state=3)
    assert 0.0 < sparse_value <= 2.0
    # the sparse default only skips centring, which a linear model absorbs
    assert sparse_value == pytest.approx(dense, abs=0.05)


def test_proxy_a_distance_leaves_inputs_untouched():
    Xs, Xt = read_only(*gaussian_pair(shift=0.5))
    proxy_a_distance(Xs, Xt, random_state=0)


@pytest.mark.parametrize("kwargs, message", [
    ({"cv": 1}, "proxy_a_distance: cv must be an integer >= 2"),
    ({"cv": 55}, r"X_target has 50 row.*at least 55 rows per domain are needed \(cv=55"),
    ({"estimator": LinearRegression()}, "estimator must be a classifier"),
])
def test_proxy_a_distance_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        proxy_a_distance(*gaussian_pair(), **kwargs)


# ------------------------------------------------------------ CORAL distance
def coral_by_hand(Xs, Xt):
    d = Xs.shape[1]
    gap = np.cov(Xs, rowvar=False) - np.cov(Xt, rowvar=False)
    return np.sum(gap**2) / (4 * d**2)


@pytest.mark.parametrize("m, n, d", [(60, 50, 4), (8, 6, 30)])  # d <= m+n, d > m+n
def test_coral_distance_exact(m, n, d):
    rng = np.random.default_rng(6)
    Xs = rng.normal(size=(m, d)) @ rng.normal(size=(d, d))
    Xt = 2 * rng.normal(size=(n, d)) + 1.0
    expected = coral_by_hand(Xs, Xt)
    assert coral_distance(Xs, Xt) == pytest.approx(expected, rel=1e-10)
    assert coral_distance(sparse.csr_matrix(Xs), sparse.csr_matrix(Xt)) == \
        pytest.approx(expected, rel=1e-10)


def test_coral_distance_tiny_by_hand():
    # 1-d: var{0, 2} = 2, var{0, 4} = 8 -> (2 - 8)^2 / 4 = 9
    assert coral_distance([[0.0], [2.0]], [[0.0], [4.0]]) == pytest.approx(9.0)


def test_coral_distance_zero_for_same_covariance_and_mean_invariant():
    Xs, _ = gaussian_pair(d=4)
    assert coral_distance(Xs, Xs + 5.0) == pytest.approx(0.0, abs=1e-12)
    # reordering the rows keeps the covariance
    assert coral_distance(Xs, Xs[::-1]) == pytest.approx(0.0, abs=1e-12)
    Xs, Xt = gaussian_pair(d=4, seed=7)
    Xt = Xt * [1.0, 2.0, 0.5, 1.0]
    assert coral_distance(Xs, Xt + [3.0, -1.0, 0.0, 10.0]) == pytest.approx(
        coral_distance(Xs, Xt), rel=1e-10)
    assert coral_distance(Xs, Xt) == pytest.approx(coral_distance(Xt, Xs), rel=1e-12)


def test_coral_adapter_reduces_coral_distance():
    rng = np.random.default_rng(8)
    d = 5
    Xs = rng.normal(size=(200, d)) @ rng.normal(size=(d, d))
    Xt = rng.normal(size=(150, d)) * [3.0, 0.5, 1.0, 2.0, 1.0] + 1.0
    X, sd = np.vstack([Xs, Xt]), make_sample_domain(200, 150)
    before = coral_distance(Xs, Xt)
    coral = CORAL(reg=1.0).fit(X, sample_domain=sd)
    after = coral_distance(coral.transform(X, sample_domain=sd)[sd > 0], Xt)
    assert after < 0.5 * before
    # the regularisation leaves a gap: cov(Z_s) - cov(X_t) = reg (I - A'A)
    A = coral.transformation_
    gap = np.eye(d) - A.T @ A
    assert after == pytest.approx(np.sum(gap**2) / (4 * d**2), rel=1e-8)
    assert after > 1e-3
    almost = coral_distance(CORAL(reg=1e-8).fit_transform(X, sample_domain=sd)[sd > 0], Xt)
    assert almost < 1e-10 * before


def test_coral_distance_leaves_inputs_untouched():
    Xs, Xt = read_only(*gaussian_pair(shift=0.5))
    assert coral_distance(Xs, Xt) == pytest.approx(coral_by_hand(Xs, Xt), rel=1e-10)
