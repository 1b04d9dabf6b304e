"""Synthetic domain-shift generators: the contract of the returned Bunch, the
reproducibility, and that each shift is there and of the kind documented."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.linalg import subspace_angles
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from sktransfer.datasets import (
    make_conditional_shift,
    make_covariate_shift,
    make_domain_split,
    make_label_shift,
    make_shifted_moons,
    make_subspace_shift,
)

GENERATORS = [
    make_covariate_shift,
    make_label_shift,
    make_conditional_shift,
    make_subspace_shift,
    make_shifted_moons,
]
TASKS = ["classification", "regression"]
by_name = pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
by_task = pytest.mark.parametrize("task", TASKS)


def domains(data):
    """``(X_source, y_source, X_target, y_target)``."""
    source, target = data.sample_domain == 1, data.sample_domain == 2
    return data.X[source], data.y[source], data.X[target], data.y[target]


def mean_tolerance(*samples, z=5.0):
    """``z`` standard errors of a difference of per-feature means."""
    return z * np.sqrt(sum(s.var(axis=0) / len(s) for s in samples))


def slope_on_y(X, y):
    """Least-squares slope of each feature of ``X`` on ``y``."""
    return LinearRegression().fit(y[:, None], X).coef_[:, 0]


# ------------------------------------------------------------- the contract
@by_name
@by_task
def test_bunch_contract(make, task):
    data = make(n_source=30, n_target=20, task=task, random_state=0)
    assert data.X.shape[0] == data.y.shape[0] == data.sample_domain.shape[0] == 50
    assert data.X.dtype == np.float64 and np.all(np.isfinite(data.X))
    assert data.sample_domain.dtype == np.int64
    assert_array_equal(data.sample_domain, np.r_[np.ones(30), np.full(20, 2)])
    assert data.domain_names == ["source", "target"]
    assert data.feature_names == [f"x{j}" for j in range(data.X.shape[1])]
    assert data.DESCR.startswith("Synthetic")
    if task == "classification":
        assert data.y.dtype == np.int64
        assert set(np.unique(data.y)) <= set(range(len(data.target_names)))
        assert len(data.target_names) == 2
    else:
        assert data.y.dtype == np.float64 and data.target_names == ["y"]


@by_name
@by_task
def test_make_domain_split_accepts_it(make, task):
    data = make(n_source=30, n_target=20, task=task, random_state=0)
    split = make_domain_split(data, source="source", target="target")
    assert split.task == task
    assert_array_equal(split.sample_domain, np.r_[np.ones(30), -np.ones(20)])
    assert_array_equal(split.y_target_true, data.y[30:])
    assert_array_equal(split.y[:30], data.y[:30])
    masked = split.y[30:]
    assert np.all(masked == -1) if task == "classification" else np.all(np.isnan(masked))


@by_name
@by_task
def test_reproducible_with_random_state(make, task):
    first = make(task=task, random_state=3)
    again = make(task=task, random_state=np.random.RandomState(3))
    other = make(task=task, random_state=4)
    assert_array_equal(first.X, again.X)
    assert_array_equal(first.y, again.y)
    assert not np.allclose(first.X, other.X)


@by_name
def test_validates_the_common_arguments(make):
    name = make.__name__
    with pytest.raises(ValueError, match=rf"{name}: task must be one of .*'clustering'"):
        make(task="clustering")
    with pytest.raises(ValueError, match=rf"{name}: n_source must be .*integer.*got 0"):
        make(n_source=0)
    with pytest.raises(ValueError, match=rf"{name}: n_target must be .*integer.*got 2.5"):
        make(n_target=2.5)
    with pytest.raises(ValueError, match=rf"{name}: noise must be a finite float >= 0"):
        make(noise=-0.1)
    with pytest.raises(ValueError, match=rf"{name}: noise must be a finite float"):
        make(noise=np.nan)


@pytest.mark.parametrize("make", GENERATORS[:4], ids=lambda f: f.__name__)
def test_n_features(make):
    data = make(n_features=4, random_state=0)
    assert data.X.shape == (400, 4)
    with pytest.raises(ValueError, match="n_features must be a positive integer, got 0"):
        make(n_features=0)


# ---------------------------------------------------------- covariate shift
def test_covariate_shift_moves_the_inputs_by_the_shift():
    shift = np.array([1.0, -0.5, 2.0])
    data = make_covariate_shift(n_source=3000, n_target=3000, n_features=3, shift=shift,
                                target_scale=0.5, random_state=0)
    Xs, _, Xt, _ = domains(data)
    assert_allclose(Xt.mean(axis=0) - Xs.mean(axis=0), shift,
                    atol=mean_tolerance(Xs, Xt).max())
    assert_allclose(Xs.std(axis=0), 1.0, atol=0.05)
    assert_allclose(Xt.std(axis=0), 0.5, atol=0.03)


@by_task
def test_covariate_shift_has_one_labelling_function(task):
    data = make_covariate_shift(n_source=500, n_target=500, noise=0.0, task=task,
                                random_state=0)
    s = data.X.mean(axis=1)
    f = s ** 3 - s
    expected = (f > 0).astype(np.int64) if task == "classification" else f
    assert_allclose(data.y, expected)  # the same p(y | x) in both domains
    _, ys, _, yt = domains(data)
    if task == "classification":  # both classes present in both domains
        assert set(ys) == set(yt) == {0, 1}


def test_covariate_shift_defeats_a_source_only_linear_model():
    Xs, ys, Xt, yt = domains(make_covariate_shift(n_source=500, n_target=500,
                                                  random_state=0))
    model = LogisticRegression().fit(Xs, ys)
    assert model.score(Xs, ys) - model.score(Xt, yt) > 0.3


def test_covariate_shift_arguments():
    with pytest.raises(ValueError, match=r"shift must be a float or an array of shape \(2,\)"):
        make_covariate_shift(shift=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="shift must be finite"):
        make_covariate_shift(shift=[1.0, np.inf])
    with pytest.raises(ValueError, match="shift must be a float or an array of floats"):
        make_covariate_shift(shift="far")
    with pytest.raises(ValueError, match="target_scale must be a finite float > 0"):
        make_covariate_shift(target_scale=0.0)


def test_shift_given_as_an_array_is_not_written_to():
    shift = np.array([1.0, 2.0])
    make_covariate_shift(shift=shift, random_state=0)
    make_conditional_shift(shift=shift, random_state=0)
    assert_array_equal(shift, [1.0, 2.0])


# --------------------------------------------------------------- label shift
def test_label_shift_priors_change_and_class_conditionals_do_not():
    source_priors, target_priors = (0.2, 0.3, 0.5), (0.6, 0.3, 0.1)
    data = make_label_shift(n_source=4000, n_target=4000, source_priors=source_priors,
                            target_priors=target_priors, class_sep=2.0, random_state=0)
    Xs, ys, Xt, yt = domains(data)
    assert len(data.target_names) == 3
    assert_allclose(np.bincount(ys, minlength=3) / len(ys), source_priors, atol=0.03)
    assert_allclose(np.bincount(yt, minlength=3) / len(yt), target_priors, atol=0.03)
    class_means = []
    for k in range(3):
        Xsk, Xtk = Xs[ys == k], Xt[yt == k]
        assert_allclose(Xsk.mean(axis=0), Xtk.mean(axis=0),
                        atol=mean_tolerance(Xsk, Xtk).max())
        assert_allclose(Xsk.std(axis=0), Xtk.std(axis=0), atol=0.15)
        class_means.append(Xsk.mean(axis=0))
    # x depends on y: the class means are 2 * sqrt(3) apart (triangle of radius 2)
    gaps = [np.linalg.norm(class_means[i] - class_means[j]) for i, j in [(0, 1), (0, 2), (1, 2)]]
    assert_allclose(gaps, 2 * np.sqrt(3), atol=0.3)


def test_label_shift_default_priors():
    _, ys, _, yt = domains(make_label_shift(n_source=4000, n_target=4000, random_state=1))
    assert abs(ys.mean() - 0.5) < 0.03 and abs(yt.mean() - 0.8) < 0.03


def test_label_shift_regression_moves_y_and_keeps_x_given_y():
    data = make_label_shift(n_source=4000, n_target=4000, y_shift=2.0, task="regression",
                            random_state=0)
    Xs, ys, Xt, yt = domains(data)
    assert abs(ys.mean()) < 0.1 and abs(yt.mean() - 2.0) < 0.1
    assert_allclose([ys.std(), yt.std()], 1.0, atol=0.05)
    # the same x | y: slope 1/sqrt(2) on y in each feature, no intercept, in both
    assert_allclose(slope_on_y(Xs, ys), 1 / np.sqrt(2), atol=0.06)
    assert_allclose(slope_on_y(Xt, yt), 1 / np.sqrt(2), atol=0.06)
    assert_allclose((Xt - np.outer(yt, slope_on_y(Xt, yt))).mean(axis=0), 0, atol=0.1)


def test_label_shift_arguments():
    match = "make_label_shift: source_priors must sum to 1"
    with pytest.raises(ValueError, match=match):
        make_label_shift(source_priors=(0.5, 0.6))
    with pytest.raises(ValueError, match="every entry of source_priors must be positive"):
        make_label_shift(source_priors=(0.0, 1.0))
    with pytest.raises(ValueError, match="every entry of target_priors must be non-negative"):
        make_label_shift(target_priors=(-0.5, 1.5))
    with pytest.raises(ValueError, match="at least 2 class probabilities"):
        make_label_shift(source_priors=(1.0,))
    with pytest.raises(ValueError, match="one entry per class, got 2 and 3 entries"):
        make_label_shift(target_priors=(0.2, 0.3, 0.5))
    with pytest.raises(ValueError, match="source_priors applies to task='classification' only"):
        make_label_shift(source_priors=(0.5, 0.5), task="regression")
    with pytest.raises(ValueError, match="y_shift applies to task='regression' only"):
        make_label_shift(y_shift=1.0)
    with pytest.raises(ValueError, match="y_shift must be a finite float"):
        make_label_shift(y_shift=np.inf, task="regression")
    with pytest.raises(ValueError, match="class_sep must be a finite float >= 0"):
        make_label_shift(class_sep=-1.0)


def test_label_shift_target_may_lack_a_class():
    _, _, _, yt = domains(make_label_shift(target_priors=(0.0, 1.0), random_state=0))
    assert np.all(yt == 1)


# --------------------------------------------------------- conditional shift
def test_conditional_shift_moves_each_class_by_its_shift():
    shift = np.array([[2.0, 0.0], [0.0, -1.0], [-1.0, 1.0]])
    data = make_conditional_shift(n_source=4000, n_target=4000, n_classes=3, shift=shift,
                                  random_state=0)
    Xs, ys, Xt, yt = domains(data)
    for k in range(3):
        Xsk, Xtk = Xs[ys == k], Xt[yt == k]
        assert_allclose(Xtk.mean(axis=0) - Xsk.mean(axis=0), shift[k],
                        atol=mean_tolerance(Xsk, Xtk).max())
    # p(y) is the same: uniform in both domains
    assert_allclose(np.bincount(ys) / len(ys), 1 / 3, atol=0.03)
    assert_allclose(np.bincount(yt) / len(yt), 1 / 3, atol=0.03)


def test_conditional_shift_regression_changes_the_slope_only():
    data = make_conditional_shift(n_source=4000, n_target=4000, shift=[1.0, -0.5],
                                  task="regression", random_state=0)
    Xs, ys, Xt, yt = domains(data)
    assert abs(ys.mean() - yt.mean()) < 0.1 and abs(ys.std() - yt.std()) < 0.1
    assert_allclose(slope_on_y(Xt, yt) - slope_on_y(Xs, ys), [1.0, -0.5], atol=0.1)


def test_conditional_shift_arguments():
    with pytest.raises(ValueError, match=r"shift must be a float or an array of shape "
                                         r"\(2,\) or \(3, 2\), got an array of shape \(2, 2\)"):
        make_conditional_shift(n_classes=3, shift=np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"shift must be .* shape \(2,\), got .*\(2, 2\)"):
        make_conditional_shift(shift=np.zeros((2, 2)), task="regression")
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2, got 1"):
        make_conditional_shift(n_classes=1)
    with pytest.raises(ValueError, match="n_classes applies to task='classification' only"):
        make_conditional_shift(n_classes=2, task="regression")


# ----------------------------------------------------------- subspace shift
def principal_subspace(X, k):
    """Top-``k`` principal directions of ``X`` as columns."""
    return np.linalg.svd(X - X.mean(axis=0), full_matrices=False)[2][:k].T


@pytest.mark.parametrize("angle", [0.0, 30.0, 75.0])
def test_subspace_shift_rotates_the_principal_subspace_by_angle(angle):
    data = make_subspace_shift(n_source=2000, n_target=2000, n_features=6,
                               n_components=2, angle=angle, random_state=0)
    Xs, _, Xt, _ = domains(data)
    angles = np.rad2deg(subspace_angles(principal_subspace(Xs, 2), principal_subspace(Xt, 2)))
    assert_allclose(angles, angle, atol=2.0)
    # and the data do lie near a 2-d subspace: two large variances, four of noise
    variances = np.linalg.svd(Xs - Xs.mean(axis=0), compute_uv=False) ** 2 / len(Xs)
    assert np.all(variances[:2] > 0.8) and np.all(variances[2:] < 0.02)


def test_subspace_shift_labels_are_balanced_and_depend_on_the_latent():
    data = make_subspace_shift(n_source=3000, n_target=3000, n_features=4, n_components=2,
                               n_classes=3, random_state=0)
    Xs, ys, Xt, yt = domains(data)
    assert_allclose(np.bincount(ys) / len(ys), 1 / 3, atol=0.03)
    assert_allclose(np.bincount(yt) / len(yt), 1 / 3, atol=0.03)
    assert LogisticRegression().fit(Xs, ys).score(Xs, ys) > 0.9


def test_subspace_shift_regression_shrinks_source_predictions_by_cos_angle():
    data = make_subspace_shift(n_source=2000, n_target=2000, n_features=4, n_components=2,
                               angle=60.0, noise=0.01, task="regression", random_state=0)
    Xs, ys, Xt, yt = domains(data)
    model = LinearRegression().fit(Xs, ys)
    assert model.score(Xs, ys) > 0.99
    assert_allclose(np.polyfit(yt, model.predict(Xt), 1)[0], np.cos(np.deg2rad(60)),
                    atol=0.03)


def test_subspace_shift_arguments():
    with pytest.raises(ValueError, match=r"angle must be in \[0, 90\] degrees.*got 120"):
        make_subspace_shift(angle=120)
    with pytest.raises(ValueError, match="angle must be a finite float >= 0, got nan"):
        make_subspace_shift(angle=np.nan)
    with pytest.raises(ValueError, match=r"n_features must be at least 2 \* n_components = 4"):
        make_subspace_shift(n_features=3, n_components=2)
    with pytest.raises(ValueError, match="n_components must be a positive integer"):
        make_subspace_shift(n_components=0)
    with pytest.raises(ValueError, match="n_classes applies to task='classification' only"):
        make_subspace_shift(n_classes=3, task="regression")


# -------------------------------------------------------------------- moons
def rotate_back(X, degrees):
    theta = np.deg2rad(-degrees)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    center = np.array([0.5, 0.25])
    return center + (X - center) @ rotation.T


@pytest.mark.parametrize("angle", [35.0, -120.0])
def test_moons_target_is_the_source_rotated(angle):
    data = make_shifted_moons(n_source=4000, n_target=4000, angle=angle, random_state=0)
    Xs, ys, Xt, yt = domains(data)
    back = rotate_back(Xt, angle)
    for k in (None, 0, 1):  # the whole cloud, then each moon
        S, T = (Xs, back) if k is None else (Xs[ys == k], back[yt == k])
        assert_allclose(T.mean(axis=0), S.mean(axis=0), atol=mean_tolerance(S, T).max())
        assert_allclose(np.cov(T.T), np.cov(S.T), atol=0.05)
    # without rotating back the target is elsewhere
    assert np.abs(np.cov(Xt.T) - np.cov(Xs.T)).max() > 0.1
    assert_allclose(Xs.mean(axis=0), [0.5, 0.25], atol=0.03)  # the centre of rotation


def test_moons_labels_are_balanced():
    data = make_shifted_moons(n_source=101, n_target=40, random_state=0)
    _, ys, _, yt = domains(data)
    assert_array_equal(np.bincount(ys), [50, 51])
    assert_array_equal(np.bincount(yt), [20, 20])
    assert data.target_names == ["outer moon", "inner moon"]


def test_moons_regression_target_is_the_position_along_the_moon():
    data = make_shifted_moons(n_source=200, n_target=200, angle=60.0, noise=0.0,
                              task="regression", random_state=0)
    Xs, ys, Xt, yt = domains(data)
    for X, y in ((Xs, ys), (rotate_back(Xt, 60.0), yt)):
        assert np.all((y >= 0) & (y <= 1))
        t = np.pi * y
        outer = np.c_[np.cos(t), np.sin(t)]
        inner = np.c_[1 - np.cos(t), 0.5 - np.sin(t)]
        on_outer = np.linalg.norm(X - outer, axis=1) < 1e-9
        on_inner = np.linalg.norm(X - inner, axis=1) < 1e-9
        assert np.all(on_outer | on_inner) and on_outer.sum() == 100


@pytest.mark.parametrize("model, angle, gap", [
    (LogisticRegression(), 35.0, 0.1),
    (KNeighborsClassifier(n_neighbors=5), 50.0, 0.2),
], ids=["logistic-35", "knn-50"])
def test_moons_defeat_a_source_only_model(model, angle, gap):
    Xs, ys, Xt, yt = domains(make_shifted_moons(n_source=500, n_target=500, angle=angle,
                                                random_state=0))
    model.fit(Xs, ys)
    assert model.score(Xs, ys) - model.score(Xt, yt) > gap


def test_moons_arguments():
    with pytest.raises(ValueError, match="make_shifted_moons: angle must be a finite float"):
        make_shifted_moons(angle=np.inf)
    with pytest.raises(ValueError, match="n_source must be an integer >= 2, got 1"):
        make_shifted_moons(n_source=1)
