"""The candidates :class:`~sktransfer.AutoAdapter` chooses among: the
wrapped estimator without adaptation (always), the package's adapters with
small data-dependent grids (by default), or a user's list."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from numbers import Real

from sklearn.base import clone, is_classifier
from sklearn.model_selection import ParameterGrid
from sklearn.utils.validation import has_fit_parameter

from .._kernels import median_heuristic_gamma
from .._per_domain import source_domain_ids

__all__ = ["Candidate", "default_candidates", "user_candidates", "estimator_grid"]

#: name of the candidate that trains the wrapped estimator on the labelled
#: source rows only (reserved: a user's candidate may not take it)
SOURCE_ONLY = "source_only"
#: the two further baselines of the labelled-target mode
TARGET_ONLY = "target_only"
POOLED = "pooled"
#: the label-free mode's average of source-only and the label-free picks
#: of :data:`ENSEMBLE_MEMBERS` (an :class:`~sktransfer.auto.AdapterEnsemble`)
ENSEMBLE = "ensemble"
RESERVED = (SOURCE_ONLY, TARGET_ONLY, POOLED, ENSEMBLE)
#: the candidates whose picks join the ensemble: their label-free picks
#: with source-only; with labelled target rows, their fixed settings
#: (:func:`labelled_member_settings`) with pooled training and the
#: parameter-transfer members of :func:`parameter_transfer_members`
ENSEMBLE_MEMBERS = ("coral", "tca")

#: the factors applied to the wrapped estimator's own regularisation by
#: ``estimator_grid="auto"``
AUTO_FACTORS = (0.1, 1.0, 10.0)
#: POT's coupling is dense and its solve is repeated for every setting and
#: fold: the OT mapping is a default candidate up to this many source x
#: target pairs (about 1 s a fit at 1000 x 1000 rows on one core)
OT_MAX_PAIRS = 2_000_000


@dataclass(frozen=True)
class Candidate:
    """An unfitted estimator and its parameter settings.

    ``kind`` says what the estimator is trained on: ``"adapter"`` (every
    row, with ``sample_domain``), ``"source_only"`` (the labelled source
    rows), ``"target_only"`` (the labelled target rows), ``"labelled"``
    (every labelled row: the pooled baseline, and a user's plain
    estimator). ``evidence`` names the criterion that compares it with
    source-only in the label-free mode: ``"iw"`` (covariate-shift
    importance weights) for every adapter but label-shift correction,
    whose assumption the class-ratio weights of ``"iw_label"`` match.
    """

    name: str
    estimator: object
    grid: tuple  # of dict: the settings, each passed to set_params
    kind: str = "adapter"
    evidence: str = "iw"


def _evidence(est):
    """The label-free evidence criterion that matches ``est``'s assumption:
    class-ratio weights for label-shift correction, covariate-shift weights
    for every other adapter."""
    from ..instance import LabelShiftClassifier

    return "iw_label" if isinstance(est, LabelShiftClassifier) else "iw"


def _takes_estimator(est):
    return "estimator" in est.get_params(deep=False)


def estimator_grid(estimator, spec):
    """Settings of the wrapped estimator searched with every candidate.

    ``"auto"``: its ``C`` (or else ``alpha``) times :data:`AUTO_FACTORS`,
    when it has a positive numeric one; ``None``: only the estimator as
    given; a dict or list of dicts: a :class:`~sklearn.model_selection.ParameterGrid`.
    """
    if spec is None:
        return [{}]
    if isinstance(spec, str):
        if spec != "auto":
            raise ValueError(f"estimator_grid must be 'auto', None, a dict or a list "
                             f"of dicts, got {spec!r}.")
        params = estimator.get_params(deep=False)
        for name in ("C", "alpha"):
            value = params.get(name)
            if isinstance(value, Real) and not isinstance(value, bool) and value > 0:
                return [{name: float(value) * f} for f in AUTO_FACTORS]
        return [{}]
    return _settings(estimator, spec, "estimator_grid",
                     "must be 'auto', None, a dict or a list of dicts")


def _settings(estimator, grid, what, expected):
    """The settings of ``grid`` (a ParameterGrid spec), each checked by
    ``set_params`` on a clone of ``estimator``; errors name ``what``."""
    try:
        settings = list(ParameterGrid(grid))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} {expected}, got {grid!r}: {exc}") from exc
    for setting in settings:
        try:
            clone(estimator).set_params(**setting)
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from exc
    return settings


def _with_estimator_grid(est, grid, est_grid):
    """Every setting of ``grid`` combined with every wrapped-estimator
    setting (prefixed ``estimator__`` when ``est`` wraps one)."""
    prefix = "estimator__" if _takes_estimator(est) else ""
    return tuple({**g, **{prefix + k: v for k, v in e.items()}}
                 for g in grid for e in est_grid)


def _n_components(d, cap):
    return sorted({max(1, min(cap, d // 4)), max(1, min(cap, d // 2))})


def default_candidates(estimator, data, est_grid, random_state):
    """The default adapters around ``estimator``, their grids resolved from
    the data (bandwidths from the median heuristic, dimensions from the
    number of features): CORAL, Subspace Alignment, the linear Gaussian OT
    map, TCA, KMM (estimators taking ``sample_weight``), the
    class-regularised OT mapping (with POT installed and at most
    :data:`OT_MAX_PAIRS` source x target pairs) and, for classifiers with
    ``predict_proba``, label-shift correction. With several source domains
    (positive ``sample_domain`` ids) CORAL, Subspace Alignment and the
    linear OT map also try ``source_handling="per_domain"``, and
    :class:`~sktransfer.multisource.MultiSourceAdapter` is a candidate."""
    from ..alignment import CORAL, TCA, LinearOTMapping, SubspaceAlignment
    from ..instance import KMM

    X = data.X
    n_s, n_t = int(data.is_source.sum()), int(data.is_target.sum())
    d = X.shape[1]
    classifier = is_classifier(estimator)
    seed = {"random_state": random_state}
    out = [
        ("coral", CORAL(clone(estimator)), [{"reg": "auto"}, {"reg": 1.0}]),
        ("subspace_alignment", SubspaceAlignment(clone(estimator)),
         [{"n_components": k} for k in _n_components(d, _dimension_cap(data, 100))]),
        ("linear_ot", LinearOTMapping(clone(estimator)), [{}]),
        ("tca", TCA(clone(estimator), kernel="linear", **seed),
         [{"n_components": k, "mu": mu} for k in _n_components(d, _dimension_cap(data, 50))
          for mu in (0.1, 1.0)]),
    ]
    if has_fit_parameter(estimator, "sample_weight"):
        gamma = median_heuristic_gamma(X, random_state=random_state)
        out.append(("kmm", KMM(clone(estimator), B=1000.0, **seed),
                    [{"gamma": gamma * f} for f in (0.1, 1.0)]))
    if n_s * n_t <= OT_MAX_PAIRS and importlib.util.find_spec("ot") is not None:
        from ..alignment import OTMapping

        grid = [{"reg_cl": 0.0}] + ([{"reg_cl": 1.0}] if classifier else [])
        out.append(("ot_mapping", OTMapping(clone(estimator)), grid))
    if classifier and hasattr(estimator, "predict_proba"):
        from ..instance import LabelShiftClassifier

        out.append(("label_shift", LabelShiftClassifier(clone(estimator), **seed),
                    [{"method": "em"}, {"method": "bbse"}]))
    if len(source_domain_ids(data.sample_domain)) > 1:
        out = _multi_source(out, estimator)
    return [Candidate(name, est, _with_estimator_grid(est, grid, est_grid),
                      evidence=_evidence(est))
            for name, est, grid in out]


#: the default candidates that also try one adaptation per source domain
PER_DOMAIN = ("coral", "subspace_alignment", "linear_ot")


def _multi_source(out, estimator):
    """With several source domains: the per-domain setting of the mapping
    adapters added to their grids, and the multi-source combination."""
    from ..multisource import MultiSourceAdapter

    out = [(name, est, grid + [{**g, "source_handling": "per_domain"} for g in grid])
           if name in PER_DOMAIN else (name, est, grid) for name, est, grid in out]
    if not is_classifier(estimator) or hasattr(estimator, "predict_proba"):
        grid = [{"combine": "distribution"}]
        if has_fit_parameter(estimator, "sample_weight"):
            grid.append({"combine": "weighted"})
        out.append(("multi_source", MultiSourceAdapter(clone(estimator)), grid))
    return out


def user_candidates(candidates, est_grid):
    """A user's ``(name, estimator)`` / ``(name, estimator, grid)`` list,
    checked. An estimator whose ``fit`` takes ``sample_domain`` is an
    adapter (trained on every row); any other is trained on the labelled
    rows."""
    from ..model_selection._scorers import _takes_sample_domain

    if isinstance(candidates, (str, bytes)) or not hasattr(candidates, "__iter__"):
        raise ValueError(
            "candidates must be None or a list of (name, estimator) or (name, "
            f"estimator, grid) tuples, got {candidates!r}.")
    out, seen = [], set()
    for item in candidates:
        if not isinstance(item, (tuple, list)) or len(item) not in (2, 3):
            raise ValueError(
                "each candidate must be a (name, estimator) or (name, estimator, grid) "
                f"tuple, got {item!r}.")
        name, est = item[0], item[1]
        grid = item[2] if len(item) == 3 else {}
        if not isinstance(name, str) or not name:
            raise ValueError(f"a candidate's name must be a non-empty string, got {name!r}.")
        if name in RESERVED:
            raise ValueError(f"the candidate name {name!r} is reserved for AutoAdapter's "
                             f"own baselines {RESERVED}; rename it.")
        if name in seen:
            raise ValueError(f"two candidates are named {name!r}; names must be unique.")
        seen.add(name)
        if not (hasattr(est, "fit") and hasattr(est, "get_params")):
            raise ValueError(f"candidate {name!r} is not a scikit-learn estimator: {est!r}.")
        settings = _settings(est, grid, f"candidate {name!r}",
                             "grid must be a dict or a list of dicts of parameter lists")
        adapter = _takes_sample_domain(est.fit)
        wrapped = est_grid if adapter and _takes_estimator(est) else [{}]
        out.append(Candidate(name, est, _with_estimator_grid(est, settings, wrapped),
                             "adapter" if adapter else "labelled", _evidence(est)))
    if not out:
        raise ValueError("candidates is empty: pass None for the default adapters, or "
                         "at least one (name, estimator) tuple.")
    return out


def _is_linear(estimator):
    """Whether ``estimator`` is one of scikit-learn's linear models (whose
    fitted ``coef_`` and ``intercept_`` regularised transfer pulls)."""
    # (scikit-learn has no public marker of a linear model; these two base
    # classes are the ones its linear classifiers and regressors share)
    from sklearn.linear_model._base import LinearClassifierMixin, LinearModel

    return isinstance(estimator, (LinearClassifierMixin, LinearModel))


def _dimension_cap(data, limit):
    """The largest subspace dimension offered: ``limit`` (100 for Subspace
    Alignment, 50 for TCA), and below the number of source and of target
    rows."""
    n_s, n_t = int(data.is_source.sum()), int(data.is_target.sum())
    return max(1, min(limit, n_s - 1, n_t - 1))


def labelled_member_settings(name, data):
    """The fixed setting of a default ensemble member in the labelled-target
    mode (not chosen on the fold scores: with a handful of labels those pick
    lucky settings): CORAL with Ledoit-Wolf shrinkage, TCA with the larger
    of its default dimensions and ``mu=1``."""
    if name == "coral":
        return {"reg": "auto"}
    if name == "tca":
        return {"n_components": _n_components(data.X.shape[1], _dimension_cap(data, 50))[-1],
                "mu": 1.0}
    return {}


def parameter_transfer_members(estimator, random_state):
    """The ensemble's members that learn from the labelled target rows
    themselves (labelled-target mode): weighted pooling (when the
    estimator's ``fit`` takes ``sample_weight``) and regularised transfer
    towards the estimator's source model (a linear model), each with its
    own weight or pull chosen by cross-validation on the labelled target
    rows of its training rows."""
    from ..parameter import (
        RegularTransferClassifier,
        RegularTransferRegressor,
        WeightedPooling,
    )

    out = []
    if has_fit_parameter(estimator, "sample_weight"):
        out.append(("weighted_pooling",
                    WeightedPooling(clone(estimator), random_state=random_state)))
    if _is_linear(estimator):
        cls = RegularTransferClassifier if is_classifier(estimator) else RegularTransferRegressor
        out.append(("regular_transfer", cls(clone(estimator), alpha="auto",
                                            random_state=random_state)))
    return out


def baselines(estimator, est_grid, labelled_target):
    """Source-only always, the estimator exactly as given (so that keeping
    it returns the model the user would have had without AutoAdapter); with
    labelled target rows, target-only and pooled training too, each with
    the estimator grid."""
    grid = tuple(est_grid)
    out = [Candidate(SOURCE_ONLY, estimator, ({},), "source_only")]
    if labelled_target:
        out += [Candidate(TARGET_ONLY, estimator, grid, "target_only"),
                Candidate(POOLED, estimator, grid, "labelled")]
    return out
