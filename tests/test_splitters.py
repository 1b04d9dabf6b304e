"""Domain-aware splitters: every fold trains and tests on every domain, and
they work in GridSearchCV / cross_validate with masked labels, groups and
metadata routing."""

from math import ceil, floor

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate

from sktransfer import CORAL
from sktransfer.model_selection import (
    DomainShuffleSplit,
    DomainStratifiedKFold,
    LeaveOneDomainOut,
)

GRID = {"reg": [0.1, 1.0]}


def make_problem(sizes, seed=0, n_labelled_target=0):
    """Rows of the domains ``sizes`` ({domain id: n rows}) stacked, three
    imbalanced classes; returns X, y with target labels masked (except the
    first ``n_labelled_target`` rows of each target domain) and sample_domain."""
    rng = np.random.default_rng(seed)
    sd = np.concatenate([np.full(n, d) for d, n in sizes.items()])
    X = rng.normal(size=(sd.shape[0], 3)) + 0.3 * sd[:, None]
    y = rng.choice(3, size=sd.shape[0], p=[0.5, 0.3, 0.2])
    y_masked = y.copy()
    for d in np.unique(sd[sd < 0]):
        y_masked[np.flatnonzero(sd == d)[n_labelled_target:]] = -1
    return X, y_masked, sd


@pytest.fixture
def problem():
    return make_problem({1: 40, -1: 25})


SPLITTERS = {
    "shuffle": lambda: DomainShuffleSplit(4, test_size=0.25, random_state=0),
    "shuffle_train_size": lambda: DomainShuffleSplit(
        3, test_size=0.2, train_size=0.5, random_state=1
    ),
    "kfold": lambda: DomainStratifiedKFold(4),
    "kfold_shuffle": lambda: DomainStratifiedKFold(4, shuffle=True, random_state=0),
}
KFOLDS = ("kfold", "kfold_shuffle")


def domains_via(how, y, sd):
    """split() keyword arguments telling the domains in three ways."""
    return {"masked_y": {"y": y}, "groups": {"y": y, "groups": sd},
            "sample_domain": {"y": y, "sample_domain": sd}}[how]


@pytest.mark.parametrize("how", ["masked_y", "groups", "sample_domain"])
@pytest.mark.parametrize("name", SPLITTERS)
def test_every_fold_holds_every_domain_and_folds_are_disjoint(name, how, problem):
    X, y, sd = problem
    cv = SPLITTERS[name]()
    splits = list(cv.split(X, **domains_via(how, y, sd)))
    assert len(splits) == cv.get_n_splits(X, y)
    for train, test in splits:
        assert set(sd[train]) == {1, -1} and set(sd[test]) == {1, -1}
        assert np.intersect1d(train, test).size == 0
        assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)
    if name in KFOLDS:
        tests = np.concatenate([test for _, test in splits])
        np.testing.assert_array_equal(np.sort(tests), np.arange(len(X)))
        for train, test in splits:
            np.testing.assert_array_equal(np.union1d(train, test), np.arange(len(X)))


@pytest.mark.parametrize("train_size", [None, 0.5])
def test_shuffle_split_takes_the_same_fraction_of_every_domain(train_size):
    X, y, sd = make_problem({1: 40, 2: 13, -1: 25, -2: 7})
    cv = DomainShuffleSplit(3, test_size=0.3, train_size=train_size, random_state=0)
    for train, test in cv.split(X, y, sample_domain=sd):
        for d in (1, 2, -1, -2):
            n_d = int((sd == d).sum())
            n_test = ceil(0.3 * n_d)
            n_train = n_d - n_test if train_size is None else floor(0.5 * n_d)
            assert (sd[test] == d).sum() == n_test
            assert (sd[train] == d).sum() == n_train


def test_stratified_kfold_keeps_class_proportions_within_each_domain():
    # labelled and unlabelled rows in both domains, three imbalanced classes
    X, y, sd = make_problem({1: 47, 2: 23, -1: 31}, seed=3, n_labelled_target=9)
    y = y.copy()
    y[:5] = -1  # a few unlabelled source rows
    k = 4
    cv = DomainStratifiedKFold(k, shuffle=True, random_state=0)
    tests = [test for _, test in cv.split(X, y, sample_domain=sd)]
    for d in (1, 2, -1):
        for stratum in (0, 1, 2, -1):
            rows = np.flatnonzero((sd == d) & (y == stratum))
            counts = [np.isin(test, rows).sum() for test in tests]
            assert sum(counts) == len(rows)
            assert set(counts) <= {floor(len(rows) / k), ceil(len(rows) / k)}, (d, stratum)
        per_fold = [(sd[test] == d).sum() for test in tests]
        assert max(per_fold) - min(per_fold) <= 1
    sizes = [len(test) for test in tests]
    assert max(sizes) - min(sizes) <= 1


def test_unshuffled_kfold_cuts_each_stratum_into_consecutive_blocks():
    y = np.r_[np.zeros(6, int), np.ones(6, int), -np.ones(6, int)]
    X = np.zeros((18, 1))
    tests = [test for _, test in DomainStratifiedKFold(3).split(X, y)]
    np.testing.assert_array_equal(tests[0], [0, 1, 6, 7, 12, 13])
    np.testing.assert_array_equal(tests[2], [4, 5, 10, 11, 16, 17])


def test_regression_target_is_plain_kfold_within_each_domain():
    rng = np.random.default_rng(0)
    sd = np.r_[np.ones(20, int), -np.ones(10, int)]
    y = np.where(sd > 0, rng.normal(size=30), np.nan)
    y[:3] = -1.0  # an ordinary regression value, not a mask
    tests = [test for _, test in DomainStratifiedKFold(5).split(np.zeros((30, 1)), y)]
    # consecutive blocks of 4 source rows and 2 target rows
    for j, test in enumerate(tests):
        np.testing.assert_array_equal(test, np.r_[4 * j:4 * j + 4, 20 + 2 * j:22 + 2 * j])


SEEDED = {
    "shuffle": lambda seed: DomainShuffleSplit(4, test_size=0.25, random_state=seed),
    "kfold_shuffle": lambda seed: DomainStratifiedKFold(4, shuffle=True,
                                                        random_state=seed),
}


@pytest.mark.parametrize("name", SEEDED)
def test_random_state_makes_splits_reproducible(name, problem):
    X, y, sd = problem

    def folds(cv):
        return [np.concatenate([train, [-1], test]) for train, test in cv.split(X, y)]

    cv = SEEDED[name](0)
    first = folds(cv)
    for again in (folds(cv), folds(SEEDED[name](0))):  # same object, new object
        for a, b in zip(first, again):
            np.testing.assert_array_equal(a, b)
    other = folds(SEEDED[name](42))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_sample_domain_takes_precedence_over_groups_and_y():
    X, y, sd = make_problem({1: 30, -1: 20}, n_labelled_target=20)  # y: no mask
    cv = DomainStratifiedKFold(3)
    with pytest.raises(ValueError, match="No target rows"):
        list(cv.split(X, y))
    ref = list(cv.split(X, y, sample_domain=sd))
    wrong_groups = np.r_[-np.ones(10, int), np.ones(40, int)]
    both = list(cv.split(X, y, groups=wrong_groups, sample_domain=sd))
    via_groups = list(cv.split(X, y, groups=sd))
    for (tr, te), (tr2, te2), (tr3, te3) in zip(ref, both, via_groups):
        np.testing.assert_array_equal(te, te2)
        np.testing.assert_array_equal(te, te3)


def test_leave_one_domain_out_holds_out_each_source_domain():
    X, y, sd = make_problem({1: 12, 2: 9, 3: 15, -1: 10})
    cv = LeaveOneDomainOut()
    assert cv.get_n_splits(X, y, sample_domain=sd) == 3
    assert cv.get_n_splits(groups=sd) == 3
    splits = list(cv.split(X, y, sample_domain=sd))
    assert [len(s) for s in splits] == [2, 2, 2]
    for held_out, (train, test) in zip((1, 2, 3), splits):
        np.testing.assert_array_equal(test, np.flatnonzero(sd == held_out))
        np.testing.assert_array_equal(train, np.flatnonzero(sd != held_out))
        assert set(sd[train]) == {1, 2, 3, -1} - {held_out}
    via_groups = list(cv.split(X, y, groups=sd))
    for (_, te), (_, te2) in zip(splits, via_groups):
        np.testing.assert_array_equal(te, te2)


def test_splitters_request_sample_domain_and_groups_and_show_their_params():
    for cv in (DomainShuffleSplit(), DomainStratifiedKFold(), LeaveOneDomainOut()):
        requests = cv.get_metadata_routing().split.requests
        assert requests == {"groups": True, "sample_domain": True}
    with sklearn.config_context(enable_metadata_routing=True):
        off = DomainStratifiedKFold().set_split_request(groups=False)
    assert off.get_metadata_routing().split.requests["groups"] is False
    assert repr(DomainStratifiedKFold(3)) == (
        "DomainStratifiedKFold(n_splits=3, random_state=None, shuffle=False)"
    )
    assert repr(LeaveOneDomainOut()) == "LeaveOneDomainOut()"
    assert "test_size=0.3" in repr(DomainShuffleSplit(test_size=0.3))


def test_user_arrays_are_not_written(problem):
    X, y, sd = problem
    for a in (X, y, sd):
        a.setflags(write=False)
    for make in SPLITTERS.values():
        list(make().split(X, y, sample_domain=sd))


# ---------------------------------------------------------------- errors
def test_data_errors(problem):
    X, y, sd = problem
    small = np.r_[np.ones(40, int), -np.ones(22, int), -2 * np.ones(3, int)]
    with pytest.raises(ValueError, match=r"Domain -2 \(target\) has 3 row\(s\), fewer "
                                         r"than n_splits=4.*n_splits <= 3"):
        DomainStratifiedKFold(4).split(X, y, sample_domain=small)
    one_row = np.r_[np.ones(64, int), -2]
    with pytest.raises(ValueError, match=r"Domain -2 \(target\) has 1 row\(s\).*every "
                                         "training set would hold no row of it"):
        DomainShuffleSplit().split(X, y, sample_domain=one_row)
    with pytest.raises(ValueError, match=r"Domain -1 \(target\) has 25 row"):
        DomainShuffleSplit(train_size=0.03, test_size=None).split(X, y)
    for cv in (DomainShuffleSplit(), DomainStratifiedKFold(), LeaveOneDomainOut()):
        with pytest.raises(ValueError, match="No target rows"):
            cv.split(X, np.where(y < 0, 0, y))
        with pytest.raises(ValueError, match="No source rows"):
            cv.split(X, y, sample_domain=-np.ones(len(X), int))
        with pytest.raises(ValueError, match="sample_domain has 3 entries but X has 65"):
            cv.split(X, y, sample_domain=[1, -1, 1])
        with pytest.raises(ValueError, match="read groups as sample_domain.*contains 0"):
            cv.split(X, y, groups=np.zeros(len(X), int))
        with pytest.raises(ValueError, match="Cannot tell source rows from target"):
            cv.split(X)
        with pytest.raises(ValueError, match="one label per row"):
            cv.split(X, y[:10])
    with pytest.raises(ValueError, match="at least 2 source domains.*got 1: \\[1\\]"):
        LeaveOneDomainOut().split(X, y)
    with pytest.raises(ValueError, match="at least 2 source domains"):
        LeaveOneDomainOut().get_n_splits(X, y, sample_domain=sd)


def test_parameter_errors():
    with pytest.raises(ValueError, match="n_splits must be at least 2"):
        DomainStratifiedKFold(1)
    with pytest.raises(ValueError, match="n_splits must be an integer"):
        DomainShuffleSplit(2.5)
    with pytest.raises(ValueError, match="test_size must be a float in \\(0, 1\\)"):
        DomainShuffleSplit(test_size=10)
    with pytest.raises(ValueError, match="train_size must be a float in \\(0, 1\\)"):
        DomainShuffleSplit(train_size=1.5)
    with pytest.raises(ValueError, match="exceeds 1"):
        DomainShuffleSplit(test_size=0.5, train_size=0.6)
    with pytest.raises(ValueError, match="Give test_size or train_size"):
        DomainShuffleSplit(test_size=None)
    with pytest.raises(ValueError, match="no effect since shuffle is False"):
        DomainStratifiedKFold(random_state=0)


# ------------------------------------------------- in scikit-learn searches
def assert_search_ran(search, n_splits):
    assert search.n_splits_ == n_splits
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.all(np.isfinite(scores))


@pytest.mark.parametrize("name", ["shuffle", "kfold"])
def test_grid_search_and_cross_validate_with_masked_labels_and_groups(name, problem):
    X, y, sd = problem
    cv = SPLITTERS[name]()
    expected = [test for _, test in cv.split(X, y)]
    for fit_params in ({}, {"groups": sd}):
        search = GridSearchCV(CORAL(LogisticRegression()), GRID, cv=cv)
        assert_search_ran(search.fit(X, y, **fit_params), len(expected))
        res = cross_validate(CORAL(LogisticRegression()), X, y, cv=cv,
                             return_indices=True, **fit_params)
        assert np.all(np.isfinite(res["test_score"]))
        for test, exp in zip(res["indices"]["test"], expected):
            np.testing.assert_array_equal(test, exp)


def routed_coral():
    return (CORAL(LogisticRegression())
            .set_fit_request(sample_domain=True)
            .set_score_request(sample_domain=True))


@pytest.mark.parametrize("name", ["shuffle", "kfold"])
def test_grid_search_and_cross_validate_route_sample_domain_to_the_splitter(name):
    # labelled target rows: masked labels alone would call them source rows
    X, y, sd = make_problem({1: 40, -1: 25}, n_labelled_target=8)
    cv = SPLITTERS[name]()
    expected = [test for _, test in cv.split(X, y, sample_domain=sd)]
    inferred = [test for _, test in cv.split(X, y)]
    assert not all(np.array_equal(a, b) for a, b in zip(expected, inferred))
    with sklearn.config_context(enable_metadata_routing=True):
        search = GridSearchCV(routed_coral(), GRID, cv=cv)
        assert_search_ran(search.fit(X, y, sample_domain=sd), len(expected))
        res = cross_validate(routed_coral(), X, y, cv=cv, return_indices=True,
                             params={"sample_domain": sd})
    for test, exp in zip(res["indices"]["test"], expected):
        np.testing.assert_array_equal(test, exp)


def test_leave_one_domain_out_in_searches():
    X, y, sd = make_problem({1: 20, 2: 16, 3: 18, -1: 15})
    cv = LeaveOneDomainOut()
    # routing off: groups is read as sample_domain by the splitter
    assert_search_ran(GridSearchCV(CORAL(LogisticRegression()), GRID, cv=cv)
                      .fit(X, y, groups=sd), 3)
    res = cross_validate(CORAL(LogisticRegression()), X, y, cv=cv, groups=sd,
                         return_indices=True)
    for held_out, test in zip((1, 2, 3), res["indices"]["test"]):
        np.testing.assert_array_equal(test, np.flatnonzero(sd == held_out))
    # routing on: sample_domain reaches the splitter (masked labels alone
    # would give one source domain, and an error)
    with sklearn.config_context(enable_metadata_routing=True):
        assert_search_ran(GridSearchCV(routed_coral(), GRID, cv=cv)
                          .fit(X, y, sample_domain=sd), 3)
        res = cross_validate(routed_coral(), X, y, cv=cv, params={"sample_domain": sd})
        assert res["test_score"].shape == (3,)
        # groups is requested too, so it also reaches the splitter under routing
        assert_search_ran(GridSearchCV(CORAL(LogisticRegression()), GRID, cv=cv)
                          .fit(X, y, groups=sd), 3)
    with pytest.raises(ValueError, match="at least 2 source domains"):
        GridSearchCV(CORAL(LogisticRegression()), GRID, cv=cv).fit(X, y)


def test_labelled_folds_stratify_when_they_can_and_shuffle_when_they_cannot():
    from sktransfer.model_selection._folds import labelled_folds

    y = np.r_[np.zeros(6, int), np.ones(3, int)]
    folds = labelled_folds(y, 3, task="classification", random_state=0)
    assert all(np.sum(y[held] == 1) == 1 for _, held in folds)  # stratified
    few = np.r_[np.arange(6), 1, 2]  # 8 labels of 6 classes, none with 3 rows
    folds = labelled_folds(few, 3, task="classification", random_state=0)
    held = np.sort(np.concatenate([h for _, h in folds]))
    np.testing.assert_array_equal(held, np.arange(8))  # every row held out once
    with pytest.raises(ValueError, match="cv=3 folds need at least 3 labelled"):
        labelled_folds(np.r_[0, 1], 3, task="classification")
