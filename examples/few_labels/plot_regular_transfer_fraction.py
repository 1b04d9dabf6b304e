"""
Regularised transfer: score against the labelled target fraction
================================================================

:class:`~sktransfer.RegularTransferClassifier` pulls a target logistic
regression towards a fitted source model, by an amount chosen by
cross-validation on the labelled target rows (marked by a negative
``sample_domain``). Its target accuracy is compared, for a growing fraction
of labelled target rows, with the source model alone and with a model
trained on the labelled target rows only, on
:func:`~sktransfer.datasets.make_conditional_shift` data.

On this draw the transfer helps little: with a handful of labels it is no
better than the target-only model, and both beat the source model.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

from sktransfer import RegularTransferClassifier
from sktransfer.datasets import make_conditional_shift

data = make_conditional_shift(n_source=400, n_target=600, random_state=0)
X, y, sd = data.X, data.y, data.sample_domain
Xs, ys = X[sd == 1], y[sd == 1]
Xt, yt = X[sd == 2], y[sd == 2]
rng = np.random.RandomState(0)
order = rng.permutation(len(yt))
test = order[300:]
source_score = LogisticRegression().fit(Xs, ys).score(Xt[test], yt[test])

fractions = [0.02, 0.05, 0.1, 0.2, 0.5]
scores = {"RegularTransferClassifier": [], "target only": []}
for f in fractions:
    lab = order[: max(6, int(f * 300))]
    if len(np.unique(yt[lab])) < 2:
        lab = order[: len(lab) + 4]
    Xf = np.r_[Xs, Xt[lab]]
    yf = np.r_[ys, yt[lab]]
    sdf = np.r_[np.ones(len(ys), int), -np.ones(len(lab), int)]
    reg = RegularTransferClassifier(random_state=0).fit(Xf, yf, sample_domain=sdf)
    scores["RegularTransferClassifier"].append(reg.score(Xt[test], yt[test]))
    scores["target only"].append(
        LogisticRegression().fit(Xt[lab], yt[lab]).score(Xt[test], yt[test]))
    print(f"{f:4.0%} labelled ({len(lab):3d} rows): regular transfer "
          f"{scores['RegularTransferClassifier'][-1]:.3f}, target only "
          f"{scores['target only'][-1]:.3f}, source only {source_score:.3f}")

plt.figure(figsize=(6, 4))
for name, s in scores.items():
    plt.plot(fractions, s, "o-", label=name)
plt.axhline(source_score, color="gray", ls="--", label="source only")
plt.xscale("log")
plt.xlabel("labelled fraction of the target training rows")
plt.ylabel("target test accuracy")
plt.legend()
plt.tight_layout()
plt.show()
