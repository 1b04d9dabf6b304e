"""OTMapping: the coupling is POT's, the mapped rows the barycentric formula,
by hand; class regularisation, out-of-sample rows, errors, checks."""

import pickle
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge

from sktransfer import make_sample_domain
from sktransfer.alignment._ot import OTMapping

ot = pytest.importorskip("ot")


def two_domains(n_s=60, n_t=50, d=3, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n_s, d))
    ys = rng.integers(0, n_classes, n_s)
    Xt = rng.normal(size=(n_t, d)) + 1.0
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(n_t, dtype=int)]
    return Xs, ys, Xt, X, y


def blobs(seed, n=150, angle=np.pi / 4, shift=(2.0, 1.0)):
    """Three Gaussian classes; the target is the source rotated by 45 degrees
    and translated."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])

    def draw():
        y = rng.integers(0, 3, n)
        return centres[y] + 0.5 * rng.normal(size=(n, 2)), y

    (Xs, ys), (Xt, yt) = draw(), draw()
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return Xs, ys, Xt @ R.T + shift, yt


def uniform(n):
    return np.full(n, 1.0 / n)


TIGHT = {"max_inner_iter": 5000, "tol": 1e-12}


# --------------------------------------------------------- (a) by hand
@pytest.mark.parametrize("norm", ["median", "max", None])
@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
@pytest.mark.parametrize("reg_e", [1.0, 0.1])
def test_plain_coupling_is_pots_sinkhorn(norm, metric, reg_e):
    Xs, _ys, Xt, X, y = two_domains()
    model = OTMapping(reg_e=reg_e, reg_cl=0, norm=norm, metric=metric, **TIGHT)
    Z = model.fit_transform(X, y)
    M = ot.dist(Xs, Xt, metric=metric)
    scale = {"median": np.median(M), "max": M.max(), None: 1.0}[norm]
    G = ot.sinkhorn(uniform(60), uniform(50), M / scale, reg_e,
                    numItermax=5000, stopThr=1e-12)
    assert model.cost_scale_ == pytest.approx(scale)
    assert model.solver_ == "sinkhorn"
    np.testing.assert_allclose(model.coupling_, G, rtol=1e-7, atol=1e-14)
    # the barycentric mapping, in both of its forms; target rows unchanged
    P = model.coupling_
    np.testing.assert_allclose(Z[:60], (P / P.sum(axis=1, keepdims=True)) @ Xt,
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Z[:60], 60 * G @ Xt, rtol=1e-7, atol=1e-10)
    np.testing.assert_array_equal(Z[60:], Xt)


@pytest.mark.parametrize("reg_e, reg_cl", [(1.0, 0.1), (0.1, 1.0), (1.0, 10.0)])
def test_class_regularised_coupling_is_pots_lpl1_mm(reg_e, reg_cl):
    Xs, ys, Xt, X, y = two_domains()
    model = OTMapping(reg_e=reg_e, reg_cl=reg_cl, max_iter=10, **TIGHT)
    Z = model.fit_transform(X, y)
    M = ot.dist(Xs, Xt)
    M /= np.median(M)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        G = ot.da.sinkhorn_lpl1_mm(uniform(60), ys, uniform(50), M, reg_e, eta=reg_cl,
                                   numItermax=10, numInnerItermax=5000,
                                   stopInnerThr=1e-12)
    np.testing.assert_allclose(model.coupling_, G, rtol=1e-6, atol=1e-13)
    assert model.n_iter_ == 10
    np.testing.assert_allclose(Z[:60], (G / G.sum(axis=1, keepdims=True)) @ Xt,
                               rtol=1e-6, atol=1e-10)


def test_string_labels_and_max_iter_one_is_plain_transport():
    _Xs, ys, Xt, X, y = two_domains()
    names = np.array(["a", "b", "c"])[ys]
    y_str = np.r_[names, np.full(50, -1, dtype=object)].astype(object)
    est = LogisticRegression()
    one = OTMapping(est, reg_cl=5.0, max_iter=1).fit(X, y_str)
    plain = OTMapping(est, reg_cl=0).fit(X, y)
    # the first MM step is the plain entropic solve (W = 0)
    np.testing.assert_allclose(one.coupling_, plain.coupling_, rtol=1e-10)
    assert set(one.predict(Xt)) <= set(names)


# ------------------------------------------------------- (b) marginals
@pytest.mark.parametrize("reg_cl", [0, 0.5])
def test_marginals_are_uniform(reg_cl):
    *_, X, y = two_domains(n_s=70, n_t=40)
    model = OTMapping(reg_e=0.2, reg_cl=reg_cl).fit(X, y)
    G = model.coupling_
    assert G.shape == (70, 40) and (G >= 0).all()
    np.testing.assert_allclose(G.sum(axis=1), uniform(70), rtol=1e-6)
    np.testing.assert_allclose(G.sum(axis=0), uniform(40), rtol=1e-6)
    assert model.marginal_error_ < 1e-6


# ----------------------------------------------- (c) class regularisation
def concentration(G, ys):
    """Mean over target rows of the share of their mass that comes from their
    dominant source class."""
    onehot = (ys[:, None] == np.unique(ys)[None, :]).astype(float)
    mass = G.T @ onehot
    return float(np.mean(mass.max(axis=1) / mass.sum(axis=1)))


def test_class_regularisation_concentrates_target_rows_on_one_class():
    Xs, ys, Xt, yt = blobs(0)
    X, y = np.vstack([Xs, Xt]), np.r_[ys, -np.ones(len(yt), int)]
    conc = [concentration(OTMapping(reg_e=0.5, reg_cl=eta).fit(X, y).coupling_, ys)
            for eta in (0, 0.1, 1.0, 10.0)]
    assert conc == sorted(conc), conc  # more regularisation, more concentration
    assert conc[0] < 0.8 and conc[-1] > 0.99, conc


# ------------------------------------------------------- (d) out of sample
@pytest.mark.parametrize("reg_cl", [0, 1.0])
@pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean", "cityblock"])
def test_fitted_source_rows_map_as_at_fit(reg_cl, metric):
    *_, X, y = two_domains()
    sd = make_sample_domain(60, 50)
    model = OTMapping(reg_cl=reg_cl, metric=metric)
    Z = model.fit_transform(X, y, sample_domain=sd)
    np.testing.assert_array_equal(model.transform(X, sample_domain=sd), Z)
    # by default every row is a target row: unchanged
    np.testing.assert_array_equal(model.transform(X), X)


def test_new_source_row_moves_by_its_nearest_rows_displacement():
    Xs, _ys, _Xt, X, y = two_domains()
    model = OTMapping(LogisticRegression(), reg_e=0.3)
    Z = model.fit_transform(X, y)
    rng = np.random.default_rng(5)
    rows = rng.choice(60, size=8, replace=False)
    new = Xs[rows] + 1e-3 * rng.normal(size=(8, 3))
    moved = model.transform(new, sample_domain=np.ones(8, int))
    np.testing.assert_allclose(moved - new, Z[rows] - Xs[rows], atol=1e-12)
    # predict goes through the same map
    np.testing.assert_array_equal(
        model.predict(new, sample_domain=np.ones(8, int)),
        model.estimator_.predict(moved),
    )


def test_unlabelled_source_rows():
    Xs, _ys, _Xt, X, y = two_domains()
    sd = make_sample_domain(60, 50)
    y_semi = y.copy()
    y_semi[:10] = -1  # ten unlabelled source rows
    # class regularisation: only the labelled source rows are transported;
    # the unlabelled ones follow their nearest labelled source row
    model = OTMapping(reg_cl=1.0)
    Z = model.fit_transform(X, y_semi, sample_domain=sd)
    assert model.coupling_.shape == (50, 50)
    ref = OTMapping(reg_cl=1.0).fit(X[10:], y[10:], sample_domain=sd[10:])
    np.testing.assert_allclose(model.coupling_, ref.coupling_, rtol=1e-10)
    d2 = ((Xs[:10, None, :] - Xs[None, 10:, :]) ** 2).sum(axis=2)
    nn = 10 + d2.argmin(axis=1)
    np.testing.assert_allclose(Z[:10] - Xs[:10], Z[nn] - Xs[nn], atol=1e-12)
    np.testing.assert_array_equal(model.transform(X, sample_domain=sd), Z)
    # plain transport uses every source row, labelled or not
    plain = OTMapping(reg_cl=0).fit(X, y_semi, sample_domain=sd)
    assert plain.coupling_.shape == (60, 50)
    # and needs no labels at all
    assert OTMapping(reg_cl=None).fit(X, sample_domain=sd).coupling_.shape == (60, 50)


# ---------------------------------------------------- (e) a shifted problem
def test_beats_source_only_on_rotated_translated_blobs():
    src, plain, cls = [], [], []
    for seed in range(3):
        Xs, ys, Xt, yt = blobs(seed)
        X, y = np.vstack([Xs, Xt]), np.r_[ys, -np.ones(len(yt), int)]
        src.append(LogisticRegression().fit(Xs, ys).score(Xt, yt))
        plain.append(OTMapping(LogisticRegression(), reg_e=1.0, reg_cl=0)
                     .fit(X, y).score(Xt, yt))
        cls.append(OTMapping(LogisticRegression(), reg_e=1.0, reg_cl=1.0)
                   .fit(X, y).score(Xt, yt))
    src, plain, cls = np.mean(src), np.mean(plain), np.mean(cls)
    assert src < 0.8  # the shift defeats the source-only classifier
    assert plain > src + 0.15 and cls > src + 0.15, (src, plain, cls)
    assert cls > plain, (plain, cls)  # the class regulariser helps here


def test_regression_with_plain_transport():
    rng = np.random.default_rng(0)
    Xs = rng.normal(size=(80, 2))
    Xt = rng.normal(size=(60, 2)) + [4.0, 0.0]
    w = np.array([1.0, -2.0])
    X = np.vstack([Xs, Xt])
    y = np.r_[Xs @ w, np.full(60, np.nan)]
    model = OTMapping(Ridge(), reg_e=0.1, reg_cl=0).fit(X, y)
    assert model.predict(Xt).shape == (60,)
    np.testing.assert_allclose(model.coupling_.sum(), 1.0)


def test_small_reg_e_stays_finite():
    # exp(-M / reg_e) underflows for most pairs; the shifted cost keeps
    # the plain iterations working, and the coupling is checked
    *_, X, y = two_domains()
    model = OTMapping(reg_e=0.005, reg_cl=0, max_inner_iter=5000).fit(X, y)
    assert np.isfinite(model.coupling_).all()
    assert model.marginal_error_ < 1e-2
    # a sharper plan moves each source row closer to a single target row
    blurred = OTMapping(reg_e=1.0, reg_cl=0).fit(X, y)
    assert model.coupling_.max() > blurred.coupling_.max()


# -------------------------------------------------------------- (f) errors
def test_errors():
    _Xs, ys, _Xt, X, y = two_domains()
    sd = make_sample_domain(60, 50)
    bad = [
        ({"reg_e": 0}, "reg_e must be a finite float > 0"),
        ({"reg_e": -1.0}, "reg_e must be"),
        ({"reg_cl": -0.1}, "reg_cl must be a finite float >= 0 or None"),
        ({"norm": "log"}, "norm must be one of"),
        ({"metric": "hamming"}, "metric must be one of"),
        ({"max_iter": 0}, "max_iter must be a positive integer"),
        ({"max_inner_iter": 2.5}, "max_inner_iter must be a positive integer"),
        ({"tol": 0}, "tol must be"),
    ]
    for params, match in bad:
        with pytest.raises(ValueError, match=match):
            OTMapping(**params).fit(X, y)
    with pytest.raises(ValueError, match="regressor; use reg_cl=0"):
        OTMapping(Ridge()).fit(X, np.r_[ys + 0.5, np.full(50, np.nan)])
    with pytest.raises(ValueError, match="y is continuous"):
        OTMapping(reg_cl=1.0).fit(X, np.r_[ys + 0.5, np.full(50, np.nan)])
    with pytest.raises(ValueError, match="needs class labels on at least 2 source"):
        OTMapping(reg_cl=1.0).fit(X, sample_domain=sd)
    y_one = np.full(110, -1)
    y_one[0] = 1
    with pytest.raises(ValueError, match="got 1 labelled source row"):
        OTMapping(reg_cl=1.0).fit(X, y_one, sample_domain=sd)
    sd_t = sd.copy()
    sd_t[61:] = 1
    with pytest.raises(ValueError, match="at least 2 target rows"):
        OTMapping(reg_cl=0).fit(X, sample_domain=sd_t)
    sd_s = -np.ones(110, int)
    sd_s[0] = 1
    with pytest.raises(ValueError, match="at least 2 source rows"):
        OTMapping(reg_cl=0).fit(X, sample_domain=sd_s)
    X0 = X.copy()
    X0[0] = 0.0
    with pytest.raises(ValueError, match="cost between source and target rows is not"):
        OTMapping(metric="cosine").fit(X0, y)
    Xdup = np.vstack([np.zeros((60, 3)), np.zeros((50, 3))])
    Xdup[-5:] = 1.0
    with pytest.raises(ValueError, match="median of the source-target costs is 0"):
        OTMapping(reg_cl=0).fit(Xdup, sample_domain=sd)


def test_no_convergence_is_an_error_or_a_warning():
    *_, X, y = two_domains()
    with pytest.raises(ValueError, match="Sinkhorn did not converge or failed"):
        OTMapping(reg_e=0.01, reg_cl=0, max_inner_iter=2).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="Increase max_inner_iter"):
        OTMapping(reg_e=0.01, reg_cl=1.0, max_inner_iter=1000).fit(X, y)


def test_missing_pot_is_a_clear_import_error(monkeypatch):
    *_, X, y = two_domains()
    monkeypatch.setitem(sys.modules, "ot", None)
    with pytest.raises(ImportError, match=r"pip install pot.*sktransfer\[ot\]"):
        OTMapping().fit(X, y)


def test_memory_is_checked_before_fitting(monkeypatch):
    from sktransfer.alignment import _ot

    *_, X, y = two_domains()
    monkeypatch.setattr(_ot, "available_memory_bytes", lambda: 1000)
    with pytest.raises(ValueError, match="dense 60 x 50 cost and coupling"):
        OTMapping().fit(X, y)


# ------------------------------------------------------- (g) pickle / clone
def test_pickle_and_clone():
    Xs, _ys, Xt, X, y = two_domains()
    model = OTMapping(LogisticRegression(), reg_e=0.5, reg_cl=0.3).fit(X, y)
    again = pickle.loads(pickle.dumps(model))
    sd = np.ones(60, int)
    np.testing.assert_array_equal(again.transform(Xs, sample_domain=sd),
                                  model.transform(Xs, sample_domain=sd))
    np.testing.assert_array_equal(again.predict(Xt), model.predict(Xt))
    fresh = clone(model)
    assert fresh.get_params()["reg_cl"] == 0.3
    assert not hasattr(fresh, "coupling_")
    np.testing.assert_array_equal(fresh.fit(X, y).coupling_, model.coupling_)


def test_feature_names_out():
    pd = pytest.importorskip("pandas")
    *_, X, y = two_domains()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    model = OTMapping(reg_cl=0).fit(frame, y)
    assert list(model.get_feature_names_out()) == ["a", "b", "c"]
    assert list(model.feature_names_in_) == ["a", "b", "c"]


# ------------------------------------------- (h) scikit-learn's own checks
