"""
AutoAdapter: without target labels, and with twenty
====================================================

:class:`~sktransfer.AutoAdapter` cross-validates a set of candidate adapters
and the source-only model, and adapts only when the evidence says it helps.
``decision_`` explains the choice and ``cv_results_`` holds the table it was
made from. Three synthetic shifts, scored on target rows whose labels no fit
saw:

* a **label shift** (50 % positive in the source, 90 % in the target);
* **rotated moons** (a conditional shift);
* a strong **covariate shift**, on which a linear source model extrapolates
  badly.

**Without target labels** the evidence is an importance-weighted validation
on held-out source rows, and here it is not enough: AutoAdapter keeps
source-only on all three. On the first it misses a real gain of the
label-shift correction (one of its three folds fell below source-only). On
the third, the source model's wrong predictions of the target look like a
label shift; black-box shift estimation then gives the positive class a
negative target proportion, which contradicts the label-shift assumption,
so the correction is not chosen (before that test it was, for no gain) --
but no covariate-shift adapter shows evidence either (KMM would have
helped). The hedge a classifier falls back on without evidence -- the
average of source-only with CORAL's and TCA's picks -- is refused on all
three by its guards: the class proportions changed on the first (estimated
total variation 0.37; it would have lost 1.3 points), and its
importance-weighted score is below source-only's on the other two (on the
moons it would have gained 2.7: a missed gain). Read ``decision_``.

**With twenty labelled target rows** (marked by a negative
``sample_domain``; the ``"target-labels"`` mode is then chosen by itself)
the candidates are compared on those labels, target-only and pooled
training join them, and the choice gains on all three: the label-shift
correction on the first; on the other two, target-only training, which
twenty labels make better here than any adapter.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sktransfer import AutoAdapter
from sktransfer.datasets import make_covariate_shift, make_label_shift, make_shifted_moons

problems = {
    "label shift": make_label_shift(n_source=300, n_target=300, source_priors=[0.5, 0.5],
                                    target_priors=[0.1, 0.9], random_state=0),
    "rotated moons": make_shifted_moons(n_source=300, n_target=300, angle=30,
                                        random_state=0),
    "covariate shift": make_covariate_shift(n_source=300, n_target=300, shift=1.5,
                                            random_state=0),
}

rng = np.random.default_rng(0)
rows = []
for name, data in problems.items():
    X, y = data.X, data.y
    tgt = data.sample_domain == 2
    labelled = np.zeros(len(y), dtype=bool)
    labelled[rng.choice(np.flatnonzero(tgt), 20, replace=False)] = True
    scored = tgt & ~labelled  # never seen by any fit, with or without labels
    sd = np.where(tgt, -2, 1)
    source = LogisticRegression().fit(X[~tgt], y[~tgt])
    free = AutoAdapter(LogisticRegression(), random_state=0)
    free.fit(X, np.where(tgt, -1, y), sample_domain=sd)
    few = AutoAdapter(LogisticRegression(), random_state=0)
    few.fit(X, np.where(scored, -1, y), sample_domain=sd)
    rows.append((name, source.score(X[scored], y[scored]),
                 free.best_name_, free.score(X[scored], y[scored]),
                 few.best_name_, few.score(X[scored], y[scored])))
    print(f"{name}, label-free: {free.decision_}")
    print(f"{name}, 20 labels ({few.mode_}): {few.decision_}")

print()
print(f"{'problem':16s} {'source-only':>11s}   {'label-free choice':24s}   "
      f"{'with 20 labels':24s}")
for name, s, free_name, free_acc, few_name, few_acc in rows:
    print(f"{name:16s} {s:11.3f}   {free_name:16s} {free_acc:7.3f}   "
          f"{few_name:16s} {few_acc:7.3f}")

fig, ax = plt.subplots(figsize=(7.5, 3.8))
pos = np.arange(len(rows))
ax.bar(pos - 0.25, [r[1] for r in rows], 0.25, label="source-only")
ax.bar(pos, [r[3] for r in rows], 0.25, label="AutoAdapter, no target label")
ax.bar(pos + 0.25, [r[5] for r in rows], 0.25, label="AutoAdapter, 20 target labels")
for p, r in zip(pos, rows):
    ax.text(p, r[3] + 0.02, r[2], ha="center", fontsize=7, rotation=90, va="bottom")
    ax.text(p + 0.25, r[5] + 0.02, r[4], ha="center", fontsize=7, rotation=90,
            va="bottom")
ax.set_xticks(pos, [r[0] for r in rows])
ax.set_ylabel("target accuracy (unseen rows)")
ax.set_ylim(0, 1.35)
ax.legend(loc="upper left", fontsize=8, ncol=3)
ax.set_title("What AutoAdapter chose, and what it was worth")
fig.tight_layout()
plt.show()
