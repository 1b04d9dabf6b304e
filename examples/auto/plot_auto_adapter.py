"""
AutoAdapter: what it chose and why
==================================

:class:`~sktransfer.AutoAdapter` cross-validates a set of candidate adapters
and the source-only model, and adapts only when the evidence says it helps.
``decision_`` explains the choice and ``cv_results_`` holds the table it was
made from. Without target labels it uses label-free scores, so its choice
can be wrong; the true target accuracy is printed next to it.

On this draw the choice is poor: AutoAdapter picks the label-shift
correction, which does no better than the source model on this covariate
shift, while KMM (see the reweighting example) reaches about 0.79. The
label-free evidence misled it here.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sktransfer import AutoAdapter
from sktransfer.datasets import make_covariate_shift

data = make_covariate_shift(n_source=300, n_target=300, shift=1.5, random_state=0)
X, y = data.X, data.y
tgt = data.sample_domain == 2
sd, y_fit = np.where(tgt, -2, 1), np.where(tgt, -1, y)

auto = AutoAdapter(LogisticRegression(), random_state=0).fit(X, y_fit, sample_domain=sd)
print(f"mode: {auto.mode_}; chose {auto.best_name_} (adapted: {auto.adapted_})")
print(f"decision: {auto.decision_}")
print(f"target accuracy of the choice: {auto.score(X[tgt], y[tgt]):.3f}")
source = LogisticRegression().fit(X[~tgt], y[~tgt])
print(f"target accuracy, source only:  {source.score(X[tgt], y[tgt]):.3f}")

cv = auto.cv_results_
print("cv_results_ keys:", sorted(cv))
names = np.array([str(c) for c in cv["candidate"]])
iw = np.asarray(cv["mean_iw"], dtype=float)
# one row per setting; print the rows that carry a decision
for name, verdict in zip(names, cv["verdict"]):
    if not str(verdict).startswith("not the best"):
        print(f"  {name:16s} {verdict}")
# the best importance-weighted score of each candidate
cands = list(dict.fromkeys(names))
best = [np.nanmax(iw[names == c]) for c in cands]
order = np.argsort(best)
plt.figure(figsize=(7, 4))
plt.barh(np.array(cands)[order], np.array(best)[order])
plt.xlabel("best cv_results_['mean_iw'] of each candidate")
plt.title(f"AutoAdapter chose {auto.best_name_}")
plt.tight_layout()
plt.show()
