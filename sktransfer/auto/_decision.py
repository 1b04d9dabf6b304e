"""How :class:`~sktransfer.AutoAdapter` decides, as functions of its
cross-validation table (so that the rule can be studied, and changed, on
recorded tables without refitting anything).

A *record* is one candidate setting: ``{"name", "kind", "params",
"scores": {criterion: ndarray of one value per fold}}``. Scores are on the
scale of the task's metric: accuracy in points (0-100) for classifiers,
:math:`R^2` for regressors; higher is better.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._candidates import SOURCE_ONLY

__all__ = ["Decision", "decide_label_free", "decide_with_target_labels"]

#: criterion that ranks the settings of one candidate in the label-free mode
WITHIN = "source"
#: criterion that compares the adapters with source-only in that mode
EVIDENCE = "iw"


@dataclass
class Decision:
    best: int                 # index of the chosen record
    verdicts: list            # one text per record
    text: str                 # why, in a sentence or two


def _best_per_candidate(records, criterion):
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


def decide_label_free(records, margin, *, within=WITHIN, evidence=EVIDENCE):
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
       wins. Otherwise source-only is kept.
    """
    best = _best_per_candidate(records, within)
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
    else:
        verdicts[base] = "chosen: no adapter beat it by the margin"
        rest = ("" if best_rejected is None else
                f" (closest: {best_rejected[0]}, {best_rejected[1]:+.3g})")
        text = (f"kept source_only {_fmt(records[base]['params'])}: no adapter's "
                f"evidence criterion beat it by the margin {margin:g} on average "
                f"without falling below it in a fold{rest}.")
    return Decision(chosen, verdicts, text)


def decide_with_target_labels(records, margin, *, criterion="target"):
    """The rule with labelled target rows: the setting with the best mean
    cross-validated score on the held-out labelled target rows, provided it
    beats source-only's best by ``margin``; otherwise source-only."""
    means = np.array([_mean(r, criterion) for r in records])
    base = max((i for i, r in enumerate(records) if r["name"] == SOURCE_ONLY),
               key=lambda i: (means[i], -i))
    order = sorted(range(len(records)), key=lambda i: (-means[i], i))
    top = order[0]
    verdicts = [f"{criterion} {means[i]:.3g}" for i in range(len(records))]
    # (a source-only model that could not be fitted, e.g. one class in the
    # labelled source rows, scores -inf: any candidate that could wins)
    if top != base and means[top] - means[base] >= margin:
        chosen = top
        rec = records[top]
        text = (f"chose {rec['name']} {_fmt(rec['params'])}: best cross-validated "
                f"score on the labelled target rows, {means[top]:.3g} against "
                f"source-only's {means[base]:.3g} (margin {margin:g}).")
    else:
        chosen = base
        text = (f"kept source_only {_fmt(records[base]['params'])}: no candidate beat "
                f"its cross-validated score on the labelled target rows "
                f"({means[base]:.3g}) by the margin {margin:g}.")
    verdicts[chosen] = "chosen: " + verdicts[chosen]
    return Decision(chosen, verdicts, text)
