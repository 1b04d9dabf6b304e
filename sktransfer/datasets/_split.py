"""Turn a multi-domain data set into a source -> target adaptation problem."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import Bunch

from ..domain import MASKED_LABEL, make_sample_domain, mask_target_labels

__all__ = ["make_domain_split"]


def _unpack(dataset):
    """``(X, y, sample_domain, domain_names or None, extra fields)``."""
    if isinstance(dataset, Bunch) or (
        hasattr(dataset, "keys") and not isinstance(dataset, (tuple, list))
    ):
        missing = [k for k in ("X", "y", "sample_domain") if k not in dataset]
        if missing:
            raise ValueError(
                f"dataset has no {missing}; pass a Bunch returned by a "
                "sktransfer.datasets.fetch_* function or a tuple (X, y, sample_domain)."
            )
        extra = {k: dataset[k] for k in ("feature_names", "target_names") if k in dataset}
        return (dataset["X"], dataset["y"], dataset["sample_domain"],
                dataset.get("domain_names"), extra)
    if isinstance(dataset, (tuple, list)) and len(dataset) == 3:
        X, y, sample_domain = dataset
        return X, y, sample_domain, None, {}
    raise ValueError(
        "dataset must be a Bunch returned by a sktransfer.datasets.fetch_* function "
        f"or a tuple (X, y, sample_domain), got {type(dataset).__name__}."
    )


def _resolve(spec, role, ids, domain_names):
    """Domain ids of ``spec`` (a name, an id, or a list of them)."""
    is_list = isinstance(spec, (list, tuple, np.ndarray))
    items = list(spec) if is_list else [spec]
    if not items:
        raise ValueError(f"{role} is empty; name at least one {role} domain.")
    out = []
    for item in items:
        if isinstance(item, str):
            if domain_names is None:
                raise ValueError(
                    f"{role} domain {item!r} is a name, but the dataset has no "
                    "domain_names; give domain ids (the values of sample_domain)."
                )
            if item not in domain_names:
                raise ValueError(
                    f"Unknown {role} domain {item!r}; the dataset's domains are "
                    f"{list(domain_names)}."
                )
            out.append(list(domain_names).index(item) + 1)
        elif isinstance(item, Integral) and not isinstance(item, bool):
            if int(item) not in ids:
                raise ValueError(
                    f"{role} domain id {item} does not occur in sample_domain "
                    f"(ids present: {sorted(ids)})."
                )
            out.append(int(item))
        else:
            raise ValueError(
                f"{role} must be a domain name, a domain id or a list of them, got "
                f"{item!r}."
            )
    if len(set(out)) != len(out):
        raise ValueError(f"{role} lists a domain twice: {items}.")
    return out


def _take_rows(X, rows):
    if hasattr(X, "iloc"):
        return X.iloc[rows].reset_index(drop=True)
    if hasattr(X, "tocsr"):
        return X.tocsr()[rows]
    return np.asarray(X)[rows]


def _infer_task(y, task):
    if task is None:
        return "regression" if y.dtype.kind == "f" else "classification"
    if task not in ("classification", "regression"):
        raise ValueError(
            f"task must be 'classification', 'regression' or None, got {task!r}."
        )
    return task


def make_domain_split(dataset, source, target, *, task=None, separate_sources=False):
    """Source -> target adaptation problem from a multi-domain data set.

    Selects the rows of the ``source`` and ``target`` domains, stacks them
    (source rows first, then target rows, each in the order the domains are
    named) and masks every target label, as the domain data contract of
    :mod:`sktransfer.domain` says. The true target labels are returned apart,
    for evaluation only: no target label can reach a model trained on
    ``(X, y, sample_domain)``.

    Parameters
    ----------
    dataset : Bunch or tuple (X, y, sample_domain)
        A Bunch returned by a ``sktransfer.datasets.fetch_*`` function (its
        ``domain_names`` give the names), or arrays whose ``sample_domain``
        holds a domain id per row. Never modified.
    source, target : str, int, or list of str / int
        Source and target domain(s), by name (from ``dataset.domain_names``)
        or by id (a value of ``sample_domain``). Several source domains are
        merged into one source (id ``+1``), several targets into one target
        (id ``-1``); ``dataset_domain`` keeps the original ids. The two must
        not share a domain.
    task : {"classification", "regression"}, default=None
        How target labels are masked: ``-1`` for classification, ``NaN`` for
        regression. ``None``: regression when ``y`` has a float dtype,
        classification otherwise.
    separate_sources : bool, default=False
        With several source domains: ``False`` merges them into one source
        (id ``+1``); ``True`` keeps them apart, ids ``1, 2, ...`` in the
        order they are named, for the multi-source estimators and the
        adapters' ``source_handling="per_domain"``.

    Returns
    -------
    split : :class:`~sklearn.utils.Bunch`
        X : array-like of shape (n_source + n_target, n_features)
            A copy of the selected rows (same type as ``dataset.X``; a
            DataFrame gets a fresh ``RangeIndex``).
        y : ndarray of shape (n_source + n_target,)
            Training labels: source labels as given, every target label
            masked.
        sample_domain : ndarray of int64
            ``+1`` on source rows (``1, 2, ...`` per source domain with
            ``separate_sources=True``), ``-1`` on target rows.
        y_target_true : ndarray of shape (n_target,)
            True labels of the target rows, for evaluation.
        target_index : ndarray of int64 of shape (n_target,)
            Positions of the target rows in ``X``: ``X[target_index]``
            (``X.iloc[target_index]`` for a DataFrame) are the rows
            ``y_target_true`` labels.
        dataset_domain : ndarray of int64
            The dataset's domain id of each row.
        source_domains, target_domains : list
            The names (or ids) of the domains selected.
        task : str
            ``"classification"`` or ``"regression"``.
        feature_names, target_names : list
            Copied from ``dataset`` when present.

    Examples
    --------
    >>> from sktransfer.datasets import fetch_wine_quality, make_domain_split
    >>> wine = fetch_wine_quality()                      # doctest: +SKIP
    >>> split = make_domain_split(wine, "red", "white")  # doctest: +SKIP
    >>> model.fit(split.X, split.y, sample_domain=split.sample_domain)  # doctest: +SKIP
    >>> (model.predict(split.X[split.target_index])
    ...  == split.y_target_true).mean()                  # doctest: +SKIP
    """
    X, y, sample_domain, domain_names, extra = _unpack(dataset)
    if not hasattr(X, "shape"):
        X = np.asarray(X)
    y = np.asarray(y)
    sample_domain = np.asarray(sample_domain)
    n = y.shape[0]
    if sample_domain.shape != (n,) or X.shape[0] != n:
        raise ValueError(
            f"X, y and sample_domain must have one entry per row, got "
            f"{X.shape[0]} rows, {y.shape} labels and {sample_domain.shape} domains."
        )
    task = _infer_task(y, task)
    ids = set(np.unique(sample_domain).tolist())
    source_ids = _resolve(source, "source", ids, domain_names)
    target_ids = _resolve(target, "target", ids, domain_names)
    shared = set(source_ids) & set(target_ids)
    if shared:
        raise ValueError(
            f"source and target share domain(s) {sorted(shared)}; a domain is "
            "either source or target."
        )
    source_rows = np.concatenate([np.flatnonzero(sample_domain == d) for d in source_ids])
    target_rows = np.concatenate([np.flatnonzero(sample_domain == d) for d in target_ids])
    rows = np.r_[source_rows, target_rows]
    y_sel = y[rows]
    if task == "classification" and np.any(y_sel == MASKED_LABEL):
        raise ValueError(
            f"y holds the class {MASKED_LABEL}, which the domain data contract "
            "reserves for masked labels; recode the classes first."
        )
    new_domain = make_sample_domain(len(source_rows), len(target_rows))
    if not isinstance(separate_sources, (bool, np.bool_)):
        raise ValueError(f"separate_sources must be True or False, got {separate_sources!r}.")
    if separate_sources:
        new_domain[:len(source_rows)] = np.concatenate(
            [np.full(np.count_nonzero(sample_domain == d), i + 1, dtype=np.int64)
             for i, d in enumerate(source_ids)])

    def names(id_list):
        if domain_names is None:
            return id_list
        return [list(domain_names)[i - 1] for i in id_list]

    return Bunch(
        X=_take_rows(X, rows),
        y=mask_target_labels(y_sel, new_domain, task=task),
        sample_domain=new_domain,
        y_target_true=y_sel[len(source_rows):].copy(),
        target_index=np.arange(len(source_rows), len(rows), dtype=np.int64),
        dataset_domain=sample_domain[rows].astype(np.int64),
        source_domains=names(source_ids),
        target_domains=names(target_ids),
        task=task,
        **{k: list(v) for k, v in extra.items()},
    )
