"""How :class:`~sktransfer.AutoAdapter` decides, as functions of its
cross-validation table (so that the rule can be studied, and changed, on
recorded tables without refitting anything).

A *record* is one candidate setting: ``{"name", "kind", "params",
"scores": {criterion: ndarray of one value per fold}}``. Scores are on the
scale of the task's metric: accuracy in points (0-100) for classifiers,
:math:`R^2` for regressors; higher is better.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ._candidates import ENSEMBLE, SOURCE_ONLY

__all__ = ["Decision", "accuracy_margin", "decide_label_free",
           "decide_with_target_labels"]

#: criterion that ranks the settings of one candidate in the label-free mode
WITHIN = "source"
#: criterion that compares the adapters with source-only in that mode
EVIDENCE = "iw"
#: largest estimated change of the class proportions (total variation,
#: source-only's ``class_shift``) under which the ensemble may be the
#: fallback: its members align the marginal distributions of the features,
#: which moves the classes when their proportions changed
MAX_CLASS_SHIFT = 0.25


@dataclass
class Decision:
    best: int                 # index of the chosen record
    verdicts: list            # one text per record
    text: str                 # why, in a sentence or two
    margin: float = None      # the margin applied (None: the one given)


def best_per_candidate(records, criterion):
    """Index of the best record of each candidate by the mean of
    ``criterion`` (ties: the earlier setting)."""
    best = {}
    for i, rec in enumerate(records):
        j = best.get(rec["name"])
        if j is None or _mean(rec, criterion) > _mean(records[j], criterion):
            best[rec["name"]] = i
    return best


def _mean(rec, criterion):
    """Mean over the folds; ``-inf`` when a fold failed (never chosen)."""
    values = np.asarray(rec["scores"].get(criterion, [np.nan]), dtype=float)
    return float(np.mean(values)) if np.all(np.isfinite(values)) else -np.inf


def _fmt(params):
    return "{" + ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in params.items()) + "}"


def decide_label_free(records, margin, *, within=WITHIN, evidence=EVIDENCE,
                      fallback="source_only", max_class_shift=MAX_CLASS_SHIFT):
    """The label-free rule.

    1. Each candidate's setting (its hyperparameters and the wrapped
       estimator's regularisation, jointly) is the one with the best mean
       ``within`` criterion: the accuracy on held-out source rows, passed
       as source rows.
    2. An adapter replaces source-only only when, on its evidence
       criterion (the record's ``"evidence"``, else ``evidence``: an
       importance-weighted validation of the deployed model on the held-out
       source rows, ``"iw"`` with covariate-shift weights, ``"iw_label"``
       with label-shift class-ratio weights), it beats source-only's setting
       on that criterion by at least ``margin`` on average *and* is not
       below it in any fold. Among those that do, the largest mean gain
       wins.
    3. Otherwise, with ``fallback="ensemble"``, the ensemble (an
       :class:`~sktransfer.auto.AdapterEnsemble` of source-only and the
       label-free picks of CORAL and TCA, the record named
       ``"ensemble"``) is returned as a hedge when it could be fitted in
       every fold, its ``iw`` criterion is not below source-only's by more
       than ``margin`` on average, and (classifiers) the estimated change of
       the class proportions (source-only's ``class_shift``, the total
       variation of BBSE's estimate) is finite in every fold and at most
       ``max_class_shift`` on average. Else source-only is kept.
    """
    if fallback not in ("source_only", "ensemble"):
        raise ValueError(f"fallback must be 'source_only' or 'ensemble', got {fallback!r}.")
    best = best_per_candidate(records, within)
    base = best[SOURCE_ONLY]
    verdicts = [f"not the best setting of {r['name']} by {within}" for r in records]
    verdicts[base] = "baseline"
    chosen, chosen_gain, best_rejected = base, -np.inf, None
    for name, i in best.items():
        if i == base:
            continue
        ev = records[i].get("evidence") or evidence
        base_ev = np.asarray(records[base]["scores"].get(ev, np.nan), dtype=float)
        gain = np.asarray(records[i]["scores"].get(ev, np.nan), dtype=float) - base_ev
        mean = float(np.mean(gain))
        if not np.all(np.isfinite(gain)):
            verdicts[i] = f"rejected: {ev} could not be computed in every fold"
            continue
        if mean >= margin and np.all(gain >= 0):
            verdicts[i] = f"evidence: {ev} {mean:+.3g} over source_only, no fold below"
            if mean > chosen_gain:
                chosen, chosen_gain, chosen_ev = i, mean, ev
        else:
            why = ("below the margin" if mean < margin else "below it in a fold")
            verdicts[i] = f"rejected: {ev} {mean:+.3g} over source_only ({why})"
            if best_rejected is None or mean > best_rejected[1]:
                best_rejected = (name, mean)
    if chosen != base:
        verdicts[chosen] = "chosen: " + verdicts[chosen]
        rec = records[chosen]
        text = (f"adapted with {rec['name']} {_fmt(rec['params'])}: its {chosen_ev} "
                f"criterion beat source-only's by {chosen_gain:+.3g} on average (margin "
                f"{margin:g}) and was not below it in any fold.")
        return Decision(chosen, verdicts, text)
    rest = ("" if best_rejected is None else
            f" (closest: {best_rejected[0]}, {best_rejected[1]:+.3g})")
    no_evidence = (f"no adapter's evidence criterion beat source-only's by the "
                   f"margin {margin:g} on average without falling below it in a "
                   f"fold{rest}")
    hedge = best.get(ENSEMBLE) if fallback == "ensemble" else None
    if hedge is not None:
        why_not = _hedge_refusal(records[hedge], records[base], margin, max_class_shift)
        if why_not is None:
            verdicts[hedge] = "chosen: the fallback (hedge) when no adapter has evidence"
            return Decision(hedge, verdicts, (
                f"averaged source-only with the label-free picks of its members: "
                f"{no_evidence}; the ensemble's iw is within the margin of "
                f"source-only's and the class proportions look unchanged."))
        verdicts[hedge] += f"; not the fallback: {why_not}"
        no_evidence += f"; the ensemble was not the fallback: {why_not}"
    verdicts[base] = "chosen: no adapter beat it by the margin"
    return Decision(base, verdicts, f"kept source_only "
                    f"{_fmt(records[base]['params'])}: {no_evidence}.")


def _hedge_refusal(rec, base, margin, max_class_shift):
    """Why the ensemble may not be the fallback, or ``None``."""
    gain = (np.asarray(rec["scores"].get("iw", np.nan), dtype=float)
            - np.asarray(base["scores"].get("iw", np.nan), dtype=float))
    if not np.all(np.isfinite(gain)):
        return "iw could not be computed in every fold"
    if np.mean(gain) < -margin:
        return f"iw {np.mean(gain):+.3g} below source-only's by more than the margin"
    if "iw_label" in base["scores"]:  # a classifier: the class proportions
        shift = np.asarray(base["scores"].get("class_shift", np.nan), dtype=float)
        if not np.all(np.isfinite(shift)):
            return "the change of the class proportions could not be estimated"
        if np.mean(shift) > max_class_shift:
            return (f"the class proportions changed (estimated total variation "
                    f"{np.mean(shift):.2f} > {max_class_shift:g})")
    return None


#: the normal approximation behind :func:`accuracy_margin` is trusted when
#: ``n p`` and ``n (1 - p)`` reach this for both accuracies (the textbook
#: rule of thumb); below it the reference is kept
MIN_EXPECTED_COUNT = 5


def _proportions(*accuracies):
    """The finite accuracies (in points) as proportions clipped to [0, 1]."""
    return [min(max(float(a) / 100.0, 0.0), 1.0)
            for a in accuracies if a is not None and np.isfinite(a)]


def normal_approximation_holds(n, *accuracies, min_count=MIN_EXPECTED_COUNT):
    """Whether ``n`` held-out rows are enough for a normal test of these
    accuracies (in points): ``n p >= min_count`` and ``n (1 - p) >=
    min_count`` for each ``p`` (non-finite ones are left out)."""
    return all(n * p >= min_count and n * (1 - p) >= min_count
               for p in _proportions(*accuracies))


#: standard errors of the difference of two accuracies by which a
#: candidate must beat the reference with labelled target rows
#: (classifiers, ``margin="auto"``)
STANDARD_ERRORS = 2.0


def accuracy_margin(margin, accuracy, n, standard_errors=STANDARD_ERRORS, *, other=None):
    r"""The margin widened to standard errors of an accuracy or a difference.

    .. math::

        m' = \max\left(m,\; z \cdot 100 \sqrt{\frac{p (1 - p) + q (1 - q)}{n}}\right)

    with ``p = accuracy / 100`` and ``q = other / 100`` measured on the same
    ``n`` held-out rows (the ``q`` term left out without ``other``), so that
    a gain that a few lucky rows explain is no evidence. The two accuracies
    are treated as independent: for two models scored on the same rows,
    whose errors mostly agree, that overstates the standard error of their
    difference, which makes the test conservative. AutoAdapter applies it
    with ``margin="auto"`` when it has labelled target rows (classifiers),
    with ``p`` the reference's accuracy and ``q`` the best candidate's.

    Parameters
    ----------
    margin : float
        The margin in accuracy points (``>= 0``); the result is never below it.
    accuracy : float
        An accuracy in points (0 to 100; clipped to that range). A non-finite
        accuracy leaves the margin as given.
    n : int
        The number of held-out rows the accuracies were measured on
        (``>= 0``); with none the margin is left as given.
    standard_errors : float, default=2.0
        ``z``, the number of standard errors (``>= 0``).
    other : float, default=None
        The other accuracy of a difference, in points (clipped to 0 to 100);
        a non-finite one is left out.

    Returns
    -------
    float
        The widened margin, in points.

    Examples
    --------
    >>> from sktransfer.auto import accuracy_margin
    >>> accuracy_margin(1.0, 80.0, 100)
    8.0
    >>> round(accuracy_margin(1.0, 80.0, 100, other=90.0), 2)
    10.0
    """
    for name, value in (("margin", margin), ("standard_errors", standard_errors),
                        ("n", n)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) \
                or not np.isfinite(value) or value < 0:
            raise ValueError(f"accuracy_margin: {name} must be a finite number >= 0, "
                             f"got {value!r}.")
    for name, value in (("accuracy", accuracy), ("other", other)):
        if not (name == "other" and value is None) and (
                isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise ValueError(f"accuracy_margin: {name} must be a number (points, 0 to "
                             f"100), got {value!r}.")
    if not np.isfinite(accuracy) or n < 1:
        return float(margin)
    variance = sum(p * (1 - p) for p in _proportions(accuracy, other))
    return max(float(margin), standard_errors * 100.0 * float(np.sqrt(variance / n)))


def decide_with_target_labels(records, margin, *, criterion="target",
                              fallback="source_only", n_labelled=None,
                              standard_errors=STANDARD_ERRORS):
    """The rule with labelled target rows.

    The reference is source-only's best setting, or with
    ``fallback="ensemble"`` the ensemble (pooled training averaged with
    fixed members, the record named ``"ensemble"``) when it could be fitted
    in every fold. The setting with the best mean cross-validated score on
    the held-out labelled target rows is chosen when it beats the
    reference by the margin; otherwise the reference is kept. With
    ``n_labelled`` (the number of labelled target rows, held out once each
    over the folds; classifiers) the margin is widened to
    ``standard_errors`` standard errors of the difference between the best
    setting's accuracy and the reference's on that many rows
    (:func:`accuracy_margin`): a two-sample test of the two accuracies,
    made only where its normal approximation holds (``n p`` and ``n (1 -
    p)`` at least 5 for both accuracies; with fewer rows, e.g. 8 labelled
    rows, the reference is kept).
    (With a handful of labels the best of some fifty settings is often a
    lucky one: a reference that rests on no single setting, and a margin
    that grows as the labels get fewer, are what guard against it.)
    """
    if fallback not in ("source_only", "ensemble"):
        raise ValueError(f"fallback must be 'source_only' or 'ensemble', got {fallback!r}.")
    means = np.array([_mean(r, criterion) for r in records])
    base = max((i for i, r in enumerate(records) if r["name"] == SOURCE_ONLY),
               key=lambda i: (means[i], -i))
    ref = base
    hedge = [i for i, r in enumerate(records) if r["name"] == ENSEMBLE]
    if fallback == "ensemble" and hedge and np.isfinite(means[hedge[0]]):
        ref = hedge[0]
    ref_name = records[ref]["name"]
    order = sorted(range(len(records)), key=lambda i: (-means[i], i))
    top = order[0]
    if n_labelled is not None:
        margin = accuracy_margin(margin, means[ref], n_labelled, standard_errors,
                                 other=means[top])
    verdicts = [f"{criterion} {means[i]:.3g}" for i in range(len(records))]
    # (a source-only model that could not be fitted, e.g. one class in the
    # labelled source rows, scores -inf: any candidate that could wins, with
    # no test against it)
    beats = top != ref and means[top] - means[ref] >= margin
    too_few = (beats and n_labelled is not None and np.isfinite(means[ref])
               and not normal_approximation_holds(n_labelled, means[ref], means[top]))
    if beats and not too_few:
        chosen = top
        rec = records[top]
        text = (f"chose {rec['name']} {_fmt(rec['params'])}: best cross-validated "
                f"score on the labelled target rows, {means[top]:.3g} against "
                f"{ref_name}'s {means[ref]:.3g} (margin {margin:.3g}).")
    else:
        chosen = ref
        params = "" if ref != base else " " + _fmt(records[base]["params"])
        if too_few:
            rec = records[top]
            text = (f"kept {ref_name}{params}: {rec['name']} {_fmt(rec['params'])} "
                    f"scored {means[top]:.3g} against its {means[ref]:.3g} on the "
                    f"labelled target rows, but {n_labelled} rows are too few to test "
                    f"that difference (n*p and n*(1-p) must reach "
                    f"{MIN_EXPECTED_COUNT} for both accuracies).")
        else:
            text = (f"kept {ref_name}{params}: no candidate beat its cross-validated "
                    f"score on the labelled target rows ({means[ref]:.3g}) by the "
                    f"margin {margin:.3g}.")
    verdicts[chosen] = "chosen: " + verdicts[chosen]
    return Decision(chosen, verdicts, text, margin)
