"""Loaders of real data sets with a natural domain shift, read from local
copies of their original files (the UCI ones are downloaded when missing)."""

from __future__ import annotations

import csv

import numpy as np

from ._base import (
    DatasetSpec,
    check_as_frame,
    locate_files,
    make_bunch,
    select_domains,
    stack_domains,
)

__all__ = [
    "fetch_wine_quality",
    "fetch_heart_disease",
    "fetch_office_caltech10",
    "fetch_amazon_reviews",
]

_UCI_HINT = "download {url} and extract {what} into the folder above."
_WINE_URL = "https://archive.ics.uci.edu/static/public/186/wine+quality.zip"
_HEART_URL = "https://archive.ics.uci.edu/static/public/45/heart+disease.zip"

# sha256 of the files as extracted from the UCI archives (the archives' own
# checksums are not recorded; see _download.py).
WINE = DatasetSpec(
    title="Wine Quality",
    folder="wine_quality",
    files={"red": "winequality-red.csv", "white": "winequality-white.csv"},
    source=_UCI_HINT.format(url=_WINE_URL, what="the two winequality-*.csv files"),
    url=_WINE_URL,
    sha256={
        "winequality-red.csv":
            "4a402cf041b025d4566d954c3b9ba8635a3a8a01e039005d97d6a710278cf05e",
        "winequality-white.csv":
            "76c3f809815c17c07212622f776311faeb31e87610d52c26d87d6e361b169836",
    },
)
HEART = DatasetSpec(
    title="Heart Disease",
    folder="heart_disease",
    files={
        "cleveland": "processed.cleveland.data",
        "hungary": "processed.hungarian.data",
        "switzerland": "processed.switzerland.data",
        "va": "processed.va.data",
    },
    source=_UCI_HINT.format(url=_HEART_URL, what="the four processed.*.data files"),
    url=_HEART_URL,
    sha256={
        "processed.cleveland.data":
            "a74b7efa387bc9d108d7d0115d831fe9b414b29ae7124f331b622b4efa0427c8",
        "processed.hungarian.data":
            "d1ad108f785768cd3d7e82dc522e6f5a61eea93cccfb3a46ee8076f73fc3d796",
        "processed.switzerland.data":
            "834a405ccf5b66ab4056bb77794adc8df0b7125186454c0a1d002d33c6c3b314",
        "processed.va.data":
            "e7c93d8d0d2acdadfa4c5e8de768e2191e7f618b952e29623f1f0d5949ff6b8f",
    },
)
OFFICE = DatasetSpec(
    title="Office-Caltech10 SURF",
    folder="office_caltech10_surf",
    files={
        "amazon": "amazon_SURF_L10.mat",
        "webcam": "webcam_SURF_L10.mat",
        "dslr": "dslr_SURF_L10.mat",
        "caltech": "Caltech10_SURF_L10.mat",
    },
    source=(
        "the SURF bag-of-words features (*_SURF_L10.mat) are those of the GFK "
        "release (Gong et al., CVPR 2012), distributed by the GFK authors and "
        "mirrored by other domain-adaptation projects; put the files in the "
        "folder above."
    ),
)
AMAZON = DatasetSpec(
    title="Amazon reviews (400 words)",
    folder="amazon_review_400",
    files={
        "books": "books_400.mat",
        "dvd": "dvd_400.mat",
        "elec": "elec_400.mat",
        "kitchen": "kitchen_400.mat",
    },
    source=(
        "the 400-word features (*_400.mat) are the processing of Chen et al. "
        "(ICML 2012, mSDA) of the Blitzer et al. (2007) reviews, distributed by "
        "the mSDA authors and mirrored by other domain-adaptation projects; put "
        "the files in the folder above."
    ),
)

HEART_FEATURES = [
    "age", "sex", "cp", "trestbps", "chol", "fbs", "restecg",
    "thalach", "exang", "oldpeak", "slope", "ca", "thal",
]
# Class names of the GFK release's labels 1..10 (alphabetical order, as the
# per-class counts of the amazon and webcam domains confirm against Office-31).
OFFICE_CLASSES = [
    "back_pack", "bike", "calculator", "headphones", "keyboard",
    "laptop_computer", "monitor", "mouse", "mug", "projector",
]
_N_FEATURES = {"wine": 11, "heart": 13, "office": 800, "amazon": 400}


def _check_columns(array, expected, path):
    if array.ndim != 2 or array.shape[1] != expected:
        raise ValueError(
            f"{path} does not have the expected layout: {expected} columns were "
            f"expected, the file gives an array of shape {array.shape}. Replace it "
            "with the original file."
        )


# -------------------------------------------------------------------- wine
def _read_wine(path):
    with open(path, newline="") as f:
        header = next(csv.reader(f, delimiter=";"))
        data = np.loadtxt(f, delimiter=";", dtype=np.float64, ndmin=2)
    _check_columns(data, _N_FEATURES["wine"] + 1, path)
    return header[:-1], data[:, :-1], data[:, -1]


def fetch_wine_quality(*, data_home=None, domains=None, target="binary", as_frame=False,
                       download_if_missing=True):
    """Wine Quality (Cortez et al. 2009): red and white vinho verde wines.

    ============================  ===========================
    Domains (rows)                red (1599), white (4898)
    Features                      11 physico-chemical, float
    Target, ``target="binary"``   ``quality >= 6`` (0 or 1)
    Target, ``"regression"``      ``quality`` (3 to 9)
    ============================  ===========================

    The two colours are a strong covariate shift (a classifier tells them
    apart at about 99%); the usual task is red -> white.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`. The files are read from its
        sub-folder ``wine_quality/`` (``winequality-red.csv``,
        ``winequality-white.csv``, the original ``;``-separated layout).
    domains : str or list of str, default=None
        Domains to load, among ``"red"`` and ``"white"``, in the order given;
        all of them by default.
    target : {"binary", "regression"}, default="binary"
        ``"binary"``: ``y = 1`` when ``quality >= 6`` else ``0`` (int64).
        ``"regression"``: ``y`` is ``quality`` (float64).
    as_frame : bool, default=False
        Return ``X`` as a pandas DataFrame, ``y`` as a Series and the table
        as ``frame`` (needs pandas).
    download_if_missing : bool, default=True
        When a file is missing, download the UCI archive, check the sha256 of
        the two files and put them into ``wine_quality/`` (created if
        needed). ``False``: raise ``FileNotFoundError`` instead.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` (float64, n x 11), ``y``, ``sample_domain`` (int64; the i-th
        loaded domain has id ``i + 1``), ``domain_names``, ``feature_names``,
        ``target_names``, ``DESCR`` and, with ``as_frame``, ``frame``.
        :func:`make_domain_split` turns it into a source/target problem.

    Raises
    ------
    FileNotFoundError
        When a file is missing and cannot be downloaded (or
        ``download_if_missing=False``): the message names it, the folder
        searched, how that folder was chosen, the address tried and the
        reason, and how to get the data.
    OSError
        When a downloaded file does not have the expected sha256; nothing is
        written then.

    References
    ----------
    P. Cortez, A. Cerdeira, F. Almeida, T. Matos, J. Reis. Modeling wine
    preferences by data mining from physicochemical properties. Decision
    Support Systems 47(4), 2009. UCI ML repository id 186, CC BY 4.0.
    """
    if target not in ("binary", "regression"):
        raise ValueError(f"target must be 'binary' or 'regression', got {target!r}.")
    check_as_frame(as_frame)
    domains = select_domains(WINE, domains)
    paths = locate_files(WINE, domains, data_home,
                         download_if_missing=download_if_missing)
    blocks, feature_names = [], None
    for path in paths:
        feature_names, Xd, quality = _read_wine(path)
        yd = quality if target == "regression" else (quality >= 6).astype(np.int64)
        blocks.append((Xd, yd))
    X, y, sample_domain = stack_domains(blocks, domains)
    if target == "regression":
        target_names, column = ["quality"], "quality"
    else:
        target_names, column = ["quality <= 5", "quality >= 6"], "quality_ge_6"
    return make_bunch(
        X, y, sample_domain, domains, feature_names=feature_names,
        target_names=target_names, descr=_WINE_DESCR, as_frame=as_frame,
        target_column=column,
    )


# ------------------------------------------------------------------- heart
def _read_heart(path):
    data = np.genfromtxt(path, delimiter=",", missing_values="?",
                         filling_values=np.nan, dtype=np.float64, ndmin=2)
    _check_columns(data, _N_FEATURES["heart"] + 1, path)
    X = data[:, :-1]
    chol = HEART_FEATURES.index("chol")
    X[X[:, chol] == 0, chol] = np.nan  # 0 records a missing value (see DESCR)
    num = data[:, -1]
    if np.isnan(num).any():
        raise ValueError(f"{path}: the diagnosis column (num) has missing values.")
    return X, (num > 0).astype(np.int64)


def fetch_heart_disease(*, data_home=None, domains=None, as_frame=False,
                        download_if_missing=True):
    """Heart Disease (Detrano et al. 1989): the processed files of four
    hospitals, one domain each.

    ============================  ==============================================
    Domains (rows)                cleveland (303), hungary (294),
                                  switzerland (123), va (200, VA Long Beach)
    Features                      13, float, with missing values (``NaN``)
    Target                        ``num > 0`` (presence of heart disease), 0/1
    ============================  ==============================================

    Missing values are kept as ``NaN`` in ``X``: impute them inside a
    pipeline (e.g. ``make_pipeline(SimpleImputer(), StandardScaler(),
    LogisticRegression())``) so that the imputation is learnt on the training
    rows only. Two kinds of missing value are turned into ``NaN``:

    * ``?`` in the files;
    * ``chol == 0``: serum cholesterol is recorded as 0, not ``?``, for all
      123 Switzerland rows and 49 of the 200 VA rows; 0 mg/dl is not a
      measurement, so it is read as missing.

    One VA row also records a resting blood pressure ``trestbps`` of 0; it is
    kept as recorded (only ``chol`` has a documented missing-value code).

    ``cp``, ``restecg``, ``slope`` and ``thal`` are coded categories and
    ``sex``, ``fbs``, ``exang`` binary flags, all kept as their numeric codes.
    Switzerland is 93.5% positive: read any score there against the
    majority-class rate.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`. The files are read from its
        sub-folder ``heart_disease/`` (``processed.cleveland.data``,
        ``processed.hungarian.data``, ``processed.switzerland.data``,
        ``processed.va.data``: no header, ``?`` for missing).
    domains : str or list of str, default=None
        Domains to load, among ``"cleveland"``, ``"hungary"``,
        ``"switzerland"``, ``"va"``, in the order given; all by default.
    as_frame : bool, default=False
        Return ``X`` as a pandas DataFrame, ``y`` as a Series (column
        ``"disease"``) and the table as ``frame`` (needs pandas).
    download_if_missing : bool, default=True
        When a file is missing, download the UCI archive, check the sha256 of
        the four processed files and put them into ``heart_disease/``
        (created if needed). ``False``: raise ``FileNotFoundError`` instead.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` (float64, n x 13, with ``NaN``), ``y`` (int64, 0/1),
        ``sample_domain`` (the i-th loaded domain has id ``i + 1``),
        ``domain_names``, ``feature_names``, ``target_names``, ``DESCR`` and,
        with ``as_frame``, ``frame``.

    Raises
    ------
    FileNotFoundError
        When a file is missing and cannot be downloaded (or
        ``download_if_missing=False``): the message names it, the folder
        searched, how that folder was chosen, the address tried and the
        reason, and how to get the data.
    OSError
        When a downloaded file does not have the expected sha256; nothing is
        written then.

    References
    ----------
    R. Detrano et al. International application of a new probability
    algorithm for the diagnosis of coronary artery disease. American Journal
    of Cardiology 64(5), 1989. UCI ML repository id 45, CC BY 4.0.
    """
    check_as_frame(as_frame)
    domains = select_domains(HEART, domains)
    paths = locate_files(HEART, domains, data_home,
                         download_if_missing=download_if_missing)
    X, y, sample_domain = stack_domains([_read_heart(p) for p in paths], domains)
    return make_bunch(
        X, y, sample_domain, domains, feature_names=HEART_FEATURES,
        target_names=["no disease (num = 0)", "disease (num > 0)"],
        descr=_HEART_DESCR, as_frame=as_frame, target_column="disease",
    )


# ------------------------------------------------------------ MATLAB files
def _read_mat(path, n_features):
    from scipy.io import loadmat

    mat = loadmat(path)
    missing = [key for key in ("fts", "labels") if key not in mat]
    if missing:
        raise ValueError(
            f"{path} has no variable(s) {missing}; the original file holds 'fts' "
            "(features) and 'labels'."
        )
    X = np.asarray(mat["fts"], dtype=np.float64)
    labels = np.asarray(mat["labels"]).ravel().astype(np.int64)
    _check_columns(X, n_features, path)
    if labels.shape[0] != X.shape[0]:
        raise ValueError(
            f"{path}: 'fts' has {X.shape[0]} rows but 'labels' has {labels.shape[0]}."
        )
    return X, labels


def _normalise_and_zscore(X, sample_domain):
    """The published SURF protocol: each row divided by its sum, then each
    feature z-scored within each domain (population standard deviation, as
    MATLAB's ``zscore(X, 1)``; a constant feature becomes 0)."""
    X = X / X.sum(axis=1, keepdims=True)
    for d in np.unique(sample_domain):
        rows = sample_domain == d
        mean = X[rows].mean(axis=0)
        std = X[rows].std(axis=0)
        std[std == 0] = 1.0
        X[rows] = (X[rows] - mean) / std
    return X


def fetch_office_caltech10(*, data_home=None, domains=None, preprocessing="raw"):
    """Office-Caltech10 with SURF features (Gong et al. 2012, GFK release).

    ============================  ==============================================
    Domains (rows)                amazon (958), webcam (295), dslr (157),
                                  caltech (1123, Caltech-256)
    Features                      800-word SURF bag of visual words
    Target                        10 object classes, ``y`` in 0..9
    ============================  ==============================================

    The 10 classes shared by Office-31 and Caltech-256: back_pack, bike,
    calculator, headphones, keyboard, laptop_computer, monitor, mouse, mug,
    projector. The files' labels 1..10 are returned minus one, so that
    ``target_names[y]`` names the class.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`. The files are read from its
        sub-folder ``office_caltech10_surf/`` (``amazon_SURF_L10.mat``,
        ``webcam_SURF_L10.mat``, ``dslr_SURF_L10.mat``,
        ``Caltech10_SURF_L10.mat``; MATLAB variables ``fts`` and ``labels``).
    domains : str or list of str, default=None
        Domains to load, among ``"amazon"``, ``"webcam"``, ``"dslr"``,
        ``"caltech"``, in the order given; all by default.
    preprocessing : {"raw", "published"}, default="raw"
        ``"raw"``: the visual-word counts as stored. ``"published"``: the
        protocol of the published results (e.g. JDA, Long et al. 2013, and
        the surveys that report TCA and KMM): each row divided by its sum,
        then each feature z-scored within each loaded domain on its own
        (population standard deviation; constant features become 0).
        Results move by several points with other choices. Note that the
        z-scoring uses the target domain's own statistics, which are
        available without labels in unsupervised domain adaptation.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` (float64, n x 800), ``y`` (int64, 0..9), ``sample_domain``
        (the i-th loaded domain has id ``i + 1``), ``domain_names``,
        ``feature_names`` (``surf_000`` ... ``surf_799``: the files carry no
        vocabulary), ``target_names``, ``DESCR``.

    Raises
    ------
    FileNotFoundError
        When a file is missing: the message names it, the folder searched,
        how that folder was chosen and where the data come from.

    References
    ----------
    B. Gong, Y. Shi, F. Sha, K. Grauman. Geodesic flow kernel for
    unsupervised domain adaptation. CVPR 2012.
    """
    if preprocessing not in ("raw", "published"):
        raise ValueError(
            f"preprocessing must be 'raw' or 'published', got {preprocessing!r}."
        )
    domains = select_domains(OFFICE, domains)
    paths = locate_files(OFFICE, domains, data_home)
    blocks = [_read_mat(p, _N_FEATURES["office"]) for p in paths]
    X, y, sample_domain = stack_domains([(Xd, yd - 1) for Xd, yd in blocks], domains)
    if preprocessing == "published":
        X = _normalise_and_zscore(X, sample_domain)
    return make_bunch(
        X, y, sample_domain, domains,
        feature_names=[f"surf_{j:03d}" for j in range(_N_FEATURES["office"])],
        target_names=OFFICE_CLASSES, descr=_OFFICE_DESCR,
    )


def fetch_amazon_reviews(*, data_home=None, domains=None):
    """Amazon product reviews, 400 most frequent words (Blitzer et al. 2007,
    processing of Chen et al. 2012).

    ============================  ==============================================
    Domains (rows)                books (2000), dvd (1999), elec (1998),
                                  kitchen (1999)
    Features                      400 word frequencies (each row sums to 1)
    Target                        sentiment, 0 or 1 (binary, balanced)
    ============================  ==============================================

    The features are used as stored. The base model's regularisation matters
    a lot here (a weakly regularised source model overfits): choose it
    without target labels, e.g. by cross-validation on the source, and use
    the same setting for every method and for the source-only baseline.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`. The files are read from its
        sub-folder ``amazon_review_400/`` (``books_400.mat``, ``dvd_400.mat``,
        ``elec_400.mat``, ``kitchen_400.mat``; MATLAB variables ``fts`` and
        ``labels``).
    domains : str or list of str, default=None
        Domains to load, among ``"books"``, ``"dvd"``, ``"elec"``,
        ``"kitchen"``, in the order given; all by default.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``X`` (float64, n x 400), ``y`` (int64, 0/1), ``sample_domain`` (the
        i-th loaded domain has id ``i + 1``), ``domain_names``,
        ``feature_names`` (``word_000`` ... ``word_399``: the files carry no
        vocabulary), ``target_names``, ``DESCR``.

    Raises
    ------
    FileNotFoundError
        When a file is missing: the message names it, the folder searched,
        how that folder was chosen and where the data come from.

    References
    ----------
    J. Blitzer, M. Dredze, F. Pereira. Biographies, Bollywood, boom-boxes and
    blenders: domain adaptation for sentiment classification. ACL 2007.
    M. Chen, Z. Xu, K. Weinberger, F. Sha. Marginalized denoising
    autoencoders for domain adaptation. ICML 2012.
    """
    domains = select_domains(AMAZON, domains)
    paths = locate_files(AMAZON, domains, data_home)
    X, y, sample_domain = stack_domains(
        [_read_mat(p, _N_FEATURES["amazon"]) for p in paths], domains
    )
    return make_bunch(
        X, y, sample_domain, domains,
        feature_names=[f"word_{j:03d}" for j in range(_N_FEATURES["amazon"])],
        target_names=["negative", "positive"], descr=_AMAZON_DESCR,
    )


_WINE_DESCR = """\
Wine Quality (Cortez et al., 2009)
----------------------------------
Physico-chemical measurements (11 features) of red (1599) and white (4898)
vinho verde wines with a sensory quality score from 3 to 9. Domains: red,
white; the usual transfer task is red -> white. Target: quality >= 6
(binary) or the score itself (regression).
Source: UCI ML repository id 186, CC BY 4.0,
https://archive.ics.uci.edu/static/public/186/wine+quality.zip
"""

_HEART_DESCR = """\
Heart Disease, processed files (Detrano et al., 1989)
-----------------------------------------------------
13 clinical features of patients of four hospitals (the domains): Cleveland
(303), Hungary (294), Switzerland (123), VA Long Beach (200). Target: num > 0
(angiographic disease). Missing values are NaN in X: '?' in the files, and
chol == 0 (cholesterol recorded as 0 for all Switzerland rows and 49 VA
rows, which means missing). Impute inside a pipeline. Switzerland is 93.5%
positive.
Source: UCI ML repository id 45, CC BY 4.0,
https://archive.ics.uci.edu/static/public/45/heart+disease.zip
"""

_OFFICE_DESCR = """\
Office-Caltech10, SURF features (Gong et al., CVPR 2012)
--------------------------------------------------------
800-word SURF bag-of-visual-words histograms of images of 10 object classes
in four domains: amazon (958, product photos), webcam (295), dslr (157) and
caltech (1123, Caltech-256). 12 ordered source -> target pairs. The published
protocol divides each row by its sum and z-scores each domain on its own
(preprocessing="published"); results move by several points with other
choices. Small targets (dslr, webcam) make target-only scores weak ceilings.
Source: the GFK release; files *_SURF_L10.mat (variables fts, labels 1..10).
"""

_AMAZON_DESCR = """\
Amazon reviews, 400-word features (Blitzer et al., 2007; Chen et al., 2012)
--------------------------------------------------------------------------
Product reviews in four domains: books (2000), dvd (1999), elec (1998),
kitchen (1999), about half positive each, as frequencies of the 400 most
frequent words (each row sums to 1). 12 ordered pairs. A weakly regularised
source model overfits: choose the regularisation without target labels and
use it for every method and for the source-only baseline.
Source: the mSDA processing; files *_400.mat (variables fts, labels 0/1).
"""
