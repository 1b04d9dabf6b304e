"""Tasks of the benchmark suite: which rows are source, target, evaluated.

A task yields, for a seed, a :class:`Problem`: the preprocessed training
rows (source labelled, target masked, as the domain data contract says), the
target rows scored (``eval``) and the labelled target rows the target-only
ceiling is trained on (``lab``). The two target halves are disjoint, drawn
with the seed (stratified for classification); every adapter sees *all*
target rows unlabelled at fit (the usual transductive protocol), no model
ever sees a target label except the target-only baseline's own half.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import (
    fetch_amazon_reviews,
    fetch_heart_disease,
    fetch_office_caltech10,
    fetch_wine_quality,
    make_domain_split,
)

OFFICE = {"A": "amazon", "W": "webcam", "D": "dslr", "C": "caltech"}
AMAZON = {"B": "books", "D": "dvd", "E": "elec", "K": "kitchen"}
HEART_SITES = ("hungary", "switzerland", "va")
FAMILIES = ("synthetic", "wine", "heart", "office", "amazon")


@dataclass
class Problem:
    """One task drawn with one seed; ``X`` already imputed and scaled."""

    X: np.ndarray
    y: np.ndarray                # target rows masked
    sample_domain: np.ndarray    # +1 source, -1 target
    eval_index: np.ndarray       # rows of X scored
    y_eval: np.ndarray
    lab_index: np.ndarray        # labelled target rows of the target-only ceiling
    y_lab: np.ndarray
    kind: str                    # "classification" or "regression"

    @property
    def source_index(self):
        return np.flatnonzero(self.sample_domain > 0)

    @property
    def n_features(self):
        return self.X.shape[1]


@dataclass(frozen=True)
class Task:
    name: str
    family: str
    kind: str
    draw: Callable  # (data_home, seed) -> Problem
    note: str = ""


def _preprocess(X):
    """Mean imputation then standard scaling, fitted on every training row
    (source and target, no label): the same unsupervised step for every
    method, ours, the peers' and the baselines'."""
    return make_pipeline(SimpleImputer(), StandardScaler()).fit_transform(X)


def split_target(split, train_size, seed, kind):
    """Positions (in ``split.target_index``) of ``train_size`` target rows
    to label and of the rest, drawn with ``seed``, stratified by class for
    classification (plainly when a class is too rare to stratify)."""
    y_true = np.asarray(split.y_target_true)
    rows = np.zeros(len(y_true))
    plain = ShuffleSplit(1, train_size=train_size, random_state=seed)
    if kind != "classification":
        return next(plain.split(rows))
    try:
        return next(StratifiedShuffleSplit(1, train_size=train_size, random_state=seed)
                    .split(rows, y_true))
    except ValueError:
        return next(plain.split(rows))


def problem_from_split(split, seed, kind):
    """Halve the target rows of a ``make_domain_split`` result into scored
    and labelled-for-the-ceiling rows, with ``seed``."""
    target = np.asarray(split.target_index)
    y_true = np.asarray(split.y_target_true)
    lab, ev = split_target(split, 0.5, seed, kind)
    return Problem(
        X=_preprocess(np.asarray(split.X, dtype=float)),
        y=np.asarray(split.y),
        sample_domain=np.asarray(split.sample_domain),
        eval_index=target[ev], y_eval=y_true[ev],
        lab_index=target[lab], y_lab=y_true[lab],
        kind=kind,
    )


class _Cache:
    """Each real data set is read once per run."""

    def __init__(self):
        self._data = {}

    def get(self, key, loader):
        if key not in self._data:
            self._data[key] = loader()
        return self._data[key]


_CACHE = _Cache()


def _real_task(name, family, kind, loader, source, target, note=""):
    def draw(data_home, seed):
        data = _CACHE.get((family, kind, str(data_home)), lambda: loader(data_home))
        split = make_domain_split(data, source, target, task=kind)
        return problem_from_split(split, seed, kind)

    return Task(name, family, kind, draw, note)


def _pairs(letters):
    return [(s, t) for s in letters for t in letters if s != t]


def real_tasks():
    tasks = []
    for s, t in _pairs("CAWD"):
        tasks.append(_real_task(
            f"office {s}->{t}", "office", "classification",
            lambda home: fetch_office_caltech10(data_home=home, preprocessing="published"),
            OFFICE[s], OFFICE[t]))
    for s, t in _pairs("KDBE"):
        tasks.append(_real_task(
            f"amazon {s}->{t}", "amazon", "classification",
            lambda home: fetch_amazon_reviews(data_home=home), AMAZON[s], AMAZON[t]))
    tasks.append(_real_task(
        "wine red->white", "wine", "classification",
        lambda home: fetch_wine_quality(data_home=home, target="binary"), "red", "white",
        note="quality >= 6"))
    tasks.append(_real_task(
        "wine red->white (quality)", "wine", "regression",
        lambda home: fetch_wine_quality(data_home=home, target="regression"), "red", "white",
        note="regression on quality"))
    for site in HEART_SITES:
        tasks.append(_real_task(
            f"heart cleveland->{site}", "heart", "classification",
            lambda home: fetch_heart_disease(data_home=home), "cleveland", site,
            note="missing values mean-imputed"))
    return tasks


#: the domains of the leave-one-domain-out tasks of the multi-source track
MULTI_SOURCE = {
    "heart": ("cleveland", "hungary", "switzerland", "va"),
    "office": ("amazon", "webcam", "dslr", "caltech"),
    "amazon": ("books", "dvd", "elec", "kitchen"),
}
_LOADERS = {
    "heart": lambda home: fetch_heart_disease(data_home=home),
    "office": lambda home: fetch_office_caltech10(data_home=home, preprocessing="published"),
    "amazon": lambda home: fetch_amazon_reviews(data_home=home),
}


def multi_source_tasks(families=tuple(MULTI_SOURCE)):
    """Leave one domain out: each domain of a family the target, the others
    its source domains, kept apart (ids 1, 2, 3 in the order of
    ``MULTI_SOURCE``)."""
    tasks = []
    for family in families:
        domains = MULTI_SOURCE[family]
        for target in domains:
            sources = [d for d in domains if d != target]

            def draw(data_home, seed, family=family, sources=sources, target=target):
                data = _CACHE.get((family, "classification", str(data_home)),
                                  lambda: _LOADERS[family](data_home))
                split = make_domain_split(data, sources, target, task="classification",
                                          separate_sources=True)
                return problem_from_split(split, seed, "classification")

            tasks.append(Task(f"{family} ->{target}", family, "classification", draw,
                              note="sources: " + ", ".join(sources)))
    return tasks


def _synthetic_task(name, make, kind, **params):
    def draw(data_home, seed):
        bunch = make(task=kind, random_state=seed, **params)
        split = make_domain_split(bunch, "source", "target", task=kind)
        return problem_from_split(split, seed, kind)

    return Task(name, "synthetic", kind, draw)


def synthetic_tasks(n=400):
    from sktransfer.datasets import (
        make_conditional_shift,
        make_covariate_shift,
        make_label_shift,
        make_shifted_moons,
        make_subspace_shift,
    )

    size = {"n_source": n, "n_target": n}
    return [
        _synthetic_task("covariate shift", make_covariate_shift, "classification", **size),
        _synthetic_task("covariate shift (reg)", make_covariate_shift, "regression", **size),
        _synthetic_task("label shift", make_label_shift, "classification", **size),
        _synthetic_task("conditional shift", make_conditional_shift, "classification",
                        **size),
        _synthetic_task("subspace shift", make_subspace_shift, "classification", **size),
        _synthetic_task("rotated moons 30deg", make_shifted_moons, "classification",
                        angle=30.0, **size),
    ]


def has_real_data(family, data_home):
    """Whether the files of ``family`` are in ``data_home`` (nothing is
    downloaded by the suite: a missing set is reported and skipped)."""
    folders = {"wine": "wine_quality", "heart": "heart_disease",
               "office": "office_caltech10_surf", "amazon": "amazon_review_400"}
    folder = Path(data_home) / folders[family]
    return folder.is_dir() and any(folder.iterdir())


def select_tasks(families, data_home, *, synthetic_n=400, names=None, log=None):
    """The tasks of ``families`` whose data are present; ``(tasks, missing)``.

    ``names`` keeps the tasks whose name contains one of its strings; ``log``
    (a print-like callable) is told of each family whose data are missing.
    """
    tasks, missing = [], []
    if "synthetic" in families:
        tasks += synthetic_tasks(synthetic_n)
    for family in FAMILIES[1:]:
        if family not in families:
            continue
        if has_real_data(family, data_home):
            tasks += [t for t in real_tasks() if t.family == family]
        else:
            missing.append(family)
    if names:
        tasks = [t for t in tasks if any(part in t.name for part in names)]
    for family in missing if log is not None else ():
        log(f"no {family} data in {data_home}: its tasks are skipped")
    return tasks, missing


def task_parser(doc, families):
    """The command line shared by the real-task tracks: ``--families``,
    ``--tasks``, ``--seeds``, ``--first-seed``, ``--data-home``,
    ``--out-dir``; a track adds its own options."""
    import argparse

    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--families", nargs="+", default=list(families))
    p.add_argument("--tasks", nargs="+", default=None,
                   help="keep the tasks whose name contains one of these strings")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--data-home", default=str(here.parent.parent / "shared" / "data"))
    p.add_argument("--out-dir", default=str(here.parent / "docs"))
    return p
