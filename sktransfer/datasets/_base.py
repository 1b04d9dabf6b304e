"""Shared machinery of the data set loaders: where the files are, which
domains to load, and how the domains are stacked into one ``Bunch``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._validation import check_bool
from ._download import DownloadError, download_zip_members

__all__ = ["DATA_HOME_ENV", "get_data_home"]

#: Environment variable naming the data folder when ``data_home`` is not given.
DATA_HOME_ENV = "SKTRANSFER_DATA"
#: Data folder used when neither ``data_home`` nor the environment variable is set.
DEFAULT_DATA_HOME = "~/sktransfer_data"


def _resolve_data_home(data_home=None):
    """Return ``(folder, how)``: the data folder and how it was chosen."""
    if data_home is not None:
        return Path(data_home).expanduser(), "the data_home argument"
    env = os.environ.get(DATA_HOME_ENV)
    if env:
        return Path(env).expanduser(), f"the {DATA_HOME_ENV} environment variable"
    return (
        Path(DEFAULT_DATA_HOME).expanduser(),
        f"the default {DEFAULT_DATA_HOME} (neither data_home nor {DATA_HOME_ENV} is set)",
    )


def get_data_home(data_home=None):
    """Folder the ``fetch_*`` loaders read their files from.

    In order of precedence: ``data_home`` when given, else the environment
    variable ``SKTRANSFER_DATA`` when set and not empty, else
    ``~/sktransfer_data``. ``~`` is expanded. The folder is not created.

    Each data set lives in its own sub-folder (``wine_quality``,
    ``heart_disease``, ``office_caltech10_surf``, ``amazon_review_400``) with
    the file names of its original distribution.

    Parameters
    ----------
    data_home : str or path-like, default=None

    Returns
    -------
    data_home : pathlib.Path
    """
    return _resolve_data_home(data_home)[0]


@dataclass(frozen=True)
class DatasetSpec:
    """What a loader needs to know about one data set.

    ``files`` maps each domain name (in canonical order) to its file name in
    ``folder``; ``source`` says where the files come from (it ends up in the
    error raised for a missing file). ``url``, when set, is a zip archive
    holding every file of ``files`` (at any depth), which the loaders
    download when a file is missing; ``sha256`` then maps each file name to
    the sha256 (hex) the extracted file must have.
    """

    title: str
    folder: str
    files: dict
    source: str
    url: str | None = None
    sha256: dict = field(default_factory=dict)

    def __post_init__(self):
        unchecked = set(self.files.values()) - set(self.sha256)
        if self.url is not None and unchecked:
            raise ValueError(
                f"{self.title}: a downloadable data set needs the sha256 of every "
                f"file; {sorted(unchecked)} have none."
            )

    @property
    def domain_names(self):
        return list(self.files)


def select_domains(spec, domains):
    """Validate ``domains`` (None, a name or a list of names) against ``spec``
    and return the list of names to load, in the order given."""
    valid = spec.domain_names
    if domains is None:
        return valid
    if isinstance(domains, str):
        domains = [domains]
    try:
        domains = list(domains)
    except TypeError:
        raise ValueError(
            f"domains must be None, a domain name or a list of names from {valid}, "
            f"got {domains!r}."
        ) from None
    unknown = [d for d in domains if d not in valid]
    if unknown:
        raise ValueError(
            f"Unknown {spec.title} domain(s) {unknown}; the domains are {valid}."
        )
    if not domains:
        raise ValueError(f"domains is empty; choose among {valid}.")
    if len(set(domains)) != len(domains):
        raise ValueError(f"domains lists a domain twice: {domains}.")
    return domains


def locate_files(spec, domains, data_home, *, download_if_missing=False):
    """Paths of the files of ``domains``, downloaded first when missing.

    When a file of ``domains`` is missing, ``download_if_missing`` is true
    and ``spec.url`` is set, every missing file of the data set is
    downloaded from the archive at ``spec.url`` into ``<data_home>/<folder>``
    (created if needed) and checked against its sha256 (see
    :func:`download_zip_members`; files already there are read as they are,
    not checked). Otherwise, or when the download fails, a
    ``FileNotFoundError`` names every missing file, the folder searched, how
    that folder was chosen and how to get the data, before anything is read.
    A download whose files fail their check raises an ``OSError`` naming the
    file, the expected and the actual sha256.
    """
    check_bool(download_if_missing, "download_if_missing")
    home, how = _resolve_data_home(data_home)
    folder = home / spec.folder
    paths = [folder / spec.files[d] for d in domains]
    missing = [p.name for p in paths if not p.is_file()]
    if not missing:
        return paths
    not_found = (
        f"{spec.title}: expected file(s) {missing} in the folder {folder}, not "
        f"found. The data folder {home} was chosen by {how}"
    )
    elsewhere = (
        f"pass data_home= or set {DATA_HOME_ENV} to the folder that holds "
        f"'{spec.folder}/'"
    )
    if spec.url is None:
        raise FileNotFoundError(
            f"{not_found}; {elsewhere}. sktransfer cannot download this data set "
            f"(it has no stable official address): {spec.source}"
        )
    if not download_if_missing:
        raise FileNotFoundError(
            f"{not_found}; {elsewhere}, or pass download_if_missing=True to "
            f"download the data set from {spec.url}. By hand: {spec.source}"
        )
    to_fetch = [f for f in spec.files.values() if not (folder / f).is_file()]
    try:
        download_zip_members(spec.url, {f: spec.sha256[f] for f in to_fetch}, folder)
    except DownloadError as exc:
        raise FileNotFoundError(
            f"{not_found}, and the download from {exc.url} failed: {exc.reason}. "
            f"To fix it, {spec.source} Or {elsewhere}."
        ) from exc
    return paths


def stack_domains(blocks, domains):
    """Stack per-domain ``(X, y)`` blocks; domain ``i`` gets id ``i + 1``.

    Returns ``X`` (float64), ``y`` and ``sample_domain`` (int64).
    """
    X = np.vstack([np.asarray(Xd, dtype=np.float64) for Xd, _ in blocks])
    y = np.concatenate([yd for _, yd in blocks])
    sample_domain = np.repeat(
        np.arange(1, len(domains) + 1, dtype=np.int64), [len(yd) for _, yd in blocks]
    )
    return X, y, sample_domain


def make_bunch(X, y, sample_domain, domains, *, feature_names, target_names, descr,
               as_frame=False, target_column=None):
    """The ``Bunch`` every loader returns (``frame`` added with ``as_frame``)."""
    bunch = Bunch(
        X=X,
        y=y,
        sample_domain=sample_domain,
        domain_names=list(domains),
        feature_names=list(feature_names),
        target_names=list(target_names),
        DESCR=descr,
    )
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is a test extra
            raise ImportError(
                "as_frame=True needs pandas; install it or use as_frame=False."
            ) from exc
        frame = pd.DataFrame(X, columns=bunch.feature_names)
        frame[target_column] = y
        bunch.frame = frame
        bunch.X = frame[bunch.feature_names]
        bunch.y = frame[target_column]
    return bunch


def check_as_frame(as_frame):
    check_bool(as_frame, "as_frame")
